package e2e

import (
	"os"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/pyfix"
)

// TestSyncLiveUpstream mirrors a small real project with its dependencies from a real
// simple index and installs it through tufpip. It talks to the network, so it runs only
// when TUFPIP_LIVE_UPSTREAM names the index (never in CI):
//
//	TUFPIP_LIVE_UPSTREAM=https://pypi.org/simple/ go test ./e2e -run SyncLiveUpstream -v
//
// TUFPIP_LIVE_PROJECT chooses the project (default requests) and its import name must
// match the project's.
func TestSyncLiveUpstream(t *testing.T) {
	upstream := os.Getenv("TUFPIP_LIVE_UPSTREAM")
	if upstream == "" {
		t.Skip("set TUFPIP_LIVE_UPSTREAM to a simple index URL to run")
	}
	project := os.Getenv("TUFPIP_LIVE_PROJECT")
	if project == "" {
		project = "requests"
	}
	needTufpip(t)
	py := pyfix.Python(t, "3.11")
	m := newMirrorRepo(t)
	start := time.Now()
	_, stderr, code := m.tufpip("repo", "sync", m.dir, "--keys", m.keys, "--upstream", upstream, project,
		"--with-deps", "--latest", "1", "--python-version", "3.11", "--platform", "manylinux_2_17_x86_64", "--only-binary", ":all:")
	if code != 0 {
		t.Fatalf("sync: exit %d\n%s", code, stderr)
	}
	t.Logf("synced %s with its dependencies in %v", project, time.Since(start).Round(time.Millisecond))
	venv := pyfix.Venv(t, py.Path)
	if _, stderr, code := m.tufpip("install", "--python", pyfix.VenvPython(venv), project); code != 0 {
		t.Fatalf("install: exit %d\n%s", code, stderr)
	}
}
