package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/internal/pyfix"
	"github.com/tufpip/tufpip/internal/tuftest"
)

// The .pre-commit-hooks.yaml of this repository, run by real pre-commit from a project's
// .pre-commit-config.yaml: a commit touching a lockfile with an untrusted hash is refused,
// a trusted lock passes, a commit touching no lockfile skips the hook. Offline: the hook runs
// the tufpip on PATH against a repository on 127.0.0.1.
func TestPreCommitHook(t *testing.T) {
	needTufpip(t)
	preCommit := pyfix.Tool(t, "pre-commit")
	gitBin, err := exec.LookPath("git")
	skipUnless(t, err == nil, "git not found: %v", err)

	repo := tuftest.New(t)
	fn, data := "foobar-2.0-py3-none-any.whl", []byte("a wheel's bytes")
	repo.AddFile(tuftest.Stable, fn, data)
	repo.SetPage(tuftest.Stable, "foobar", tuftest.File(fn, data))
	repo.Publish()
	srv := repo.Serve(t)
	home := t.TempDir()
	root := filepath.Join(home, "root.json")
	writeFile(t, root, repo.RootJSON())
	env := append(pyfix.Env(),
		"HOME="+home, "PRE_COMMIT_HOME="+filepath.Join(home, "pre-commit"),
		"PATH="+filepath.Dir(tufpipBin)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"TUFPIP_METADATA_URL="+srv.MetadataURL, "TUFPIP_TARGETS_URL="+srv.TargetsURL, "TUFPIP_ROOT="+root,
		"TUFPIP_CACHE_DIR="+filepath.Join(home, "cache"),
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	run := func(dir, name string, args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return string(out), code
	}
	git := func(dir string, args ...string) string {
		t.Helper()
		out, code := run(dir, gitBin, args...)
		if code != 0 {
			t.Fatalf("git %v: exit %d\n%s", args, code, out)
		}
		return strings.TrimSpace(out)
	}

	// the hooks repository: this repository's .pre-commit-hooks.yaml, committed
	hooks := t.TempDir()
	hookDef, err := os.ReadFile("../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	git(hooks, "init", "-q")
	writeTestFile(t, hooks, ".pre-commit-hooks.yaml", string(hookDef))
	git(hooks, "add", ".")
	git(hooks, "commit", "-qm", "hooks")
	rev := git(hooks, "rev-parse", "HEAD")

	sum := sha256.Sum256(data)
	good := hex.EncodeToString(sum[:])
	project := t.TempDir()
	git(project, "init", "-q")
	writeTestFile(t, project, ".pre-commit-config.yaml", "repos:\n- repo: "+hooks+"\n  rev: "+rev+"\n  hooks:\n  - id: tufpip-verify\n")
	writeTestFile(t, project, "requirements.txt", "foobar==2.0 --hash=sha256:"+good+"\n")
	writeTestFile(t, project, "README.md", "hello\n")
	git(project, "add", ".")

	out, code := run(project, preCommit, "run", "--all-files")
	if code != 0 || !strings.Contains(out, "tufpip verify") || !strings.Contains(out, "Passed") {
		t.Fatalf("trusted lock: exit %d\n%s", code, out)
	}
	out, code = run(project, preCommit, "run", "--files", "README.md")
	if code != 0 || !strings.Contains(out, "(no files to check)Skipped") {
		t.Errorf("no lockfile touched: exit %d\n%s", code, out)
	}

	bad := "f" + good[1:]
	if bad == good {
		bad = "0" + good[1:]
	}
	writeTestFile(t, project, "requirements.txt", "foobar==2.0 --hash=sha256:"+bad+"\n")
	git(project, "add", ".")
	out, code = run(project, preCommit, "run", "--all-files")
	if code != 1 || !strings.Contains(out, "Failed") || !strings.Contains(out, "FAIL  requirements.txt:1  foobar==2.0: hash sha256:"+bad[:16]) {
		t.Fatalf("untrusted lock: exit %d\n%s", code, out)
	}
	// and git commit runs the same hook once installed
	if out, code := run(project, preCommit, "install"); code != 0 {
		t.Fatalf("pre-commit install: %s", out)
	}
	if out, code := run(project, gitBin, "commit", "-qm", "lock"); code == 0 || !strings.Contains(out, "tufpip: error: 1 of 1 lockfile entry is not vouched for") {
		t.Errorf("git commit went through: exit %d\n%s", code, out)
	}
}

func writeTestFile(t *testing.T, dir, name, content string) {
	t.Helper()
	writeFile(t, filepath.Join(dir, name), content)
}
