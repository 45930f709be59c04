package pyfix

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestPythonsFound(t *testing.T) {
	for _, in := range Pythons(t) {
		if !filepath.IsAbs(in.Path) || in.PipVersion == "" || !strings.HasPrefix(in.FullVersion, in.Version+".") {
			t.Errorf("odd interpreter %+v", in)
		}
		t.Logf("%s", in)
	}
}

// TestInstallFromIndex is the fixture's promise: a wheel and an sdist built here install
// with real pip into a fresh venv from the plain index, and import with the right version.
func TestInstallFromIndex(t *testing.T) {
	for _, py := range Pythons(t) {
		t.Run(py.Version, func(t *testing.T) {
			wname, wdata := Wheel(t, WheelSpec{Name: "Hello.World", Version: "1.2.3"})
			sname, sdata := Sdist(t, SdistSpec{Name: "from-source", Version: "0.9"})
			ix := NewIndex(t,
				IndexFile{Filename: wname, Data: wdata},
				IndexFile{Filename: sname, Data: sdata},
			)
			// If the developer's pip settings leaked in, this would point pip elsewhere.
			t.Setenv("PIP_INDEX_URL", "http://127.0.0.1:9/nowhere/")
			t.Setenv("PIP_NO_INDEX", "1")

			venv := Venv(t, py.Path)
			vpy := VenvPython(venv)
			r := Pip(t, vpy, "install", "--index-url", ix.URL, "hello_world==1.2.3", "From_Source")
			if r.Code != 0 {
				t.Fatalf("install failed:\n%s", r)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			out, err := Command(ctx, vpy, "-c", "import hello_world, from_source, sys; print(hello_world.__version__, from_source.__version__, sys.prefix)").CombinedOutput()
			if err != nil {
				t.Fatalf("import: %v\n%s", err, out)
			}
			if got, want := strings.TrimSpace(string(out)), "1.2.3 0.9 "+venv; got != want {
				t.Errorf("import printed %q, want %q", got, want)
			}
			var paths []string
			for _, req := range ix.Requests() {
				paths = append(paths, req.Path)
			}
			for _, want := range []string{"/simple/hello-world/", "/files/" + wname, "/simple/from-source/", "/files/" + sname} {
				if !strings.Contains(strings.Join(paths, " "), want) {
					t.Errorf("index log %v lacks %s", paths, want)
				}
			}
		})
	}
}

// TestVenvIsFresh checks that copies of the template are independent, real venvs: pip
// inside runs (also through its rewritten bin/pip script) and sees only what was
// installed into that copy.
func TestVenvIsFresh(t *testing.T) {
	py := Pythons(t)[0]
	a, b := Venv(t, py.Path), Venv(t, py.Path)
	wname, wdata := Wheel(t, WheelSpec{Name: "only-in-a", Version: "1"})
	ix := NewIndex(t, IndexFile{Filename: wname, Data: wdata})
	if r := Pip(t, VenvPython(a), "install", "--index-url", ix.URL, "only-in-a"); r.Code != 0 {
		t.Fatalf("install: %s", r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := Command(ctx, filepath.Join(b, "bin", "pip"), "list", "--format", "freeze")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s/bin/pip list: %v\n%s", b, err, out)
	}
	if strings.Contains(string(out), "only-in-a") || !strings.Contains(string(out), "pip==") {
		t.Errorf("venv b lists:\n%s", out)
	}
	out, err = Command(ctx, filepath.Join(a, "bin", "pip"), "list", "--format", "freeze").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "only-in-a==1") {
		t.Errorf("venv a lists (%v):\n%s", err, out)
	}
}

func TestEnvDropsPipSettings(t *testing.T) {
	t.Setenv("PIP_FIND_LINKS", "/somewhere")
	t.Setenv("PYTHONPATH", "/somewhere")
	t.Setenv("VIRTUAL_ENV", "/somewhere")
	for _, kv := range Env() {
		if strings.Contains(kv, "/somewhere") {
			t.Errorf("Env() keeps %s", kv)
		}
	}
	py := Pythons(t)[0]
	r := Pip(t, py.Path, "config", "list")
	if r.Code != 0 || strings.Contains(r.Stdout, "find-links") || !strings.Contains(r.Stdout, "no-input") {
		t.Errorf("pip config list:\n%s", r)
	}
}
