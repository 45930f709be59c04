package tuf

import (
	"context"
	"reflect"
	"testing"

	"github.com/tufpip/tufpip/internal/tuftest"
)

// LookupEach answers every path as Lookup does: the role, the signed length and hashes, and
// a not-found error for a path no role lists.
func TestLookupEachAgreesWithLookup(t *testing.T) {
	repo := tuftest.New(t)
	repo.AddFile(tuftest.Stable, "a-1.0-py3-none-any.whl", []byte("stable a"))
	repo.AddFile(tuftest.Unstable, "a-1.0-py3-none-any.whl", []byte("unstable a"))
	repo.AddFile(tuftest.Unstable, "b-1.0-py3-none-any.whl", []byte("unstable b"))
	repo.Publish()
	srv := repo.Serve(t)
	ctx := context.Background()
	c, err := Open(ctx, Config{MetadataURL: srv.MetadataURL, TargetsURL: srv.TargetsURL, TrustedRoot: repo.RootJSON(), CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{"packages/a-1.0-py3-none-any.whl", "packages/b-1.0-py3-none-any.whl", "packages/nosuch.whl", "packages/a-1.0-py3-none-any.whl"}
	got := c.LookupEach(ctx, paths)
	for i, p := range paths {
		want, werr := c.Lookup(ctx, p)
		if !reflect.DeepEqual(got[i].Target, want) || (got[i].Err == nil) != (werr == nil) || IsNotFound(got[i].Err) != IsNotFound(werr) {
			t.Errorf("%s: LookupEach %+v, %v; Lookup %+v, %v", p, got[i].Target, got[i].Err, want, werr)
		}
	}
	if got[0].Target == nil || got[0].Target.Role != tuftest.Stable || got[1].Target == nil || got[1].Target.Role != tuftest.Unstable || !IsNotFound(got[2].Err) {
		t.Errorf("roles: %+v %+v %v", got[0].Target, got[1].Target, got[2].Err)
	}
}
