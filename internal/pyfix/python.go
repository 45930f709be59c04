package pyfix

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Interpreter is a Python found on this machine, with the pip that ships with it.
type Interpreter struct {
	Version     string // "3.11": the key tests ask for
	FullVersion string // "3.11.7"
	Path        string // the real executable (sys.executable), never a pyenv shim
	PipVersion  string // "23.2.1"
}

func (i Interpreter) String() string {
	return fmt.Sprintf("python %s (%s, pip %s)", i.FullVersion, i.Path, i.PipVersion)
}

// PythonsEnv, when set, replaces discovery: a list of interpreter paths separated by the
// OS path-list separator. It lets a CI job pin the interpreters the tests use.
const PythonsEnv = "TUFPIP_TEST_PYTHONS"

var (
	pythonsOnce sync.Once
	pythons     []Interpreter
	pythonsMiss []string
)

// candidates are the interpreters the team's machines carry: python3 on PATH (3.11) and
// pyenv's 3.13.0. Duplicates (same version) keep the first.
func candidates() []string {
	if v := os.Getenv(PythonsEnv); v != "" {
		return filepath.SplitList(v)
	}
	out := []string{"python3"}
	root := os.Getenv("PYENV_ROOT")
	if root == "" {
		if b, err := exec.Command("pyenv", "root").Output(); err == nil {
			root = strings.TrimSpace(string(b))
		}
	}
	if root == "" {
		if home, err := os.UserHomeDir(); err == nil {
			root = filepath.Join(home, ".pyenv")
		}
	}
	if root != "" {
		out = append(out, filepath.Join(root, "versions", "3.13.0", "bin", "python"))
	}
	return out
}

const probePy = `import platform, sys
try:
    import pip
    v = pip.__version__
except Exception:
    v = ""
print(sys.executable)
print("%d.%d" % sys.version_info[:2])
print(platform.python_version())
print(v)
`

func probe(ctx context.Context, cand string) (Interpreter, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := Command(ctx, cand, "-c", probePy)
	out, err := cmd.Output()
	if err != nil {
		return Interpreter{}, fmt.Errorf("%s: %w", cand, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 4 {
		return Interpreter{}, fmt.Errorf("%s: unexpected probe output %q", cand, out)
	}
	in := Interpreter{Path: lines[0], Version: lines[1], FullVersion: lines[2], PipVersion: strings.TrimSpace(lines[3])}
	if in.PipVersion == "" {
		return Interpreter{}, fmt.Errorf("%s: python %s has no pip", cand, in.FullVersion)
	}
	return in, nil
}

// FindPythons probes the candidate interpreters once per process and returns those that
// run and have pip, ordered by version, plus a note for each candidate that did not.
func FindPythons() (found []Interpreter, missing []string) {
	pythonsOnce.Do(func() {
		seen := map[string]bool{}
		for _, c := range candidates() {
			in, err := probe(context.Background(), c)
			if err != nil {
				pythonsMiss = append(pythonsMiss, err.Error())
				continue
			}
			if !seen[in.Version] {
				seen[in.Version] = true
				pythons = append(pythons, in)
			}
		}
		sort.Slice(pythons, func(i, j int) bool { return versionLess(pythons[i].Version, pythons[j].Version) })
	})
	return pythons, pythonsMiss
}

func versionLess(a, b string) bool {
	var a1, a2, b1, b2 int
	fmt.Sscanf(a, "%d.%d", &a1, &a2)
	fmt.Sscanf(b, "%d.%d", &b1, &b2)
	if a1 != b1 {
		return a1 < b1
	}
	return a2 < b2
}

// Pythons returns every available interpreter, or skips the test when there is none
// (fails under TUFPIP_E2E_REQUIRE).
func Pythons(t testing.TB) []Interpreter {
	t.Helper()
	found, missing := FindPythons()
	if len(found) == 0 {
		Require(t, "pyfix: no python with pip found (%s)", strings.Join(missing, "; "))
	}
	return found
}

// Python returns the interpreter with the given "X.Y" version, or skips the test (fails
// under TUFPIP_E2E_REQUIRE).
func Python(t testing.TB, version string) Interpreter {
	t.Helper()
	found, missing := FindPythons()
	for _, in := range found {
		if in.Version == version {
			return in
		}
	}
	Require(t, "pyfix: python %s with pip not found (have %v; %s)", version, found, strings.Join(missing, "; "))
	return Interpreter{}
}
