package indexserver

import (
	"context"

	"crypto/sha256"
	"encoding/hex"
	"net/url"

	"github.com/tufpip/tufpip/internal/tuftest"
	"github.com/tufpip/tufpip/pkg/finder"
	"github.com/tufpip/tufpip/pkg/tuf"
)

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// opener returns the Open function of an index over repo served by srv: a fresh verified
// refresh each call, with tufDir as the TUF cache.
func opener(repo *tuftest.Repo, srv *tuftest.Server, tufDir, requireRole string) func(context.Context) (*Source, error) {
	return func(ctx context.Context) (*Source, error) {
		c, err := tuf.Open(ctx, tuf.Config{MetadataURL: srv.MetadataURL, TargetsURL: srv.TargetsURL,
			TrustedRoot: repo.RootJSON(), CacheDir: tufDir})
		if err != nil {
			return nil, err
		}
		f, err := finder.New(finder.Config{TUF: c, TargetsURL: srv.TargetsURL, RequireRole: requireRole})
		if err != nil {
			return nil, err
		}
		return &Source{Finder: f, Client: c}, nil
	}
}
