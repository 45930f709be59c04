package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/internal/pyfix"
	"github.com/tufpip/tufpip/internal/upstreamtest"
)

// On a terminal, sync draws one progress line (projects, files, bytes) on stderr and
// clears it; the summary goes to stdout. Off a terminal there is no progress line.
func TestRepoSyncProgress(t *testing.T) {
	up := upstreamtest.New(t)
	fn, data := pyfix.Wheel(t, pyfix.WheelSpec{Name: "alpha", Version: "1.0"})
	up.Add(&upstreamtest.File{Filename: fn, Data: data})
	for _, tty := range []bool{true, false} {
		dir := filepath.Join(t.TempDir(), "repo")
		keys := filepath.Join(t.TempDir(), "keys")
		if r := runCLI(t, nil, "repo", "init", dir, "--keys", keys); r.code != 0 {
			t.Fatalf("init: %+v", r)
		}
		var out, errOut bytes.Buffer
		io := &IOStreams{In: bytes.NewReader(nil), Out: &out, ErrOut: &errOut, ErrTTY: tty}
		code := Run(context.Background(), []string{"repo", "sync", dir, "--keys", keys, "--upstream", up.URL, "alpha"}, io, func(string) string { return "" })
		if code != 0 {
			t.Fatalf("tty %v: exit %d\n%s", tty, code, errOut.String())
		}
		if !strings.Contains(out.String(), "mirrored "+fn) || !strings.Contains(out.String(), "synced 1 projects") {
			t.Errorf("tty %v: stdout %q", tty, out.String())
		}
		progress := strings.Contains(errOut.String(), "sync: 1/1 projects, 1 files")
		if progress != tty {
			t.Errorf("tty %v: progress line shown %v:\n%q", tty, progress, errOut.String())
		}
	}
}

// --jobs and --latest out of range are usage errors (exit 2) before anything is read.
func TestRepoSyncRangeFlags(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "none")
	for _, args := range [][]string{{"--jobs", "0"}, {"--jobs", "65"}, {"--jobs", "-1"}, {"--latest", "-1"}} {
		r := runCLI(t, map[string]string{"HOME": t.TempDir()}, append([]string{"repo", "sync", dir, "--upstream", "http://127.0.0.1:9/simple/", "foobar"}, args...)...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "--jobs between 1 and 64") {
			t.Errorf("repo sync %v: exit %d\n%s", args, r.code, r.stderr)
		}
	}
}
