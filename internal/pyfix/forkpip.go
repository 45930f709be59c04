package pyfix

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// A PipServer runs many pip commands quickly. Most of a pip run's start-up is importing
// pip (0.3-0.5 s); a dry run that must be repeated once per unsatisfiable requirement
// pays it every time. The server imports pip once and forks a child per command; the
// child calls pip's own CLI entry point (pip._internal.cli.main.main, what "python -m
// pip" calls) with fresh process state, its output in files, and exits with pip's code.
// pip's behaviour is that of the CLI: only the imports and the User-Agent string (see
// forkServerPy) are shared.
type PipServer struct {
	python string
	dir    string
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	mu     sync.Mutex
	n      int
	dead   bool // killed: a reader goroutine may still hold out, so nothing may read again
}

const forkServerPy = `import importlib, json, os, sys
# Warm the imports "pip install --dry-run --report" needs, without running anything. The
# list is what such a run imports lazily in pip 23.2 and 24.2; missing ones are skipped.
from pip._internal.cli.main import main as pip_main
from pip._internal.commands import create_command
create_command("install")
for name in [
    "pip._internal.resolution.resolvelib.resolver", "pip._internal.index.package_finder",
    "pip._internal.operations.prepare", "pip._internal.network.session",
    "pip._internal.models.installation_report", "pip._internal.metadata.importlib",
    "pip._internal.metadata.pkg_resources", "pip._internal.utils._jaraco_text",
    "pip._vendor.distro", "pip._vendor.pkg_resources", "pip._vendor.truststore",
    "pip._internal.operations.build.metadata", "pip._internal.distributions.sdist",
    "pip._internal.distributions.wheel", "pip._internal.network.download",
    "pip._internal.utils.unpacking", "pip._internal.build_env", "argparse", "plistlib",
]:
    try:
        importlib.import_module(name)
    except ImportError:
        pass
# pip computes its User-Agent on every run by running "rustc --version" and scanning
# site-packages for setuptools: 0.2-0.5 s of a run that takes 0.1 s without it. Its value
# cannot differ between runs of one server (same interpreter, same environment), so it
# is computed once, by pip's own function, here.
import pip._internal.network.session as _session
_ua = _session.user_agent()
_session.user_agent = lambda: _ua

sys.stdout.write("ready\n")
sys.stdout.flush()
for line in sys.stdin:
    req = json.loads(line)
    pid = os.fork()
    if pid == 0:
        try:
            null = os.open(os.devnull, os.O_RDONLY)
            out = os.open(req["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            err = os.open(req["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(null, 0)
            os.dup2(out, 1)
            os.dup2(err, 2)
            sys.argv = ["pip"] + req["argv"]
            code = pip_main(req["argv"])
        except SystemExit as e:
            # sys.exit() and sys.exit(None) mean success; a message means failure.
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except BaseException:
            import traceback
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code or 0)
    _, status, usage = os.wait4(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    sys.stdout.write(json.dumps({"code": code, "cpu": usage.ru_utime + usage.ru_stime}) + "\n")
    sys.stdout.flush()
`

// StartPipServer starts a fork server for python. Close it when done.
func StartPipServer(ctx context.Context, python string) (*PipServer, error) {
	dir, err := os.MkdirTemp("", "pyfix-pipserver-")
	if err != nil {
		return nil, err
	}
	script := filepath.Join(dir, "pipserver.py")
	if err := os.WriteFile(script, []byte(forkServerPy), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// Not CommandContext: the server outlives this call; Run and Close stop it.
	cmd := exec.Command(python, script)
	cmd.Env = Env()
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	// Its own process group, so stopping it also stops a running child and the child's
	// build subprocesses.
	ownProcessGroup(cmd)
	in, err := cmd.StdinPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start pip server with %s: %w", python, err)
	}
	s := &PipServer{python: python, dir: dir, cmd: cmd, in: in, out: bufio.NewReader(outPipe)}
	line, err := s.readLine(ctx, 60*time.Second)
	if err != nil || line != "ready" {
		s.Close()
		return nil, fmt.Errorf("pip server with %s did not start (%q): %v", python, line, err)
	}
	return s, nil
}

func (s *PipServer) readLine(ctx context.Context, limit time.Duration) (string, error) {
	type res struct {
		line string
		err  error
	}
	ch := make(chan res, 1)
	go func() {
		l, err := s.out.ReadString('\n')
		ch <- res{strings.TrimSpace(l), err}
	}()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case r := <-ch:
		return r.line, r.err
	case <-ctx.Done():
		s.kill()
		return "", ctx.Err()
	case <-timer.C:
		s.kill()
		return "", errors.New("timed out")
	}
}

func (s *PipServer) kill() {
	s.dead = true
	if s.cmd.Process != nil {
		killProcessGroup(s.cmd.Process)
	}
}

// Run runs "pip args..." in a forked child, like RunPip. After a cancelled context the
// server is dead and every later Run fails.
func (s *PipServer) Run(ctx context.Context, args ...string) (*Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead {
		return nil, errors.New("pip server was stopped by an earlier cancellation")
	}
	s.n++
	outPath := filepath.Join(s.dir, fmt.Sprintf("out-%d", s.n))
	errPath := filepath.Join(s.dir, fmt.Sprintf("err-%d", s.n))
	defer os.Remove(outPath)
	defer os.Remove(errPath)
	req, _ := json.Marshal(map[string]any{"argv": args, "stdout": outPath, "stderr": errPath})
	start := time.Now()
	if _, err := s.in.Write(append(req, '\n')); err != nil {
		return nil, fmt.Errorf("pip server of %s: %w", s.python, err)
	}
	line, err := s.readLine(ctx, 10*time.Minute)
	if err != nil {
		return nil, fmt.Errorf("pip %s: %w", shorten(strings.Join(args, " ")), err)
	}
	var resp struct {
		Code int
		CPU  float64
	}
	if err := json.Unmarshal([]byte(line), &resp); err != nil {
		return nil, fmt.Errorf("pip server of %s answered %q: %w", s.python, line, err)
	}
	stdout, _ := os.ReadFile(outPath)
	stderr, _ := os.ReadFile(errPath)
	return &Result{Args: args, Stdout: string(stdout), Stderr: string(stderr), Code: resp.Code,
		Duration: time.Since(start), CPU: time.Duration(resp.CPU * float64(time.Second))}, nil
}

// Close stops the server and removes its files.
func (s *PipServer) Close() error {
	s.in.Close()
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.kill()
		<-done
	}
	return os.RemoveAll(s.dir)
}
