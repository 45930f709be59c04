package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/tuftest"
)

type resolveJSON struct {
	Results []struct {
		Requirement string  `json:"requirement"`
		Project     string  `json:"project"`
		Version     *string `json:"version"`
		Role        string  `json:"role"`
		File        *struct {
			Filename, URL, TargetPath, SHA256, Path string
			Size                                    int64
		} `json:"file"`
		Skipped []struct{ Filename, Version, Reason string } `json:"skipped"`
		Error   string                                       `json:"error"`
	} `json:"results"`
}

func decodeResolve(t *testing.T, s string) resolveJSON {
	t.Helper()
	var out resolveJSON
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, s)
	}
	return out
}

func TestResolveSeedExample(t *testing.T) {
	repo := seedRepo(t)
	env, _ := repoEnv(t, repo)

	r := runCLI(t, env, "resolve", "FooBar==2.0.*")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "FooBar==2.0.*: foobar 2.0 from foobar-2.0-py3-none-any.whl, vouched for by stable") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "skipped foobar-2.0.1-py3-none-any.whl: signed only by unstable") {
		t.Errorf("2.0.1 not reported as signed only by unstable:\n%s", r.stdout)
	}

	r = runCLI(t, env, "resolve", "--format", "json", "FooBar==2.0.*")
	res := decodeResolve(t, r.stdout).Results
	if r.code != 0 || len(res) != 1 || res[0].Version == nil || *res[0].Version != "2.0" || res[0].Role != "stable" {
		t.Fatalf("exit %d, json %s", r.code, r.stdout)
	}
	if f := res[0].File; f.Filename != "foobar-2.0-py3-none-any.whl" || f.TargetPath != "packages/foobar-2.0-py3-none-any.whl" || len(f.SHA256) != 64 || f.Size == 0 {
		t.Errorf("file = %+v", f)
	}

	// stable signs 2.0.1: the same command now installs 2.0.1
	publish(repo, tuftest.Stable, "foobar", "1.0", "2.0", "2.0.1")
	repo.Publish()
	r = runCLI(t, env, "resolve", "--format", "json", "FooBar==2.0.*")
	res = decodeResolve(t, r.stdout).Results
	if r.code != 0 || *res[0].Version != "2.0.1" || res[0].Role != "stable" {
		t.Fatalf("after promotion: exit %d, json %s", r.code, r.stdout)
	}
}

