package repo

import (
	"path/filepath"
	"testing"
)

// A release an upstream published between a project's first sync and the first promote
// that sees the project must not take the upload time the upstream claims (400 days
// back in mirrorOnce): it ages from when sync first saw it. Only the files present at
// the project's first sync may take the upstream's upload time (bootstrap).
func TestPromoteFirstSightOfMirroredProject(t *testing.T) {
	keys := t.TempDir()
	dir := filepath.Join(t.TempDir(), "repo")
	r := mustInit(t, dir, InitOptions{KeysDir: keys})
	src := t.TempDir()
	first := []string{buildWheel(t, src, "FooBar", "1.0", "")}
	if err := mirrorOnce(r, t0.Add(-200*day), map[string][]string{"foobar": first}); err != nil {
		t.Fatal(err)
	}
	later := append(first, buildWheel(t, src, "FooBar", "3.0", ""))
	if err := mirrorOnce(r, t0.Add(-10*day), map[string][]string{"foobar": later}); err != nil {
		t.Fatal(err)
	}
	res := mustPromote(t, r, PromoteOptions{OlderThan: 90 * day, Now: t0})
	if len(res.Promoted) != 1 || res.Promoted[0] != "FooBar-1.0-py3-none-any.whl" || res.BootstrapFiles != 2 {
		t.Fatalf("first promote: promoted %v, %d bootstrap files; want only 1.0 (3.0 was first seen 10 days ago)", res.Promoted, res.BootstrapFiles)
	}
	res = mustPromote(t, r, PromoteOptions{OlderThan: 90 * day, Now: t0.Add(79 * day)})
	if len(res.Promoted) != 0 {
		t.Fatalf("promote 79 days later (89 days after sync saw 3.0): promoted %v", res.Promoted)
	}
	res = mustPromote(t, r, PromoteOptions{OlderThan: 90 * day, Now: t0.Add(81 * day)})
	if len(res.Promoted) != 1 || res.Promoted[0] != "FooBar-3.0-py3-none-any.whl" {
		t.Fatalf("promote 81 days later: promoted %v", res.Promoted)
	}
}
