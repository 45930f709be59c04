package tuf

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/tuftest"
)

// newTestClient opens a client on srv with a fresh cache dir (or dir).
// newCachedClient serves a repository whose stable role signs foobar's page, and has a
// client on the cache dir look the page up once (so dir holds the metadata); it returns
// what that lookup found.
func newCachedClient(t *testing.T) (repo *tuftest.Repo, srv *tuftest.Server, dir string, page *Target) {
	t.Helper()
	repo = tuftest.New(t)
	repo.SetPage(tuftest.Stable, "foobar", tuftest.File("foobar-1.0-py3-none-any.whl", []byte("1.0")))
	repo.Publish()
	srv = repo.Serve(t)
	dir = t.TempDir()
	page, err := newTestClient(t, repo, srv, dir).Lookup(context.Background(), tuftest.PagePath("foobar"))
	if err != nil {
		t.Fatal(err)
	}
	return repo, srv, dir, page
}

func newTestClient(t *testing.T, repo *tuftest.Repo, srv *tuftest.Server, dir string) *Client {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	c, err := Open(context.Background(), Config{
		MetadataURL: srv.MetadataURL,
		TargetsURL:  srv.TargetsURL,
		TrustedRoot: repo.RootJSON(),
		CacheDir:    dir,
		UserAgent:   "tufpip/test",
	})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return c
}

func fetchPage(t *testing.T, c *Client, project string) ([]byte, *Target) {
	t.Helper()
	ctx := context.Background()
	tg, err := c.Lookup(ctx, tuftest.PagePath(project))
	if err != nil {
		t.Fatalf("lookup %s: %v", project, err)
	}
	data, err := c.Fetch(ctx, tg)
	if err != nil {
		t.Fatalf("fetch %s: %v", project, err)
	}
	return data, tg
}

// The stable/unstable rule of docs/design.md, end to end through real signed
// metadata: stable's page wins while it exists, unstable's page is used for
// projects stable never signed, and a new stable page replaces the old one.
func TestPrecedence(t *testing.T) {
	repo := tuftest.New(t)
	stablePage := repo.SetPage(tuftest.Stable, "foobar", tuftest.File("foobar-2.0-py3-none-any.whl", []byte("2.0")))
	unstablePage := repo.SetPage(tuftest.Unstable, "foobar",
		tuftest.File("foobar-2.0-py3-none-any.whl", []byte("2.0")),
		tuftest.File("foobar-2.0.1-py3-none-any.whl", []byte("2.0.1")))
	onlyUnstable := repo.SetPage(tuftest.Unstable, "newproj", tuftest.File("newproj-0.1-py3-none-any.whl", []byte("0.1")))
	repo.Publish()
	srv := repo.Serve(t)
	dir := t.TempDir()
	c := newTestClient(t, repo, srv, dir)

	data, tg := fetchPage(t, c, "foobar")
	if !bytes.Equal(data, stablePage) || tg.Role != "stable" {
		t.Errorf("foobar: got role %s, stable page %v; want stable's page", tg.Role, bytes.Equal(data, stablePage))
	}
	if got := tg.Chain; len(got) != 2 || got[0] != "targets" || got[1] != "stable" {
		t.Errorf("chain = %v, want [targets stable]", got)
	}
	if !tg.VouchedBy("stable") || tg.VouchedBy("unstable") {
		t.Errorf("VouchedBy wrong for chain %v", tg.Chain)
	}

	all, err := c.LookupAll(context.Background(), tuftest.PagePath("foobar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Role != "stable" || all[1].Role != "unstable" {
		t.Fatalf("LookupAll roles = %v, want [stable unstable]", roles(all))
	}
	if all[1].Hashes["sha256"] == all[0].Hashes["sha256"] {
		t.Errorf("LookupAll returned the same entry twice")
	}
	page, err := c.Fetch(context.Background(), all[1])
	if err != nil || !bytes.Equal(page, unstablePage) {
		t.Errorf("fetching unstable's page: %v", err)
	}

	data, tg = fetchPage(t, c, "newproj")
	if !bytes.Equal(data, onlyUnstable) || tg.Role != "unstable" {
		t.Errorf("newproj: got role %s; want unstable's page", tg.Role)
	}

	// Stable signs a new page: the next run sees it.
	newStable := repo.SetPage(tuftest.Stable, "foobar",
		tuftest.File("foobar-2.0-py3-none-any.whl", []byte("2.0")),
		tuftest.File("foobar-2.0.1-py3-none-any.whl", []byte("2.0.1")))
	repo.Publish()
	c2 := newTestClient(t, repo, srv, dir)
	data, tg = fetchPage(t, c2, "foobar")
	if !bytes.Equal(data, newStable) || tg.Role != "stable" {
		t.Errorf("after stable re-signed: role %s, new page %v", tg.Role, bytes.Equal(data, newStable))
	}
}

func roles(ts []*Target) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Role)
	}
	return out
}

