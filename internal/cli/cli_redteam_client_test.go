package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/tufpip/tufpip/internal/tuftest"
)

// Red-team tests of the TUF client through the command line (issue 10, items 1-4).

// Item 1: in the hash-bin layout the online keys make unstable-0 delegate to a role named
// stable-1 of their own, listed in the snapshot in place of the real stable-1, while
// unstable-1 signs an evil page for a project stable-1 signs. Whatever order the projects are
// looked up in, the stable project must never resolve to unstable's file.
func TestRedteamResolveImpostorStableBin(t *testing.T) {
	repo := tuftest.New(t, tuftest.WithHashBins(1))
	// Projects whose page and wheels fall in one bin: stable's in bin 1, unstable's in bin 0.
	inBin := func(bin, project string, versions ...string) bool {
		paths := []string{tuftest.PagePath(project)}
		for _, v := range versions {
			fn, _ := wheel(project, v)
			paths = append(paths, "packages/"+fn)
		}
		for _, p := range paths {
			if repo.Bin(tuftest.Stable, p) != "stable-"+bin {
				return false
			}
		}
		return true
	}
	var stable, unstable string
	for i := 0; stable == "" || unstable == ""; i++ {
		p := fmt.Sprintf("proj%d", i)
		switch {
		case stable == "" && inBin("1", p, "1.0", "6.6.6"):
			stable = p
		case unstable == "" && inBin("0", p, "1.0"):
			unstable = p
		}
	}
	publish(repo, "stable-1", stable, "1.0")
	publish(repo, "unstable-1", stable, "6.6.6")
	publish(repo, "unstable-0", unstable, "1.0")
	repo.Publish()
	repo.Impostor("unstable-0", "stable-1", true, nil)
	repo.Publish()
	env, _ := repoEnv(t, repo)
	for _, order := range [][]string{{unstable, stable}, {stable, unstable}} {
		dir := filepath.Join(t.TempDir(), "dl")
		r := runCLI(t, env, append([]string{"resolve", "--parallel", "1", "--download", dir}, order...)...)
		t.Logf("order %v:\n%s", order, r.stderr)
		if r.code != ExitVerification || !strings.Contains(r.stderr, "stable-1") {
			t.Errorf("order %v: exit %d, want %d naming stable-1\nstdout:\n%s\nstderr:\n%s", order, r.code, ExitVerification, r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout, stable+" 6.6.6") {
			t.Errorf("order %v: the stable project resolved to unstable's 6.6.6:\n%s", order, r.stdout)
		}
		if _, err := os.Stat(filepath.Join(dir, stable+"-6.6.6-py3-none-any.whl")); err == nil {
			t.Errorf("order %v: unstable's wheel for the stable project was saved", order)
		}
	}
}

// Item 2: a delegated role named "snapshot" (offered by the online keys through unstable)
// was cached over the trusted snapshot.json; the next run then accepted a rollback of stable.
func TestRedteamRoleNamedSnapshotThenRollback(t *testing.T) {
	repo := tuftest.New(t)
	publish(repo, tuftest.Stable, "foobar", "1.0")
	repo.Publish()
	old := repo.Version(tuftest.Stable)
	publish(repo, tuftest.Stable, "foobar", "1.0", "2.0")
	publish(repo, tuftest.Unstable, "foobar", "1.0", "2.0", "2.0.1")
	repo.Publish()
	repo.Impostor(tuftest.Unstable, "snapshot", true, nil)
	repo.Publish()
	env, _ := repoEnv(t, repo)

	r := runCLI(t, env, "resolve", "foobar==2.0")
	t.Logf("first run:\n%s", r.stderr)
	if r.code != 0 {
		t.Fatalf("first run: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, `"snapshot"`) {
		t.Errorf("first run: no warning about the role named snapshot:\n%s", r.stderr)
	}
	cached, err := os.ReadFile(filepath.Join(env["TUFPIP_CACHE_DIR"], cacheKey(env["TUFPIP_METADATA_URL"]), "metadata", "snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	var typ struct {
		Signed struct {
			Type string `json:"_type"`
		} `json:"signed"`
	}
	if json.Unmarshal(cached, &typ) != nil || typ.Signed.Type != metadata.SNAPSHOT {
		t.Errorf("the cached snapshot.json is now a %q", typ.Signed.Type)
	}

	// The snapshot key's holder lists stable's older version: a rollback.
	repo.SnapshotLists(tuftest.Stable, old)
	repo.Publish()
	dir := filepath.Join(t.TempDir(), "dl")
	r = runCLI(t, env, "resolve", "--download", dir, "foobar")
	t.Logf("rollback run:\n%s", r.stderr)
	if r.code != ExitVerification || !strings.Contains(r.stderr, "stable") {
		t.Errorf("rollback of stable: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, ExitVerification, r.stdout, r.stderr)
	}
	assertEmptyDir(t, dir)
}

// Item 3: unstable (an online key) breaks its own metadata: bloated to 42 MB (with the
// snapshot announcing that length, as tufpip repo's does), expired, or signed by a key nobody
// delegated to. A project stable signs still resolves (exit 0) with a warning, quickly and in
// bounded memory; a project only unstable signs fails (exit 3).
func TestRedteamBrokenUnstableCostsOnlyTheExplanation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		break_ func(*tuftest.Repo)
	}{
		{"bloated", func(repo *tuftest.Repo) {
			pad := strings.Repeat("x", 42<<20)
			repo.EditTargets(tuftest.Unstable, func(tt *metadata.TargetsType) {
				tt.UnrecognizedFields = map[string]any{"x-padding": pad}
			})
		}},
		{"expired", func(repo *tuftest.Repo) { repo.Expire(tuftest.Unstable) }},
		{"foreign-key", func(repo *tuftest.Repo) { repo.SignWithForeignKey(tuftest.Unstable) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo := tuftest.New(t, tuftest.WithMetaHashes())
			publish(repo, tuftest.Stable, "foobar", "1.0", "2.0")
			publish(repo, tuftest.Unstable, "foobar", "1.0", "2.0", "2.0.1")
			publish(repo, tuftest.Unstable, "onlyu", "1.0")
			repo.Publish()
			tc.break_(repo)
			repo.Publish()
			env, _ := repoEnv(t, repo)
			for _, role := range []string{"", "stable"} {
				args := []string{"resolve", "foobar==2.0.*"}
				if role != "" {
					args = append(args, "--require-role", role)
				}
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				start := time.Now()
				r := runCLI(t, env, args...)
				took := time.Since(start)
				runtime.ReadMemStats(&after)
				alloc := after.TotalAlloc - before.TotalAlloc
				t.Logf("%v: %v, %d MB allocated", args, took, alloc>>20)
				if r.code != 0 || !strings.Contains(r.stdout, "foobar 2.0 from foobar-2.0-py3-none-any.whl, vouched for by stable") {
					t.Errorf("%v: exit %d, want stable's 2.0\nstdout:\n%s\nstderr:\n%s", args, r.code, r.stdout, r.stderr)
				}
				if !strings.Contains(r.stderr, "could not explain") || !strings.Contains(r.stderr, "unstable") {
					t.Errorf("%v: no warning that unstable could not be read:\n%s", args, r.stderr)
				}
				if alloc > 64<<20 {
					t.Errorf("%v: %d MB allocated: unstable's metadata was read beyond the explanation cap", args, alloc>>20)
				}
			}
			if tc.name == "bloated" {
				return // valid, only big: unstable-only projects still resolve from it
			}
			dir := filepath.Join(t.TempDir(), "dl")
			r := runCLI(t, env, "resolve", "--download", dir, "onlyu")
			if r.code != ExitVerification || !strings.Contains(r.stderr, "unstable") {
				t.Errorf("unstable-only project: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, ExitVerification, r.stdout, r.stderr)
			}
			assertEmptyDir(t, dir)
		})
	}
}

// Item 4: the folder the cache lives in (--cache-dir) is checked too, and group write counts:
// another user could rename the repository's cache away and with it the rollback protection.
func TestRedteamCacheBaseFolderChecked(t *testing.T) {
	repo := seedRepo(t)
	env, _ := repoEnv(t, repo)
	for _, mode := range []os.FileMode{0o777, 0o775} {
		t.Run(fmt.Sprintf("%#o", mode), func(t *testing.T) {
			base := filepath.Join(t.TempDir(), "shared")
			if err := os.Mkdir(base, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(base, mode); err != nil {
				t.Fatal(err)
			}
			r := runCLI(t, env, "resolve", "--cache-dir", base, "foobar")
			if r.code != ExitError || !strings.Contains(r.stderr, "tufpip: error: cache folder "+base+" is writable by") ||
				!strings.Contains(r.stderr, "tufpip: hint: chmod go-w "+base) {
				t.Errorf("exit %d, want %d naming %s with a chmod hint\nstderr:\n%s", r.code, ExitError, base, r.stderr)
			}
			assertEmptyDir(t, base)
		})
	}
	t.Run("repository folder 0775", func(t *testing.T) {
		base := filepath.Join(t.TempDir(), "mine")
		repoDir := filepath.Join(base, cacheKey(env["TUFPIP_METADATA_URL"]))
		if err := os.MkdirAll(repoDir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(repoDir, 0o775); err != nil {
			t.Fatal(err)
		}
		r := runCLI(t, env, "resolve", "--cache-dir", base, "foobar")
		if r.code != ExitError || !strings.Contains(r.stderr, repoDir) || !strings.Contains(r.stderr, "chmod go-w") {
			t.Errorf("exit %d, want %d naming %s\nstderr:\n%s", r.code, ExitError, repoDir, r.stderr)
		}
	})
	t.Run("new and 0755 folders work", func(t *testing.T) {
		for _, base := range []string{filepath.Join(t.TempDir(), "new", "cache"), t.TempDir()} {
			if err := os.Chmod(base, 0o755); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			if r := runCLI(t, env, "resolve", "--cache-dir", base, "foobar"); r.code != 0 {
				t.Errorf("%s: exit %d\n%s", base, r.code, r.stderr)
			}
		}
	})
}
