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

// Issue 14: tufpip uv with real uv against a real signed repository.

const uvProject = `[project]
name = "demo"
version = "0.1"
requires-python = ">=3.11"
dependencies = ["FooBar==2.0.*", "app"]
`

// uv pip install through tufpip installs stable's choice and the dependency; a tampered
// dependency is refused with exit 3 and nothing installed.
func TestUvPipInstall(t *testing.T) {
	t.Parallel()
	needTufpip(t)
	uv := pyfix.Tool(t, "uv")
	py := pyfix.Python(t, "3.11")
	r := newSeededPipRepo(t)
	venv := pyfix.Venv(t, py.Path)
	_, stderr, code := r.tufpip("uv", "--uv", uv, "--", "pip", "install", "--python", pyfix.VenvPython(venv), "FooBar==2.0.*", "app")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if got := installed(t, venv, "foobar", "app", "lib"); got["foobar"] != "2.0" || got["app"] != "1.0" || got["lib"] != "1.0" {
		t.Fatalf("installed %v, want foobar 2.0, app 1.0, lib 1.0", got)
	}

	r.cache = filepath.Join(t.TempDir(), "cache") // neither tufpip's nor uv's cache may help
	r.repo.Tamper("packages/lib-1.0-py3-none-any.whl", tuftest.FlipByte)
	venv = pyfix.Venv(t, py.Path)
	_, stderr, code = r.tufpip("uv", "--uv", uv, "--", "pip", "install", "--python", pyfix.VenvPython(venv), "app")
	want := "tufpip: error: lib-1.0-py3-none-any.whl: sha256 does not match the hash signed by role stable"
	if code != 3 || !strings.Contains(stderr, want) {
		t.Fatalf("tampered lib: exit %d, want 3 and %q\n%s", code, want, stderr)
	}
	if got := installed(t, venv, "app", "lib"); len(got) != 0 {
		t.Fatalf("after a refused lib, the venv has %v", got)
	}
}

// uv lock and uv sync of a small project through tufpip; tufpip verify then passes the lock.
func TestUvLockSyncVerify(t *testing.T) {
	t.Parallel()
	needTufpip(t)
	uv := pyfix.Tool(t, "uv")
	py := pyfix.Python(t, "3.11")
	r := newSeededPipRepo(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "pyproject.toml"), uvProject)
	for _, args := range [][]string{{"lock", "--python", py.Path}, {"sync", "--locked", "--python", py.Path}} {
		_, stderr, code := runTufpipIn(t, dir, r.env(), append([]string{"uv", "--uv", uv, "--"}, args...)...)
		if code != 0 {
			t.Fatalf("uv %s: exit %d\n%s", args[0], code, stderr)
		}
	}
	lock, _ := os.ReadFile(filepath.Join(dir, "uv.lock"))
	if !strings.Contains(string(lock), `registry = "http://tufpip.invalid/simple/"`) || !strings.Contains(string(lock), "foobar-2.0-py3-none-any.whl") {
		t.Errorf("uv.lock:\n%s", lock)
	}
	if got := installed(t, filepath.Join(dir, ".venv"), "foobar", "app", "lib"); got["foobar"] != "2.0" || got["lib"] != "1.0" {
		t.Errorf("uv sync installed %v", got)
	}
	stdout, stderr, code := r.tufpip("verify", filepath.Join(dir, "uv.lock"))
	if code != 0 {
		t.Errorf("tufpip verify uv.lock: exit %d\n%s%s", code, stdout, stderr)
	}
}

