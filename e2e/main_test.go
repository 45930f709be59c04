// Package e2e runs the tufpip binary end to end: against real signed repositories served
// on 127.0.0.1 (internal/tuftest), with real pip where pip is involved (internal/pyfix).
// TestMain builds the binary once for every test.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/pyfix"
	"github.com/tufpip/tufpip/internal/testreq"
)

var (
	tufpipBin      string // path of the built binary; "" when the build failed
	tufpipBuildErr error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tufpip-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	start := time.Now()
	tufpipBin, tufpipBuildErr = buildTufpip(dir)
	if tufpipBuildErr == nil {
		fmt.Fprintf(os.Stderr, "e2e: built tufpip in %v\n", time.Since(start).Round(time.Millisecond))
	}
	code := pyfix.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

func buildTufpip(dir string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("go command not found: %w", err)
	}
	out := filepath.Join(dir, "tufpip")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", out, "github.com/tufpip/tufpip/cmd/tufpip")
	cmd.Dir = ".." // the module root: the test runs in e2e/
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/tufpip: %w\n%s", err, b)
	}
	return out, nil
}

// skipUnless skips (or, under TUFPIP_E2E_REQUIRE, fails) with the reason: the one rule of
// internal/testreq, for a missing outside tool (bash, git).
func skipUnless(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		testreq.Missing(t, format, args...)
	}
}

// needTufpip fails the test or benchmark when the binary did not build: a build error is
// no missing client, so it never skips.
func needTufpip(tb testing.TB) {
	tb.Helper()
	if tufpipBuildErr != nil {
		tb.Fatalf("tufpip binary not available: %v", tufpipBuildErr)
	}
}

// runTufpip runs the binary with args. Its environment is pyfix's neutral one (no PIP_*),
// without TUFPIP_* settings and with config and cache homes private to the test, so the
// developer's setup never leaks in. The run is bounded by the test's deadline.
func runTufpip(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runTufpipEnv(t, nil, args...)
}

// runTufpipEnv is runTufpip with extra "KEY=VALUE" environment entries.
func runTufpipEnv(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	stdout, stderr, code, _ = execTufpip(t, env, args...)
	return stdout, stderr, code
}

// execTufpip runs the binary and also returns its process state (CPU times).
func execTufpip(t *testing.T, env []string, args ...string) (stdout, stderr string, code int, ps *os.ProcessState) {
	t.Helper()
	return execTufpipIn(t, "", env, args...)
}

// runTufpipLogged is runTufpipEnv that logs the command, its exit code and time, and what
// it printed.
func runTufpipLogged(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	start := time.Now()
	stdout, stderr, code = runTufpipEnv(t, env, args...)
	t.Logf("tufpip %s: exit %d in %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code,
		time.Since(start).Round(time.Millisecond), stdout, stderr)
	return stdout, stderr, code
}

// repoEnv selects a repository for tufpip: its metadata and targets URLs, the trusted root
// file and tufpip's cache folder.
func repoEnv(metadataURL, targetsURL, root, cache string) []string {
	return []string{
		"TUFPIP_METADATA_URL=" + metadataURL,
		"TUFPIP_TARGETS_URL=" + targetsURL,
		"TUFPIP_ROOT=" + root,
		"TUFPIP_CACHE_DIR=" + cache,
	}
}

// runTufpipIn is runTufpipEnv in the working directory dir.
func runTufpipIn(t *testing.T, dir string, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	stdout, stderr, code, _ = execTufpipIn(t, dir, env, args...)
	t.Logf("tufpip %q in %s: exit %d\nstderr:\n%s", args, dir, code, stderr)
	return stdout, stderr, code
}

func execTufpipIn(t *testing.T, dir string, env []string, args ...string) (stdout, stderr string, code int, ps *os.ProcessState) {
	t.Helper()
	needTufpip(t)
	ctx := context.Background()
	if dl, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-5*time.Second))
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, tufpipBin, args...)
	cmd.Dir = dir
	home := t.TempDir()
	var base []string
	for _, kv := range pyfix.Env() {
		if !strings.HasPrefix(kv, "TUFPIP_") {
			base = append(base, kv)
		}
	}
	cmd.Env = append(base, "XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"))
	cmd.Env = append(cmd.Env, env...)
	cmd.WaitDelay = 5 * time.Second
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && ctx.Err() == nil:
		code = exit.ExitCode()
	default:
		t.Fatalf("run tufpip %s: %v\nstderr:\n%s", strings.Join(args, " "), err, e.String())
	}
	return o.String(), e.String(), code, cmd.ProcessState
}
