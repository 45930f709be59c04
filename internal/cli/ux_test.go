package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/tuftest"
)

// What a first-time user sees (issue 17): each test checks the exit code and stdout and
// stderr separately, on a terminal (IOStreams' TTY flags, as a pty sets them) and not.

// runTTY is runCLI with stdout and stderr reported as terminals or not.
func runTTY(t *testing.T, tty bool, env map[string]string, args ...string) cliResult {
	t.Helper()
	var out, errOut bytes.Buffer
	io := &IOStreams{In: bytes.NewReader(nil), Out: &out, ErrOut: &errOut, OutTTY: tty, ErrTTY: tty}
	code := Run(context.Background(), args, io, func(k string) string { return env[k] })
	return cliResult{out.String(), errOut.String(), code}
}

const (
	red    = "\x1b[1;31merror:\x1b[0m"
	yellow = "\x1b[1;33mwarning:\x1b[0m"
	cyan   = "\x1b[1;36mhint:\x1b[0m"
)

func TestColorOnlyOnATerminalAndWithoutNoColor(t *testing.T) {
	env := map[string]string{"TUFPIP_CONFIG_DIR": t.TempDir(), "TERM": "xterm-256color"}
	r := runTTY(t, true, env, "--bogus")
	if r.code != ExitUsage || r.stdout != "" || r.stderr != "tufpip: "+red+" unknown flag: --bogus\ntufpip: "+cyan+" see tufpip --help\n" {
		t.Errorf("terminal: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	for name, e := range map[string]map[string]string{
		"NO_COLOR":  {"NO_COLOR": "1", "TERM": "xterm"},
		"TERM=dumb": {"TERM": "dumb"},
	} {
		r := runTTY(t, true, e, "--bogus")
		if r.code != ExitUsage || r.stderr != "tufpip: error: unknown flag: --bogus\ntufpip: hint: see tufpip --help\n" {
			t.Errorf("%s: exit %d stderr %q", name, r.code, r.stderr)
		}
	}
	r = runTTY(t, false, env, "--bogus")
	if r.code != ExitUsage || strings.Contains(r.stderr, "\x1b") || !strings.HasPrefix(r.stderr, "tufpip: error: unknown flag") {
		t.Errorf("pipe: exit %d stderr %q", r.code, r.stderr)
	}

	// warnings too: repo init with the keys inside the served tree warns
	for _, tty := range []bool{true, false} {
		r := runTTY(t, tty, env, "repo", "init", filepath.Join(t.TempDir(), "repo"))
		if r.code != 0 || !strings.Contains(r.stdout, "created repository") || strings.Contains(r.stdout, "\x1b") {
			t.Fatalf("tty=%v: %+v", tty, r)
		}
		if got := strings.Contains(r.stderr, "tufpip: "+yellow+" the private keys are inside"); got != tty {
			t.Errorf("tty=%v: coloured warning %v: %q", tty, got, r.stderr)
		}
		if !tty && !strings.HasPrefix(r.stderr, "tufpip: warning: the private keys are inside") {
			t.Errorf("pipe: %q", r.stderr)
		}
	}
}

func TestVersionFlagAndCompletion(t *testing.T) {
	env := map[string]string{}
	want := runCLI(t, env, "version")
	if want.code != 0 || want.stderr != "" || !strings.HasPrefix(want.stdout, "tufpip ") {
		t.Fatalf("version: %+v", want)
	}
	// a test binary carries no VCS information: say so, do not print "commit unknown"
	if !strings.Contains(want.stdout, "\ncommit not recorded (built without VCS information)\n") || strings.Contains(want.stdout, "unknown\n"+"go-tuf") {
		t.Errorf("version without VCS info: %q", want.stdout)
	}
	for _, flag := range []string{"--version", "-V"} {
		for _, tty := range []bool{true, false} {
			r := runTTY(t, tty, env, flag)
			if r.code != 0 || r.stderr != "" || r.stdout != want.stdout {
				t.Errorf("%s tty=%v: %+v, want stdout %q", flag, tty, r, want.stdout)
			}
		}
	}
	var v map[string]any
	r := runCLI(t, env, "version", "--format", "json")
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v["commit"] != "" {
		t.Errorf("version --format json without VCS info: %q (%v)", r.stdout, err)
	}
	r = runCLI(t, env, "completion", "bash")
	if r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "bash completion") || !strings.Contains(r.stdout, "__start_tufpip") {
		t.Errorf("completion bash: exit %d stderr %q stdout %.200q", r.code, r.stderr, r.stdout)
	}
}

