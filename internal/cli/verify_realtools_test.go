package cli

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/pyfix"
	"github.com/tufpip/tufpip/internal/tuftest"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// Lockfiles written by the real tools (pip-compile, uv lock, pip lock, poetry lock, pipenv
// lock) against tufpip serve's verifying index on 127.0.0.1, then verified: every entry
// passes. The tools see only the loopback index: their homes, caches and configs are
// temporary directories, and each is given the index as its only one.

// realToolsIndex signs real wheels (app-dep 1.0 needs helper>=1; helper 1.0 and 2.0, pure
// and with an sdist) with stable, starts tufpip serve on them and returns its /simple/ URL.
func realToolsIndex(t *testing.T) (env map[string]string, indexURL string, srv *tuftest.Server) {
	t.Helper()
	repo := tuftest.New(t)
	type pf = tuftest.PageFile
	pages := map[string][]pf{}
	add := func(project, fn string, data []byte) {
		repo.AddFile(tuftest.Stable, fn, data)
		f := tuftest.File(fn, data)
		f.RequiresPython = ">=3.8"
		pages[project] = append(pages[project], f)
	}
	fn, data := pyfix.Wheel(t, pyfix.WheelSpec{Name: "app-dep", Version: "1.0", RequiresDist: []string{"helper>=1"}})
	add("app-dep", fn, data)
	for _, v := range []string{"1.0", "2.0"} {
		fn, data := pyfix.Wheel(t, pyfix.WheelSpec{Name: "helper", Version: v})
		add("helper", fn, data)
		fn, data = pyfix.Sdist(t, pyfix.SdistSpec{Name: "helper", Version: v})
		add("helper", fn, data)
	}
	for p, files := range pages {
		repo.SetPage(tuftest.Stable, p, files...)
	}
	repo.Publish()
	env, srv = repoEnv(t, repo)

	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		io := &IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: &stderr}
		done <- Run(ctx, []string{"serve", "--addr", addr}, io, func(k string) string { return env[k] })
	}()
	t.Cleanup(func() { cancel(); <-done })
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), "serving the verifying index at http://"+addr+"/simple/") {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return env, "http://" + addr + "/simple/", srv
}

// toolEnv is an environment with nothing of the developer's: a private HOME, caches and
// configs, no proxy, no index settings but the ones given.
func toolEnv(t *testing.T, extra ...string) []string {
	home := t.TempDir()
	var env []string
	for _, kv := range pyfix.Env() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "UV_") || strings.HasPrefix(k, "POETRY_") || strings.HasPrefix(k, "PIPENV_") ||
			strings.HasPrefix(k, "XDG_") || k == "HOME" || strings.Contains(strings.ToLower(k), "proxy") || k == "VIRTUAL_ENV" {
			continue
		}
		env = append(env, kv)
	}
	return append(append(env, "HOME="+home, "XDG_CACHE_HOME="+filepath.Join(home, "cache"),
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"), "XDG_DATA_HOME="+filepath.Join(home, "data"),
		"NO_PROXY=*", "no_proxy=*"), extra...)
}

func runTool(t *testing.T, dir string, env []string, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
}

