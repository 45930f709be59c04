package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/testreq"

	"github.com/tufpip/tufpip/internal/tuftest"
)

// These tests run the wrappers in-process against a real signed repository, with a fake
// interpreter in place of pip: it records its arguments and environment, then exits, or
// fetches what pip would from the index it was given, or waits for an interrupt. Real pip
// runs in e2e/.

const fakePython = `#!/bin/sh
[ "$1" = "-c" ] && exit 0 # tufpip asking whether pip is there
out="$FAKE_PIP_OUT"
printf '%s\n' "$@" > "$out/args"
env > "$out/env"
case "$FAKE_PIP_MODE" in
fetch) exec python3 "$FAKE_PIP_FETCH" "$@" ;;
slow) sleep 2 ;; # as long as a slow interpreter takes to start
sleep)
	trap 'echo interrupted > "$out/interrupted"; kill $pid; exit 1' INT
	sleep 30 >/dev/null 2>&1 &
	pid=$!
	touch "$out/started"
	wait
	exit 0 ;;
esac
exit "${FAKE_PIP_EXIT:-0}"
`

// fakeFetch gets the page of each requirement from the --index-url it was given and
// every file the page links, as pip would; a failed request fails the run.
const fakeFetch = `import re, sys, urllib.request, urllib.error
args = sys.argv[1:]
base = args[args.index("--index-url") + 1]
failed = False
for project in [a for a in args[args.index("--index-url") + 2:] if not a.startswith("-")]:
    page_url = base + project + "/"
    try:
        page = urllib.request.urlopen(page_url).read().decode()
    except urllib.error.HTTPError as e:
        print("ERROR: HTTP error %d while getting %s" % (e.code, page_url), file=sys.stderr)
        failed = True
        continue
    print(page)
    for href in re.findall(r'href="([^"#]+)', page):
        url = urllib.parse.urljoin(page_url, href)
        try:
            urllib.request.urlopen(url).read()
        except urllib.error.HTTPError as e:
            print("ERROR: HTTP error %d while getting %s" % (e.code, url), file=sys.stderr)
            failed = True
sys.exit(1 if failed else 0)
`

type fakePip struct {
	python, out string
}

