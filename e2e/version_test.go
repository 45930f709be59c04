package e2e

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The built binary names the go-tuf it was built with (test binaries cannot: they carry no
// dependency list), and the release ldflags set version and commit.
func TestVersion(t *testing.T) {
	if tufpipBin == "" {
		t.Fatalf("tufpip was not built: %v", tufpipBuildErr)
	}
	stdout, stderr, code := runTufpip(t, "version")
	if code != 0 || !strings.Contains(stdout, "\ngo-tuf v2.4.2\n") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}

	out := filepath.Join(t.TempDir(), "tufpip")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-o", out,
		"-ldflags", "-X github.com/tufpip/tufpip/internal/cli.Version=v9.8.7 -X github.com/tufpip/tufpip/internal/cli.Commit=abc123",
		"github.com/tufpip/tufpip/cmd/tufpip")
	build.Dir = ".."
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build with ldflags: %v\n%s", err, b)
	}
	b, err := exec.Command(out, "version", "--format", "json").Output()
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); !strings.Contains(s, `"tufpip": "v9.8.7"`) || !strings.Contains(s, `"commit": "abc123"`) || !strings.Contains(s, `"goTUF": "v2.4.2"`) {
		t.Errorf("version --format json: %s", s)
	}
}
