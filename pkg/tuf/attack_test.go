package tuf

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/tufpip/tufpip/internal/tuftest"
)

// Attacks from the TUF specification and the TUF paper, each run against a
// real signed repository (internal/tuftest) served over loopback. Every test
// checks the class of the error (errors.As) and that nothing was left where
// the user looks: the download destination stays empty.

const (
	atkWheel     = "foobar-1.0-py3-none-any.whl"
	atkWheelPath = "packages/" + atkWheel
	atkIdle      = time.Second // long enough for a loaded machine, short enough for the stall tests
)

var atkWheelData = bytes.Repeat([]byte("genuine wheel "), 4096) // 56 KiB: several reads

// atkEnv is a repository with foobar's page and wheel signed by stable, and
// one tufpip user: a cache directory that persists across runs and an
// empty download directory.
type atkEnv struct {
	t     *testing.T
	repo  *tuftest.Repo
	srv   *tuftest.Server
	cache string
	dest  string
	page  []byte
	limit time.Duration // longest a run may take before the test gives up on it
}

func newAtkEnv(t *testing.T, opts ...tuftest.Option) *atkEnv {
	t.Helper()
	repo := tuftest.New(t, opts...)
	repo.AddFile(tuftest.Stable, atkWheel, atkWheelData)
	page := repo.SetPage(tuftest.Stable, "FooBar", tuftest.File(atkWheel, atkWheelData))
	repo.Publish()
	return &atkEnv{t: t, repo: repo, srv: repo.Serve(t), cache: t.TempDir(), dest: t.TempDir(), page: page, limit: 20 * time.Second}
}

func (e *atkEnv) config() Config {
	return Config{
		MetadataURL: e.srv.MetadataURL,
		TargetsURL:  e.srv.TargetsURL,
		TrustedRoot: e.repo.RootJSON(),
		CacheDir:    e.cache,
		UserAgent:   "tufpip/attack-test",
		IdleTimeout: atkIdle,
	}
}

// open opens a client with config, or fails the test.
func (e *atkEnv) open(ctx context.Context) *Client {
	e.t.Helper()
	c, err := Open(ctx, e.config())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// run is one tufpip run for a distribution file: open (refresh), look the
// target up, download it into the destination directory. It returns the
// first error and how long the run took.
func (e *atkEnv) run(cfg Config, targetPath string) (time.Duration, error) {
	e.t.Helper()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), e.limit)
	defer cancel()
	c, err := Open(ctx, cfg)
	if err != nil {
		return time.Since(start), err
	}
	tg, err := c.Lookup(ctx, targetPath)
	if err != nil {
		return time.Since(start), err
	}
	err = c.Download(ctx, tg, filepath.Join(e.dest, path.Base(targetPath)))
	return time.Since(start), err
}

// ok is a run that must succeed and deliver the genuine wheel; it leaves
// the cache trusting the repository's current state and empties dest again.
func (e *atkEnv) ok() {
	e.t.Helper()
	if _, err := e.run(e.config(), atkWheelPath); err != nil {
		e.t.Fatalf("legitimate run failed: %v", err)
	}
	p := filepath.Join(e.dest, atkWheel)
	got, err := os.ReadFile(p)
	if err != nil || !bytes.Equal(got, atkWheelData) {
		e.t.Fatalf("legitimate run: downloaded file wrong (%v)", err)
	}
	if err := os.Remove(p); err != nil {
		e.t.Fatal(err)
	}
}

// fresh forgets the user's cache: a first run on a new machine.
func (e *atkEnv) fresh() { e.cache = e.t.TempDir() }

// refused asserts err is a *VerificationError and dest is empty.
func (e *atkEnv) refused(err error) *VerificationError {
	e.t.Helper()
	var ve *VerificationError
	if !errors.As(err, &ve) {
		e.t.Fatalf("got %T %v, want a *VerificationError", err, err)
	}
	if IsNetwork(err) || IsNotFound(err) {
		e.t.Errorf("verification failure also classified as network/not-found: %v", err)
	}
	if r := ve.Reason; r == "" || unicode.IsUpper(rune(r[0])) || strings.HasSuffix(r, ".") {
		e.t.Errorf("reason %q should be a lowercase phrase without a final period", r)
	}
	e.emptyDest()
	e.t.Logf("refused: %v", err)
	return ve
}