func TestLookupNotFound(t *testing.T) {
	repo := tuftest.New(t)
	srv := repo.Serve(t)
	c := newTestClient(t, repo, srv, "")
	_, err := c.Lookup(context.Background(), "simple/nothere/index.html")
	if !IsNotFound(err) {
		t.Fatalf("got %v, want *NotFoundError", err)
	}
	if IsVerification(err) || IsNetwork(err) {
		t.Errorf("not-found classified as something else too: %v", err)
	}
	_, err = c.LookupAll(context.Background(), "packages/nothere.whl")
	if !IsNotFound(err) {
		t.Fatalf("LookupAll: got %v, want *NotFoundError", err)
	}
}

func TestDownloadTarget(t *testing.T) {
	repo := tuftest.New(t, tuftest.WithSHA512())
	whl := bytes.Repeat([]byte("wheel "), 10000)
	repo.AddFile(tuftest.Unstable, "foobar-1.0-py3-none-any.whl", whl)
	repo.Publish()
	srv := repo.Serve(t)
	c := newTestClient(t, repo, srv, "")
	tg, err := c.Lookup(context.Background(), "packages/foobar-1.0-py3-none-any.whl")
	if err != nil {
		t.Fatal(err)
	}
	if len(tg.Hashes) != 2 {
		t.Fatalf("hashes = %v", tg.Hashes)
	}
	dest := filepath.Join(t.TempDir(), "foobar-1.0-py3-none-any.whl")
	if err := c.Download(context.Background(), tg, dest); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(dest)
	if !bytes.Equal(got, whl) {
		t.Errorf("downloaded bytes differ")
	}
	want := "/" + tuftest.HashedPath(tg.Path, tg.Hashes["sha256"])
	if u := c.TargetURL(tg); u != srv.URL+want {
		t.Errorf("TargetURL = %s, want %s", u, srv.URL+want)
	}
	if n := srv.Count(want); n != 1 {
		t.Errorf("requests for %s = %d, want 1", want, n)
	}
}

// A long-running process refreshes the same Client: each Refresh is a new
// go-tuf updater, so new metadata is seen; a failed refresh leaves the client
// without trusted metadata until a refresh succeeds again.
func TestRefreshAgain(t *testing.T) {
	repo := tuftest.New(t)
	first := repo.SetPage(tuftest.Stable, "foobar", tuftest.File("foobar-1.0-py3-none-any.whl", []byte("1.0")))
	repo.Publish()
	srv := repo.Serve(t)
	c := newTestClient(t, repo, srv, "")
	if data, _ := fetchPage(t, c, "foobar"); !bytes.Equal(data, first) {
		t.Fatal("first page wrong")
	}

	second := repo.SetPage(tuftest.Stable, "foobar", tuftest.File("foobar-2.0-py3-none-any.whl", []byte("2.0")))
	repo.Publish()
	if err := c.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if data, _ := fetchPage(t, c, "foobar"); !bytes.Equal(data, second) {
		t.Fatal("after Refresh the client still serves the old page")
	}

	srv.Inject("timestamp.json", tuftest.Status(500))
	if err := c.Refresh(context.Background()); !IsNetwork(err) {
		t.Fatalf("refresh against a failing server: %v", err)
	}
	if _, err := c.Lookup(context.Background(), tuftest.PagePath("foobar")); err == nil {
		t.Fatal("lookup succeeded after a failed refresh")
	}
	srv.ClearFaults()
	if err := c.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Lookup(context.Background(), tuftest.PagePath("foobar")); err != nil {
		t.Fatal(err)
	}
}

// Ctrl-C: a cancelled context ends Open promptly even when the server stalls.
func TestOpenCancelled(t *testing.T) {
	repo := tuftest.New(t)
	srv := repo.Serve(t)
	srv.Inject("timestamp.json", tuftest.Stall(0))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := Open(ctx, Config{MetadataURL: srv.MetadataURL, TrustedRoot: repo.RootJSON(), CacheDir: t.TempDir()})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancel took %v", d)
	}
}