func TestUsageMessagesPointAtTheCommand(t *testing.T) {
	env := map[string]string{"TUFPIP_CONFIG_DIR": t.TempDir()}
	cases := []struct {
		args         []string
		code         int
		stderr, hint string
	}{
		{[]string{"resolvex"}, ExitUsage, `unknown command "resolvex" for tufpip`, "did you mean tufpip resolve? (see tufpip --help)"},
		{[]string{"repo", "statuss", "x"}, ExitUsage, `unknown command "statuss" for tufpip repo`, "did you mean tufpip repo status? (see tufpip repo --help)"},
		{[]string{"resolve", "--bogus"}, ExitUsage, "unknown flag: --bogus", "see tufpip resolve --help"},
		{[]string{"repo", "add", "--bogus"}, ExitUsage, "unknown flag: --bogus", "see tufpip repo add --help"},
		{[]string{"verify"}, ExitUsage, "requires at least 1 arg(s)", "see tufpip verify --help"},
		{[]string{"repo", "status", "x", "--format", "yaml"}, ExitUsage, `unknown output format "yaml" for tufpip repo status`, "use --format text or --format json"},
		{[]string{"resolve", "foobar", "--python-version", "abc", "--platform", "any"}, ExitUsage, `invalid --python-version "abc"`, "for example: --python-version 3.12"},
	}
	for _, c := range cases {
		for _, tty := range []bool{true, false} {
			e := map[string]string{"TUFPIP_CONFIG_DIR": env["TUFPIP_CONFIG_DIR"], "NO_COLOR": "1"}
			r := runTTY(t, tty, e, c.args...)
			lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
			if r.code != c.code || r.stdout != "" || len(lines) != 2 ||
				!strings.HasPrefix(lines[0], "tufpip: error: ") || !strings.Contains(lines[0], c.stderr) ||
				!strings.HasPrefix(lines[1], "tufpip: hint: "+c.hint) || strings.Contains(r.stderr, `\t`) {
				t.Errorf("%v tty=%v: exit %d, stdout %q, stderr %q", c.args, tty, r.code, r.stdout, r.stderr)
			}
		}
	}
}

// A binary file given as a lockfile or requirements file: one short line, exit 1 (verify
// cannot read it) or 2 (resolve -r, as its other unreadable files).
func TestBinaryLockfileShortMessage(t *testing.T) {
	env, _ := repoEnv(t, seedRepo(t))
	bin := filepath.Join(t.TempDir(), "wheel.whl")
	data := append([]byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), bytes.Repeat([]byte{0, 0xff, 0x7f, 'a'}, 200)...)
	if err := os.WriteFile(bin, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
	}{{[]string{"verify", bin}, ExitError}, {[]string{"resolve", "-r", bin}, ExitUsage}} {
		r := runCLI(t, env, c.args...)
		if r.code != c.code || r.stdout != "" || r.stderr != "tufpip: error: "+bin+": not a text file (it holds binary data)\ntufpip: hint: pass a requirements file, pylock.toml or uv.lock\n" {
			t.Errorf("%v: exit %d stdout %q stderr %q", c.args, r.code, r.stdout, r.stderr)
		}
	}
}

// resolve's text output: a failed requirement is printed on stderr with its skipped files
// under it; a chosen one on stdout with its own. Skipped versions the specifier excludes
// anyway are not listed.
func TestResolveTextOutputStreams(t *testing.T) {
	env, _ := repoEnv(t, seedRepo(t))
	env["TERM"] = "xterm"
	args := []string{"resolve", "--python-version", "3.11", "--platform", "any", "FooBar==1.0", "FooBar==2.0.1", "FooBar==2.0.*"}
	for _, tty := range []bool{true, false} {
		r := runTTY(t, tty, env, args...)
		wantOut := "FooBar==1.0: foobar 1.0 from foobar-1.0-py3-none-any.whl, vouched for by stable\n" +
			"FooBar==2.0.*: foobar 2.0 from foobar-2.0-py3-none-any.whl, vouched for by stable\n" +
			"  skipped foobar-2.0.1-py3-none-any.whl: signed only by unstable\n"
		errLabel := "error:"
		if tty {
			errLabel = red
		}
		wantErr := "tufpip: " + errLabel + " no trusted distribution satisfies FooBar==2.0.1\n" +
			"  skipped foobar-2.0.1-py3-none-any.whl: signed only by unstable\n"
		// the failure is printed once, with its skipped file under it
		if r.code != ExitNoMatch || r.stdout != wantOut || r.stderr != wantErr {
			t.Errorf("tty=%v: exit %d\nstdout:\n%s\nstderr:\n%s", tty, r.code, r.stdout, r.stderr)
		}
	}
	// a hint attached to a failure still comes last, once
	r := runCLI(t, env, "resolve", "--python-version", "3.11", "--platform", "any", "nosuchproject", "FooBar==1.0")
	if r.code != ExitNoMatch || strings.Count(r.stderr, "tufpip: error: ") != 1 || !regexp.MustCompile(`^tufpip: error: .*nosuchproject.*\ntufpip: hint: check the project name.*\n$`).MatchString(r.stderr) {
		t.Errorf("no such project: exit %d stderr %q", r.code, r.stderr)
	}
	// JSON keeps the whole list per requirement, minus what the specifier excludes
	r = runCLI(t, env, "resolve", "--format", "json", "--python-version", "3.11", "--platform", "any", "FooBar==1.0")
	if r.code != 0 || strings.Contains(r.stdout, "2.0.1") || r.stderr != "" {
		t.Errorf("json: exit %d stdout %s stderr %s", r.code, r.stdout, r.stderr)
	}
}