// networkFailure asserts err is a *NetworkError and dest is empty.
func (e *atkEnv) networkFailure(err error) {
	e.t.Helper()
	var ne *NetworkError
	if !errors.As(err, &ne) {
		e.t.Fatalf("got %T %v, want a *NetworkError", err, err)
	}
	if IsVerification(err) {
		e.t.Errorf("network failure also classified as verification: %v", err)
	}
	e.emptyDest()
	e.t.Logf("network failure: %v", err)
}

func (e *atkEnv) emptyDest() {
	e.t.Helper()
	ents, err := os.ReadDir(e.dest)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, ent := range ents {
		e.t.Errorf("file left in the download destination: %s", ent.Name())
	}
}

// cached returns the bytes of a metadata file in the user's cache.
func (e *atkEnv) cached(name string) []byte {
	data, _ := os.ReadFile(filepath.Join(e.cache, "metadata", name))
	return data
}

func TestAttackTamperedTarget(t *testing.T) {
	e := newAtkEnv(t)
	e.repo.Tamper(atkWheelPath, tuftest.FlipByte)
	_, err := e.run(e.config(), atkWheelPath)
	ve := e.refused(err)
	if ve.Path != atkWheelPath || ve.Role != tuftest.Stable {
		t.Errorf("error names path %q role %q, want %s and stable", ve.Path, ve.Role, atkWheelPath)
	}
	if !strings.Contains(err.Error(), atkWheelPath) || !strings.Contains(err.Error(), "stable") {
		t.Errorf("message %q should name the file and the role", err)
	}
	// A file already at the destination (an earlier download) is not
	// touched by a failed one, and no temporary file is left beside it.
	dest := filepath.Join(e.dest, atkWheel)
	if err := os.WriteFile(dest, []byte("earlier"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = e.run(e.config(), atkWheelPath)
	if !IsVerification(err) {
		t.Fatalf("second run: got %v, want a verification error", err)
	}
	if got, _ := os.ReadFile(dest); string(got) != "earlier" {
		t.Errorf("the existing file was replaced by %d bytes", len(got))
	}
	if ents, _ := os.ReadDir(e.dest); len(ents) != 1 {
		t.Errorf("destination holds %d entries, want only the earlier file", len(ents))
	}
	// Once the server is honest again the same user gets the genuine file.
	os.Remove(dest)
	e.repo.Restore()
	e.ok()
}

func TestAttackTamperedPage(t *testing.T) {
	e := newAtkEnv(t)
	e.repo.Tamper(tuftest.PagePath("foobar"), func(b []byte) []byte {
		return bytes.Replace(b, []byte(atkWheel), []byte("foobar-6.6-py3-none-any.whl"), 1)
	})
	ctx := context.Background()
	c := e.open(ctx)
	tg, err := c.Lookup(ctx, tuftest.PagePath("foobar"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := c.Fetch(ctx, tg)
	e.refused(err)
	if data != nil {
		t.Errorf("Fetch returned %d bytes with its error", len(data))
	}
	// Nothing unverified was cached: once the server is honest again the
	// genuine page comes back.
	e.repo.Restore()
	data, err = c.Fetch(ctx, tg)
	if err != nil || !bytes.Equal(data, e.page) {
		t.Errorf("after restore: %v, genuine page %v", err, bytes.Equal(data, e.page))
	}
}

// The endless data attack: the server sends more than the signed length.
func TestAttackEndlessData(t *testing.T) {
	t.Run("page without length", func(t *testing.T) {
		e := newAtkEnv(t)
		e.srv.Inject(tuftest.PagePath("foobar"), tuftest.Endless())
		ctx := context.Background()
		c := e.open(ctx)
		tg, err := c.Lookup(ctx, tuftest.PagePath("foobar"))
		if err != nil {
			t.Fatal(err)
		}
		data, err := c.Fetch(ctx, tg)
		e.refused(err)
		if data != nil {
			t.Errorf("Fetch returned %d bytes with its error", len(data))
		}
	})
	for _, tc := range []struct {
		name    string
		pattern string
		fault   tuftest.Fault
	}{
		{"target with declared extra bytes", atkWheelPath, tuftest.Extra(1 << 20)},
		{"target without length", atkWheelPath, tuftest.Endless()},
		{"timestamp without length", "timestamp", tuftest.Endless()},
		{"stable metadata without length", "stable", tuftest.Endless()},
		{"targets metadata longer than snapshot lists", "targets", tuftest.Extra(10)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Snapshot and timestamp list lengths: the signed limit, not
			// go-tuf's defaults, bounds the metadata.
			e := newAtkEnv(t, tuftest.WithMetaHashes())
			e.srv.Inject(tc.pattern, tc.fault)
			took, err := e.run(e.config(), atkWheelPath)
			e.refused(err)
			if took > 10*time.Second {
				t.Errorf("took %v to refuse", took)
			}
		})
	}
}

func TestAttackRollbackTimestamp(t *testing.T) {
	e := newAtkEnv(t)
	e.ok()
	trusted := e.cached("timestamp.json")
	e.repo.Publish()
	e.repo.ServeVersion(tuftest.Timestamp, 1)
	_, err := e.run(e.config(), atkWheelPath)
	e.refused(err)
	if !bytes.Equal(e.cached("timestamp.json"), trusted) {
		t.Error("the rolled-back timestamp replaced the trusted one in the cache")
	}
	e.repo.Restore()
	e.ok()
}

// Fast-forward recovery: a compromised timestamp key signed a huge version;
// after the repository rotates the timestamp key, the client must drop that
// timestamp and accept the new, lower versions (TUF spec 5.3.11 / 5.4.3).
func TestAttackFastForwardRecovery(t *testing.T) {
	e := newAtkEnv(t)
	e.ok()
	e.repo.SetVersion(tuftest.Timestamp, 1000)
	e.repo.Publish()
	e.ok() // the user now trusts timestamp v1000
	e.repo.RotateKeys(tuftest.Timestamp, 1, 1)
	e.repo.SetVersion(tuftest.Timestamp, 4)
	e.repo.AddFile(tuftest.Stable, "foobar-2.0-py3-none-any.whl", []byte("after recovery"))
	e.repo.Publish()
	e.ok()
	_, err := e.run(e.config(), "packages/foobar-2.0-py3-none-any.whl")
	if err != nil {
		t.Fatalf("after the timestamp key rotation: %v", err)
	}
}

func TestAttackRollbackSnapshot(t *testing.T) {
	t.Run("older version served", func(t *testing.T) {
		e := newAtkEnv(t)
		e.ok()
		e.repo.Bump(tuftest.Snapshot)
		e.repo.Publish()
		e.repo.Rollback(tuftest.Snapshot)
		_, err := e.run(e.config(), atkWheelPath)
		e.refused(err)
	})
	t.Run("older version signed", func(t *testing.T) {
		// A compromised timestamp key points at an old snapshot.
		e := newAtkEnv(t)
		e.ok()
		trusted := e.cached("snapshot.json")
		e.repo.SetVersion(tuftest.Snapshot, 1)
		e.repo.Publish()
		_, err := e.run(e.config(), atkWheelPath)
		e.refused(err)
		if !bytes.Equal(e.cached("snapshot.json"), trusted) {
			t.Error("the rolled-back snapshot replaced the trusted one in the cache")
		}
	})
}

func TestAttackRollbackStable(t *testing.T) {
	t.Run("older version served", func(t *testing.T) {
		e := newAtkEnv(t)
		e.repo.Bump(tuftest.Stable)
		e.repo.Publish()
		e.ok() // trusts stable v3
		e.repo.Bump(tuftest.Stable)
		e.repo.Publish()
		e.repo.Rollback(tuftest.Stable) // v3 served as 4.stable.json
		_, err := e.run(e.config(), atkWheelPath)
		ve := e.refused(err)
		if ve.Role != "" && ve.Role != tuftest.Stable {
			t.Errorf("error blames role %s", ve.Role)
		}
		if !strings.Contains(err.Error(), "stable") {
			t.Errorf("message %q should name stable", err)
		}
	})
	t.Run("older version signed", func(t *testing.T) {
		// A compromised snapshot key lists an old stable.
		e := newAtkEnv(t)
		e.repo.Bump(tuftest.Stable)
		e.repo.Publish()
		e.ok()
		e.repo.SetVersion(tuftest.Stable, 1)
		e.repo.Publish()
		_, err := e.run(e.config(), atkWheelPath)
		e.refused(err)
	})
}

// The freeze attack: the server keeps serving the last timestamp the user
// has seen; once it expires the client must stop trusting anything.
func TestAttackFreeze(t *testing.T) {
	t.Run("replayed timestamp expires", func(t *testing.T) {
		e := newAtkEnv(t)
		e.ok()
		e.repo.AddFile(tuftest.Stable, "foobar-2.0-py3-none-any.whl", []byte("fix"))
		e.repo.Publish()
		e.repo.Rollback(tuftest.Timestamp)
		cfg := e.config()
		cfg.UnsafeRefTime = time.Now().Add(25 * time.Hour)
		_, err := e.run(cfg, atkWheelPath)
		ve := e.refused(err)
		if !strings.Contains(ve.Error(), "expired") {
			t.Errorf("message %q should say expired", ve.Error())
		}
	})
	for _, role := range []string{tuftest.Timestamp, tuftest.Snapshot, tuftest.Targets, tuftest.Stable, tuftest.Root} {
		t.Run("expired "+role+" signed", func(t *testing.T) {
			e := newAtkEnv(t)
			e.ok()
			e.repo.Expire(role)
			e.repo.Publish()
			_, err := e.run(e.config(), atkWheelPath)
			e.refused(err)
			// The repository re-signs properly: the same user recovers.
			e.repo.SetExpires(role, time.Time{})
			e.repo.Publish()
			e.ok()
		})
	}
	t.Run("first run on a frozen repository", func(t *testing.T) {
		clock := tuftest.NewClock(time.Now().Add(-48 * time.Hour))
		e := newAtkEnv(t, tuftest.WithClock(clock.Now))
		_, err := e.run(e.config(), atkWheelPath)
		e.refused(err)
	})
}

// Mix-and-match: validly signed metadata that the trusted snapshot does not
// vouch for.
func TestAttackMixAndMatch(t *testing.T) {
	for _, role := range []string{tuftest.Targets, tuftest.Stable} {
		t.Run(role, func(t *testing.T) {
			e := newAtkEnv(t)
			v := e.repo.SignDetached(role)
			e.repo.ServeVersion(role, v)
			_, err := e.run(e.config(), atkWheelPath)
			e.refused(err)
		})
	}
}

func TestAttackSignaturesBelowThreshold(t *testing.T) {
	for _, role := range []string{tuftest.Timestamp, tuftest.Snapshot, tuftest.Targets, tuftest.Stable} {
		t.Run(role, func(t *testing.T) {
			e := newAtkEnv(t, tuftest.WithKeys(role, 3, 2))
			e.ok()
			e.repo.SignBelowThreshold(role)
			e.repo.Publish()
			_, err := e.run(e.config(), atkWheelPath)
			e.refused(err)
		})
	}
}

func TestAttackKeyNotInRoot(t *testing.T) {
	for _, role := range []string{tuftest.Timestamp, tuftest.Snapshot, tuftest.Targets, tuftest.Stable} {
		t.Run(role, func(t *testing.T) {
			e := newAtkEnv(t)
			e.ok()
			e.repo.SignWithForeignKey(role)
			e.repo.Publish()
			_, err := e.run(e.config(), atkWheelPath)
			e.refused(err)
		})
	}
}

func TestRootRotation(t *testing.T) {
	t.Run("v1 to v3 accepted", func(t *testing.T) {
		e := newAtkEnv(t, tuftest.WithKeys(tuftest.Root, 3, 2))
		e.ok() // a returning user trusting v1
		e.repo.RotateKeys(tuftest.Root, 2, 2)
		e.repo.RotateKeys(tuftest.Timestamp, 1, 1)
		e.repo.Publish()
		e.repo.RotateKeys(tuftest.Root, 1, 1)
		e.repo.Publish()
		e.ok()
		e.fresh() // and a new user bootstrapped with v1
		e.ok()
		c, err := Open(context.Background(), e.config())
		if err != nil {
			t.Fatal(err)
		}
		if v := c.TrustedRootVersion(); v != 3 {
			t.Errorf("trusted root v%d, want v3", v)
		}
	})
	t.Run("not signed by the old threshold", func(t *testing.T) {
		e := newAtkEnv(t, tuftest.WithKeys(tuftest.Root, 3, 2))
		e.ok()
		trusted := e.cached("root.json")
		old := e.repo.Keys(tuftest.Root)
		e.repo.RotateKeys(tuftest.Root, 1, 1)
		// One old signature of the two the old root requires.
		e.repo.SignWith(tuftest.Root, append(old[:1], e.repo.Keys(tuftest.Root)...)...)
		e.repo.Publish()
		_, err := e.run(e.config(), atkWheelPath)
		e.refused(err)
		if !bytes.Equal(e.cached("root.json"), trusted) {
			t.Error("the unauthorised root replaced the trusted one in the cache")
		}
		e.fresh()
		_, err = e.run(e.config(), atkWheelPath)
		e.refused(err)
	})
	t.Run("signed only by the new keys", func(t *testing.T) {
		e := newAtkEnv(t)
		e.repo.RotateRootWithoutOldKeys(1, 1)
		e.repo.Publish()
		_, err := e.run(e.config(), atkWheelPath)
		e.refused(err)
	})
}

// A server that stalls must make the run fail quickly (the idle timeout),
// never hang, and leave no partial file.
func TestAttackSlowRetrieval(t *testing.T) {
	for _, tc := range []struct {
		name    string
		pattern string
		fault   tuftest.Fault
	}{
		{"target stalls mid-body", atkWheelPath, tuftest.Stall(1000)},
		{"target stalls before the body", atkWheelPath, tuftest.Stall(0)},
		{"target headers delayed", atkWheelPath, tuftest.Delay(time.Hour)},
		{"timestamp stalls", "timestamp", tuftest.Stall(10)},
		{"stable metadata stalls", "stable", tuftest.Stall(10)},
		{"root probe stalls", "metadata/2.root.json", tuftest.Delay(time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newAtkEnv(t)
			e.srv.Inject(tc.pattern, tc.fault)
			took, err := e.run(e.config(), atkWheelPath)
			e.networkFailure(err)
			if took > 5*time.Second {
				t.Errorf("took %v with an idle timeout of %v", took, atkIdle)
			}
		})
	}
}

// The slow retrieval attack proper: the server never pauses long enough for
// the idle timeout but sends one byte per 100 ms, so a 1 KiB timestamp takes
// minutes and the wheel hours. TUF asks clients to detect this (a minimum
// average rate, or a deadline per file); a run must end with an error
// within a bound that Config controls, not when the caller's context ends.
func TestAttackSlowRetrievalTrickle(t *testing.T) {
	for _, tc := range []struct{ name, pattern string }{
		{"timestamp", "timestamp"},
		{"wheel", atkWheelPath},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newAtkEnv(t)
			e.limit = 5 * time.Second // the test's own safety net, not the client's
			e.srv.Inject(tc.pattern, tuftest.Trickle(100*time.Millisecond))
			took, err := e.run(e.config(), atkWheelPath)
			if took >= e.limit {
				t.Errorf("still downloading after %v (idle timeout %v): only the caller's context ended the run", took, atkIdle)
			}
			e.networkFailure(err)
		})
	}
}

func TestAttackDroppedConnection(t *testing.T) {
	e := newAtkEnv(t)
	e.srv.Inject(atkWheelPath, tuftest.Drop(int64(len(atkWheelData)/2)))
	_, err := e.run(e.config(), atkWheelPath)
	e.networkFailure(err)
	// The fault is permanent: bounded retries end in the same failure.
	cfg := e.config()
	cfg.Retries = 2
	_, err = e.run(cfg, atkWheelPath)
	e.networkFailure(err)
}

// go-tuf v2.4.2 panics on a malformed ed25519 key in a delegation
// (docs/reference.md, item 12): it must come back as a verification error.
func TestAttackMalformedDelegationKey(t *testing.T) {
	for _, user := range []string{"returning", "new"} {
		t.Run(user, func(t *testing.T) {
			e := newAtkEnv(t)
			if user == "returning" {
				e.ok()
			}
			e.repo.CorruptDelegationKey(tuftest.Stable)
			e.repo.Publish()
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic reached the caller: %v", r)
					}
				}()
				_, err = e.run(e.config(), atkWheelPath)
			}()
			ve := e.refused(err)
			// The user must learn which role's delegation is broken.
			if ve.Role != tuftest.Stable && !strings.Contains(ve.Error(), "stable") {
				t.Errorf("error %q (role %q) does not name role stable", ve.Error(), ve.Role)
			}
			// The repository replaces the key: the same user recovers.
			e.repo.RotateKeys(tuftest.Stable, 1, 1)
			e.repo.Publish()
			e.ok()
		})
	}
}

