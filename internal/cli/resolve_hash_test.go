package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// resolve -r honours --hash pins as pip's hash-checking mode does: a chosen file whose hash
// the requirement does not pin fails with exit 3, and nothing is downloaded.
func TestResolveHonoursHashPins(t *testing.T) {
	env, _ := repoEnv(t, seedRepo(t))
	_, data := wheel("foobar", "2.0")
	sum := sha256.Sum256(data)
	good := hex.EncodeToString(sum[:])
	bad := flipHex(good)
	dir := t.TempDir()

	req := writeFile(t, dir, "requirements.txt", "# pinned\nfoobar==2.0 \\\n    --hash=sha256:"+bad+"\n")
	dest := filepath.Join(dir, "wheels")
	r := runCLI(t, env, "resolve", "-r", req, "--download", dest, "--python-version", "3.12", "--platform", "any")
	want := "tufpip: error: " + req + ":2: foobar-2.0-py3-none-any.whl (the file chosen for foobar==2.0) matches none of the hashes the requirement pins\n"
	if r.code != ExitVerification || !strings.HasPrefix(r.stderr, want) || !strings.Contains(r.stderr, "tufpip: hint: re-lock the requirements") {
		t.Fatalf("exit %d, want 3 and %q\n%s", r.code, want, r.stderr)
	}
	if _, err := os.Stat(dest); !os.IsNotExist(err) {
		t.Errorf("something was downloaded: %v", err)
	}
	r = runCLI(t, env, "resolve", "-r", req, "--format", "json", "--python-version", "3.12", "--platform", "any")
	if r.code != ExitVerification || !strings.Contains(r.stdout, `"ok": false`) || !strings.Contains(r.stdout, "matches none of the hashes") {
		t.Errorf("json: exit %d\n%s", r.code, r.stdout)
	}

	// the right hash among others (a lock pins every platform's file): downloaded
	writeFile(t, dir, "requirements.txt", "foobar==2.0 --hash=sha256:"+bad+" --hash=sha256:"+good+"\n")
	r = runCLI(t, env, "resolve", "-r", req, "--download", dest, "--python-version", "3.12", "--platform", "any")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if got, err := os.ReadFile(filepath.Join(dest, "foobar-2.0-py3-none-any.whl")); err != nil || string(got) != string(data) {
		t.Errorf("download: %v", err)
	}
	// a weak hash pins nothing
	writeFile(t, dir, "requirements.txt", "foobar==2.0 --hash=md5:"+strings.Repeat("0", 32)+"\n")
	if r := runCLI(t, env, "resolve", "-r", req, "--python-version", "3.12", "--platform", "any"); r.code != ExitVerification {
		t.Errorf("md5 pin: exit %d\n%s", r.code, r.stderr)
	}
}
