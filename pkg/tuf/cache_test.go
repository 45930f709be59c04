package tuf

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata/config"
	"github.com/theupdateframework/go-tuf/v2/metadata/updater"
	"github.com/tufpip/tufpip/internal/tuftest"
)

const childEnv = "TUFPIP_VERIFY_CHILD"

// TestChildProcess is the body of each process in TestEightProcesses: open
// the shared cache, look a page up and fetch it.
func TestChildProcess(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("run as a child by TestEightProcesses")
	}
	root, err := os.ReadFile(os.Getenv("CHILD_ROOT"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := Open(ctx, Config{
		MetadataURL: os.Getenv("CHILD_METADATA_URL"),
		TargetsURL:  os.Getenv("CHILD_TARGETS_URL"),
		TrustedRoot: root,
		CacheDir:    os.Getenv("CHILD_CACHE"),
	})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := c.Lookup(ctx, tuftest.PagePath("foobar"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Fetch(ctx, tg); err != nil {
		t.Fatal(err)
	}
	if tg.Role != "stable" {
		t.Fatalf("role %s", tg.Role)
	}
}

// Eight processes refreshing one cache at once all succeed and leave a valid
// cache: the inter-process lock serialises them, writes are atomic.
func TestEightProcesses(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		t.Skip("child")
	}
	repo := tuftest.New(t)
	repo.SetPage(tuftest.Stable, "foobar", tuftest.File("foobar-1.0-py3-none-any.whl", []byte("1.0")))
	repo.Publish()
	// Several rounds of new metadata so every process has something to write.
	for range 3 {
		repo.Bump(tuftest.Stable)
		repo.Publish()
	}
	srv := repo.Serve(t)
	// Slow metadata widens the window in which processes overlap.
	srv.Inject("timestamp.json", tuftest.Delay(20*time.Millisecond))
	dir := t.TempDir()
	cache := filepath.Join(dir, "cache")
	rootFile := filepath.Join(dir, "root.json")
	if err := os.WriteFile(rootFile, repo.RootJSON(), 0o600); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	outs := make([][]byte, 8)
	errs := make([]error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestChildProcess$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), childEnv+"=1",
				"CHILD_ROOT="+rootFile, "CHILD_CACHE="+cache,
				"CHILD_METADATA_URL="+srv.MetadataURL, "CHILD_TARGETS_URL="+srv.TargetsURL)
			outs[i], errs[i] = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	for i := range 8 {
		if errs[i] != nil || !bytes.Contains(outs[i], []byte("--- PASS: TestChildProcess")) {
			t.Errorf("process %d: %v\n%s", i, errs[i], outs[i])
		}
	}
	assertValidCache(t, repo, cache)
}

// assertValidCache checks that the cache holds exactly the current metadata,
// parseable, with no temporary files left.
func assertValidCache(t *testing.T, repo *tuftest.Repo, cache string) {
	t.Helper()
	meta := filepath.Join(cache, "metadata")
	for _, role := range []string{"timestamp", "snapshot", "targets", "delegated/stable"} {
		got, err := os.ReadFile(filepath.Join(meta, role+".json"))
		if err != nil {
			t.Errorf("cache: %v", err)
			continue
		}
		role = strings.TrimPrefix(role, "delegated/")
		if want := repo.Signed(role, repo.Version(role)); !bytes.Equal(got, want) {
			t.Errorf("cache: %s.json is not the current version %d", role, repo.Version(role))
		}
	}
	for _, d := range []string{meta, filepath.Join(meta, "delegated"), filepath.Join(cache, "targets")} {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".tmp-") || strings.HasPrefix(e.Name(), "tuf_tmp") {
				t.Errorf("cache: temporary file left: %s", e.Name())
			}
		}
	}
}

