package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/pyfix"
	"github.com/tufpip/tufpip/internal/upstreamtest"
)

// TestSyncScaleReport measures "tufpip repo sync" of PROJECTSxFILES small wheels from a
// local upstream, then a no-change re-sync: wall time, peak RSS of the tufpip process,
// requests the upstream answered, and the timestamp version. It runs only when asked:
//
//	TUFPIP_SYNC_BENCH=1000x20 go test ./e2e -run SyncScaleReport -v -timeout 30m
//	TUFPIP_SYNC_BENCH=1000x20 TUFPIP_SYNC_BENCH_BINS=6 go test ./e2e -run SyncScaleReport -v
func TestSyncScaleReport(t *testing.T) {
	spec := os.Getenv("TUFPIP_SYNC_BENCH")
	if spec == "" {
		t.Skip("set TUFPIP_SYNC_BENCH=PROJECTSxFILES to run")
	}
	ps, fs, ok := strings.Cut(spec, "x")
	projects, err1 := strconv.Atoi(ps)
	files, err2 := strconv.Atoi(fs)
	if !ok || err1 != nil || err2 != nil {
		t.Fatalf("TUFPIP_SYNC_BENCH=%q: want PROJECTSxFILES", spec)
	}
	needTufpip(t)
	up := upstreamtest.New(t)
	start := time.Now()
	var names []string
	for p := range projects {
		name := fmt.Sprintf("proj%04d", p)
		names = append(names, name)
		for f := range files {
			fn, data := pyfix.Wheel(t, pyfix.WheelSpec{Name: name, Version: fmt.Sprintf("1.%d", f)})
			up.Add(&upstreamtest.File{Filename: fn, Data: data, NoMetadata: true})
		}
	}
	t.Logf("built %d wheels in %v", projects*files, time.Since(start).Round(time.Millisecond))
	reqs := filepath.Join(t.TempDir(), "requirements.txt")
	writeFile(t, reqs, strings.Join(names, "\n")+"\n")
	base := t.TempDir()
	dir, keys := filepath.Join(base, "repo"), filepath.Join(base, "keys")
	initArgs := []string{"repo", "init", dir, "--keys", keys}
	if bins := os.Getenv("TUFPIP_SYNC_BENCH_BINS"); bins != "" {
		initArgs = append(initArgs, "--hash-bins", bins)
	}
	if _, stderr, code := runTufpip(t, initArgs...); code != 0 {
		t.Fatalf("repo init: %s", stderr)
	}
	m := &mirrorRepo{t: t, dir: dir, keys: keys}
	var rows []string
	for _, run := range []string{"first sync", "no-change re-sync"} {
		up.Requests()
		wall, cpu, rss, stderr, code := measure(t, "repo", "sync", dir, "--upstream", up.URL, "--keys", keys, "-r", reqs, "--jobs", "8", "-q")
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", run, code, stderr)
		}
		n := len(up.Requests())
		rows = append(rows, fmt.Sprintf("| %s | %d x %d | %.1f s | %.1f s | %s | %d | %d |", run, projects, files,
			wall.Seconds(), cpu, rss, n, m.timestampVersion()))
	}
	report := "| run | projects x files | wall | CPU | peak RSS | requests | timestamp version |\n|---|---|---|---|---|---|---|\n" + strings.Join(rows, "\n")
	t.Log("\n" + report)
	fmt.Println(report)
}

// measure runs tufpip under /usr/bin/time, which forks it from its own small process: the
// peak RSS a Go parent reports for a child it spawned starts from the parent's own size.
func measure(t *testing.T, args ...string) (wall time.Duration, cpu float64, rss, stderr string, code int) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "time")
	cmd := exec.Command("/usr/bin/time", append([]string{"-f", "%M %U %S", "-o", out, tufpipBin}, args...)...)
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		cmd = exec.Command(tufpipBin, args...)
	}
	for _, kv := range pyfix.Env() {
		if !strings.HasPrefix(kv, "TUFPIP_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "XDG_CONFIG_HOME="+t.TempDir(), "XDG_CACHE_HOME="+t.TempDir())
	var e strings.Builder
	cmd.Stderr = &e
	start := time.Now()
	err := cmd.Run()
	wall = time.Since(start)
	var xe *exec.ExitError
	if errors.As(err, &xe) {
		code = xe.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	rss = "n/a"
	if data, err := os.ReadFile(out); err == nil {
		var kib int64
		var user, sys float64
		if _, err := fmt.Sscan(string(data), &kib, &user, &sys); err == nil {
			rss, cpu = fmt.Sprintf("%d MiB", kib/1024), user+sys
		}
	}
	return wall, cpu, rss, e.String(), code
}
