package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/internal/tuftest"
)

// hashBin is the role of a repository delegating by path_hash_prefixes (below) for a path.
func hashBin(p string) string {
	h := sha256.Sum256([]byte(p))
	if hex.EncodeToString(h[:])[0] < '8' {
		return "bin-0-7"
	}
	return "bin-8-f"
}

// A role reached through path_hash_prefixes (python-tuf's hashed-bin layout: targets delegates
// to bin-0-7 and bin-8-f by the first hex digit of the path's SHA-256) vouches by its name, and
// --require-role may name it.
func TestRequireRolePathHashPrefixes(t *testing.T) {
	repo := tuftest.New(t, tuftest.WithDelegations(
		tuftest.Delegation{Name: "bin-0-7", PathHashPrefixes: []string{"0", "1", "2", "3", "4", "5", "6", "7"}},
		tuftest.Delegation{Name: "bin-8-f", PathHashPrefixes: []string{"8", "9", "a", "b", "c", "d", "e", "f"}},
	))
	// A project whose page and wheel fall in the same bin.
	var project, fn, bin string
	var data []byte
	for i := 0; ; i++ {
		project = fmt.Sprint("proj", i)
		fn, data = wheel(project, "1.0")
		if bin = hashBin(tuftest.PagePath(project)); bin == hashBin("packages/"+fn) {
			break
		}
	}
	other := map[string]string{"bin-0-7": "bin-8-f", "bin-8-f": "bin-0-7"}[bin]
	repo.AddFile(bin, fn, data)
	repo.SetPage(bin, project, tuftest.File(fn, data))
	repo.Publish()
	env, _ := repoEnv(t, repo)

	for _, args := range [][]string{{"resolve", project}, {"resolve", "--require-role", bin, project}} {
		r := runCLI(t, env, args...)
		if want := fmt.Sprintf("%s: %s 1.0 from %s, vouched for by %s", project, project, fn, bin); r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("%q: exit %d, want %q\n%s%s", args, r.code, want, r.stdout, r.stderr)
		}
	}
	dir := filepath.Join(t.TempDir(), "wheels")
	if r := runCLI(t, env, "resolve", "--require-role", bin, "--download", dir, project); r.code != 0 {
		t.Errorf("download under --require-role %s: exit %d\n%s", bin, r.code, r.stderr)
	}
	// The other bin vouches for nothing of the project's.
	if r := runCLI(t, env, "resolve", "--require-role", other, project); r.code != ExitNoMatch || !strings.Contains(r.stderr, "signed only by "+bin) {
		t.Errorf("--require-role %s: exit %d, want 4\n%s", other, r.code, r.stderr)
	}
	r := runCLI(t, env, "resolve", "--require-role", "bin-0-8", project)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "tufpip: hint: roles this repository delegates to: bin-0-7, bin-8-f\n") {
		t.Errorf("--require-role bin-0-8: exit %d\n%s", r.code, r.stderr)
	}
}

// binsOnlyRepo lays out PEP 458 as PyPI does: succinct hash bins and nothing else, each page
// and file signed by its bin.
func binsOnlyRepo(t *testing.T, bits int, project string, versions ...string) *tuftest.Repo {
	repo := tuftest.New(t, tuftest.WithSuccinctBins(bits))
	var files []tuftest.PageFile
	for _, v := range versions {
		fn, data := wheel(project, v)
		repo.AddFile(repo.BinOf("packages/"+fn), fn, data)
		files = append(files, tuftest.File(fn, data))
	}
	repo.SetPage(repo.BinOf(tuftest.PagePath(project)), project, files...)
	repo.Publish()
	return repo
}

// With succinct hash bins only, output names the bin that signed the page and the file
// (bins-N), --require-role accepts a bin of the repository's count, and an unknown role is a
// usage error that summarises the bins instead of listing them.
func TestSuccinctBinsOnlyRoles(t *testing.T) {
	repo := binsOnlyRepo(t, 8, "foobar", "1.0", "2.0")
	env, _ := repoEnv(t, repo)
	fn, _ := wheel("foobar", "2.0")
	pageBin, fileBin := repo.BinOf(tuftest.PagePath("foobar")), repo.BinOf("packages/"+fn)

	r := runCLI(t, env, "resolve", "foobar")
	if want := "foobar: foobar 2.0 from " + fn + ", vouched for by " + fileBin; r.code != 0 || !strings.Contains(r.stdout, want) {
		t.Errorf("resolve: exit %d, want %q\n%s%s", r.code, want, r.stdout, r.stderr)
	}
	// Required: the page's bin. The file is signed by another bin, but the page pins it.
	if r := runCLI(t, env, "resolve", "--require-role", pageBin, "foobar==2.0"); r.code != 0 {
		t.Errorf("--require-role %s: exit %d\n%s", pageBin, r.code, r.stderr)
	}
	for _, bad := range []string{"bins-100", "bins-0", "stable"} {
		r := runCLI(t, env, "resolve", "--require-role", bad, "foobar")
		if r.code != ExitUsage || !strings.HasSuffix(r.stderr, "tufpip: hint: roles this repository delegates to: bins-00 … bins-ff\n") {
			t.Errorf("--require-role %s: exit %d\n%s", bad, r.code, r.stderr)
		}
	}
}

// Attack: a role named like a bin that unstable delegates to is not that bin: --require-role
// refuses the name where the top-level targets role has no such delegation.
func TestRequireRoleBinNameOutsideTheTree(t *testing.T) {
	repo := tuftest.New(t, tuftest.WithRole(tuftest.Delegation{Name: "bins-3", Parent: tuftest.Unstable}))
	publish(repo, "bins-3", "foobar", "1.0")
	repo.Publish()
	env, _ := repoEnv(t, repo)
	// Named by its place in the tree, so it does not read as the bin it is named after.
	if r := runCLI(t, env, "resolve", "foobar"); r.code != 0 || !strings.Contains(r.stdout, "vouched for by unstable/bins-3\n") {
		t.Fatalf("resolve: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r := runCLI(t, env, "resolve", "--require-role", "bins-3", "foobar")
	if r.code != ExitUsage || !strings.HasSuffix(r.stderr, "tufpip: hint: roles this repository delegates to: stable, unstable\n") {
		t.Errorf("--require-role bins-3: exit %d\n%s", r.code, r.stderr)
	}
	if r := runCLI(t, env, "resolve", "--require-role", "unstable/bins-3", "foobar"); r.code != 0 {
		t.Errorf("--require-role unstable/bins-3: exit %d\n%s", r.code, r.stderr)
	}
}
