package repo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInitKeysAndLayout(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	keys := filepath.Join(t.TempDir(), "offline")
	r := mustInit(t, dir, InitOptions{KeysDir: keys, Now: t0})
	if r.keysDir != keys {
		t.Fatalf("keys in %s, want %s", r.keysDir, keys)
	}
	st, err := os.Stat(keys)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("keys dir mode %v (%v), want 0700", st.Mode().Perm(), err)
	}
	for _, n := range []string{"root", "targets", "snapshot", "timestamp", "stable", "unstable"} {
		st, err := os.Stat(filepath.Join(keys, n+".key"))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s.key has mode %v, want 0600", n, st.Mode().Perm())
		}
	}
	if exists(filepath.Join(dir, "keys")) {
		t.Error("keys written below the repository despite KeysDir")
	}
	for _, f := range []string{"1.root.json", "root.json", "timestamp.json", "1.snapshot.json", "1.targets.json", "1.stable.json", "1.unstable.json"} {
		if !exists(filepath.Join(dir, "metadata", f)) {
			t.Errorf("metadata/%s missing", f)
		}
	}
	// An empty repository is already valid for go-tuf, and stable comes before unstable.
	c := newClient(t, dir, served(t, dir), t0)
	d := c.up.GetTrustedMetadataSet().Targets["targets"].Signed.Delegations
	if len(d.Roles) != 2 || d.Roles[0].Name != "stable" || d.Roles[1].Name != "unstable" || d.Roles[0].Terminating || d.Roles[1].Terminating {
		t.Fatalf("delegations %+v, want non-terminating stable then unstable", d.Roles)
	}
	if !c.up.GetTrustedMetadataSet().Root.Signed.ConsistentSnapshot {
		t.Fatal("consistent snapshots off")
	}
}

func TestInitRefusesToOverwrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	keys := filepath.Join(t.TempDir(), "keys")
	mustInit(t, dir, InitOptions{KeysDir: keys, Now: t0})
	before, err := os.ReadFile(filepath.Join(dir, "metadata", "1.root.json"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Init(context.Background(), dir, InitOptions{Now: t0})
	var ee *ExistsError
	if !errors.As(err, &ee) {
		t.Fatalf("second init: %v, want *ExistsError", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "metadata", "1.root.json"))
	if string(before) != string(after) {
		t.Fatal("second init changed 1.root.json")
	}

	// Existing keys are never replaced either, even for a new repository directory.
	_, err = Init(context.Background(), filepath.Join(t.TempDir(), "other"), InitOptions{KeysDir: keys, Now: t0})
	if !errors.As(err, &ee) || filepath.Dir(ee.Path) != keys {
		t.Fatalf("init over existing keys: %v, want *ExistsError naming a key", err)
	}
}

func TestOpenNotRepository(t *testing.T) {
	_, err := Open(t.TempDir(), OpenOptions{})
	var ne *NotRepositoryError
	if !errors.As(err, &ne) {
		t.Fatalf("got %v, want *NotRepositoryError", err)
	}
}

// cancelAfter is a context whose Err reports cancellation from the n-th call on, as a
// Ctrl-C part-way through Init would.
type cancelAfter struct {
	context.Context
	n int
}

func (c *cancelAfter) Err() error {
	if c.n--; c.n < 0 {
		return context.Canceled
	}
	return nil
}

// An interrupted init leaves nothing behind: no half-signed repository that a second init
// refuses to replace, no keys that a second init refuses to overwrite.
func TestInitInterruptedLeavesNothing(t *testing.T) {
	top := t.TempDir()
	dir := filepath.Join(top, "repo")
	keys := filepath.Join(top, "keys")
	opts := InitOptions{Layout: LayoutPEP458, Bins: 256, KeysDir: keys}
	_, err := Init(&cancelAfter{Context: context.Background(), n: 100}, dir, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted init: %v, want context.Canceled", err)
	}
	for _, p := range []string{dir, keys} {
		if exists(p) {
			entries, _ := os.ReadDir(p)
			t.Errorf("interrupted init left %s behind (%d entries)", p, len(entries))
		}
	}
	// Into folders that existed before, the same: only what Init made goes.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	opts.KeysDir = filepath.Join(dir, "keys")
	if _, err := Init(&cancelAfter{Context: context.Background(), n: 100}, dir, opts); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted init: %v, want context.Canceled", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "README" {
		t.Errorf("interrupted init left %v in %s, want only README", entries, dir)
	}
	mustInit(t, dir, opts)
}

// Keys in a folder the repository serves would be published with it; init refuses them
// and writes nothing.
func TestInitRefusesKeysInServedFolder(t *testing.T) {
	for _, sub := range []string{"metadata", "targets", filepath.Join("targets", "keys"), filepath.Join("metadata", "..", "targets")} {
		dir := filepath.Join(t.TempDir(), "repo")
		_, err := Init(context.Background(), dir, InitOptions{KeysDir: filepath.Join(dir, sub), Layout: LayoutPEP458, Bins: 4})
		var ke *KeyError
		if !errors.As(err, &ke) || !strings.Contains(err.Error(), "which is served") {
			t.Errorf("keys in DIR/%s: %v, want a KeyError saying the folder is served", sub, err)
		}
		if exists(dir) {
			t.Errorf("keys in DIR/%s: init created %s", sub, dir)
		}
	}
}
