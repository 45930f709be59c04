package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/pyfix"
	"github.com/tufpip/tufpip/internal/tuftest"
)

// Issue 14: every pip a user has (Debian 12's 23.0.1, 23.2, 24.2, the newest) and uv read
// tufpip's pages, through the wrappers and through "tufpip serve" as a plain index.

// debianPython is Debian's own interpreter, whose venvs get Debian's pip 23.0.1.
func debianPython(t *testing.T) string {
	t.Helper()
	return pyfix.DebianPython(t)
}

// Debian 12's pip crashed on the pages ("TypeError: expected string or bytes-like object,
// got 'bool'"): through the wrapper and through serve, it now installs stable's 2.0 and
// app's dependency, and a tampered dependency is refused with exit 3.
func TestDebianPipInstalls(t *testing.T) {
	t.Parallel()
	needTufpip(t)
	py := debianPython(t)
	r := newSeededPipRepo(t)
	venv := pyfix.Venv(t, py)
	if out, _ := exec.Command(pyfix.VenvPython(venv), "-m", "pip", "--version").Output(); !strings.HasPrefix(string(out), "pip 23.0.1") {
		t.Logf("Debian's venv has %s", out)
	}
	_, stderr, code := r.tufpip("install", "--python", pyfix.VenvPython(venv), "FooBar==2.0.*", "app")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if got := installed(t, venv, "foobar", "app", "lib"); got["foobar"] != "2.0" || got["lib"] != "1.0" {
		t.Fatalf("installed %v", got)
	}

	// A tampered dependency: exit 3, the file named, nothing installed.
	r2 := newSeededPipRepo(t)
	r2.repo.Tamper("packages/lib-1.0-py3-none-any.whl", tuftest.FlipByte)
	venv2 := pyfix.Venv(t, py)
	_, stderr, code = r2.tufpip("install", "--python", pyfix.VenvPython(venv2), "app")
	if code != 3 || !strings.Contains(stderr, "tufpip: error: lib-1.0-py3-none-any.whl: sha256 does not match") {
		t.Errorf("tampered lib: exit %d, want 3\n%s", code, stderr)
	}
	if got := installed(t, venv2, "app", "lib"); len(got) != 0 {
		t.Errorf("tampered lib: installed %v", got)
	}

	srv := r.startServe(t)
	venv = pyfix.Venv(t, py)
	out, err := pipFromIndex(t, venv, srv.URL, "install", "FooBar==2.0.*", "app")
	if err != nil || strings.Contains(out, "Traceback") {
		t.Fatalf("Debian's pip against serve: %v\n%s", err, out)
	}
	if got := installed(t, venv, "foobar", "app", "lib"); got["foobar"] != "2.0" || got["lib"] != "1.0" {
		t.Fatalf("installed through serve: %v", got)
	}
}

// The newest pip (26.3) installs through the wrapper into a target folder (its own venv is
// the tools', never written) and locks through serve --public-url: pylock.toml names the
// public URL.
func TestNewestPip(t *testing.T) {
	t.Parallel()
	needTufpip(t)
	py := pyfix.Tool(t, "python-pip-latest")
	r := newSeededPipRepo(t)
	target := filepath.Join(t.TempDir(), "target")
	_, stderr, code := r.tufpip("install", "--python", py, "--", "--target", target, "FooBar==2.0.*", "app")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, m := range []string{"foobar", "app", "lib"} {
		if _, err := os.Stat(filepath.Join(target, m, "__init__.py")); err != nil {
			t.Errorf("%s not installed: %v", m, err)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(target, "foobar", "__init__.py")); !strings.Contains(string(data), "2.0'") && !strings.Contains(string(data), `2.0"`) {
		t.Errorf("foobar: %s, want stable's 2.0", data)
	}

	// A tampered dependency: exit 3, the file named, nothing in the target folder.
	r2 := newSeededPipRepo(t)
	r2.repo.Tamper("packages/lib-1.0-py3-none-any.whl", tuftest.FlipByte)
	target2 := filepath.Join(t.TempDir(), "target")
	_, stderr, code = r2.tufpip("install", "--python", py, "--", "--target", target2, "app")
	if code != 3 || !strings.Contains(stderr, "tufpip: error: lib-1.0-py3-none-any.whl: sha256 does not match") {
		t.Errorf("tampered lib: exit %d, want 3\n%s", code, stderr)
	}
	if ents, _ := os.ReadDir(target2); len(ents) != 0 {
		t.Errorf("tampered lib: the target folder has %d entries", len(ents))
	}

	// A serve behind a load balancer: the public URL (here, another serve under another
	// host name) is what clients should record, whatever address this one answered on.
	backend := r.startServe(t)
	public := strings.Replace(strings.TrimSuffix(backend.URL, "simple/"), "127.0.0.1", "localhost", 1)
	srv2 := r.startServe(t, "--public-url", public)
	lock := filepath.Join(t.TempDir(), "pylock.toml")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := pyfix.Command(ctx, py, "-m", "pip", "lock", "--index-url", srv2.URL, "-o", lock, "FooBar==2.0.*")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pip lock: %v\n%s", err, out)
	}
	data, _ := os.ReadFile(lock)
	if !strings.Contains(string(data), public+"files/foobar/") {
		t.Errorf("pylock.toml does not name %s:\n%s", public, data)
	}
}

// A venv without pip (uv's default) gets a hint, not only Python's "No module named pip".
func TestPipWrapperHintsWithoutPip(t *testing.T) {
	t.Parallel()
	needTufpip(t)
	py := pyfix.Python(t, "3.11")
	r := newSeededPipRepo(t)
	venv := filepath.Join(t.TempDir(), "nopip")
	if out, err := exec.Command(py.Path, "-m", "venv", "--without-pip", venv).CombinedOutput(); err != nil {
		t.Fatalf("venv: %v\n%s", err, out)
	}
	vpy := pyfix.VenvPython(venv)
	_, stderr, code := r.tufpip("install", "--python", vpy, "FooBar")
	want := "tufpip: hint: " + vpy + " has no pip: install it with " + vpy + " -m ensurepip, or use tufpip uv"
	if code != 1 || !strings.Contains(stderr, want) {
		t.Fatalf("exit %d, want 1 and %q\n%s", code, want, stderr)
	}
}