func TestResolveUnstableOnlyAndRequireRole(t *testing.T) {
	repo := seedRepo(t)
	publish(repo, tuftest.Unstable, "newpkg", "0.1", "0.2")
	repo.Publish()
	env, _ := repoEnv(t, repo)

	r := runCLI(t, env, "resolve", "newpkg")
	if r.code != 0 || !strings.Contains(r.stdout, "newpkg 0.2 from newpkg-0.2-py3-none-any.whl, vouched for by unstable") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}

	r = runCLI(t, env, "resolve", "--require-role", "stable", "newpkg")
	if r.code != ExitNoMatch {
		t.Fatalf("--require-role stable: exit %d, want 4\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "tufpip: error: project newpkg: page simple/newpkg/index.html is signed only by unstable, not by stable") ||
		!strings.Contains(r.stderr, "tufpip: hint: ") {
		t.Errorf("stderr:\n%s", r.stderr)
	}

	// a project stable signed still resolves under --require-role stable
	r = runCLI(t, env, "resolve", "--require-role", "stable", "foobar")
	if r.code != 0 || !strings.Contains(r.stdout, "foobar 2.0 ") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestResolveNoMatch(t *testing.T) {
	env, _ := repoEnv(t, seedRepo(t))
	r := runCLI(t, env, "resolve", "--format", "json", "foobar>=3", "foobar==1.0")
	if r.code != ExitNoMatch {
		t.Fatalf("exit %d, want 4\n%s", r.code, r.stderr)
	}
	res := decodeResolve(t, r.stdout).Results
	if len(res) != 2 || res[0].Version != nil || res[0].File != nil || !strings.Contains(res[0].Error, "no trusted distribution satisfies foobar>=3") {
		t.Errorf("json: %s", r.stdout)
	}
	if res[1].Version == nil || *res[1].Version != "1.0" {
		t.Errorf("the other requirement still resolves: %s", r.stdout)
	}
	if !strings.Contains(r.stderr, "no trusted distribution satisfies foobar>=3") {
		t.Errorf("stderr: %s", r.stderr)
	}
}

func TestResolveTamperedPage(t *testing.T) {
	repo := seedRepo(t)
	env, _ := repoEnv(t, repo)
	repo.Tamper("simple/foobar/index.html", tuftest.FlipByte)
	r := runCLI(t, env, "resolve", "foobar")
	if r.code != ExitVerification {
		t.Fatalf("exit %d, want 3\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "simple/foobar/index.html") {
		t.Errorf("the message does not name the page: %s", r.stderr)
	}
}

func TestResolveDownload(t *testing.T) {
	repo := seedRepo(t)
	env, _ := repoEnv(t, repo)
	dir := filepath.Join(t.TempDir(), "wheels")

	r := runCLI(t, env, "resolve", "--download", dir, "foobar==2.0")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	_, want := wheel("foobar", "2.0")
	if got, err := os.ReadFile(filepath.Join(dir, "foobar-2.0-py3-none-any.whl")); err != nil || string(got) != string(want) {
		t.Fatalf("downloaded file: %v", err)
	}

	// the wheel is tampered on the server: exit 3, the file named, nothing left in DIR
	repo.Tamper("packages/foobar-1.0-py3-none-any.whl", tuftest.FlipByte)
	dir2 := filepath.Join(t.TempDir(), "wheels")
	r = runCLI(t, env, "resolve", "--download", dir2, "foobar==1.0")
	if r.code != ExitVerification {
		t.Fatalf("tampered wheel: exit %d, want 3\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "foobar-1.0-py3-none-any.whl") {
		t.Errorf("the message does not name the file: %s", r.stderr)
	}
	if entries, _ := os.ReadDir(dir2); len(entries) != 0 {
		t.Errorf("left in DIR after a failed check: %v", entries)
	}
}

func TestResolveUsage(t *testing.T) {
	env, _ := repoEnv(t, seedRepo(t))
	for _, args := range [][]string{
		{"resolve"},
		{"resolve", "foobar @ https://example.org/foobar-1.0.whl"},
		{"resolve", "foo bar baz"},
	} {
		if r := runCLI(t, env, args...); r.code != ExitUsage {
			t.Errorf("%q: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
	}
	// no root: a usage error that says tufpip never trusts on first use
	delete(env, "TUFPIP_ROOT")
	r := runCLI(t, env, "resolve", "foobar")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "never trusts a root on first use") {
		t.Errorf("no root: exit %d\n%s", r.code, r.stderr)
	}
}

// On a terminal, --download shows a progress bar on stderr; otherwise stderr stays quiet.
func TestResolveDownloadProgress(t *testing.T) {
	repo := tuftest.New(t)
	big := bytes.Repeat([]byte("wheel "), 200<<10) // 1.2 MB: several reads, so the bar renders
	repo.AddFile(tuftest.Stable, "foobar-2.0-py3-none-any.whl", big)
	repo.SetPage(tuftest.Stable, "foobar", tuftest.File("foobar-2.0-py3-none-any.whl", big))
	repo.Publish()
	env, _ := repoEnv(t, repo)
	for _, tty := range []bool{true, false} {
		var out, errOut bytes.Buffer
		io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, ErrTTY: tty}
		code := Run(context.Background(), []string{"resolve", "--download", t.TempDir(), "foobar==2.0"}, io, func(k string) string { return env[k] })
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
		shown := strings.Contains(errOut.String(), "foobar-2.0-py3-none-any.whl")
		if shown != tty {
			t.Errorf("tty=%v: progress shown=%v, stderr %q", tty, shown, errOut.String())
		}
	}
}

// Ctrl-C in the middle of a download: exit 130, "interrupted", nothing left in DIR.
func TestResolveDownloadInterrupted(t *testing.T) {
	repo := seedRepo(t)
	env, srv := repoEnv(t, repo)
	srv.Inject("packages/foobar-2.0-py3-none-any.whl", tuftest.Stall(5))
	dir := filepath.Join(t.TempDir(), "wheels")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan cliResult, 1)
	go func() {
		var out, errOut bytes.Buffer
		io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
		code := Run(ctx, []string{"resolve", "--download", dir, "foobar==2.0"}, io, func(k string) string { return env[k] })
		done <- cliResult{out.String(), errOut.String(), code}
	}()
	// wait until the wheel's download has started, then interrupt
	started := func() bool {
		for _, r := range srv.Requests() {
			if strings.HasSuffix(r.Path, ".foobar-2.0-py3-none-any.whl") { // hash-prefixed
				return true
			}
		}
		return false
	}
	for i := 0; !started(); i++ {
		if i > 500 {
			t.Fatal("the download never started")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case r := <-done:
		if r.code != ExitInterrupted || !strings.Contains(r.stderr, "tufpip: error: interrupted") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("resolve did not stop after Ctrl-C")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left in DIR after Ctrl-C: %v", entries)
	}
}

// A file skipped by a trust rule is always shown, without -v, whatever the rule: a link whose
// text names another file than its target used to be shown only with -v, because the CLI
// recognised trust skips by the words of their reasons.
func TestResolveShowsEveryTrustSkip(t *testing.T) {
	repo := tuftest.New(t)
	good, bad := []byte("foo 1.0 wheel"), []byte("foo 1.1 wheel")
	repo.AddFile(tuftest.Stable, "foo-1.0-py3-none-any.whl", good)
	repo.AddFile(tuftest.Stable, "foo-1.1-py3-none-any.whl", bad)
	repo.SetPage(tuftest.Stable, "foo",
		tuftest.File("foo-1.0-py3-none-any.whl", good),
		tuftest.PageFile{Filename: "foo-2.0-py3-none-any.whl", Data: bad, URL: "../../packages/foo-1.1-py3-none-any.whl"},
		tuftest.PageFile{Filename: "foo-3.0-py3-none-any.whl", Hashes: map[string]string{"md5": strings.Repeat("a", 32)}},
		tuftest.PageFile{Filename: "foo-4.0-cp399-cp399-win_arm64.whl", Data: []byte("other platform")},
	)
	repo.Publish()
	env, _ := repoEnv(t, repo)
	r := runCLI(t, env, "resolve", "foo")
	if r.code != 0 || !strings.Contains(r.stdout, "foo: foo 1.0 from foo-1.0-py3-none-any.whl") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"skipped foo-2.0-py3-none-any.whl: the link text names foo-2.0-py3-none-any.whl but the link is to foo-1.1-py3-none-any.whl",
		"skipped foo-3.0-py3-none-any.whl: only a weak hash (md5) on the page and not a TUF target",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("missing %q in:\n%s", want, r.stdout)
		}
	}
	// pip's own filters stay for -v
	if strings.Contains(r.stdout, "foo-4.0-cp399") {
		t.Errorf("a platform skip shown without -v:\n%s", r.stdout)
	}
	if r := runCLI(t, env, "-v", "resolve", "foo"); !strings.Contains(r.stdout, "skipped foo-4.0-cp399-cp399-win_arm64.whl") {
		t.Errorf("the platform skip not shown with -v:\n%s", r.stdout)
	}
}