// Every way around the index is refused before uv runs (exit 2), naming the option,
// variable or file and line.
func TestUvBypassesRefused(t *testing.T) {
	t.Parallel()
	needTufpip(t)
	uv := pyfix.Tool(t, "uv")
	r := newSeededPipRepo(t)
	evil := "http://127.0.0.1:9/simple/"
	for _, tc := range []struct {
		name  string
		files map[string]string
		env   []string
		args  []string
		want  string
	}{
		{name: "--index-url", args: []string{"pip", "install", "--index-url", evil, "foobar"}, want: "--index-url " + evil + ": uv would fetch from an index"},
		{name: "-i", args: []string{"pip", "install", "-i" + evil, "foobar"}, want: "--index-url " + evil},
		{name: "--extra-index-url", args: []string{"pip", "install", "--extra-index-url=" + evil, "foobar"}, want: "--extra-index-url " + evil},
		{name: "--index", args: []string{"lock", "--index", evil}, want: "--index " + evil},
		{name: "--default-index", args: []string{"sync", "--default-index", evil}, want: "--default-index " + evil},
		{name: "--find-links", args: []string{"pip", "install", "-f", "/tmp", "foobar"}, want: "--find-links /tmp"},
		{name: "--no-verify-hashes", args: []string{"pip", "install", "--no-verify-hashes", "foobar"}, want: "--no-verify-hashes: uv would not check"},
		{name: "direct URL", args: []string{"pip", "install", "evil @ " + evil + "evil-1.0-py3-none-any.whl"}, want: "a direct URL requirement"},
		{name: "path", args: []string{"add", "./evil-1.0-py3-none-any.whl"}, want: "a local path"},
		{name: "--with URL", args: []string{"run", "--with", "https://x/evil.whl", "python"}, want: "a URL requirement"},
		{name: "UV_INDEX_URL", env: []string{"UV_INDEX_URL=" + evil}, args: []string{"pip", "install", "foobar"}, want: "tufpip: error: environment: UV_INDEX_URL: uv would fetch"},
		{name: "UV_EXTRA_INDEX_URL", env: []string{"UV_EXTRA_INDEX_URL=" + evil}, args: []string{"sync"}, want: "environment: UV_EXTRA_INDEX_URL"},
		{name: "UV_INDEX", env: []string{"UV_INDEX=corp=" + evil}, args: []string{"lock"}, want: "environment: UV_INDEX"},
		{name: "UV_DEFAULT_INDEX", env: []string{"UV_DEFAULT_INDEX=" + evil}, args: []string{"lock"}, want: "environment: UV_DEFAULT_INDEX"},
		{name: "UV_FIND_LINKS", env: []string{"UV_FIND_LINKS=/tmp"}, args: []string{"lock"}, want: "environment: UV_FIND_LINKS"},
		{name: "tool.uv.index", files: map[string]string{"pyproject.toml": uvProject + "\n[[tool.uv.index]]\nname = \"corp\"\nurl = \"" + evil + "\"\n"},
			args: []string{"lock"}, want: "pyproject.toml:7: tool.uv.index: uv would use an index"},
		{name: "tool.uv.sources", files: map[string]string{"pyproject.toml": uvProject + "\n[tool.uv.sources]\nfoobar = { url = \"" + evil + "x.whl\" }\n"},
			args: []string{"sync"}, want: "pyproject.toml:8: tool.uv.sources.foobar: uv would take foobar from a source other than the index"},
		{name: "direct URL dependency", files: map[string]string{"pyproject.toml": strings.Replace(uvProject, `"app"`, `"app @ `+evil+`app.whl"`, 1)},
			args: []string{"lock"}, want: "pyproject.toml:5: project.dependencies:"},
		{name: "uv.toml", files: map[string]string{"pyproject.toml": uvProject, "uv.toml": "extra-index-url = [\"" + evil + "\"]\n"},
			args: []string{"lock"}, want: "uv.toml:1: extra-index-url: uv would use an index"},
		{name: "requirements file", files: map[string]string{"req.txt": "foobar\n--extra-index-url " + evil + "\n"},
			args: []string{"pip", "install", "-r", "req.txt"}, want: "req.txt:2: --extra-index-url " + evil + ": uv would fetch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tc.files {
				writeFile(t, filepath.Join(dir, name), content)
			}
			_, stderr, code := runTufpipIn(t, dir, append(r.env(), tc.env...), append([]string{"uv", "--uv", uv, "--"}, tc.args...)...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, want 2 and %q\n%s", code, tc.want, stderr)
			}
			if _, err := os.Stat(filepath.Join(dir, "uv.lock")); err == nil {
				t.Errorf("uv ran: uv.lock written")
			}
		})
	}
}

