//go:build unix

package e2e

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/pyfix"
	"github.com/tufpip/tufpip/internal/tuftest"
)

// Ctrl-C in a terminal reaches tufpip and pip (one process group): pip stops as it always
// does, tufpip stops its index (and the download it was verifying) and exits 130, and
// nothing is installed.
func TestPipInstallInterrupt(t *testing.T) {
	t.Parallel()
	needTufpip(t)
	py := pyfix.Python(t, "3.11")
	r := newSeededPipRepo(t)
	r.srv.Inject("packages/lib-1.0-py3-none-any.whl", tuftest.Stall(10))
	venv := pyfix.Venv(t, py.Path)

	cmd := exec.Command(tufpipBin, "install", "--python", pyfix.VenvPython(venv), "app")
	home := t.TempDir()
	for _, kv := range pyfix.Env() {
		if !strings.HasPrefix(kv, "TUFPIP_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "XDG_CONFIG_HOME="+filepath.Join(home, "config"), "XDG_CACHE_HOME="+filepath.Join(home, "cache"))
	cmd.Env = append(cmd.Env, r.env()...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // a process group, as a terminal's job
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// pip is waiting for lib's wheel, which the repository stalls
	deadline := time.Now().Add(time.Minute)
	for r.srv.Count("targets/packages/"+sha256hex(r.files["lib-1.0-py3-none-any.whl"])+".lib-1.0-py3-none-any.whl") == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("pip never asked for lib:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	took := time.Since(start)
	t.Logf("after Ctrl-C (%v):\n%s", took.Round(time.Millisecond), out.String())
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 || !strings.Contains(out.String(), "tufpip: error: interrupted") {
		t.Errorf("exit %v, want 130 and tufpip's message", err)
	}
	if took > 8*time.Second {
		t.Errorf("took %v to stop", took)
	}
	if got := installed(t, venv, "app", "lib"); len(got) != 0 {
		t.Errorf("installed after Ctrl-C: %v", got)
	}
}
