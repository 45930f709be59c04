package resolve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/testreq"
)

// testInterpreters are the two interpreters the team's machines have; tests skip those that
// are missing.
func testInterpreters(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	if p, err := exec.LookPath("python3"); err == nil {
		out["python3"] = p
	}
	if root, err := exec.Command("pyenv", "root").Output(); err == nil {
		p := filepath.Join(strings.TrimSpace(string(root)), "versions", "3.13.0", "bin", "python")
		if _, err := os.Stat(p); err == nil {
			out["3.13.0"] = p
		}
	}
	for _, name := range []string{"python3", "3.13.0"} {
		if _, ok := out[name]; !ok && len(out) > 0 {
			testreq.Partial(t, "no %s interpreter: comparing with the others only", name)
		}
	}
	return out
}

// pipDebugTags runs `python -m pip debug --verbose` and returns its "Compatible tags" list.
func pipDebugTags(t *testing.T, python string, args ...string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, append([]string{"-m", "pip", "debug", "--verbose"}, args...)...)
	cmd.Env = append(os.Environ(), "PIP_CONFIG_FILE="+os.DevNull, "PIP_DISABLE_PIP_VERSION_CHECK=1")
	out, err := cmd.Output()
	if err != nil {
		testreq.Missing(t, "%s -m pip debug: %v (pip missing?)", python, err)
	}
	var tags []string
	in, want := false, -1
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "Compatible tags: "); ok {
			in = true
			// with target options pip appends "(target: ...)" to the count
			if f := strings.Fields(rest); len(f) > 0 {
				want, _ = strconv.Atoi(f[0])
			}
			continue
		}
		if in {
			if !strings.HasPrefix(line, "  ") {
				break
			}
			tags = append(tags, strings.TrimSpace(line))
		}
	}
	if len(tags) == 0 || len(tags) != want {
		t.Fatalf("pip debug: read %d tags, header says %d", len(tags), want)
	}
	return tags
}

func TestDetectEnvironmentMatchesPipDebug(t *testing.T) {
	pythons := testInterpreters(t)
	if len(pythons) == 0 {
		testreq.Missing(t, "no python3 and no pyenv 3.13.0 interpreter on this machine")
	}
	for name, python := range pythons {
		t.Run(name, func(t *testing.T) {
			want := pipDebugTags(t, python)
			env, err := DetectEnvironment(context.Background(), python)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]string, len(env.Tags))
			for i, tag := range env.Tags {
				got[i] = tag.String()
			}
			if len(got) != len(want) {
				t.Errorf("got %d tags, pip has %d", len(got), len(want))
			}
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					t.Fatalf("tag %d: got %s, pip has %s", i, got[i], want[i])
				}
			}
			// the marker environment is packaging's default_environment()
			out, err := exec.Command(python, "-I", "-c",
				"import json, sys; from pip._vendor.packaging.markers import default_environment as d; json.dump(d(), sys.stdout)").Output()
			if err != nil {
				t.Fatalf("asking packaging for the marker environment: %v", err)
			}
			var markers map[string]string
			if err := json.Unmarshal(out, &markers); err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(env.Markers, markers) {
				t.Errorf("markers %v, packaging has %v", env.Markers, markers)
			}
			full, _ := exec.Command(python, "-I", "-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))").Output()
			if env.PythonFullVersion != strings.TrimSpace(string(full)) {
				t.Errorf("PythonFullVersion %q, interpreter says %q", env.PythonFullVersion, full)
			}
		})
	}
}

func TestDetectEnvironmentErrors(t *testing.T) {
	_, err := DetectEnvironment(context.Background(), filepath.Join(t.TempDir(), "no-such-python"))
	var ee *EnvironmentError
	if !errors.As(err, &ee) {
		t.Fatalf("missing interpreter: got %v, want *EnvironmentError", err)
	}
	// an "interpreter" that prints something other than the facts
	fake := filepath.Join(t.TempDir(), "python")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho not json\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = DetectEnvironment(context.Background(), fake)
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), "unexpected output") {
		t.Fatalf("bad output: got %v", err)
	}
}
