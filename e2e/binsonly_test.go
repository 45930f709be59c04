package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/internal/pyfix"
	"github.com/tufpip/tufpip/internal/tuftest"
)

// Issue 13 item 5: a repository with no stable/unstable split, only succinct hash bins that
// sign the pages and files themselves (PEP 458 as PyPI lays it out), works with every
// command: resolve and verify name the bins, install with real pip through the wrapper and
// through serve, and a tampered file is refused with exit 3 and nothing installed.
func TestSuccinctBinsOnlyEveryCommand(t *testing.T) {
	t.Parallel()
	needTufpip(t)
	r := newPipRepo(t)
	r.repo = tuftest.New(t, tuftest.WithSuccinctBins(8))
	app, _ := r.wheel("app", "1.0", "lib>=1.0")
	lib, libData := r.wheel("lib", "1.0")
	bin := func(p string) string { return r.repo.BinOf(p) }
	for project, fn := range map[string]string{"app": app, "lib": lib} {
		r.repo.AddFile(bin("packages/"+fn), fn, r.files[fn])
		r.repo.SetPage(bin(tuftest.PagePath(project)), project, tuftest.File(fn, r.files[fn]))
	}
	r.publish()

	libBin := bin("packages/" + lib)
	stdout, stderr, code := r.tufpip("resolve", "lib")
	if want := "lib: lib 1.0 from " + lib + ", vouched for by " + libBin; code != 0 || !strings.Contains(stdout, want) {
		t.Fatalf("resolve: exit %d, want %q\n%s%s", code, want, stdout, stderr)
	}
	lock := filepath.Join(t.TempDir(), "requirements.txt")
	writeFile(t, lock, fmt.Appendf(nil, "lib==1.0 --hash=sha256:%s\n", sha256hex(libData)))
	if stdout, stderr, code = r.tufpip("verify", lock); code != 0 || !strings.Contains(stdout, "("+libBin+": "+lib+")") {
		t.Fatalf("verify: exit %d\n%s%s", code, stdout, stderr)
	}
	// Required: the bin of lib's page, which pins the file another bin signs.
	pageBin := bin(tuftest.PagePath("lib"))
	stdout, stderr, code = r.tufpip("verify", lock, "--require-role", pageBin)
	if code != 0 || !strings.Contains(stdout, "("+pageBin+": "+lib+")") {
		t.Fatalf("verify: exit %d\n%s%s", code, stdout, stderr)
	}

	py := pyfix.Python(t, "3.11").Path
	venv := pyfix.Venv(t, py)
	if _, stderr, code := r.tufpip("install", "--python", pyfix.VenvPython(venv), "app"); code != 0 {
		t.Fatalf("install: exit %d\n%s", code, stderr)
	}
	if got := installed(t, venv, "app", "lib"); got["app"] != "1.0" || got["lib"] != "1.0" {
		t.Fatalf("installed %v", got)
	}

	srv := r.startServe(t)
	venv = pyfix.Venv(t, py)
	if out, err := pipFromIndex(t, venv, srv.URL, "install", "app"); err != nil {
		t.Fatalf("pip against serve: %v\n%s", err, out)
	}
	if got := installed(t, venv, "app", "lib"); got["app"] != "1.0" || got["lib"] != "1.0" {
		t.Fatalf("installed through serve: %v", got)
	}

	r.repo.Tamper("packages/"+lib, tuftest.FlipByte)
	r.cache = filepath.Join(t.TempDir(), "cache")
	venv = pyfix.Venv(t, py)
	_, stderr, code = r.tufpip("install", "--python", pyfix.VenvPython(venv), "app")
	if code != 3 || !strings.Contains(stderr, "tufpip: error: "+lib+": sha256 does not match the hash signed by role "+libBin) {
		t.Errorf("tampered lib: exit %d, want 3\n%s", code, stderr)
	}
	if got := installed(t, venv, "app", "lib"); len(got) != 0 {
		t.Errorf("tampered lib: installed %v", got)
	}
}