func TestCorruptCachedTimestampRecovered(t *testing.T) {
	repo, srv, dir, _ := newCachedClient(t)
	ts := filepath.Join(dir, "metadata", "timestamp.json")
	if err := os.WriteFile(ts, []byte(`{"signed": {"_type": "timest`), 0o600); err != nil {
		t.Fatal(err)
	}

	// go-tuf on its own is stuck on such a file (docs/reference.md, item 8): this is
	// what the recovery is for.
	ucfg, _ := config.New(srv.MetadataURL, repo.RootJSON())
	scratch := t.TempDir()
	data, _ := os.ReadFile(ts)
	os.WriteFile(filepath.Join(scratch, "timestamp.json"), data, 0o600)
	ucfg.LocalMetadataDir, ucfg.LocalTargetsDir = scratch, scratch
	up, err := updater.New(ucfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := up.Refresh(); err == nil {
		t.Fatal("go-tuf refreshed past a corrupt timestamp.json: the recovery test proves nothing")
	}

	var logs bytes.Buffer
	c2, err := Open(context.Background(), Config{
		MetadataURL: srv.MetadataURL, TargetsURL: srv.TargetsURL,
		TrustedRoot: repo.RootJSON(), CacheDir: dir,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatalf("second run did not recover: %v", err)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "timestamp.json") {
		t.Errorf("no warning naming timestamp.json:\n%s", logs.String())
	}
	if _, err := c2.Lookup(context.Background(), tuftest.PagePath("foobar")); err != nil {
		t.Fatal(err)
	}
	assertValidCache(t, repo, dir)
}

func TestCorruptCachedDelegatedRoleRecovered(t *testing.T) {
	repo, srv, dir, _ := newCachedClient(t)
	os.WriteFile(filepath.Join(dir, "metadata", "delegated", "stable.json"), []byte("not json"), 0o600)
	c2 := newTestClient(t, repo, srv, dir)
	tg, err := c2.Lookup(context.Background(), tuftest.PagePath("foobar"))
	if err != nil || tg.Role != "stable" {
		t.Fatalf("lookup after corrupting stable.json: %v", err)
	}
	assertValidCache(t, repo, dir)
}

func TestLockSerialisesAndCancels(t *testing.T) {
	repo := tuftest.New(t)
	srv := repo.Serve(t)
	c := newTestClient(t, repo, srv, "")

	unlock, err := c.l.lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Refresh(context.Background()) }()
	select {
	case err := <-done:
		t.Fatalf("refresh ran while another holder had the lock: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	unlock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	unlock, err = c.l.lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	if err := c.Refresh(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting for the lock: got %v, want the context's error", err)
	}
}

// After a root rotation the next run starts from the cached newer root (it
// chains from the bootstrap root), not from the bootstrap one.
func TestRotatedRootIsKept(t *testing.T) {
	repo := tuftest.New(t)
	bootstrap := repo.RootJSON()
	repo.RotateKeys(tuftest.Root, 1, 1)
	repo.Publish()
	repo.RotateKeys(tuftest.Root, 1, 1)
	repo.Publish()
	srv := repo.Serve(t)
	dir := t.TempDir()
	open := func(root []byte) *Client {
		t.Helper()
		c, err := Open(context.Background(), Config{MetadataURL: srv.MetadataURL, TargetsURL: srv.TargetsURL, TrustedRoot: root, CacheDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if v := open(bootstrap).TrustedRootVersion(); v != 3 {
		t.Fatalf("root version %d after first run, want 3", v)
	}
	srv.ResetLog()
	if v := open(bootstrap).TrustedRootVersion(); v != 3 {
		t.Fatalf("root version %d after second run, want 3", v)
	}
	if n := srv.Count("metadata/2.root.json"); n != 0 {
		t.Errorf("second run walked the rotation again from the bootstrap root (%d requests for 2.root.json)", n)
	}

	// A root.json that does not chain from the bootstrap root (here: another
	// repository's, with a higher version) is not trusted.
	other := tuftest.New(t)
	for range 5 {
		other.RotateKeys(tuftest.Root, 1, 1)
		other.Publish()
	}
	os.WriteFile(filepath.Join(dir, "metadata", "root.json"), other.Root(6), 0o600)
	srv.ResetLog()
	if v := open(bootstrap).TrustedRootVersion(); v != 3 {
		t.Fatalf("root version %d with a foreign cached root, want 3", v)
	}
	if n := srv.Count("metadata/2.root.json"); n != 1 {
		t.Errorf("foreign cached root: expected the chain to be walked from the bootstrap root")
	}
}

// A bootstrap root newer than the cached one wins; it is never downgraded.
func TestNewerBootstrapRootWins(t *testing.T) {
	repo := tuftest.New(t)
	v1 := repo.RootJSON()
	srv := repo.Serve(t)
	dir := t.TempDir()
	cfg := Config{MetadataURL: srv.MetadataURL, TargetsURL: srv.TargetsURL, TrustedRoot: v1, CacheDir: dir}
	if _, err := Open(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	repo.RotateKeys(tuftest.Root, 1, 1)
	repo.Publish()
	srv.ResetLog()
	cfg.TrustedRoot = repo.Root(2)
	c, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if v := c.TrustedRootVersion(); v != 2 {
		t.Fatalf("root version %d, want 2", v)
	}
	if n := srv.Count("metadata/2.root.json"); n != 0 {
		t.Errorf("fetched 2.root.json although the bootstrap root is version 2")
	}
	cached, _ := os.ReadFile(filepath.Join(dir, "metadata", "root.json"))
	if !bytes.Equal(cached, repo.Root(2)) {
		t.Errorf("cached root.json is not version 2")
	}
}

func TestOpenErrors(t *testing.T) {
	repo := tuftest.New(t)
	srv := repo.Serve(t)
	tests := []struct {
		name  string
		cfg   Config
		check func(error) bool
	}{
		{"no trusted root", Config{MetadataURL: srv.MetadataURL, CacheDir: t.TempDir()}, func(err error) bool { return err != nil && !IsVerification(err) }},
		{"bad url", Config{MetadataURL: "ftp://x", TrustedRoot: repo.RootJSON(), CacheDir: t.TempDir()}, func(err error) bool { return err != nil }},
		{"garbage root", Config{MetadataURL: srv.MetadataURL, TrustedRoot: []byte("{}"), CacheDir: t.TempDir()}, IsVerification},
		{"wrong repository's root", Config{MetadataURL: srv.MetadataURL, TrustedRoot: tuftest.New(t).RootJSON(), CacheDir: t.TempDir()}, IsVerification},
		{"repository missing", Config{MetadataURL: srv.URL + "/nothing/metadata/", TrustedRoot: repo.RootJSON(), CacheDir: t.TempDir()}, IsNetwork},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(context.Background(), tt.cfg)
			if !tt.check(err) {
				t.Fatalf("unexpected error %v (%T)", err, err)
			}
			t.Logf("message: %v", err)
		})
	}
}
