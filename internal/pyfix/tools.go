package pyfix

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/tufpip/tufpip/internal/testreq"
)

// ToolsEnv names the folder of the pinned real clients (uv, the newest pip, pip-tools,
// poetry, pipenv, python-tuf, pre-commit) that scripts/setup.sh installs. Default: .tools/bin
// at the module root.
const ToolsEnv = "TUFPIP_TOOLS"

// RequireEnv turns every "client not available" skip into a failure (internal/testreq).
const RequireEnv = testreq.Env

// ToolsDir is where the pinned tools live: TUFPIP_TOOLS, else .tools/bin at the module
// root, found from this source file's own path (a test may change its working directory).
func ToolsDir() string {
	if d := os.Getenv(ToolsEnv); d != "" {
		return d
	}
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	// self is <module>/internal/pyfix/tools.go
	return filepath.Join(filepath.Dir(filepath.Dir(filepath.Dir(self))), ".tools", "bin")
}

// Tool returns the path of a pinned tool ("uv", "pip-compile", "python-pip-latest",
// "python-tuf", ...). It skips the test when the tool is missing, or fails it under
// TUFPIP_E2E_REQUIRE.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(ToolsDir(), name)
	if _, err := exec.LookPath(p); err == nil {
		return p
	}
	Require(t, "%s is not installed in %s (run scripts/setup.sh)", name, ToolsDir())
	return ""
}

// DebianPython returns Debian's own /usr/bin/python3 when its pip (python3-pip) is
// installed, else skips (or fails under TUFPIP_E2E_REQUIRE).
func DebianPython(t testing.TB) string {
	t.Helper()
	const p = "/usr/bin/python3"
	if err := exec.Command(p, "-m", "pip", "--version").Run(); err == nil {
		return p
	}
	Require(t, "Debian's python3-pip is not installed (run scripts/setup.sh as root)")
	return ""
}

// Require skips the test with the reason, or fails it under TUFPIP_E2E_REQUIRE.
func Require(t testing.TB, format string, args ...any) {
	t.Helper()
	testreq.Missing(t, format, args...)
}