func TestVerifyLockfilesWrittenByRealTools(t *testing.T) {
	env, index, _ := realToolsIndex(t)
	python := pyfix.Python(t, "3.11").Path
	verify := func(t *testing.T, path string, wantOK, wantLocal int) {
		t.Helper()
		r := runCLI(t, env, "verify", path)
		if r.code != 0 || strings.Count(r.stdout, "ok    ") != wantOK || strings.Count(r.stdout, "skip  ") != wantLocal {
			t.Fatalf("verify %s: exit %d, want 0 with %d ok and %d local\n%s%s\n%s", filepath.Base(path), r.code, wantOK, wantLocal, r.stdout, r.stderr, readFile(t, path))
		}
	}
	pyproject := func(dir string, extra string) {
		writeFile(t, dir, "pyproject.toml", "[project]\nname = \"myapp\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = [\"app-dep\", \"helper<2\"]\n"+extra)
	}

	t.Run("pip-compile", func(t *testing.T) {
		tool := pyfix.Tool(t, "pip-compile")
		dir := t.TempDir()
		writeFile(t, dir, "requirements.in", "app-dep\nhelper<2\n")
		runTool(t, dir, toolEnv(t), tool, "--generate-hashes", "--index-url", index, "--no-emit-index-url",
			"--cache-dir", filepath.Join(dir, ".cache"), "-o", "requirements.txt", "requirements.in")
		verify(t, filepath.Join(dir, "requirements.txt"), 2, 0)
	})
	t.Run("uv lock", func(t *testing.T) {
		tool := pyfix.Tool(t, "uv")
		dir := t.TempDir()
		// a workspace: the root project and a member it depends on
		writeFile(t, dir, "pyproject.toml", "[project]\nname = \"myapp\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = [\"app-dep\", \"helper<2\", \"member\"]\n"+
			"\n[tool.uv.sources]\nmember = { workspace = true }\n\n[tool.uv.workspace]\nmembers = [\"packages/*\"]\n")
		if err := os.MkdirAll(filepath.Join(dir, "packages", "member"), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, "packages", "member"), "pyproject.toml", "[project]\nname = \"member\"\nversion = \"0.2.0\"\nrequires-python = \">=3.8\"\ndependencies = [\"helper\"]\n")
		// --no-config skips uv.toml and pyproject's index settings: the command line names the only index
		runTool(t, dir, toolEnv(t, "UV_PYTHON="+python, "UV_PYTHON_DOWNLOADS=never", "UV_CACHE_DIR="+filepath.Join(dir, ".cache"), "UV_NO_CONFIG=1"),
			tool, "lock", "--default-index", index)
		verify(t, filepath.Join(dir, "uv.lock"), 3, 2) // app-dep wheel, helper 1.0 wheel and sdist; myapp and its member
	})
	t.Run("pip lock", func(t *testing.T) {
		py := pyfix.Tool(t, "python-pip-latest")
		dir := t.TempDir()
		writeFile(t, dir, "requirements.in", "app-dep\nhelper<2\n")
		runTool(t, dir, toolEnv(t, "PIP_CONFIG_FILE=/dev/null"), py, "-m", "pip", "lock", "--index-url", index,
			"--cache-dir", filepath.Join(dir, ".cache"), "-r", "requirements.in", "-o", "pylock.toml")
		verify(t, filepath.Join(dir, "pylock.toml"), 2, 0)
	})
	t.Run("poetry lock", func(t *testing.T) {
		tool := pyfix.Tool(t, "poetry")
		dir := t.TempDir()
		pyproject(dir, "\n[tool.poetry]\npackage-mode = false\n\n[[tool.poetry.source]]\nname = \"tuf\"\nurl = \""+index+"\"\npriority = \"primary\"\n")
		runTool(t, dir, toolEnv(t, "POETRY_CACHE_DIR="+filepath.Join(dir, ".cache"), "POETRY_CONFIG_DIR="+filepath.Join(dir, ".config"),
			"POETRY_VIRTUALENVS_CREATE=false", "POETRY_NO_INTERACTION=1"), tool, "lock")
		verify(t, filepath.Join(dir, "poetry.lock"), 3, 0)
	})
	t.Run("pipenv lock", func(t *testing.T) {
		tool := pyfix.Tool(t, "pipenv")
		dir := t.TempDir()
		writeFile(t, dir, "Pipfile", "[[source]]\nname = \"tuf\"\nurl = \""+index+"\"\nverify_ssl = false\n\n[packages]\napp-dep = \"*\"\nhelper = \"<2\"\n\n[requires]\npython_version = \"3.11\"\n")
		runTool(t, dir, toolEnv(t, "PIPENV_VENV_IN_PROJECT=1", "PIPENV_PYTHON="+python, "PIPENV_CACHE_DIR="+filepath.Join(dir, ".cache"),
			"PIPENV_NOSPIN=1", "PIPENV_YES=1", "PIP_CONFIG_FILE=/dev/null", "PIPENV_IGNORE_VIRTUALENVS=1"), tool, "lock")
		verify(t, filepath.Join(dir, "Pipfile.lock"), 2, 0)
	})
}

