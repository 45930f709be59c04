package cli

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/tufpip/tufpip/internal/tuftest"
)

// Red-team tests of the command line: exit codes and files left behind under attack.

func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		t.Errorf("left in %s: %s", dir, e.Name())
	}
}

// The unstable key holder (who also serves the files) signs stable's pinned wheel under
// sha512 only, with other bytes, and serves those bytes at every name. Before the fix,
// resolve --download saved them and exited 0, also under --require-role stable.
func TestRedteamResolveUnstableReplacesStablePinnedWheel(t *testing.T) {
	for _, role := range []string{"", "stable"} {
		t.Run("require-role="+role, func(t *testing.T) {
			repo := tuftest.New(t)
			fn := "foobar-2.0-py3-none-any.whl"
			good, evil := []byte("good wheel"), []byte("evil wheel")
			repo.SetPage(tuftest.Stable, "foobar", tuftest.File(fn, good))
			repo.Publish()
			s512 := sha512.Sum512(evil)
			repo.EditTargets(tuftest.Unstable, func(tt *metadata.TargetsType) {
				tt.Targets["packages/"+fn] = &metadata.TargetFiles{
					Length: int64(len(evil)), Hashes: metadata.Hashes{"sha512": s512[:]}, Path: "packages/" + fn,
				}
			})
			repo.Publish()
			env, srv := repoEnv(t, repo)
			s256 := sha256.Sum256(good)
			for _, h := range []string{hex.EncodeToString(s256[:]), hex.EncodeToString(s512[:])} {
				srv.Inject(tuftest.HashedPath("packages/"+fn, h), tuftest.Replace(evil))
			}
			srv.Inject("targets/packages/"+fn, tuftest.Replace(evil))
			dir := filepath.Join(t.TempDir(), "dl")
			args := []string{"resolve", "--download", dir, "foobar==2.0"}
			if role != "" {
				args = append(args, "--require-role", role)
			}
			r := runCLI(t, env, args...)
			if r.code != ExitVerification {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, ExitVerification, r.stdout, r.stderr)
			}
			if got, err := os.ReadFile(filepath.Join(dir, fn)); err == nil {
				t.Errorf("saved %q", got)
			}
			assertEmptyDir(t, dir)
		})
	}
}

