package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sha(project, version string) string {
	_, data := wheel(project, version)
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVerifyRequirements(t *testing.T) {
	env, _ := repoEnv(t, seedRepo(t))
	dir := t.TempDir()
	good := writeFile(t, dir, "requirements.txt", fmt.Sprintf(`# pip-compile --generate-hashes
foobar==2.0 \
    --hash=sha256:%s
    # via app
`, sha("foobar", "2.0")))
	r := runCLI(t, env, "verify", good)
	if r.code != 0 || !strings.Contains(r.stdout, "ok    "+good+":2  foobar==2.0 (stable: foobar-2.0-py3-none-any.whl)") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// one flipped hash: exit 3, the entry and its line named
	flipped := strings.Replace(sha("foobar", "1.0"), "a", "b", 1)
	if flipped == sha("foobar", "1.0") {
		flipped = strings.Replace(flipped, "1", "2", 1)
	}
	bad := writeFile(t, dir, "bad.txt", fmt.Sprintf("foobar==2.0 --hash=sha256:%s\nfoobar==1.0 --hash=sha256:%s\n", sha("foobar", "2.0"), flipped))
	r = runCLI(t, env, "verify", bad)
	if r.code != ExitVerification || !strings.Contains(r.stdout, "FAIL  "+bad+":2  foobar==1.0: hash sha256:"+flipped[:16]+"… is not a trusted file of foobar 1.0") {
		t.Fatalf("flipped hash: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "1 of 2 lockfile entries is not vouched for") {
		t.Errorf("stderr: %s", r.stderr)
	}

	// 2.0.1 is signed only by unstable: it fails under --require-role stable, naming the role
	onlyUnstable := writeFile(t, dir, "new.txt", fmt.Sprintf("foobar==2.0.1 --hash=sha256:%s\n", sha("foobar", "2.0.1")))
	r = runCLI(t, env, "verify", onlyUnstable, "--require-role", "stable")
	if r.code != ExitVerification || !strings.Contains(r.stdout, "signed") || !strings.Contains(r.stdout, "unstable") {
		t.Fatalf("--require-role stable: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// unpinned and hashless entries fail with a hint
	loose := writeFile(t, dir, "loose.txt", "foobar>=1\nfoobar==2.0\n")
	r = runCLI(t, env, "verify", loose)
	if r.code != ExitVerification || !strings.Contains(r.stdout, "foobar is not pinned to one version") ||
		!strings.Contains(r.stdout, "foobar==2.0 has no hash") || !strings.Contains(r.stdout, "hint: ") {
		t.Fatalf("loose: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// GitHub annotations and JSON
	r = runCLI(t, env, "verify", bad, "--format", "github")
	if !strings.Contains(r.stdout, "::error file="+bad+",line=2,title=tufpip verify::foobar==1.0: hash sha256:") {
		t.Errorf("github: %s", r.stdout)
	}
	r = runCLI(t, env, "verify", bad, "--format", "json")
	var out struct {
		OK      bool `json:"ok"`
		Entries []struct {
			Line   int    `json:"line"`
			Status string `json:"status"`
			Role   string `json:"role"`
		} `json:"entries"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.OK || len(out.Entries) != 2 ||
		out.Entries[0].Status != "ok" || out.Entries[0].Role != "stable" || out.Entries[1].Status != "hash-not-trusted" || out.Entries[1].Line != 2 {
		t.Errorf("json: %v\n%s", err, r.stdout)
	}
}

func TestVerifyTOMLFormats(t *testing.T) {
	env, _ := repoEnv(t, seedRepo(t))
	dir := t.TempDir()
	pylock := writeFile(t, dir, "pylock.toml", fmt.Sprintf(`lock-version = "1.0"
created-by = "test"

[[packages]]
name = "foobar"
version = "2.0"

[[packages.wheels]]
name = "foobar-2.0-py3-none-any.whl"
url = "https://example.org/packages/foobar-2.0-py3-none-any.whl"
hashes = {sha256 = "%s"}
`, sha("foobar", "2.0")))
	uvlock := writeFile(t, dir, "uv.lock", fmt.Sprintf(`version = 1
requires-python = ">=3.8"

[[package]]
name = "foobar"
version = "1.0"
source = { registry = "https://example.org/simple" }
wheels = [
    { url = "https://example.org/packages/foobar-1.0-py3-none-any.whl", hash = "sha256:%s" },
]
`, sha("foobar", "1.0")))
	r := runCLI(t, env, "verify", pylock, uvlock)
	if r.code != 0 || strings.Count(r.stdout, "ok    ") != 2 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// the filename recorded by the lock must be the trusted file's
	renamed := strings.Replace(readFile(t, pylock), `name = "foobar-2.0-py3-none-any.whl"`, `name = "foobar-2.0-cp311-cp311-linux_x86_64.whl"`, 1)
	writeFile(t, dir, "pylock.toml", renamed)
	r = runCLI(t, env, "verify", pylock)
	if r.code != ExitVerification || !strings.Contains(r.stdout, "belongs to foobar-2.0-py3-none-any.whl, not foobar-2.0-cp311-cp311-linux_x86_64.whl") {
		t.Fatalf("renamed: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// a broken lockfile: exit 1 with file:line
	broken := writeFile(t, dir, "uv.lock", "version = 1\n[[package]\nname = \"x\"\n")
	r = runCLI(t, env, "verify", broken)
	if r.code != ExitError || !strings.Contains(r.stderr, broken+":2") {
		t.Fatalf("broken: exit %d\n%s", r.code, r.stderr)
	}
}

func readFile(t *testing.T, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
