package pyfix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// droppedEnv are prefixes of variables that would let the developer's setup change what
// Python or pip does: pip options (PIP_FIND_LINKS, PIP_INDEX_URL, ...), Python's own
// search path and user site, and an activated venv or conda env.
var droppedEnv = []string{"PIP_", "PYTHON", "VIRTUAL_ENV", "CONDA_", "UV_", "__PYVENV_LAUNCHER__"}

// neutralEnv is pip's configuration, pinned: no config files at all (PIP_CONFIG_FILE set to
// os.DevNull makes pip skip the global, user and site files too), no prompts, no version
// check, no cache shared between tests, no keyring lookups, no user site-packages.
var neutralEnv = []string{
	"PIP_CONFIG_FILE=" + os.DevNull,
	"PIP_NO_INPUT=1",
	"PIP_DISABLE_PIP_VERSION_CHECK=1",
	"PIP_NO_CACHE_DIR=1",
	"PIP_KEYRING_PROVIDER=disabled",
	"PYTHONNOUSERSITE=1",
	"PYTHONDONTWRITEBYTECODE=1",
	"PYTHONUTF8=1",
}

// Env returns the environment every Python and pip process of the fixtures runs with:
// the current environment minus anything Python or pip would read, plus neutralEnv and
// extra ("KEY=VALUE"; later entries win).
func Env(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		drop := false
		for _, p := range droppedEnv {
			if strings.HasPrefix(kv, p) {
				drop = true
				break
			}
		}
		if !drop {
			env = append(env, kv)
		}
	}
	env = append(env, neutralEnv...)
	return append(env, extra...)
}

// Command is exec.CommandContext(python, args...) with the neutral environment. Killing on
// cancel covers pip's child processes only through their pipes closing, so WaitDelay keeps
// a stuck grandchild from hanging the test.
func Command(ctx context.Context, python string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Env = Env()
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// Result is what a pip run printed and how it ended.
type Result struct {
	Args     []string
	Stdout   string
	Stderr   string
	Code     int // exit code; -1 when killed by a signal or the context
	Duration time.Duration
	CPU      time.Duration // user+system time of pip and the processes it waited for
}

func (r *Result) String() string {
	return fmt.Sprintf("pip %s: exit %d after %v\nstdout:\n%s\nstderr:\n%s",
		shorten(strings.Join(r.Args, " ")), r.Code, r.Duration.Round(time.Millisecond), r.Stdout, r.Stderr)
}

// RunPip runs "python -m pip args..." with the neutral environment. A non-zero exit is
// not an error (tests look at Code); the error is for a pip that could not run at all.
func RunPip(ctx context.Context, python string, args ...string) (*Result, error) {
	cmd := Command(ctx, python, append([]string{"-m", "pip"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := &Result{Args: args, Stdout: stdout.String(), Stderr: stderr.String(), Duration: time.Since(start)}
	if cmd.ProcessState != nil {
		r.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.Code = exit.ExitCode()
		if ctx.Err() != nil {
			return r, fmt.Errorf("pip %s: %w", strings.Join(args, " "), ctx.Err())
		}
	default:
		r.Code = -1
		return r, fmt.Errorf("run pip with %s: %w", python, err)
	}
	return r, nil
}

// Pip is RunPip for tests, bounded by the test's deadline (or ten minutes); it fails the
// test only when pip cannot run.
func Pip(t testing.TB, python string, args ...string) *Result {
	t.Helper()
	ctx, cancel := testContext(t)
	defer cancel()
	r, err := RunPip(ctx, python, args...)
	if err != nil {
		t.Fatalf("pyfix: %v", err)
	}
	t.Logf("pip %s: exit %d in %v", shorten(strings.Join(args, " ")), r.Code, r.Duration.Round(time.Millisecond))
	return r
}

func testContext(t testing.TB) (context.Context, context.CancelFunc) {
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if dl, ok := d.Deadline(); ok {
			return context.WithDeadline(context.Background(), dl.Add(-5*time.Second))
		}
	}
	return context.WithTimeout(context.Background(), 10*time.Minute)
}

func shorten(s string) string {
	if len(s) > 300 {
		return s[:300] + " ..."
	}
	return s
}
