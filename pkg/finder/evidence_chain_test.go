package finder

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"slices"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/tufpip/tufpip/internal/tuftest"
)

// In the hash-bin layout, under --require-role stable, a wheel that stable's page pins by
// sha256 while only unstable-X signs the path (with the sha512, or the sha256, of other
// bytes) is trusted on stable's evidence, the page hash (rule b). That evidence must name
// stable's page as its signer in both chains: with the sha512 it named unstable-X in the real
// one, so VouchedBy("bins-X/unstable-X") took the sha256 that only stable signed as
// unstable-X's (the finder's own --require-role never asks another role of the same file,
// so nothing acted on it yet); with the sha256 it named no signer.
func TestPageEvidenceNamesThePageSigner(t *testing.T) {
	for _, alg := range []string{"sha512", "sha256"} {
		t.Run(alg, func(t *testing.T) { testPageEvidenceSigner(t, alg) })
	}
}

func testPageEvidenceSigner(t *testing.T, alg string) {
	repo := tuftest.New(t, tuftest.WithHashBins(2))
	fn := "foobar-2.0-py3-none-any.whl"
	page, pkg := tuftest.PagePath("foobar"), "packages/"+fn
	good, evil := []byte("good wheel"), []byte("evil wheel from the unstable key holder")
	repo.AddTarget(repo.Bin(tuftest.Stable, page), page, tuftest.RenderPage("foobar", tuftest.File(fn, good)))
	repo.Host(pkg, good)
	repo.Publish()
	unstable := repo.Bin(tuftest.Unstable, pkg)
	s512, s256 := sha512.Sum512(evil), sha256.Sum256(evil)
	sum := map[string][]byte{"sha512": s512[:], "sha256": s256[:]}[alg]
	repo.EditTargets(unstable, func(tt *metadata.TargetsType) {
		tt.Targets[pkg] = &metadata.TargetFiles{Length: int64(len(evil)), Hashes: metadata.Hashes{alg: sum}, Path: pkg}
	})
	repo.Publish()
	f, _ := rtOpen(t, repo, repo.Serve(t), Config{RequireRole: tuftest.Stable})
	p, err := f.Project(context.Background(), "foobar")
	if err != nil {
		t.Fatal(err)
	}
	file := p.File(fn)
	if file == nil {
		t.Fatalf("stable's pinned wheel was not trusted: skipped %v", p.Skipped)
	}
	tg := file.Target
	if _, ok := tg.Hashes["sha512"]; ok || tg.Hashes["sha256"] == "" || file.Role != tuftest.Stable {
		t.Fatalf("not stable's evidence: role %s, hashes %v", file.Role, tg.Hashes)
	}
	real := repo.BinOf(pkg) + "/" + unstable
	if tg.VouchedBy(real) || tg.VouchedBy(tuftest.Unstable) || !tg.VouchedBy(tuftest.Stable) {
		t.Errorf("stable's page hash is taken as %s's: VouchedBy(%s) %v (chain %v, signer %s %v)", unstable, real, tg.VouchedBy(real), tg.Chain, tg.Signer, tg.SignerChain)
	}
	if tg.Signer != p.Page.Signer || !slices.Equal(tg.SignerChain, p.Page.SignerChain) {
		t.Errorf("signer %s %v, want the page's %s %v", tg.Signer, tg.SignerChain, p.Page.Signer, p.Page.SignerChain)
	}
}
