package tuf

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/tufpip/tufpip/internal/tuftest"
)

// In a repository of succinct hash bins only (PEP 458 as PyPI lays it out), the bin that lists
// a target vouches for it, under its own name.
func TestSuccinctBinVouches(t *testing.T) {
	repo := tuftest.New(t, tuftest.WithSuccinctBins(2))
	page := tuftest.PagePath("foobar")
	bin := repo.BinOf(page)
	repo.AddTarget(bin, page, []byte("foobar's page"))
	repo.Publish()
	c := newTestClient(t, repo, repo.Serve(t), "")
	tg, err := c.Lookup(context.Background(), page)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"targets", bin}
	if tg.Role != bin || !slices.Equal(tg.Chain, want) || tg.Signer != bin || !slices.Equal(tg.SignerChain, want) {
		t.Errorf("role %s chain %v signer %s %v, want %s %v", tg.Role, tg.Chain, tg.Signer, tg.SignerChain, bin, want)
	}
	other := "bins-0"
	if bin == other {
		other = "bins-1"
	}
	if !tg.VouchedBy(bin) || !tg.VouchedBy("targets/"+bin) || tg.VouchedBy(other) || tg.VouchedBy("stable") {
		t.Errorf("VouchedBy(%s) %v, (%s) %v", bin, tg.VouchedBy(bin), other, tg.VouchedBy(other))
	}
	names, err := c.DelegatedRoles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(names.Names) != 0 || !names.Contains(bin) || names.String() != "bins-0 … bins-3" {
		t.Errorf("delegated roles %+v (%s)", names, names)
	}
	for _, bad := range []string{"bins-4", "bins-00", "bins-+1", "bins-", "bins", "Bins-1", "stable"} {
		if names.Contains(bad) {
			t.Errorf("%q taken for a bin", bad)
		}
	}
}

// tufpip's own layout keeps naming the families (stable-1 under bins-1 is stable), and the
// real chain may be named too.
func TestHashBinFamiliesVouch(t *testing.T) {
	repo := tuftest.New(t, tuftest.WithHashBins(2))
	page := tuftest.PagePath("foobar")
	bin, role := repo.BinOf(page), repo.Bin(tuftest.Stable, page)
	repo.AddTarget(role, page, []byte("foobar's page"))
	repo.Publish()
	c := newTestClient(t, repo, repo.Serve(t), "")
	tg, err := c.Lookup(context.Background(), page)
	if err != nil {
		t.Fatal(err)
	}
	if tg.Role != "stable" || !slices.Equal(tg.Chain, []string{"targets", "stable"}) || !slices.Equal(tg.SignerChain, []string{"targets", bin, role}) {
		t.Errorf("role %s chain %v signer chain %v", tg.Role, tg.Chain, tg.SignerChain)
	}
	for name, want := range map[string]bool{"stable": true, bin: true, bin + "/" + role: true, "unstable": false, role: false, "bins-9": false} {
		if tg.VouchedBy(name) != want {
			t.Errorf("VouchedBy(%q) = %v", name, !want)
		}
	}
	names, err := c.DelegatedRoles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if names.String() != "stable, unstable, bins-0 … bins-3" || !names.Contains("stable") || !names.Contains(bin) {
		t.Errorf("delegated roles %s", names)
	}
}

// Attack: a role a bin or a family role delegates to cannot pass for a bin, whatever its name.
// A bin's key holder makes bin B delegate to "bins-X-<B's suffix>" (which would read as family
// "bins-X"), and unstable-B delegates to "bins-Y-<B's suffix>": neither is vouched for by bin X
// or Y. (A role under unstable named exactly like a bin is refused: a name two delegations
// claim with different keys, TestAttackImpostor*.)
func TestAttackRoleNamedLikeABin(t *testing.T) {
	repo := tuftest.New(t, tuftest.WithHashBins(2))
	var pkg string
	for i := 0; ; i++ {
		pkg = fmt.Sprintf("packages/p%d.whl", i)
		if repo.BinOf(pkg) == "bins-1" {
			break
		}
	}
	repo.Delegate(tuftest.Delegation{Name: "bins-2-1", Parent: "bins-1", Paths: []string{"packages/*"}})
	repo.Delegate(tuftest.Delegation{Name: "bins-0-1", Parent: "unstable-1", Paths: []string{"packages/*"}})
	repo.AddTarget("bins-2-1", pkg, []byte("listed by bins-2-1"))
	repo.AddTarget("bins-0-1", pkg, []byte("listed by bins-0-1 under unstable-1"))
	repo.Publish()
	c := newTestClient(t, repo, repo.Serve(t), "")
	all, err := c.LookupAll(context.Background(), pkg)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Fatalf("%d answers, want 2", len(all))
	}
	for _, tg := range all {
		if tg.VouchedBy("bins-2") || tg.VouchedBy("bins-0") || !tg.VouchedBy("bins-1") {
			t.Errorf("%s (chain %v, signer chain %v): taken for another bin", tg.Signer, tg.Chain, tg.SignerChain)
		}
	}
	for _, tg := range all {
		want := map[string][]string{"bins-2-1": {"targets", "bins-1", "bins-2-1"}, "bins-0-1": {"targets", "unstable", "bins-0-1"}}[tg.Signer]
		if !slices.Equal(tg.Chain, want) {
			t.Errorf("%s reported as %v, want %v", tg.Signer, tg.Chain, want)
		}
	}
}