// --require-role with a role the repository does not have is a usage error naming the
// roles it has, for resolve and for verify (which used to fail every entry with exit 3).
func TestRequireRoleUnknown(t *testing.T) {
	env, _ := repoEnv(t, seedRepo(t))
	lock := filepath.Join(t.TempDir(), "requirements.txt")
	_, data := wheel("foobar", "2.0")
	sum := fmt.Sprintf("%x", sha256.Sum256(data))
	if err := os.WriteFile(lock, []byte("foobar==2.0 --hash=sha256:"+sum+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"resolve", "--python-version", "3.11", "--platform", "any", "foobar", "--require-role", "stabel"},
		{"verify", lock, "--require-role", "stabel"},
	} {
		r := runCLI(t, env, args...)
		want := "tufpip: error: --require-role \"stabel\": the repository has no role \"stabel\"\ntufpip: hint: roles this repository delegates to: stable, unstable\n"
		if r.code != ExitUsage || r.stdout != "" || r.stderr != want {
			t.Errorf("%s: exit %d stdout %q stderr %q", args[0], r.code, r.stdout, r.stderr)
		}
	}
	for _, role := range []string{"stable", "targets"} {
		if r := runCLI(t, env, "verify", lock, "--require-role", role); r.code != 0 {
			t.Errorf("--require-role %s: %+v", role, r)
		}
	}
}

// -q: repo commands print nothing unless something fails; without it they confirm.
func TestQuietRepoCommands(t *testing.T) {
	env := map[string]string{"TUFPIP_CONFIG_DIR": t.TempDir()}
	src := t.TempDir()
	for _, quiet := range []bool{false, true} {
		dir, keys := filepath.Join(t.TempDir(), "repo"), t.TempDir()
		old := time.Now().Add(-200 * 24 * time.Hour).UTC().Format(time.RFC3339)
		steps := [][]string{
			{"repo", "init", dir, "--keys", keys},
			{"repo", "add", dir, testWheel(t, src, "FooBar", "1.0"), "--now", old, "--keys", keys},
			{"repo", "promote", dir, "--older-than", "90d", "--keys", keys, "--bootstrap"},
			{"repo", "timestamp", dir, "--keys", keys},
			{"repo", "renew", dir, "--keys", keys},
		}
		for _, s := range steps {
			if quiet {
				s = append(s, "-q")
			}
			r := runCLI(t, env, s...)
			if r.code != 0 || (quiet && (r.stdout != "" || r.stderr != "")) || (!quiet && r.stdout == "") {
				t.Errorf("%v: exit %d stdout %q stderr %q", s, r.code, r.stdout, r.stderr)
			}
		}
	}
}

// -v shows what resolve does: the refresh, each fetch, the page used, and cache hits on a
// second run.
func TestVerboseResolve(t *testing.T) {
	env, _ := repoEnv(t, seedRepo(t))
	args := []string{"-v", "resolve", "--python-version", "3.11", "--platform", "any", "foobar==2.0"}
	r := runCLI(t, env, args...)
	if r.code != 0 || r.stdout != "foobar==2.0: foobar 2.0 from foobar-2.0-py3-none-any.whl, vouched for by stable\n" {
		t.Fatalf("cold: %+v", r)
	}
	for _, want := range []string{
		"tufpip: debug: refreshing trusted metadata metadata=http://",
		"tufpip: debug: fetched url=http://127.0.0.1:",
		"/metadata/timestamp.json bytes=",
		"stable.json bytes=",
		"tufpip: debug: trusted metadata refreshed root-version=1",
		"tufpip: debug: target environment python=3.11",
		"tufpip: debug: project page project=foobar path=simple/foobar/index.html role=stable files=2",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("cold cache: no %q in\n%s", want, r.stderr)
		}
	}
	r = runCLI(t, env, args...)
	if r.code != 0 || !strings.Contains(r.stderr, "tufpip: debug: from cache path=simple/foobar/index.html role=stable") {
		t.Errorf("warm cache: %+v", r)
	}
	if r := runCLI(t, env, args[1:]...); r.stderr != "" {
		t.Errorf("without -v: stderr %q", r.stderr)
	}
}

