package e2e

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/pyfix"
	"github.com/tufpip/tufpip/internal/tuftest"
)

// Fixtures for the wrapper tests: a real signed repository of real wheels, the environment
// that selects it, and checks run with a venv's own interpreter.

// pipRepo is a signed repository of pyfix wheels, served on 127.0.0.1.
type pipRepo struct {
	t     *testing.T
	repo  *tuftest.Repo
	srv   *tuftest.Server
	root  string            // trusted root.json
	cache string            // tufpip's cache, shared by the runs of one test
	files map[string][]byte // filename -> wheel bytes
}

func newPipRepo(t *testing.T) *pipRepo {
	t.Helper()
	r := &pipRepo{t: t, repo: tuftest.New(t), files: map[string][]byte{}}
	dir := t.TempDir()
	r.root = filepath.Join(dir, "root.json")
	r.cache = filepath.Join(dir, "cache")
	return r
}

// newSeededPipRepo is newPipRepo with the seed signed and served.
func newSeededPipRepo(t *testing.T) *pipRepo {
	t.Helper()
	r := newPipRepo(t)
	r.seed()
	r.publish()
	return r
}

// wheel builds (once) the wheel of project version with the given dependencies.
func (r *pipRepo) wheel(project, version string, requires ...string) (string, []byte) {
	r.t.Helper()
	fn, data := pyfix.Wheel(r.t, pyfix.WheelSpec{Name: project, Version: version, RequiresDist: requires})
	if old, ok := r.files[fn]; ok {
		return fn, old
	}
	r.files[fn] = data
	return fn, data
}

// sign makes role vouch for the given wheels (built earlier with wheel) and sign the
// project's page listing exactly them.
func (r *pipRepo) sign(role, project string, filenames ...string) {
	r.t.Helper()
	var page []tuftest.PageFile
	for _, fn := range filenames {
		data, ok := r.files[fn]
		if !ok {
			r.t.Fatalf("no wheel %s", fn)
		}
		r.repo.AddFile(role, fn, data)
		page = append(page, tuftest.File(fn, data))
	}
	r.repo.SetPage(role, project, page...)
}

// seed is the design's example plus a dependency: stable signed FooBar 1.0 and 2.0,
// unstable 1.0, 2.0 and 2.0.1; stable signed app 1.0, which requires lib>=1.0, and lib 1.0.
func (r *pipRepo) seed() {
	r.t.Helper()
	f10, _ := r.wheel("FooBar", "1.0")
	f20, _ := r.wheel("FooBar", "2.0")
	f201, _ := r.wheel("FooBar", "2.0.1")
	app, _ := r.wheel("app", "1.0", "lib>=1.0")
	lib, _ := r.wheel("lib", "1.0")
	r.sign(tuftest.Stable, "FooBar", f10, f20)
	r.sign(tuftest.Unstable, "FooBar", f10, f20, f201)
	r.sign(tuftest.Stable, "app", app)
	r.sign(tuftest.Stable, "lib", lib)
}

// publish signs the changes and serves the repository (once).
func (r *pipRepo) publish() {
	r.t.Helper()
	r.repo.Publish()
	if r.srv == nil {
		r.srv = r.repo.Serve(r.t)
		writeFile(r.t, r.root, r.repo.RootJSON())
	}
}

// env selects the repository for tufpip.
func (r *pipRepo) env() []string {
	return repoEnv(r.srv.MetadataURL, r.srv.TargetsURL, r.root, r.cache)
}

// tufpip runs the binary against the repository and logs what it printed.
func (r *pipRepo) tufpip(args ...string) (stdout, stderr string, code int) {
	r.t.Helper()
	return runTufpipLogged(r.t, r.env(), args...)
}

// installed returns what the venv's interpreter imports: module -> __version__, for the
// modules asked about that it can import.
func installed(t *testing.T, venv string, modules ...string) map[string]string {
	t.Helper()
	script := `import importlib, sys
for m in sys.argv[1:]:
    try:
        print(m, importlib.import_module(m).__version__)
    except ImportError:
        pass
`
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := pyfix.Command(ctx, pyfix.VenvPython(venv), append([]string{"-c", script}, modules...)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("checking the venv: %v", err)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if m, v, ok := strings.Cut(line, " "); ok {
			got[m] = v
		}
	}
	return got
}

// pipFromIndex runs the venv's own pip with args and PIP_INDEX_URL=index (a "tufpip serve"
// URL), for at most 2 minutes, and returns what it printed.
func pipFromIndex(t *testing.T, venv, index string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := pyfix.Command(ctx, pyfix.VenvPython(venv), append([]string{"-m", "pip"}, args...)...)
	cmd.Env = append(cmd.Env, "PIP_INDEX_URL="+index)
	out, err := cmd.CombinedOutput()
	t.Logf("PIP_INDEX_URL=%s pip %q: %v\n%s", index, args, err, out)
	return string(out), err
}

// interpreters runs f once for each Python the acceptance names: 3.11 (pip 23.2) and
// 3.13 (pip 24.2).
func interpreters(t *testing.T, f func(t *testing.T, py pyfix.Interpreter)) {
	for _, v := range []string{"3.11", "3.13"} {
		t.Run("py"+v, func(t *testing.T) {
			py := pyfix.Python(t, v)
			t.Logf("using %s", py)
			f(t, py)
		})
	}
}

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// tufpipServer is "tufpip serve" running as its own process.
type tufpipServer struct {
	URL string // ".../simple/"
	cmd *exec.Cmd
}

// startServe runs "tufpip serve" on a free loopback port until the test ends, with extra
// serve flags.
func (r *pipRepo) startServe(t *testing.T, extra ...string) *tufpipServer {
	t.Helper()
	return startServeEnv(t, r.env(), extra...)
}

// startServeEnv runs "tufpip serve" with env (KEY=VALUE entries selecting the repository).
func startServeEnv(t *testing.T, env []string, extra ...string) *tufpipServer {
	t.Helper()
	return launchServe(t, env, 30*time.Second, extra...)
}

// launchServe is startServeEnv for tests and benchmarks, failing unless serve is ready
// within wait.
func launchServe(t testing.TB, env []string, wait time.Duration, extra ...string) *tufpipServer {
	t.Helper()
	needTufpip(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(tufpipBin, append([]string{"serve", "--addr", addr}, extra...)...)
	home := t.TempDir()
	for _, kv := range pyfix.Env() {
		if !strings.HasPrefix(kv, "TUFPIP_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "XDG_CONFIG_HOME="+filepath.Join(home, "config"), "XDG_CACHE_HOME="+filepath.Join(home, "cache"))
	cmd.Env = append(cmd.Env, env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &tufpipServer{URL: "http://" + addr + "/simple/", cmd: cmd}
	ready := make(chan error, 1)
	var log strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if !sent && strings.Contains(sc.Text(), "serving the verifying index at "+s.URL) {
				ready <- nil
				sent = true
			}
		}
		if !sent {
			ready <- fmt.Errorf("tufpip serve exited before serving")
		}
	}()
	select {
	case err := <-ready:
		if err != nil {
			cmd.Wait()
			t.Fatalf("%v:\n%s", err, log.String())
		}
	case <-time.After(wait):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("tufpip serve did not start in %v", wait)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGINT)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("tufpip serve did not stop on SIGINT")
		}
	})
	return s
}
