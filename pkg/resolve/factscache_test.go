package resolve

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/testreq"
)

// countingPython is a python3 wrapper that records each time it is started.
func countingPython(t *testing.T) (python, counter string) {
	t.Helper()
	real, err := exec.LookPath("python3")
	if err != nil {
		testreq.Missing(t, "python3 not found")
	}
	dir := t.TempDir()
	counter = filepath.Join(dir, "runs")
	python = filepath.Join(dir, "python")
	script := "#!/bin/sh\necho run >>" + counter + "\nexec " + real + " \"$@\"\n"
	if err := os.WriteFile(python, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return python, counter
}

func runs(t *testing.T, counter string) int {
	data, err := os.ReadFile(counter)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(data), "run")
}

func TestFactsCacheProbesOncePerInterpreter(t *testing.T) {
	python, counter := countingPython(t)
	ctx := context.Background()
	c := FactsCache{Dir: filepath.Join(t.TempDir(), "interpreters")}

	first, err := c.Detect(ctx, python)
	if err != nil {
		t.Fatal(err)
	}
	probes := runs(t, counter)
	if probes == 0 {
		t.Fatal("the first Detect did not run the interpreter")
	}
	second, err := c.Detect(ctx, python)
	if err != nil {
		t.Fatal(err)
	}
	if got := runs(t, counter); got != probes {
		t.Errorf("a warm Detect ran the interpreter again (%d runs, want %d)", got, probes)
	}
	if !reflect.DeepEqual(first.Tags, second.Tags) || !reflect.DeepEqual(first.Markers, second.Markers) ||
		first.PythonFullVersion != second.PythonFullVersion || first.Facts.ManylinuxABI != second.Facts.ManylinuxABI {
		t.Error("the cached environment differs from the probed one")
	}
	direct, err := DetectEnvironment(ctx, python)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(direct.Tags, second.Tags) {
		t.Error("the cached tags differ from a fresh probe's")
	}

	// A changed interpreter (here: its mtime) is probed again.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(python, later, later); err != nil {
		t.Fatal(err)
	}
	before := runs(t, counter)
	if _, err := c.Detect(ctx, python); err != nil {
		t.Fatal(err)
	}
	if runs(t, counter) == before {
		t.Error("Detect used the cache for a changed interpreter")
	}
}

func TestFactsCacheIgnoresBadEntries(t *testing.T) {
	python, counter := countingPython(t)
	ctx := context.Background()
	dir := t.TempDir()
	c := FactsCache{Dir: dir}
	if _, err := c.Detect(ctx, python); err != nil {
		t.Fatal(err)
	}
	entries, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(entries) != 1 {
		t.Fatalf("cache entries: %v", entries)
	}
	for _, bad := range []string{"{", `{"key":"another interpreter","facts":{}}`, `{"key":"x"}`} {
		if err := os.WriteFile(entries[0], []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		before := runs(t, counter)
		env, err := c.Detect(ctx, python)
		if err != nil {
			t.Fatal(err)
		}
		if runs(t, counter) == before || len(env.Tags) == 0 {
			t.Errorf("entry %q: not probed again", bad)
		}
	}
}

func TestFactsCacheOffOrUnwritable(t *testing.T) {
	python, counter := countingPython(t)
	ctx := context.Background()
	for _, c := range []FactsCache{{}, {Dir: "/proc/no-such-dir/interpreters"}} {
		before := runs(t, counter)
		if _, err := c.Detect(ctx, python); err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if runs(t, counter) == before {
			t.Errorf("%+v: interpreter not run", c)
		}
	}
}

func TestFactsCacheRefusedFolderCreatesNothing(t *testing.T) {
	python, counter := countingPython(t)
	base := t.TempDir()
	refuse := func(dir string) error {
		if dir == base {
			return os.ErrPermission
		}
		return nil
	}
	c := FactsCache{Dir: filepath.Join(base, "interpreters"), Check: refuse}
	for range 2 {
		if _, err := c.Detect(context.Background(), python); err != nil {
			t.Fatal(err)
		}
	}
	if n := runs(t, counter); n < 2 {
		t.Errorf("a refused cache folder was used (%d probes for 2 runs)", n)
	}
	if entries, _ := os.ReadDir(base); len(entries) != 0 {
		t.Errorf("created %v in a refused folder", entries)
	}
}
