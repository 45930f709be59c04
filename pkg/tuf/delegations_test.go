package tuf

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/internal/tuftest"
)

func TestCheckRoleName(t *testing.T) {
	for _, name := range []string{"stable", "unstable-0a", "bins-1f", "/delegatedrole", "../delegatedrole", "?", "#", "a.b"} {
		if err := checkRoleName(name); err != nil {
			t.Errorf("%q refused: %v", name, err)
		}
	}
	for _, name := range []string{"root", "Timestamp", "SNAPSHOT", "targets", "", ".", "..", `a\b`, "a\x00b", "a\nb", "a\x7fb", "\xff", strings.Repeat("a", 129)} {
		if err := checkRoleName(name); err == nil {
			t.Errorf("%q accepted", name)
		}
	}
}

// Issue 10 item 2: delegated roles live in metadata/delegated/; a cache an older tufpip left
// with delegated roles beside the top-level files still works, and those files go.
func TestOldCacheWithTopLevelDelegatedRoles(t *testing.T) {
	repo := tuftest.New(t)
	repo.SetPage(tuftest.Stable, "foobar", tuftest.File("foobar-1.0-py3-none-any.whl", []byte("1.0")))
	repo.Publish()
	srv := repo.Serve(t)
	dir := t.TempDir()
	meta := filepath.Join(dir, "metadata")
	if err := os.MkdirAll(meta, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"stable.json":   repo.Signed(tuftest.Stable, 1), // an old, valid copy
		"unstable.json": []byte("not json"),
		"Snapshot.json": []byte(`{"signed": {"_type": "targets"}}`),
	} {
		if err := os.WriteFile(filepath.Join(meta, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c := newTestClient(t, repo, srv, dir)
	tg, err := c.Lookup(context.Background(), tuftest.PagePath("foobar"))
	if err != nil || tg.Role != tuftest.Stable {
		t.Fatalf("lookup with an old cache: %v", err)
	}
	ents, _ := os.ReadDir(meta)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, " "); got != "delegated root-history root.json snapshot.json targets.json timestamp.json" {
		t.Errorf("metadata/ holds %s", got)
	}
	if _, err := os.Stat(filepath.Join(meta, "delegated", "stable.json")); err != nil {
		t.Errorf("stable not cached in delegated/: %v", err)
	}
}
