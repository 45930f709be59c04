package lockcheck

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/tufpip/tufpip/internal/tuftest"
	"github.com/tufpip/tufpip/pkg/finder"
	"github.com/tufpip/tufpip/pkg/lockfile"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// Red-team test: a lockfile author colluding with the unstable key holder. Stable's page
// pins foobar 2.0 by sha256 (stable did not sign the wheel as a target of its own); the
// unstable key holder signs packages/foobar-2.0...whl with the genuine sha256 and the sha512
// of other bytes. A lock that records only that sha512 names bytes stable never vouched
// for, and pip --require-hashes from any mirror would install them; tufpip verify must not
// pass it.
func redteamProject(t *testing.T, requireRole string) *finder.Project {
	t.Helper()
	repo := tuftest.New(t)
	fn := "foobar-2.0-py3-none-any.whl"
	good, evil := []byte("good wheel"), []byte("evil wheel")
	repo.SetPage(tuftest.Stable, "foobar", tuftest.File(fn, good))
	repo.Publish()
	s256, s512 := sha256.Sum256(good), sha512.Sum512(evil)
	repo.EditTargets(tuftest.Unstable, func(tt *metadata.TargetsType) {
		tt.Targets["packages/"+fn] = &metadata.TargetFiles{
			Length: int64(len(good)),
			Hashes: metadata.Hashes{"sha256": s256[:], "sha512": s512[:]},
			Path:   "packages/" + fn,
		}
	})
	repo.Publish()
	srv := repo.Serve(t)
	client, err := tuf.Open(context.Background(), tuf.Config{
		MetadataURL: srv.MetadataURL, TargetsURL: srv.TargetsURL,
		TrustedRoot: repo.RootJSON(), CacheDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := finder.New(finder.Config{TUF: client, TargetsURL: srv.TargetsURL, RequireRole: requireRole})
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.Project(context.Background(), "foobar")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func redteamEvilEntry() lockfile.Entry {
	s512 := sha512.Sum512([]byte("evil wheel"))
	return lockfile.Entry{
		Kind: lockfile.KindRequirement, Name: "foobar", Version: "2.0", Pinned: true, Size: -1,
		Hashes: []lockfile.Hash{{Algorithm: "sha512", Hex: hex.EncodeToString(s512[:])}},
	}
}

func TestRedteamUnstableHashPassesUnderRequireRoleStable(t *testing.T) {
	p := redteamProject(t, "stable")
	if r := Check(redteamEvilEntry(), p, nil, "stable"); r.Status == OK {
		t.Errorf("a lock pinning unstable's sha512 passed --require-role stable: %s", r.Reason)
	}
}

func TestRedteamUnstableHashContradictingStablePage(t *testing.T) {
	p := redteamProject(t, "")
	if r := Check(redteamEvilEntry(), p, nil, ""); r.Status == OK {
		t.Errorf("a lock pinning unstable's sha512 passed although stable's page pins the file: %s", r.Reason)
	}
}