// The same tools, asked to lock a direct URL (a file whose bytes the repository does vouch
// for, served from elsewhere) and a local wheel: those entries are unverifiable, the run exits
// 3, and their projects are never looked up on the index.
func TestVerifyDirectSourcesWrittenByRealTools(t *testing.T) {
	env, index, srv := realToolsIndex(t)
	python := pyfix.Python(t, "3.11").Path
	helperFn, helperData := pyfix.Wheel(t, pyfix.WheelSpec{Name: "helper", Version: "2.0"}) // trusted bytes
	elsewhere := pyfix.NewIndex(t, pyfix.IndexFile{Filename: helperFn, Data: helperData})
	helperURL := elsewhere.FileURL(helperFn)
	localFn, localData := pyfix.Wheel(t, pyfix.WheelSpec{Name: "localpkg", Version: "1.0"})
	setup := func(t *testing.T) (dir, localURL string) {
		dir = t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "vendor"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "vendor", localFn), localData, 0o644); err != nil {
			t.Fatal(err)
		}
		return dir, "file://" + filepath.ToSlash(filepath.Join(dir, "vendor", localFn))
	}
	check := func(t *testing.T, path string, wantLocal int) {
		t.Helper()
		before := len(srv.Requests())
		r := runCLI(t, env, "verify", path, "--format", "json")
		var out verifyJSON
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != ExitVerification {
			t.Fatalf("exit %d, want 3: %v\n%s%s\n%s", r.code, err, r.stdout, r.stderr, readFile(t, path))
		}
		got := map[string]int{}
		for _, e := range out.Entries {
			got[e.Status+" "+simpleindex.NormalizeName(e.Name)]++
			if e.Status == "unverifiable" && !strings.Contains(e.Reason, "which no TUF role can vouch for") {
				t.Errorf("%+v", e)
			}
		}
		if got["ok app-dep"] != 1 || got["unverifiable helper"] != 1 || got["unverifiable localpkg"] != 1 || got["local myapp"] != wantLocal || len(out.Entries) != 3+wantLocal {
			t.Errorf("statuses %v\n%s", got, readFile(t, path))
		}
		for _, req := range srv.Requests()[before:] {
			if strings.Contains(req.Path, "simple/helper/") || strings.Contains(req.Path, "simple/localpkg/") {
				t.Errorf("looked up %s for a direct source", req.Path)
			}
		}
	}
	reqIn := func(localURL string) string {
		return "app-dep\nhelper @ " + helperURL + "\nlocalpkg @ " + localURL + "\n"
	}

	t.Run("pip-compile", func(t *testing.T) {
		tool := pyfix.Tool(t, "pip-compile")
		dir, local := setup(t)
		writeFile(t, dir, "requirements.in", reqIn(local))
		runTool(t, dir, toolEnv(t), tool, "--generate-hashes", "--index-url", index, "--no-emit-index-url",
			"--cache-dir", filepath.Join(dir, ".cache"), "-o", "requirements.txt", "requirements.in")
		check(t, filepath.Join(dir, "requirements.txt"), 0)
	})
	t.Run("uv lock", func(t *testing.T) {
		tool := pyfix.Tool(t, "uv")
		dir, local := setup(t)
		writeFile(t, dir, "pyproject.toml", "[project]\nname = \"myapp\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = [\"app-dep\", \"helper @ "+helperURL+"\", \"localpkg @ "+local+"\"]\n")
		runTool(t, dir, toolEnv(t, "UV_PYTHON="+python, "UV_PYTHON_DOWNLOADS=never", "UV_CACHE_DIR="+filepath.Join(dir, ".cache"), "UV_NO_CONFIG=1"),
			tool, "lock", "--default-index", index)
		check(t, filepath.Join(dir, "uv.lock"), 1)
	})
	t.Run("pip lock", func(t *testing.T) {
		py := pyfix.Tool(t, "python-pip-latest")
		dir, local := setup(t)
		writeFile(t, dir, "requirements.in", reqIn(local))
		runTool(t, dir, toolEnv(t, "PIP_CONFIG_FILE=/dev/null"), py, "-m", "pip", "lock", "--index-url", index,
			"--cache-dir", filepath.Join(dir, ".cache"), "-r", "requirements.in", "-o", "pylock.toml")
		check(t, filepath.Join(dir, "pylock.toml"), 0)
	})
	t.Run("poetry lock", func(t *testing.T) {
		tool := pyfix.Tool(t, "poetry")
		dir, _ := setup(t)
		writeFile(t, dir, "pyproject.toml", "[project]\nname = \"myapp\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = [\"app-dep\", \"helper @ "+helperURL+"\", \"localpkg\"]\n"+
			"\n[tool.poetry]\npackage-mode = false\n\n[tool.poetry.dependencies]\nlocalpkg = { path = \"vendor/"+localFn+"\" }\n\n[[tool.poetry.source]]\nname = \"tuf\"\nurl = \""+index+"\"\npriority = \"primary\"\n")
		runTool(t, dir, toolEnv(t, "POETRY_CACHE_DIR="+filepath.Join(dir, ".cache"), "POETRY_CONFIG_DIR="+filepath.Join(dir, ".config"),
			"POETRY_VIRTUALENVS_CREATE=false", "POETRY_NO_INTERACTION=1"), tool, "lock")
		check(t, filepath.Join(dir, "poetry.lock"), 0)
	})
	t.Run("pipenv lock", func(t *testing.T) {
		tool := pyfix.Tool(t, "pipenv")
		dir, _ := setup(t)
		writeFile(t, dir, "Pipfile", "[[source]]\nname = \"tuf\"\nurl = \""+index+"\"\nverify_ssl = false\n\n[packages]\napp-dep = \"*\"\nhelper = {file = \""+helperURL+"\"}\nlocalpkg = {path = \"vendor/"+localFn+"\"}\n\n[requires]\npython_version = \"3.11\"\n")
		runTool(t, dir, toolEnv(t, "PIPENV_VENV_IN_PROJECT=1", "PIPENV_PYTHON="+python, "PIPENV_CACHE_DIR="+filepath.Join(dir, ".cache"),
			"PIPENV_NOSPIN=1", "PIPENV_YES=1", "PIP_CONFIG_FILE=/dev/null", "PIPENV_IGNORE_VIRTUALENVS=1"), tool, "lock")
		check(t, filepath.Join(dir, "Pipfile.lock"), 0)
	})
}

