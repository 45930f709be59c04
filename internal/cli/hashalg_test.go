package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/tufpip/tufpip/internal/tuftest"
)

// A target signed with a hash algorithm tufpip cannot compute is refused (exit 3, nothing
// written), and the message says so: it is not worded as an attack, and the hint names the
// algorithms tufpip checks.
func TestUnknownHashAlgorithm(t *testing.T) {
	repo := seedRepo(t)
	sha3 := metadata.HexBytes(make([]byte, 32))
	// stable signs its page with sha3-256 only, and a wheel with sha256 and sha3-256.
	repo.EditTargets(tuftest.Stable, func(tt *metadata.TargetsType) {
		tt.Targets[tuftest.PagePath("foobar")].Hashes = metadata.Hashes{"sha3-256": sha3}
		tt.Targets["packages/foobar-1.0-py3-none-any.whl"].Hashes["sha3-256"] = sha3
	})
	repo.Publish()
	env, _ := repoEnv(t, repo)
	const hint = "tufpip: hint: tufpip checks sha256, sha384, sha512 and blake2b-256 hashes only"

	r := runCLI(t, env, "resolve", "foobar")
	if r.code != ExitVerification {
		t.Fatalf("page signed with sha3-256: exit %d, want 3\n%s", r.code, r.stderr)
	}
	want := `tufpip: error: simple/foobar/index.html: signed by role stable only with hash algorithm "sha3-256", which tufpip cannot check`
	if !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, hint) || strings.Contains(r.stderr, "do not install from it") {
		t.Errorf("stderr:\n%s\nwant %s\nand %s", r.stderr, want, hint)
	}

	// The page verifies again (unstable's copy is the answer now); the wheel stable signs
	// with sha3-256 too is refused before any byte is written.
	repo.EditTargets(tuftest.Stable, func(tt *metadata.TargetsType) {
		delete(tt.Targets, tuftest.PagePath("foobar"))
	})
	repo.Publish()
	dir := filepath.Join(t.TempDir(), "wheels")
	r = runCLI(t, env, "resolve", "--download", dir, "foobar==1.0")
	if r.code != ExitVerification {
		t.Fatalf("wheel signed with sha256 and sha3-256: exit %d, want 3\n%s", r.code, r.stderr)
	}
	want = `packages/foobar-1.0-py3-none-any.whl: signed by role stable with hash algorithm "sha3-256" too, which tufpip cannot check`
	if !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, hint) {
		t.Errorf("stderr:\n%s\nwant %s", r.stderr, want)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left in %s: %v", dir, entries)
	}
}

// The timestamp giving snapshot.json's hash in blake2b-256, which go-tuf does not check: exit 3,
// with a hint about what tufpip checks there.
func TestUnknownTopLevelMetaHash(t *testing.T) {
	env, _ := repoEnv(t, tuftest.New(t, tuftest.WithTopMetaHashes("blake2b-256")))
	r := runCLI(t, env, "resolve", "foobar")
	if r.code != ExitVerification || !strings.Contains(r.stderr, `timestamp.json gives the hash of snapshot.json in "blake2b-256", which tufpip cannot check for top-level metadata`) ||
		!strings.Contains(r.stderr, "tufpip: hint: tufpip checks only sha256 and sha512 hashes of snapshot.json and targets.json") {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
}
