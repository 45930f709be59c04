//go:build linux

package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tufpip/tufpip/internal/pyfix"
	"github.com/tufpip/tufpip/internal/tuftest"
)

// What a first-time user sees of the built binary (issue 17), on a real terminal (a pty)
// and not.

// openPTY returns a pseudo-terminal's controller and its terminal end.
func openPTY(t *testing.T) (ptm, pts *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// tufpipCmd is the binary with the e2e tests' neutral environment plus env.
func tufpipCmd(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	needTufpip(t)
	cmd := exec.Command(tufpipBin, args...)
	home := t.TempDir()
	for _, kv := range pyfix.Env() {
		if !strings.HasPrefix(kv, "TUFPIP_") && !strings.HasPrefix(kv, "NO_COLOR=") && !strings.HasPrefix(kv, "TERM=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "XDG_CONFIG_HOME="+filepath.Join(home, "config"), "XDG_CACHE_HOME="+filepath.Join(home, "cache"))
	cmd.Env = append(cmd.Env, env...)
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// onTerminal runs tufpip with stderr on a pty and stdout on a pipe; it returns both.
func onTerminal(t *testing.T, env []string, args ...string) (stdout, terminal string, code int) {
	t.Helper()
	ptm, pts := openPTY(t)
	cmd := tufpipCmd(t, env, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, pts
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pts.Close()
	var term bytes.Buffer
	done := make(chan struct{})
	go func() { io.Copy(&term, ptm); close(done) }() // ends with EIO once the child is gone
	err := cmd.Wait()
	<-done
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), strings.ReplaceAll(term.String(), "\r\n", "\n"), code
}

func TestColourOnARealTerminal(t *testing.T) {
	stdout, term, code := onTerminal(t, []string{"TERM=xterm"}, "--bogus")
	if code != 2 || stdout != "" || term != "tufpip: \x1b[1;31merror:\x1b[0m unknown flag: --bogus\ntufpip: \x1b[1;36mhint:\x1b[0m see tufpip --help\n" {
		t.Errorf("terminal: exit %d stdout %q terminal %q", code, stdout, term)
	}
	stdout, term, code = onTerminal(t, []string{"TERM=xterm", "NO_COLOR=1"}, "--bogus")
	if code != 2 || stdout != "" || term != "tufpip: error: unknown flag: --bogus\ntufpip: hint: see tufpip --help\n" {
		t.Errorf("NO_COLOR: exit %d stdout %q terminal %q", code, stdout, term)
	}
	// a pipe or file gets no escape codes
	stdout, stderr, code := runTufpipEnv(t, []string{"TERM=xterm"}, "--bogus")
	if code != 2 || stdout != "" || stderr != "tufpip: error: unknown flag: --bogus\ntufpip: hint: see tufpip --help\n" {
		t.Errorf("pipe: exit %d stdout %q stderr %q", code, stdout, stderr)
	}
}

// serveRepo serves a small signed repository and returns the flags that select it.
func serveRepo(t *testing.T) []string {
	t.Helper()
	repo := tuftest.New(t)
	data := []byte("not really a wheel")
	repo.AddFile(tuftest.Stable, "foobar-1.0-py3-none-any.whl", data)
	repo.SetPage(tuftest.Stable, "foobar", tuftest.File("foobar-1.0-py3-none-any.whl", data))
	repo.Publish()
	srv := repo.Serve(t)
	root := filepath.Join(t.TempDir(), "root.json")
	writeFile(t, root, repo.RootJSON())
	return []string{"--metadata-url", srv.MetadataURL, "--targets-url", srv.TargetsURL, "--root", root}
}

// lockedBuffer is a stderr the test reads while tufpip writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var servingRE = regexp.MustCompile(`tufpip: serving the verifying index at (http://\S+/simple/)`)

// serveUntil starts tufpip serve, waits until it announces its URL (or, when early is set,
// only that long), sends SIGINT as Ctrl-C does, and returns what it printed and its exit.
func serveUntil(t *testing.T, repoFlags []string, addr string, early time.Duration) (url, stdout, stderr string, code int) {
	t.Helper()
	cmd := tufpipCmd(t, nil, append([]string{"serve", "--addr", addr}, repoFlags...)...)
	var out bytes.Buffer
	var errOut lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	if early > 0 {
		time.Sleep(early)
	} else {
		deadline := time.Now().Add(30 * time.Second)
		for !servingRE.MatchString(errOut.String()) {
			if time.Now().After(deadline) {
				t.Fatalf("serve did not start: %s", errOut.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		url = servingRE.FindStringSubmatch(errOut.String())[1]
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return url, out.String(), errOut.String(), code
}

// Ctrl-C stops serve with exit 130 every time, whether it is serving or still starting.
func TestServeCtrlCExits130EveryTime(t *testing.T) {
	flags := serveRepo(t)
	for i := range 7 {
		url, stdout, stderr, code := serveUntil(t, flags, "127.0.0.1:0", 0)
		if code != 130 || stdout != "" || !strings.HasSuffix(stderr, "tufpip: stopped\n") || strings.Contains(stderr, "error") {
			t.Errorf("run %d (%s): exit %d stdout %q stderr %q", i, url, code, stdout, stderr)
		}
	}
	for _, early := range []time.Duration{150 * time.Millisecond, 400 * time.Millisecond} {
		_, stdout, stderr, code := serveUntil(t, flags, "127.0.0.1:0", early)
		if code != 130 || stdout != "" {
			t.Errorf("Ctrl-C after %v: exit %d stdout %q stderr %q", early, code, stdout, stderr)
		}
	}
}

// serve --addr 0.0.0.0:PORT announces a URL a client can use, not http://[::]:PORT.
func TestServeWildcardAddressAnnouncesUsableURL(t *testing.T) {
	flags := serveRepo(t)
	host, err := os.Hostname()
	if err != nil {
		t.Skip(err)
	}
	url, _, stderr, code := serveUntil(t, flags, "0.0.0.0:0", 0)
	if code != 130 || !strings.HasPrefix(url, "http://"+host+":") || strings.Contains(stderr, "[::]") ||
		!regexp.MustCompile(`\(on this machine http://127\.0\.0\.1:\d+/simple/\)`).MatchString(stderr) {
		t.Errorf("exit %d url %q stderr %q", code, url, stderr)
	}
}

// The README's first command, as a user runs it with its output in a pipe or a log file:
// it installs FooBar 2.0, then 2.0.1 once stable signs it, and prints no escape codes.
func TestDemoScript(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo takes about half a minute")
	}
	needTufpip(t)
	py := pyfix.Python(t, "3.11")
	cmd := exec.Command("bash", "scripts/demo.sh")
	cmd.Dir = ".."
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TUFPIP_") && !strings.HasPrefix(kv, "PIP_") && !strings.HasPrefix(kv, "NO_COLOR=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "PYTHON="+py.Path, "TERM=xterm")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("bash scripts/demo.sh: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errOut.String())
	}
	all := out.String() + errOut.String()
	if strings.Contains(all, "\x1b") {
		t.Errorf("escape codes in the demo's output to a pipe:\n%q", all)
	}
	for _, want := range []string{"\n== building tufpip\n", "\ninstalled: FooBar 2.0\n", "\ninstalled: FooBar 2.0.1\n",
		"  skipped foobar-2.0.1-py3-none-any.whl: signed only by unstable\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in the demo's stdout:\n%s", want, out.String())
		}
	}
}

// Built with -buildvcs=false (as go install from a tarball is), tufpip version says the
// commit was not recorded instead of "commit unknown"; --version and -V print the same.
func TestVersionWithoutVCSInfo(t *testing.T) {
	needTufpip(t)
	bin := filepath.Join(t.TempDir(), "tufpip")
	build := exec.Command("go", "build", "-buildvcs=false", "-o", bin, "github.com/tufpip/tufpip/cmd/tufpip")
	build.Dir = ".."
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	var want string
	for _, args := range [][]string{{"version"}, {"--version"}, {"-V"}} {
		out, err := exec.Command(bin, args...).Output()
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if want == "" {
			want = string(out)
			if !regexp.MustCompile(`^tufpip \S+\ncommit not recorded \(built without VCS information\)\ngo-tuf v2\.4\.2\ngo1\.\S+\n$`).MatchString(want) {
				t.Errorf("tufpip version: %q", want)
			}
		} else if string(out) != want {
			t.Errorf("%v: %q, want %q", args, out, want)
		}
	}
}

// resolve --download on a terminal: the progress line stays once the file is in, with no
// absurd rate for a file that took a millisecond; through a pipe there is none.
func TestDownloadProgressOnATerminal(t *testing.T) {
	flags := serveRepo(t)
	dir := t.TempDir()
	args := append(append([]string{}, flags...), "resolve", "--python-version", "3.11", "--platform", "any", "--download", dir, "foobar")
	stdout, term, code := onTerminal(t, []string{"TERM=xterm"}, args...)
	if code != 0 || !strings.Contains(stdout, "  saved "+filepath.Join(dir, "foobar-1.0-py3-none-any.whl")+"\n") {
		t.Fatalf("exit %d stdout %q terminal %q", code, stdout, term)
	}
	if !regexp.MustCompile(`\rfoobar-1\.0-py3-none-any\.whl  18 bytes in \d+(\.\d+)?m?s *\n$`).MatchString(term) || strings.Contains(term, "B/s") {
		t.Errorf("terminal: %q", term)
	}
	_, stderr, code := runTufpip(t, append(args[:len(args)-3:len(args)-3], "--download", t.TempDir(), "foobar")...)
	if code != 0 || stderr != "" {
		t.Errorf("pipe: exit %d stderr %q", code, stderr)
	}
}