// LookupAll goes past stable and loads unstable only to explain the answer: a malformed key
// there must not panic, and costs only the explanation (issue 10 item 3).
func TestAttackMalformedKeyLookupAll(t *testing.T) {
	e := newAtkEnv(t)
	e.repo.CorruptDelegationKey(tuftest.Unstable)
	e.repo.Publish()
	ctx := context.Background()
	c := e.open(ctx)
	if tg, err := c.Lookup(ctx, atkWheelPath); err != nil || tg.Role != tuftest.Stable {
		t.Fatalf("Lookup (stable alone decides): %v", err)
	}
	var all []*Target
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("panic reached the caller: %v", r)
			}
		}()
		all, err = c.LookupAll(ctx, atkWheelPath)
	}()
	var ie *IncompleteError
	// go-tuf panics on the key (recovered); tufpip's own loader refuses it first.
	if !errors.As(err, &ie) || ie.Role != tuftest.Unstable ||
		!(strings.Contains(err.Error(), "panic") || strings.Contains(err.Error(), "not an ed25519 public key")) {
		t.Fatalf("LookupAll: %v, want an *IncompleteError naming unstable", err)
	}
	if len(all) != 1 || all[0].Role != tuftest.Stable {
		t.Errorf("LookupAll kept %v, want stable's answer", roles(all))
	}
}

