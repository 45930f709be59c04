package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/internal/tuftest"
)

// flipHash changes one hex digit of the first sha256 a role lists: still valid JSON, still
// the same length, but no longer what the role's key signed.
func flipHash(b []byte) []byte {
	i := bytes.Index(b, []byte(`"sha256": "`))
	if i < 0 {
		panic("no sha256 in the role")
	}
	j := i + len(`"sha256": "`)
	if b[j] == '0' {
		b[j] = '1'
	} else {
		b[j] = '0'
	}
	return b
}

// tufpip verifies a cached delegated role on every run (issue 12 keeps no "verified view"):
// a cached stable.json edited on disk is refused and fetched again, and the run answers as
// before.
func TestTamperedCachedRoleIsFetchedAgain(t *testing.T) {
	repo := seedRepo(t)
	env, srv := repoEnv(t, repo)
	first := runCLI(t, env, "resolve", "foobar==2.0")
	if first.code != 0 {
		t.Fatalf("exit %d\n%s", first.code, first.stderr)
	}
	var cached []string
	filepath.WalkDir(env["TUFPIP_CACHE_DIR"], func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == tuftest.Stable+".json" {
			cached = append(cached, p)
		}
		return nil
	})
	if len(cached) != 1 {
		t.Fatalf("cached stable.json: %v", cached)
	}
	data, err := os.ReadFile(cached[0])
	if err != nil {
		t.Fatal(err)
	}
	genuine := bytes.Clone(data)
	if err := os.WriteFile(cached[0], flipHash(data), 0o600); err != nil {
		t.Fatal(err)
	}
	srv.ResetLog()
	again := runCLI(t, env, "resolve", "foobar==2.0")
	if again.code != 0 || again.stdout != first.stdout {
		t.Fatalf("with a tampered cached role: exit %d\n%s%s", again.code, again.stdout, again.stderr)
	}
	served := fmt.Sprintf("metadata/%d.%s.json", repo.Version(tuftest.Stable), tuftest.Stable)
	if n := srv.Count(served); n != 1 {
		t.Errorf("%s fetched %d times, want once (the tampered copy replaced)", served, n)
	}
	if now, _ := os.ReadFile(cached[0]); !bytes.Equal(now, genuine) {
		t.Errorf("the cache still holds the tampered role")
	}
}

// A delegated role that does not verify as served ends the run with exit 3, naming the
// role, and nothing is reported as vouched for.
func TestTamperedServedRoleExits3(t *testing.T) {
	repo := seedRepo(t)
	env, _ := repoEnv(t, repo)
	repo.Tamper(fmt.Sprintf("metadata/%d.%s.json", repo.Version(tuftest.Stable), tuftest.Stable), flipHash)
	r := runCLI(t, env, "resolve", "foobar==2.0")
	if r.code != ExitVerification {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, ExitVerification, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "stable") || strings.Contains(r.stdout, "vouched for") {
		t.Errorf("stdout %q stderr %q", r.stdout, r.stderr)
	}
}