func TestConfigCommand(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"TUFPIP_CONFIG_DIR": filepath.Join(dir, "config"), "TUFPIP_CACHE_DIR": filepath.Join(dir, "cache")}
	r := runCLI(t, env, "config")
	want := "config file: " + filepath.Join(dir, "config", "config.json") + "\ncache:       " + filepath.Join(dir, "cache") + "\n\nno repositories saved yet: run tufpip init\n"
	if r.code != 0 || r.stderr != "" || r.stdout != want {
		t.Errorf("empty: %+v\nwant stdout %q", r, want)
	}
	root := filepath.Join(dir, "root.json")
	os.WriteFile(root, tuftest.New(t).RootJSON(), 0o644)
	for _, name := range []string{"beta", "acme"} {
		if r := runCLI(t, env, "init", "--offline", "--name", name, "--metadata-url", "https://"+name+".example/metadata/", "--root", root); r.code != 0 {
			t.Fatalf("init: %+v", r)
		}
	}
	r = runCLI(t, env, "config")
	if r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "2 repositories saved:") ||
		!regexp.MustCompile(`(?m)^  acme +https://acme.example/metadata/ +https://acme.example/targets/ +\S+acme/root.json$`).MatchString(r.stdout) ||
		!regexp.MustCompile(`(?m)^  beta \(default\) +https://beta.example/metadata/`).MatchString(r.stdout) {
		t.Errorf("two saved: %+v", r)
	}
	var l configListing
	r = runCLI(t, env, "config", "--format", "json")
	if err := json.Unmarshal([]byte(r.stdout), &l); err != nil || len(l.Repositories) != 2 || l.Default != "beta" || l.Repositories[0].Name != "acme" || l.CacheDir != filepath.Join(dir, "cache") {
		t.Errorf("json: %s (%v)", r.stdout, err)
	}
}

// An expired timestamp names its expiry date and the current time.
func TestExpiredTimestampMessage(t *testing.T) {
	repo := seedRepo(t)
	when := time.Now().Add(-50 * time.Hour).UTC().Truncate(time.Second)
	repo.SetExpires(tuftest.Timestamp, when)
	repo.Publish()
	env, _ := repoEnv(t, repo)
	r := runCLI(t, env, "resolve", "--python-version", "3.11", "--platform", "any", "foobar")
	want := "tufpip: error: timestamp.json: expired at " + when.Format(time.RFC3339) + " (the time is now "
	if r.code != ExitVerification || r.stdout != "" || !strings.HasPrefix(r.stderr, want) {
		t.Errorf("exit %d stdout %q stderr %q\nwant prefix %q", r.code, r.stdout, r.stderr, want)
	}
}

// repo timestamp --now signs as of that time, as its help says.
func TestRepoTimestampNowInThePast(t *testing.T) {
	dir, keys := filepath.Join(t.TempDir(), "repo"), t.TempDir()
	env := map[string]string{}
	if r := runCLI(t, env, "repo", "init", dir, "--keys", keys, "-q"); r.code != 0 {
		t.Fatal(r)
	}
	r := runCLI(t, env, "repo", "timestamp", dir, "--keys", keys, "--now", "2025-01-31T12:00:00Z")
	if r.code != 0 || r.stderr != "" || !strings.HasSuffix(r.stdout, ", expires 2025-02-01T12:00:00Z\n") {
		t.Errorf("%+v", r)
	}
}

func TestServeURLs(t *testing.T) {
	host, _ := os.Hostname()
	addr := func(s string) *fakeAddr { a := fakeAddr(s); return &a }
	for _, c := range []struct{ host, addr, want string }{
		{"127.0.0.1", "127.0.0.1:8080", "http://127.0.0.1:8080/simple/"},
		{"localhost", "127.0.0.1:8080", "http://localhost:8080/simple/"},
		{"::1", "[::1]:8080", "http://[::1]:8080/simple/"},
		{"0.0.0.0", "[::]:8784", "http://" + host + ":8784/simple/ (on this machine http://127.0.0.1:8784/simple/)"},
		{"::", "[::]:8784", "http://" + host + ":8784/simple/ (on this machine http://127.0.0.1:8784/simple/)"},
		{"", "[::]:8784", "http://" + host + ":8784/simple/ (on this machine http://127.0.0.1:8784/simple/)"},
	} {
		if got := serveURLs(c.host, addr(c.addr)); got != c.want {
			t.Errorf("serveURLs(%q, %s) = %q, want %q", c.host, c.addr, got, c.want)
		}
	}
}

