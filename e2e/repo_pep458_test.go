package e2e

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/internal/pyfix"
)

// Issue 13, item 7: a repository published with "tufpip repo init --layout pep458" is read by
// tufpip set up with exactly the client settings init prints, and real pip installs from it;
// a tampered page or file exits 3 with nothing installed.
//
// With repo init --files-url, the pages link a files host (here another port serving
// DIR/targets/, while the pages' host serves no packages/), as PyPI's link
// files.pythonhosted.org; init then prints the client's --files-url too.
func TestRepoPEP458PipInstall(t *testing.T) {
	t.Parallel()
	needTufpip(t)
	t.Run("relative-links", func(t *testing.T) { testRepoPEP458PipInstall(t, false) })
	t.Run("files-host", func(t *testing.T) { testRepoPEP458PipInstall(t, true) })
}

func testRepoPEP458PipInstall(t *testing.T, filesHost bool) {
	base := t.TempDir()
	dir, keys, src := filepath.Join(base, "pypi"), filepath.Join(base, "keys"), t.TempDir()
	initArgs := []string{"repo", "init", dir, "--keys", keys, "--layout", "pep458", "--bins", "64"}
	var filesSrv *httptest.Server
	if filesHost {
		filesSrv = httptest.NewServer(http.FileServer(http.Dir(filepath.Join(dir, "targets"))))
		t.Cleanup(filesSrv.Close)
		initArgs = append(initArgs, "--files-url", filesSrv.URL+"/")
	}
	stdout, stderr, code := runTufpip(t, initArgs...)
	if code != 0 {
		t.Fatalf("repo init: exit %d\n%s", code, stderr)
	}
	var client string
	for _, line := range strings.Split(stdout, "\n") {
		if c, ok := strings.CutPrefix(line, "clients: tufpip "); ok {
			client = c
		}
	}
	if client == "" {
		t.Fatalf("repo init printed no client settings:\n%s", stdout)
	}
	var files []string
	for _, w := range []pyfix.WheelSpec{{Name: "FooBar", Version: "1.0"}, {Name: "FooBar", Version: "2.0"}, {Name: "app", Version: "1.0", RequiresDist: []string{"lib>=1.0"}}, {Name: "lib", Version: "1.0"}} {
		fn, data := pyfix.Wheel(t, w)
		writeFile(t, filepath.Join(src, fn), data)
		files = append(files, filepath.Join(src, fn))
	}
	if _, stderr, code := runTufpip(t, append([]string{"repo", "add", dir, "--keys", keys}, files...)...); code != 0 {
		t.Fatalf("repo add: exit %d\n%s", code, stderr)
	}
	pages := http.FileServer(http.Dir(dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if filesHost && strings.HasPrefix(r.URL.Path, "/targets/packages/") {
			http.NotFound(w, r) // files come from the files host only
			return
		}
		pages.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	if filesHost && !strings.Contains(client, " --files-url "+filesSrv.URL+"/") {
		t.Fatalf("repo init --files-url printed client settings without it: %s", client)
	}

	// The printed command, with the name and URL filled in and the shell's quotes removed.
	var args []string
	for _, a := range strings.Fields(client) {
		a = strings.Trim(a, "'")
		a = strings.Replace(a, "URL/", srv.URL+"/", 1)
		if a == "NAME" {
			a = "acme"
		}
		args = append(args, a)
	}
	env := []string{"TUFPIP_CONFIG_DIR=" + filepath.Join(base, "config"), "TUFPIP_CACHE_DIR=" + filepath.Join(base, "cache")}
	if _, stderr, code := runTufpipEnv(t, env, args...); code != 0 {
		t.Fatalf("tufpip %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	stdout, stderr, code = runTufpipEnv(t, env, "--repo", "acme", "resolve", "FooBar", "--python-version", "3.12", "--platform", "any")
	// The bin that signs the page vouches, named as the repository names it.
	if code != 0 || !strings.Contains(stdout, "foobar 2.0 from foobar-2.0-py3-none-any.whl") || !regexp.MustCompile(`vouched for by bins-[0-9a-f]{2,4}\b`).MatchString(stdout) {
		t.Fatalf("resolve: exit %d\n%s%s", code, stdout, stderr)
	}

	py := pyfix.Python(t, "3.13")
	venv := pyfix.Venv(t, py.Path)
	if _, stderr, code := runTufpipEnv(t, env, "--repo", "acme", "install", "--python", pyfix.VenvPython(venv), "app"); code != 0 {
		t.Fatalf("install app: exit %d\n%s", code, stderr)
	}
	if got := installed(t, venv, "app", "lib"); got["app"] != "1.0" || got["lib"] != "1.0" {
		t.Fatalf("installed %v, want app 1.0 and lib 1.0", got)
	}

	// Tampering, in place (every hard link of a stored page or file sees it), with a fresh
	// cache each time so that nothing verified earlier is reused.
	flip := func(path string) {
		t.Helper()
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		data[len(data)/2] ^= 1
		writeFile(t, path, data)
	}
	stored, _ := filepath.Glob(filepath.Join(dir, "targets", "simple", "foobar", "*.foobar.html"))
	if len(stored) != 1 {
		t.Fatalf("content-addressed pages of foobar: %v", stored)
	}
	flip(stored[0])
	flip(filepath.Join(dir, "targets", "packages", "lib-1.0-py3-none-any.whl"))
	for i, req := range []string{"FooBar", "app"} {
		env := []string{env[0], "TUFPIP_CACHE_DIR=" + filepath.Join(base, "cache", req)}
		venv := pyfix.Venv(t, py.Path)
		_, stderr, code := runTufpipEnv(t, env, "--repo", "acme", "install", "--python", pyfix.VenvPython(venv), req)
		want := []string{"foobar", "lib-1.0-py3-none-any.whl"}[i]
		t.Logf("install %s after tampering: exit %d\n%s", req, code, stderr)
		if code != 3 || !strings.Contains(stderr, "tufpip: error: "+want+": sha256 and blake2b-256 do not match the hashes signed by role ") {
			t.Fatalf("install %s after tampering: exit %d, want 3 naming %s\n%s", req, code, want, stderr)
		}
		if got := installed(t, venv, "foobar", "app", "lib"); len(got) != 0 {
			t.Fatalf("install %s after tampering left %v in the venv", req, got)
		}
	}
}