func newFakePip(t *testing.T, mode string) *fakePip {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil && mode == "fetch" {
		testreq.Missing(t, "python3 not found: the fake pip fetches with it")
	}
	dir := t.TempDir()
	f := &fakePip{python: filepath.Join(dir, "python"), out: filepath.Join(dir, "out")}
	fetch := filepath.Join(dir, "fetch.py")
	if err := os.WriteFile(f.python, []byte(fakePython), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fetch, []byte(fakeFetch), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(f.out, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAKE_PIP_OUT", f.out)
	t.Setenv("FAKE_PIP_MODE", mode)
	t.Setenv("FAKE_PIP_FETCH", fetch)
	return f
}

func (f *fakePip) args(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(f.out, "args"))
	if err != nil {
		t.Fatalf("pip did not run: %v", err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func (f *fakePip) env(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(f.out, "env"))
	if err != nil {
		t.Fatalf("pip did not run: %v", err)
	}
	env := map[string]string{}
	for _, kv := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env
}

// runPip is runCLI with streams safe for concurrent writes: pip's output (copied by
// os/exec) and tufpip's log lines (from the index's goroutines) land in the same buffer.
func runPip(t *testing.T, env map[string]string, args ...string) cliResult {
	t.Helper()
	var out, errOut syncBuffer
	io := &IOStreams{In: bytes.NewReader(nil), Out: &out, ErrOut: &errOut}
	code := Run(context.Background(), args, io, func(k string) string { return env[k] })
	return cliResult{out.String(), errOut.String(), code}
}

var indexURLRE = regexp.MustCompile(`^http://localhost:\d+/simple/$`)

func TestPipWrapperRunsPipAgainstTheIndex(t *testing.T) {
	env, _ := repoEnv(t, seedRepo(t))
	fake := newFakePip(t, "fetch")
	t.Setenv("PIP_INDEX_URL", "https://evil.example/simple")
	t.Setenv("PIP_FIND_LINKS", "/tmp/evil")
	t.Setenv("PIP_TIMEOUT", "3")
	r := runPip(t, env, "install", "--python", fake.python, "--", "--no-deps", "foobar")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	args := fake.args(t)
	if len(args) != 7 || strings.Join(args[:4], " ") != "-m pip install --index-url" || !indexURLRE.MatchString(args[4]) ||
		args[5] != "--no-deps" || args[6] != "foobar" {
		t.Fatalf("pip ran with %q", args)
	}
	// pip's output passes through: the page it read offers stable's 2.0, not unstable's 2.0.1
	if !strings.Contains(r.stdout, "foobar-2.0-py3-none-any.whl") || strings.Contains(r.stdout, "2.0.1") {
		t.Errorf("pip saw:\n%s", r.stdout)
	}
	penv := fake.env(t)
	if penv["PIP_CONFIG_FILE"] != os.DevNull || penv["PIP_INDEX_URL"] != args[4] || penv["PIP_FIND_LINKS"] != "" ||
		penv["PIP_TIMEOUT"] != "600" || penv["NO_PROXY"] != strings.TrimSuffix(strings.TrimPrefix(args[4], "http://"), "/simple/") ||
		!strings.HasPrefix(penv["HTTPS_PROXY"], "http://127.0.0.1:") || penv["https_proxy"] != penv["HTTPS_PROXY"] {
		t.Errorf("pip's environment: %v", penv)
	}
	for _, w := range []string{"ignoring PIP_INDEX_URL", "ignoring PIP_FIND_LINKS"} {
		if !strings.Contains(r.stderr, "tufpip: warning: "+w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
}

func TestPipWrapperPassesPipExitCode(t *testing.T) {
	env, _ := repoEnv(t, seedRepo(t))
	fake := newFakePip(t, "exit")
	t.Setenv("FAKE_PIP_EXIT", "23")
	r := runPip(t, env, "download", "--python", fake.python, "-d", "wheels", "foobar")
	if r.code != 23 || strings.Contains(r.stderr, "tufpip: error") {
		t.Fatalf("exit %d, want pip's 23 and no message of tufpip's\n%s", r.code, r.stderr)
	}
	if got := strings.Join(fake.args(t), " "); !strings.HasPrefix(got, "-m pip download --index-url http://localhost:") ||
		!strings.HasSuffix(got, "/simple/ -d wheels foobar") {
		t.Errorf("pip ran with %q", got)
	}
}

// A file the index refuses makes tufpip name it and exit 3, whatever pip's exit code.
func TestPipWrapperReportsRefusedFile(t *testing.T) {
	repo := seedRepo(t)
	env, _ := repoEnv(t, repo)
	fake := newFakePip(t, "fetch")
	repo.Tamper("packages/foobar-2.0-py3-none-any.whl", tuftest.FlipByte)
	r := runPip(t, env, "install", "--python", fake.python, "foobar")
	want := "tufpip: error: foobar-2.0-py3-none-any.whl: sha256 does not match the hash signed by role stable\ntufpip: hint: "
	if r.code != ExitVerification || !strings.Contains(r.stderr, want) {
		t.Fatalf("exit %d, want 3 and %q\n%s", r.code, want, r.stderr)
	}
	if !strings.Contains(r.stderr, "ERROR: HTTP error 502") {
		t.Errorf("pip's own message did not pass through:\n%s", r.stderr)
	}
	if n := strings.Count(r.stderr, "foobar-2.0-py3-none-any.whl: sha256"); n != 1 {
		t.Errorf("the refused file is reported %d times:\n%s", n, r.stderr)
	}
}

func TestPipWrapperRefusesBeforeStarting(t *testing.T) {
	env, srv := repoEnv(t, seedRepo(t))
	fake := newFakePip(t, "exit")
	r := runPip(t, env, "install", "--python", fake.python, "--extra-index-url", "https://evil.example/simple", "foobar")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "tufpip: error: --extra-index-url https://evil.example/simple: ") ||
		!strings.Contains(r.stderr, "tufpip: hint: ") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(fake.out, "args")); err == nil {
		t.Error("pip ran")
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests to the repository before refusing", n)
	}
}

func TestPipWrapperPipCommand(t *testing.T) {
	env, _ := repoEnv(t, seedRepo(t))
	fake := newFakePip(t, "exit")
	r := runPip(t, env, "pip", "--python", fake.python, "--", "show", "foobar")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	// pip show takes no --index-url; PIP_INDEX_URL still points any pip command at the index
	if got := strings.Join(fake.args(t), " "); got != "-m pip show foobar" || !indexURLRE.MatchString(fake.env(t)["PIP_INDEX_URL"]) {
		t.Errorf("pip ran with %q, PIP_INDEX_URL=%q", got, fake.env(t)["PIP_INDEX_URL"])
	}
	if r := runPip(t, env, "pip", "--python", fake.python); r.code != ExitUsage {
		t.Errorf("no pip command: exit %d\n%s", r.code, r.stderr)
	}
}

func TestPipWrapperNoInterpreter(t *testing.T) {
	env, _ := repoEnv(t, seedRepo(t))
	r := runPip(t, env, "install", "--python", filepath.Join(t.TempDir(), "nope"), "foobar")
	if r.code != ExitError || !strings.Contains(r.stderr, "tufpip: error: cannot run ") || !strings.Contains(r.stderr, "tufpip: hint: pass --python PATH") {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
}

// An interrupt that reaches only tufpip is passed on to pip; tufpip waits for pip, stops
// the index and exits 130.
func TestPipWrapperInterrupt(t *testing.T) {
	env, _ := repoEnv(t, seedRepo(t))
	fake := newFakePip(t, "sleep")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		io := &IOStreams{In: bytes.NewReader(nil), Out: &syncBuffer{}, ErrOut: &stderr}
		done <- Run(ctx, []string{"install", "--python", fake.python, "foobar"}, io, func(k string) string { return env[k] })
	}()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(fake.out, "started")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pip did not start: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	indexURL := fake.args(t)[4]
	start := time.Now()
	cancel()
	select {
	case code := <-done:
		if code != ExitInterrupted || !strings.Contains(stderr.String(), "tufpip: error: interrupted") {
			t.Errorf("exit %d\n%s", code, stderr.String())
		}
		if d := time.Since(start); d > interruptGrace+5*time.Second {
			t.Errorf("took %v to stop", d)
		}
	case <-time.After(interruptGrace + killAfter + 10*time.Second):
		t.Fatal("tufpip did not stop after the interrupt")
	}
	if _, err := os.Stat(filepath.Join(fake.out, "interrupted")); err != nil {
		t.Errorf("pip never saw the interrupt: %v", err)
	}
	if resp, err := (&http.Client{Timeout: time.Second}).Get(indexURL); err == nil {
		resp.Body.Close()
		t.Errorf("the index still answers after tufpip exited: %s", resp.Status)
	}
}

func TestPipWrapperHelp(t *testing.T) {
	for _, c := range []struct{ args, want []string }{
		{[]string{"install", "--help"}, []string{"tufpip install [TUFPIP OPTIONS] [--] PIP ARGS...", "PIP_CONFIG_FILE=/dev/null",
			"--require-role", "tufpip install --python .venv/bin/python -r requirements.txt", "--extra-index-url"}},
		{[]string{"download", "-h"}, []string{"tufpip download -r requirements.txt -d wheels/"}},
		{[]string{"pip", "--help"}, []string{"tufpip pip [TUFPIP OPTIONS] -- PIP ARGS...", "tufpip pip -- wheel"}},
	} {
		r := runCLI(t, map[string]string{}, c.args...)
		if r.code != 0 {
			t.Errorf("%q: exit %d\n%s", c.args, r.code, r.stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("%q: help lacks %q:\n%s", c.args, w, r.stdout)
			}
		}
	}
}

// While pip starts, the wrapper has the index verify the pages of the projects pip will ask
// for: those named on the command line and in -r files, not those behind a marker or only in
// a constraints file. Files are left to pip: fetching them early measured slower (each is
// then read and hashed twice, on a machine that is busy running pip).
func TestPipWrapperPrefetches(t *testing.T) {
	repo := tuftest.New(t)
	for _, p := range []string{"foobar", "fromfile", "marked", "constrained"} {
		publish(repo, tuftest.Stable, p, "1.0")
	}
	publish(repo, tuftest.Stable, "pinned", "1.0", "2.0")
	repo.Publish()
	env, srv := repoEnv(t, repo)
	fake := newFakePip(t, "slow")
	dir := t.TempDir()
	req, cons := filepath.Join(dir, "requirements.txt"), filepath.Join(dir, "constraints.txt")
	_, pinned := wheel("pinned", "1.0")
	content := "fromfile==1.0\nmarked ; sys_platform == 'win32'\n-c constraints.txt\n" +
		"pinned==1.0 --hash=sha256:" + sha256hex(pinned) + "\n"
	if err := os.WriteFile(req, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cons, []byte("constrained<2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runPip(t, env, "install", "--python", fake.python, "FooBar>=1", "-r", req)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	var got []string
	for _, rq := range srv.Requests() {
		if p, ok := strings.CutPrefix(rq.Path, "targets/"); ok {
			if dir, base, _ := strings.Cut(p, "/"); dir == "packages" {
				_, base, _ = strings.Cut(base, ".") // the hash prefix
				got = append(got, base)
			} else {
				got = append(got, dir+"/"+strings.Split(base, "/")[0]) // simple/<project>
			}
		}
	}
	slices.Sort(got)
	want := []string{"simple/foobar", "simple/fromfile", "simple/pinned"}
	if !slices.Equal(got, want) {
		t.Errorf("fetched while pip started: %q, want %q", got, want)
	}
}

// --require-role stable: pip is offered nothing that only unstable vouches for.
func TestPipWrapperRequireRole(t *testing.T) {
	repo := seedRepo(t)
	publish(repo, tuftest.Unstable, "newproj", "1.0")
	repo.Publish()
	env, _ := repoEnv(t, repo)
	fake := newFakePip(t, "fetch")
	r := runPip(t, env, "install", "--python", fake.python, "newproj")
	if r.code != 0 || !strings.Contains(r.stdout, "newproj-1.0-py3-none-any.whl") {
		t.Fatalf("without --require-role: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runPip(t, env, "install", "--require-role", "stable", "--python", fake.python, "newproj")
	if r.code != 1 || !strings.Contains(r.stderr, "ERROR: HTTP error 404 while getting") || strings.Contains(r.stdout, "newproj-1.0") {
		t.Fatalf("with --require-role stable: exit %d, want pip's 1 after a 404\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// Metadata that does not verify stops tufpip before pip runs: exit 3, and pip never starts.
func TestPipWrapperBadMetadata(t *testing.T) {
	repo := seedRepo(t)
	env, _ := repoEnv(t, repo)
	fake := newFakePip(t, "exit")
	repo.Expire(tuftest.Timestamp)
	repo.Publish()
	r := runPip(t, env, "install", "--python", fake.python, "foobar")
	if r.code != ExitVerification || !strings.Contains(r.stderr, "tufpip: error: ") || !strings.Contains(r.stderr, "timestamp") {
		t.Fatalf("exit %d, want 3 naming the timestamp\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(fake.out, "args")); err == nil {
		t.Error("pip ran on metadata that does not verify")
	}
}

func sha256hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
