package finder

import (
	"context"
	"errors"
	"testing"

	"github.com/tufpip/tufpip/internal/tuftest"

	"github.com/tufpip/tufpip/pkg/verify"
)

// Red-team tests: what an attacker holding the online unstable key (and the mirror) can make
// a stable-preferring user accept.

func rtOpen(t *testing.T, repo *tuftest.Repo, srv *tuftest.Server, cfg Config) (*Finder, *verify.Client) {
	t.Helper()
	client, err := verify.Open(context.Background(), verify.Config{
		MetadataURL: srv.MetadataURL, TargetsURL: srv.TargetsURL,
		TrustedRoot: repo.RootJSON(), CacheDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.TUF, cfg.TargetsURL = client, srv.TargetsURL
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f, client
}

// A lookup cancelled by its first caller (pip disconnecting from the index) must not be
// remembered: every later request for the project would fail until the next refresh.
func TestRedteamCancelledLookupIsNotCached(t *testing.T) {
	repo := seed(t)
	srv := repo.Serve(t)
	f, _ := rtOpen(t, repo, srv, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.Project(ctx, "foobar"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled lookup: %v", err)
	}
	if _, err := f.Project(context.Background(), "foobar"); err != nil {
		t.Fatalf("lookup after a cancelled one: %v", err)
	}
}