type fakeAddr string

func (a *fakeAddr) Network() string { return "tcp" }
func (a *fakeAddr) String() string  { return string(*a) }

// The progress bar: no rate before it means something, a sane one after, and a last line
// that stays on screen.
func TestProgressBar(t *testing.T) {
	var out bytes.Buffer
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	p := newProgressBar(&out, "foobar-2.0-py3-none-any.whl", 3_000_000, clock)
	now = now.Add(150 * time.Millisecond)
	p.Write(make([]byte, 1_000_000)) // 150 ms in: a bar, no rate yet
	if got := out.String(); !strings.Contains(got, "[========                ] 1.0 MB / 3.0 MB") || strings.Contains(got, "/s") {
		t.Errorf("early: %q", got)
	}
	now = now.Add(850 * time.Millisecond)
	p.Write(make([]byte, 1_000_000))
	if got := out.String(); !strings.HasSuffix(got, "2.0 MB / 3.0 MB  2.0 MB/s") {
		t.Errorf("after 1s: %q", got)
	}
	now = now.Add(500 * time.Millisecond)
	p.Write(make([]byte, 1_000_000))
	p.Close()
	if got := out.String(); !regexp.MustCompile(`\rfoobar-2.0-py3-none-any.whl  3.0 MB in 1.5s, 2.0 MB/s +\n$`).MatchString(got) {
		t.Errorf("final: %q", got)
	}

	// a small file read in a millisecond: no "158 GB/s"
	out.Reset()
	p = newProgressBar(&out, "tiny.whl", 2000, clock)
	now = now.Add(time.Millisecond)
	p.Write(make([]byte, 2000))
	p.Close()
	if got := out.String(); strings.Contains(got, "/s") || !regexp.MustCompile(`\rtiny.whl  2 kB in 1ms +\n$`).MatchString(got) {
		t.Errorf("tiny: %q", got)
	}
}

// In the hash-bin layout targets delegates to bins, and the bins to stable-XX and
// unstable-XX: the roles named are still stable and unstable.
func TestRequireRoleUnknownHashBins(t *testing.T) {
	dir, keys, src := filepath.Join(t.TempDir(), "pypi"), t.TempDir(), t.TempDir()
	env := map[string]string{"HOME": t.TempDir(), "TUFPIP_CONFIG_DIR": t.TempDir(), "TUFPIP_CACHE_DIR": t.TempDir()}
	for _, args := range [][]string{
		{"repo", "init", dir, "--keys", keys, "--hash-bins", "3", "-q"},
		{"repo", "add", dir, testWheel(t, src, "FooBar", "1.0"), "--keys", keys, "-q"},
	} {
		if r := runCLI(t, env, args...); r.code != 0 {
			t.Fatalf("%v: %+v", args, r)
		}
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(srv.Close)
	base := []string{"--metadata-url", srv.URL + "/metadata/", "--root", filepath.Join(dir, "metadata", "1.root.json"),
		"resolve", "--python-version", "3.11", "--platform", "any", "foobar"}
	r := runCLI(t, env, append(base, "--require-role", "stabel")...)
	if r.code != ExitUsage || r.stdout != "" || !strings.HasSuffix(r.stderr, "\ntufpip: hint: roles this repository delegates to: stable, unstable, bins-0 … bins-7\n") {
		t.Errorf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, env, append(base, "--require-role", "unstable")...); r.code != 0 || !strings.Contains(r.stdout, "vouched for by unstable") {
		t.Errorf("--require-role unstable: %+v", r)
	}
}

// serve -q answers as usual and prints nothing, also when stopped (exit 130).
func TestServeQuiet(t *testing.T) {
	env, _ := repoEnv(t, seedRepo(t))
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	code := make(chan int, 1)
	go func() {
		io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
		code <- Run(ctx, []string{"serve", "-q", "--addr", addr}, io, func(k string) string { return env[k] })
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/simple/foobar/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve -q never answered: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if c := <-code; c != ExitInterrupted || out.String() != "" || errOut.String() != "" {
		t.Errorf("exit %d stdout %q stderr %q", c, out.String(), errOut.String())
	}
}