// Precedence: unstable (the online key) cannot change what stable signs.
func TestAttackUnstableCannotOverrideStable(t *testing.T) {
	evil := []byte("evil wheel")
	t.Run("same path signed by unstable", func(t *testing.T) {
		e := newAtkEnv(t)
		e.repo.AddFile(tuftest.Unstable, atkWheel, evil)
		e.repo.SetPage(tuftest.Unstable, "FooBar", tuftest.File(atkWheel, evil))
		e.repo.Publish()
		e.ok() // the genuine (stable) wheel is what arrives
		ctx := context.Background()
		c := e.open(ctx)
		for _, p := range []string{atkWheelPath, tuftest.PagePath("foobar")} {
			tg, err := c.Lookup(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if tg.Role != tuftest.Stable {
				t.Errorf("%s: vouched by %s, want stable", p, tg.Role)
			}
		}
		tg, _ := c.Lookup(ctx, tuftest.PagePath("foobar"))
		page, err := c.Fetch(ctx, tg)
		if err != nil || !bytes.Equal(page, e.page) {
			t.Errorf("page: %v; stable's page %v", err, bytes.Equal(page, e.page))
		}
	})
	t.Run("unstable's bytes served for stable's target", func(t *testing.T) {
		e := newAtkEnv(t)
		e.repo.AddFile(tuftest.Unstable, atkWheel, evil)
		e.repo.Publish()
		e.repo.Tamper(atkWheelPath, func([]byte) []byte { return evil })
		_, err := e.run(e.config(), atkWheelPath)
		e.refused(err)
	})
	t.Run("stable metadata signed with unstable's key", func(t *testing.T) {
		e := newAtkEnv(t)
		e.ok()
		e.repo.AddFile(tuftest.Stable, atkWheel, evil)
		e.repo.SignWith(tuftest.Stable, e.repo.Keys(tuftest.Unstable)...)
		e.repo.Publish()
		_, err := e.run(e.config(), atkWheelPath)
		e.refused(err)
	})
}

// Precedence through a shadow role: unstable's key (with the mirror)
// delegates to a role it also names "stable" and serves a forged stable.json
// signed with unstable's key. go-tuf verifies a role only against the first
// delegator that loads it (docs/reference.md, item 13), so after a lookup that
// reaches the shadow through unstable, go-tuf itself answers stable's paths
// from the forgery (internal/tuftest's TestForgedStableThroughUnstable).
// tufpip must neither return the forged wheel nor count the shadow as
// stable for --require-role.
func TestAttackUnstableShadowsStable(t *testing.T) {
	e := newAtkEnvShadow(t)
	ctx := context.Background()
	c := e.open(ctx)
	tg, err := c.Lookup(ctx, "extra/y")
	switch {
	case err != nil:
		e.refused(err)
	case tg.VouchedBy(tuftest.Stable):
		t.Errorf("extra/y, listed only by unstable's shadow role, counts as vouched by stable (chain %v)", tg.Chain)
	}
	tg, err = c.Lookup(ctx, atkWheelPath)
	if err != nil {
		e.refused(err)
		return
	}
	dest := filepath.Join(e.dest, atkWheel)
	if err := c.Download(ctx, tg, dest); err != nil {
		e.refused(err)
		return
	}
	if got, _ := os.ReadFile(dest); !bytes.Equal(got, atkWheelData) {
		t.Errorf("stable's wheel was replaced by unstable's forgery (%q, chain %v)", got, tg.Chain)
	}
}

func newAtkEnvShadow(t *testing.T) *atkEnv {
	t.Helper()
	e := newAtkEnv(t, tuftest.WithDelegations(
		tuftest.Delegation{Name: tuftest.Stable},
		tuftest.Delegation{Name: tuftest.Unstable, Paths: append([]string{"extra/*"}, tuftest.DefaultPaths...)},
	))
	r := e.repo
	evil := []byte("evil wheel")
	r.Host(atkWheelPath, evil)
	uk := r.Keys(tuftest.Unstable)
	r.EditTargets(tuftest.Unstable, func(s *metadata.TargetsType) {
		s.Delegations = &metadata.Delegations{
			Keys: map[string]*metadata.Key{uk[0].ID(): uk[0].Metadata()},
			Roles: []metadata.DelegatedRole{{
				Name: tuftest.Stable, KeyIDs: []string{uk[0].ID()}, Threshold: 1,
				Paths: []string{"extra/*", "packages/*"},
			}},
		}
	})
	r.Publish()
	r.ServeForged(tuftest.Stable, uk, func(s *metadata.TargetsType) {
		for p, data := range map[string][]byte{atkWheelPath: evil, "extra/y": []byte("y")} {
			tf, err := metadata.TargetFile().FromBytes(p, data)
			if err != nil {
				t.Fatal(err)
			}
			s.Targets[p] = tf
		}
	})
	return e
}
