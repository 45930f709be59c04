package tuftest

import (
	"bytes"
	"encoding/hex"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/config"
	"github.com/theupdateframework/go-tuf/v2/metadata/updater"
)

// These tests prove tuftest with go-tuf's own client, independently of
// tufpip's: what a healthy repository does is accepted, and every attack
// mutation is refused.

const (
	wheel     = "foobar-1.0-py3-none-any.whl"
	wheelPath = "packages/" + wheel
)

// client is a go-tuf client with a persistent cache directory, so tests can
// refresh, mutate the repository, and refresh again as a returning user.
type client struct {
	t    testing.TB
	srv  *Server
	root []byte
	dir  string
}

func newClient(t testing.TB, srv *Server, root []byte) *client {
	return &client{t: t, srv: srv, root: root, dir: t.TempDir()}
}

// updater returns a fresh go-tuf updater over the client's cache (go-tuf's
// Refresh works once per updater).
func (c *client) updater() *updater.Updater {
	c.t.Helper()
	cfg, err := config.New(c.srv.MetadataURL, c.root)
	if err != nil {
		c.t.Fatal(err)
	}
	cfg.LocalMetadataDir = filepath.Join(c.dir, "metadata")
	cfg.LocalTargetsDir = filepath.Join(c.dir, "targets")
	cfg.RemoteTargetsURL = c.srv.TargetsURL
	if err := cfg.EnsurePathsExist(); err != nil {
		c.t.Fatal(err)
	}
	up, err := updater.New(cfg)
	if err != nil {
		c.t.Fatal(err)
	}
	return up
}

// get refreshes, looks the target up and downloads it.
func (c *client) get(targetPath string) ([]byte, error) {
	c.t.Helper()
	up := c.updater()
	if err := up.Refresh(); err != nil {
		return nil, err
	}
	tf, err := up.GetTargetInfo(targetPath)
	if err != nil {
		return nil, err
	}
	_, data, err := up.DownloadTarget(tf, filepath.Join(c.t.TempDir(), "dl"), "")
	return data, err
}

func (c *client) mustGet(targetPath string, want []byte) {
	c.t.Helper()
	got, err := c.get(targetPath)
	if err != nil {
		c.t.Fatalf("go-tuf refused %s: %v", targetPath, err)
	}
	if !bytes.Equal(got, want) {
		c.t.Fatalf("%s: got %q, want %q", targetPath, got, want)
	}
}

func newWheelRepo(t *testing.T, opts ...Option) (*Repo, *Server, *client) {
	r := New(t, opts...)
	r.AddFile(Stable, wheel, []byte("stable wheel"))
	r.SetPage(Stable, "FooBar", File(wheel, []byte("stable wheel")))
	r.Publish()
	srv := r.Serve(t)
	return r, srv, newClient(t, srv, r.RootJSON())
}

func TestFreshRepositoryAccepted(t *testing.T) {
	r, srv, c := newWheelRepo(t)
	c.mustGet(wheelPath, []byte("stable wheel"))
	c.mustGet("simple/foobar/index.html", RenderPage("FooBar", File(wheel, []byte("stable wheel"))))

	want := []string{"metadata/1.root.json", "metadata/1.targets.json", "metadata/1.stable.json",
		"metadata/1.unstable.json", "metadata/2.snapshot.json", "metadata/timestamp.json"}
	files := map[string]bool{}
	for _, f := range r.Files() {
		files[f] = true
	}
	for _, f := range want {
		if !files[f] {
			t.Errorf("repository does not serve %s; serves %v", f, r.Files())
		}
	}
	tf := r.TargetInfo(Stable, wheelPath)
	if tf == nil || tf.Length != int64(len("stable wheel")) {
		t.Fatalf("TargetInfo = %+v", tf)
	}
	if srv.Count("metadata/timestamp.json") == 0 || srv.Count("/metadata/2.snapshot.json") == 0 {
		t.Errorf("request log misses metadata: %v", srv.Requests())
	}
	// Two refreshes: the second fetches only the timestamp again, after
	// probing for 2.root.json (a 404 both times).
	if rep := srv.Repeated(); len(rep) != 2 || rep[0] != "metadata/2.root.json" || rep[1] != "metadata/timestamp.json" {
		t.Errorf("repeated requests %v, want 2.root.json and timestamp.json", rep)
	}
	for _, req := range srv.Requests() {
		if req.Path == "metadata/2.root.json" && req.Status != 404 {
			t.Errorf("root probe answered %d, want 404", req.Status)
		}
	}
}

func TestStablePrecedence(t *testing.T) {
	r := New(t)
	r.AddFile(Stable, "both.whl", []byte("from stable"))
	r.AddFile(Unstable, "both.whl", []byte("from unstable"))
	r.AddFile(Unstable, "only-unstable.whl", []byte("only unstable"))
	r.Publish()
	c := newClient(t, r.Serve(t), r.RootJSON())
	c.mustGet("packages/both.whl", []byte("from stable"))
	c.mustGet("packages/only-unstable.whl", []byte("only unstable"))
}