// uv as a plain client of "tufpip serve --public-url": the uv.lock it writes names the
// public URL for every file, not the address the server answered on.
func TestUvAgainstServePublicURL(t *testing.T) {
	t.Parallel()
	needTufpip(t)
	uv := pyfix.Tool(t, "uv")
	py := pyfix.Python(t, "3.11")
	r := newSeededPipRepo(t)
	backend := r.startServe(t)
	public := strings.Replace(strings.TrimSuffix(backend.URL, "simple/"), "127.0.0.1", "localhost", 1)
	srv := r.startServe(t, "--public-url", public)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "pyproject.toml"), uvProject)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, uv, "lock", "--python", py.Path)
	cmd.Dir = dir
	cmd.Env = pyfix.Env("UV_DEFAULT_INDEX="+srv.URL, "UV_NO_CONFIG=1", "UV_CACHE_DIR="+filepath.Join(t.TempDir(), "uvcache"),
		"UV_PYTHON_DOWNLOADS=never")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("uv lock: %v\n%s", err, out)
	}
	lock, _ := os.ReadFile(filepath.Join(dir, "uv.lock"))
	if n := strings.Count(string(lock), `url = "`+public+"files/"); n < 3 {
		t.Errorf("uv.lock names %s for %d files, want 3:\n%s", public, n, lock)
	}
	if strings.Contains(string(lock), strings.TrimSuffix(srv.URL, "simple/")+"files/") {
		t.Errorf("uv.lock names the server's own address:\n%s", lock)
	}
}

// Issue 10 item 6 for uv: a vouched-for wheel declaring a dependency by URL is refused by
// the index, naming the wheel (exit 3); uv itself refuses an sdist's transitive URL
// dependency (and would find the URL out of reach). The evil server gets no request and
// nothing is installed.
func TestUvDirectURLDependency(t *testing.T) {
	t.Parallel()
	needTufpip(t)
	uv := pyfix.Tool(t, "uv")
	py := pyfix.Python(t, "3.11")
	r := newPipRepo(t)
	r.seed()
	evil := newEvilServer(t)
	dep := "evil @ " + evil.URL + "/" + evil.wheel
	app, _ := r.wheel("bad-app", "1.0", dep)
	r.sign(tuftest.Stable, "bad-app", app)
	sfn, sdata := pyfix.Sdist(t, pyfix.SdistSpec{Name: "bad-src", Version: "1.0", RequiresDist: []string{dep}})
	r.files[sfn] = sdata
	r.sign(tuftest.Stable, "bad-src", sfn)
	r.publish()
	for project, want := range map[string]string{
		"bad-app": "tufpip: error: " + app + ": declares the dependency \"" + dep + "\"",
		"bad-src": "was included as a URL dependency",
	} {
		venv := pyfix.Venv(t, py.Path)
		_, stderr, code := r.tufpip("uv", "--uv", uv, "--", "pip", "install", "--python", pyfix.VenvPython(venv), project)
		if code == 0 || (project == "bad-app" && code != 3) || !strings.Contains(stderr, want) {
			t.Errorf("%s: exit %d, want 3 and %q\n%s", project, code, want, stderr)
		}
		if got := installed(t, venv, "bad_app", "bad_src", "evil"); len(got) != 0 {
			t.Errorf("%s: installed %v", project, got)
		}
	}
	evil.assertUntouched(t)
}

// uv run in a project runs with what tufpip verified.
func TestUvRun(t *testing.T) {
	t.Parallel()
	needTufpip(t)
	uv := pyfix.Tool(t, "uv")
	py := pyfix.Python(t, "3.11")
	r := newSeededPipRepo(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "pyproject.toml"), uvProject)
	stdout, stderr, code := runTufpipIn(t, dir, r.env(), "uv", "--uv", uv, "--", "run", "--python", py.Path,
		"python", "-c", "import foobar, lib; print(foobar.__version__, lib.__version__)")
	if code != 0 || strings.TrimSpace(stdout) != "2.0 1.0" {
		t.Fatalf("uv run: exit %d, stdout %q\n%s", code, stdout, stderr)
	}
}