// uv locks no hash for a file its index served without one: verify refuses the entry and
// says the index is the cause, not a missing flag.
func TestVerifyHashlessIndexLockedByUv(t *testing.T) {
	tool := pyfix.Tool(t, "uv")
	env, _, _ := realToolsIndex(t)
	python := pyfix.Python(t, "3.11").Path
	fn, data := pyfix.Wheel(t, pyfix.WheelSpec{Name: "helper", Version: "1.0"}) // the bytes stable signed
	hashless := pyfix.NewIndex(t, pyfix.IndexFile{Filename: fn, Data: data, NoHash: true})
	dir := t.TempDir()
	writeFile(t, dir, "pyproject.toml", "[project]\nname = \"myapp\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = [\"helper<2\"]\n")
	runTool(t, dir, toolEnv(t, "UV_PYTHON="+python, "UV_PYTHON_DOWNLOADS=never", "UV_CACHE_DIR="+filepath.Join(dir, ".cache"), "UV_NO_CONFIG=1"),
		tool, "lock", "--default-index", hashless.URL)
	path := filepath.Join(dir, "uv.lock")
	r := runCLI(t, env, "verify", path)
	want := "helper==1.0 (" + fn + ") has no hash\n      hint: the index this was locked from gave no sha256 for the file"
	if r.code != ExitVerification || !strings.Contains(r.stdout, want) || strings.Contains(r.stdout, "pip-compile") {
		t.Fatalf("exit %d, want 3 and %q\n%s%s\n%s", r.code, want, r.stdout, r.stderr, readFile(t, path))
	}
}