func TestTerminatingStableHidesUnstable(t *testing.T) {
	r := New(t, WithTerminating(Stable))
	r.AddFile(Unstable, "only-unstable.whl", []byte("only unstable"))
	r.Publish()
	c := newClient(t, r.Serve(t), r.RootJSON())
	if _, err := c.get("packages/only-unstable.whl"); err == nil {
		t.Fatal("go-tuf found a target behind a terminating delegation")
	}
}

func TestCustomDelegationTree(t *testing.T) {
	r := New(t, WithDelegations(
		Delegation{Name: "bins", Paths: []string{"packages/*"}},
		Delegation{Name: "stable-a", Parent: "bins", Paths: []string{"packages/a*"}, Keys: 3, Threshold: 2},
		Delegation{Name: "unstable-a", Parent: "bins", Paths: []string{"packages/a*"}},
	))
	r.AddFile("stable-a", "a.whl", []byte("a stable"))
	r.AddFile("unstable-a", "a.whl", []byte("a unstable"))
	r.AddFile("unstable-a", "ab.whl", []byte("ab unstable"))
	r.Publish()
	c := newClient(t, r.Serve(t), r.RootJSON())
	c.mustGet("packages/a.whl", []byte("a stable"))
	c.mustGet("packages/ab.whl", []byte("ab unstable"))
}

func TestNewVersionsAccepted(t *testing.T) {
	r, _, c := newWheelRepo(t, WithMetaHashes())
	c.mustGet(wheelPath, []byte("stable wheel"))

	r.AddFile(Unstable, "foobar-2.0-py3-none-any.whl", []byte("new"))
	r.Publish()
	c.mustGet("packages/foobar-2.0-py3-none-any.whl", []byte("new"))

	for _, role := range []string{Root, Targets, Stable, Snapshot, Timestamp} {
		before := r.Version(role)
		r.Bump(role)
		r.Publish()
		if r.Version(role) != before+1 {
			t.Errorf("Bump(%s): version %d -> %d", role, before, r.Version(role))
		}
		c.mustGet(wheelPath, []byte("stable wheel"))
	}

	r.RemoveTarget(Stable, wheelPath)
	r.Publish()
	if _, err := c.get(wheelPath); err == nil {
		t.Error("go-tuf still finds a removed target")
	}
}

func TestKeyRotationsAccepted(t *testing.T) {
	r, _, c := newWheelRepo(t, WithKeys(Root, 3, 2))
	c.mustGet(wheelPath, []byte("stable wheel"))
	r.RotateKeys(Root, 2, 2)
	r.RotateKeys(Timestamp, 2, 1)
	r.Publish()
	r.RotateKeys(Root, 1, 1)
	r.RotateKeys(Stable, 3, 2)
	r.SetThreshold(Snapshot, 1)
	r.Publish()
	if got := r.Version(Root); got != 3 {
		t.Fatalf("root version %d, want 3", got)
	}
	// Returning client: v1 -> v2 -> v3.
	c.mustGet(wheelPath, []byte("stable wheel"))
	// New client bootstrapped from v1.
	newClient(t, c.srv, r.RootJSON()).mustGet(wheelPath, []byte("stable wheel"))
	up := c.updater()
	if err := up.Refresh(); err != nil {
		t.Fatal(err)
	}
	if v := up.GetTrustedMetadataSet().Root.Signed.Version; v != 3 {
		t.Errorf("client trusts root v%d, want v3", v)
	}
}

func TestSHA512Targets(t *testing.T) {
	r, _, c := newWheelRepo(t, WithSHA512())
	tf := r.TargetInfo(Stable, wheelPath)
	if len(tf.Hashes) != 2 {
		t.Fatalf("hashes %v, want sha256 and sha512", tf.Hashes)
	}
	for alg, h := range tf.Hashes {
		p := HashedPath(wheelPath, hex.EncodeToString(h))
		if data, _, ok := r.file(p); !ok || string(data) != "stable wheel" {
			t.Errorf("%s copy not served at %s", alg, p)
		}
	}
	// go-tuf picks one of the two names at random; either must work.
	for range 4 {
		c.mustGet(wheelPath, []byte("stable wheel"))
	}
}

func TestFreezeWithClock(t *testing.T) {
	clock := NewClock(timeNow().Add(-48 * time.Hour))
	r := New(t, WithClock(clock.Now))
	r.AddFile(Stable, wheel, []byte("w"))
	r.Publish()
	c := newClient(t, r.Serve(t), r.RootJSON())
	_, err := c.get(wheelPath)
	var expired *metadata.ErrExpiredMetadata
	if !errors.As(err, &expired) {
		t.Fatalf("frozen timestamp: got %v, want ErrExpiredMetadata", err)
	}
	// The publisher catches up: a fresh timestamp is accepted again.
	clock.Advance(48 * time.Hour)
	r.Publish()
	c.mustGet(wheelPath, []byte("w"))
}

var timeNow = time.Now