// Filenames on a signed page that try to leave the download directory, or to be something
// other than a plain file name. The role that signed the page is the attacker (unstable, for
// a project stable never signed): nothing may be written outside DIR, and the run ends with
// "no trusted distribution" (4), not a crash.
func TestRedteamResolveHostileFilenames(t *testing.T) {
	repo := tuftest.New(t)
	data := []byte("payload")
	long := "evil-1.0-py3-none-" + strings.Repeat("a", 300) + ".whl"
	var files []tuftest.PageFile
	for _, name := range []string{
		"../../evil-1.0-py3-none-any.whl",
		"..\\..\\evil-1.0-py3-none-any.whl",
		"evil-1.0-py3-none-any.whl/../../../x",
		"/tmp/evil-1.0-py3-none-any.whl",
		"evil-1.0-py3-none-any.whl\x00.txt",
		"evil-1.0-py3-none-any.whl\n",
		"C:evil-1.0-py3-none-any.whl",
		".evil-1.0-py3-none-any.whl",
		long,
	} {
		files = append(files, tuftest.PageFile{Filename: name, Data: data, URL: "../../packages/" + strings.NewReplacer("/", "%2F", "\\", "%5C", "\x00", "%00", "\n", "%0A").Replace(name)})
	}
	repo.SetPage(tuftest.Unstable, "evil", files...)
	repo.Publish()
	env, _ := repoEnv(t, repo)
	base := t.TempDir()
	dir := filepath.Join(base, "a", "b", "dl")
	r := runCLI(t, env, "resolve", "--download", dir, "evil")
	if r.code != ExitNoMatch {
		t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, ExitNoMatch, r.stdout, r.stderr)
	}
	err := filepath.Walk(base, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			t.Errorf("written: %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Exit codes of docs/design.md for the failures an attacker can cause.
func TestRedteamExitCodes(t *testing.T) {
	t.Run("tampered page is 3", func(t *testing.T) {
		repo := seedRepo(t)
		env, _ := repoEnv(t, repo)
		repo.Tamper(tuftest.PagePath("foobar"), tuftest.FlipByte)
		if r := runCLI(t, env, "resolve", "foobar"); r.code != ExitVerification {
			t.Errorf("exit %d\n%s", r.code, r.stderr)
		}
	})
	t.Run("oversized page is 3", func(t *testing.T) {
		repo := seedRepo(t)
		env, srv := repoEnv(t, repo)
		srv.Inject("targets/simple/foobar/*", tuftest.Endless())
		if r := runCLI(t, env, "resolve", "foobar"); r.code != ExitVerification {
			t.Errorf("exit %d\n%s", r.code, r.stderr)
		}
	})
	t.Run("rolled-back timestamp is 3", func(t *testing.T) {
		repo := seedRepo(t)
		env, _ := repoEnv(t, repo)
		if r := runCLI(t, env, "resolve", "foobar"); r.code != 0 {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
		repo.Bump(tuftest.Timestamp)
		repo.Publish()
		if r := runCLI(t, env, "resolve", "foobar"); r.code != 0 {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
		repo.Rollback(tuftest.Timestamp)
		if r := runCLI(t, env, "resolve", "foobar"); r.code != ExitVerification {
			t.Errorf("exit %d\n%s", r.code, r.stderr)
		}
	})
	t.Run("tampered download is 3 and leaves nothing", func(t *testing.T) {
		repo := seedRepo(t)
		env, _ := repoEnv(t, repo)
		repo.Tamper("packages/foobar-2.0-py3-none-any.whl", tuftest.FlipByte)
		dir := t.TempDir()
		if r := runCLI(t, env, "resolve", "--download", dir, "foobar==2.0"); r.code != ExitVerification {
			t.Errorf("exit %d\n%s", r.code, r.stderr)
		}
		assertEmptyDir(t, dir)
	})
	t.Run("unstable-only under --require-role stable is 4", func(t *testing.T) {
		repo := seedRepo(t)
		env, _ := repoEnv(t, repo)
		if r := runCLI(t, env, "resolve", "--require-role", "stable", "foobar==2.0.1"); r.code != ExitNoMatch {
			t.Errorf("exit %d\n%s", r.code, r.stderr)
		}
	})
	t.Run("server gone is 1", func(t *testing.T) {
		repo := seedRepo(t)
		env, _ := repoEnv(t, repo)
		env["TUFPIP_METADATA_URL"] = "http://127.0.0.1:1/metadata/"
		env["TUFPIP_CACHE_DIR"] = t.TempDir()
		start := time.Now()
		if r := runCLI(t, env, "resolve", "foobar"); r.code != ExitError {
			t.Errorf("exit %d\n%s", r.code, r.stderr)
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("took %v", d)
		}
	})
}

// tufpip verify: a lock pinning only the sha512 that the unstable key holder signed for a
// wheel stable's page pins by sha256 must fail under --require-role stable (exit 3), while
// the genuine sha256 passes.
func TestRedteamVerifyLockPinningUnstableHash(t *testing.T) {
	repo := tuftest.New(t)
	fn := "foobar-2.0-py3-none-any.whl"
	good, evil := []byte("good wheel"), []byte("evil wheel")
	repo.SetPage(tuftest.Stable, "foobar", tuftest.File(fn, good))
	repo.Publish()
	s256, s512 := sha256.Sum256(good), sha512.Sum512(evil)
	repo.EditTargets(tuftest.Unstable, func(tt *metadata.TargetsType) {
		tt.Targets["packages/"+fn] = &metadata.TargetFiles{
			Length: int64(len(good)), Hashes: metadata.Hashes{"sha256": s256[:], "sha512": s512[:]}, Path: "packages/" + fn,
		}
	})
	repo.Publish()
	env, _ := repoEnv(t, repo)
	dir := t.TempDir()
	evilLock := filepath.Join(dir, "evil.txt")
	os.WriteFile(evilLock, []byte("foobar==2.0 --hash=sha512:"+hex.EncodeToString(s512[:])+"\n"), 0o644)
	goodLock := filepath.Join(dir, "good.txt")
	os.WriteFile(goodLock, []byte("foobar==2.0 --hash=sha256:"+hex.EncodeToString(s256[:])+"\n"), 0o644)
	if r := runCLI(t, env, "verify", "--require-role", "stable", evilLock); r.code != ExitVerification {
		t.Errorf("lock of unstable's hash: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, env, "verify", "--require-role", "stable", goodLock); r.code != 0 {
		t.Errorf("lock of stable's hash: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// Terminal escape sequences in names a page author chose were printed raw: with -v the
// skipped line, and the parser's warning, could retitle the terminal, clear it, or hide
// text (and U+202E reverse it).
func TestRedteamResolveOutputEscapesControlCharacters(t *testing.T) {
	repo := tuftest.New(t)
	repo.SetPage(tuftest.Unstable, "evil", tuftest.PageFile{
		Filename: "evil-1.0-py3-none-any.whl\x1b]0;pwned\x07\x1b[2J\u202e", Data: []byte("x"),
		URL: "../../packages/evil-1.0-py3-none-any.whl",
	})
	repo.Publish()
	env, _ := repoEnv(t, repo)
	r := runCLI(t, env, "-v", "resolve", "evil")
	for _, out := range []string{r.stdout, r.stderr} {
		if strings.ContainsAny(out, "\x1b\x07\u202e") {
			t.Errorf("raw control characters in output: %q", out)
		}
	}
	// nothing is trusted: the failure goes to stderr with its skipped files
	if !strings.Contains(r.stderr, `\x1b`) {
		t.Errorf("the skipped file is not shown escaped: %q", r.stderr)
	}
}

// The same for tufpip verify, whose lockfile an attacker may have written (a pull request).
func TestRedteamVerifyOutputEscapesControlCharacters(t *testing.T) {
	repo := seedRepo(t)
	env, _ := repoEnv(t, repo)
	lock := filepath.Join(t.TempDir(), "pylock.toml")
	os.WriteFile(lock, []byte(`lock-version = "1.0"
created-by = "x"

[[packages]]
name = "foobar\u001b]0;pwned\u0007"
version = "2.0"

[[packages.wheels]]
name = "foobar-2.0-py3-none-any.whl"
url = "https://example.org/foobar-2.0-py3-none-any.whl"
hashes = {sha256 = "0000000000000000000000000000000000000000000000000000000000000000"}
`), 0o644)
	r := runCLI(t, env, "verify", lock)
	t.Logf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	if r.code == 0 {
		t.Fatalf("exit 0:\n%s", r.stdout)
	}
	for _, out := range []string{r.stdout, r.stderr} {
		if strings.ContainsAny(out, "\x1b\x07") {
			t.Errorf("tufpip verify printed lockfile text raw (terminal escape injection): %q", out)
		}
	}
}

// Exit codes of serve and verify when the repository does not verify.
func TestRedteamServeAndVerifyExitCodes(t *testing.T) {
	t.Run("serve with a tampered timestamp is 3", func(t *testing.T) {
		repo := seedRepo(t)
		env, _ := repoEnv(t, repo)
		repo.Tamper("metadata/timestamp.json", tuftest.FlipByte)
		if r := runCLI(t, env, "serve", "--addr", "127.0.0.1:0"); r.code != ExitVerification {
			t.Errorf("exit %d\n%s", r.code, r.stderr)
		}
	})
	t.Run("verify with a tampered page is 3", func(t *testing.T) {
		repo := seedRepo(t)
		env, _ := repoEnv(t, repo)
		fn, data := wheel("foobar", "2.0")
		s := sha256.Sum256(data)
		lock := filepath.Join(t.TempDir(), "requirements.txt")
		os.WriteFile(lock, []byte("foobar==2.0 --hash=sha256:"+hex.EncodeToString(s[:])+"\n"), 0o644)
		if r := runCLI(t, env, "verify", lock); r.code != 0 {
			t.Fatalf("genuine %s: exit %d\n%s%s", fn, r.code, r.stdout, r.stderr)
		}
		repo.Tamper(tuftest.PagePath("foobar"), tuftest.FlipByte)
		env["TUFPIP_CACHE_DIR"] = t.TempDir()
		if r := runCLI(t, env, "verify", lock); r.code != ExitVerification {
			t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
}
