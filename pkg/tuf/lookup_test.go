package tuf

import (
	"context"
	"encoding/hex"
	"slices"
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata/config"
	"github.com/theupdateframework/go-tuf/v2/metadata/updater"
	"github.com/tufpip/tufpip/internal/tuftest"
)

// goTUFLookup asks a plain go-tuf updater (fresh cache) for path: the
// reference our walk replay must agree with.
func goTUFLookup(t *testing.T, repo *tuftest.Repo, srv *tuftest.Server, path string) (sha256 string, found bool) {
	t.Helper()
	cfg, err := config.New(srv.MetadataURL, repo.RootJSON())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg.LocalMetadataDir, cfg.LocalTargetsDir = dir, dir
	up, err := updater.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := up.Refresh(); err != nil {
		t.Fatal(err)
	}
	tf, err := up.GetTargetInfo(path)
	if err != nil {
		if strings.Contains(err.Error(), "not found") {
			return "", false
		}
		t.Fatal(err)
	}
	return hex.EncodeToString(tf.Hashes["sha256"]), true
}

// A tree with nesting and a terminating delegation: targets -> [stable,
// unstable]; stable -> [stable-old (packages/old-*), stable-new (packages/*,
// terminating)]. Lookup must name the role go-tuf's answer came from, and
// LookupAll must stop where go-tuf's walk would.
func TestLookupMatchesGoTUFWalk(t *testing.T) {
	repo := tuftest.New(t, tuftest.WithDelegations(
		tuftest.Delegation{Name: "stable"},
		tuftest.Delegation{Name: "unstable"},
		tuftest.Delegation{Name: "stable-old", Parent: "stable", Paths: []string{"packages/old-*"}},
		tuftest.Delegation{Name: "stable-new", Parent: "stable", Paths: []string{"packages/*"}, Terminating: true},
	))
	repo.AddFile("stable-old", "old-1.whl", []byte("old by stable-old"))
	repo.AddFile("unstable", "old-1.whl", []byte("old by unstable"))
	repo.AddFile("stable-new", "x.whl", []byte("x by stable-new"))
	repo.AddFile("unstable", "x.whl", []byte("x by unstable"))
	repo.AddFile("unstable", "y.whl", []byte("y only by unstable"))
	repo.AddFile("stable", "z.whl", []byte("z by stable itself"))
	repo.AddFile("stable-new", "z.whl", []byte("z by stable-new"))
	repo.SetPage("unstable", "p", tuftest.File("p-1.whl", []byte("p")))
	repo.Publish()
	srv := repo.Serve(t)
	c := newTestClient(t, repo, srv, "")

	tests := []struct {
		path  string
		chain []string   // of Lookup; nil = not found
		all   [][]string // chains of LookupAll
	}{
		// stable-old lists it; stable-new's patterns also cover it and it is
		// terminating, so the walk never reaches unstable's copy.
		{"packages/old-1.whl", []string{"targets", "stable", "stable-old"},
			[][]string{{"targets", "stable", "stable-old"}}},
		// stable-new is terminating: unstable is dropped from the walk.
		{"packages/x.whl", []string{"targets", "stable", "stable-new"},
			[][]string{{"targets", "stable", "stable-new"}}},
		// Only unstable lists it, but stable-new's terminating match hides it (docs/reference.md, item 1).
		{"packages/y.whl", nil, nil},
		// A role listing the path itself wins over its children.
		{"packages/z.whl", []string{"targets", "stable"},
			[][]string{{"targets", "stable"}, {"targets", "stable", "stable-new"}}},
		// Pages are outside stable-new's patterns: unstable answers.
		{tuftest.PagePath("p"), []string{"targets", "unstable"}, [][]string{{"targets", "unstable"}}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			ctx := context.Background()
			want, found := goTUFLookup(t, repo, srv, tt.path)
			tg, err := c.Lookup(ctx, tt.path)
			if tt.chain == nil {
				if found || !IsNotFound(err) {
					t.Fatalf("go-tuf found %v; we got %v; want both not found", found, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !found || tg.Hashes["sha256"] != want {
				t.Errorf("our target differs from go-tuf's")
			}
			if !slices.Equal(tg.Chain, tt.chain) || tg.Role != strings.Join(tt.chain[1:], "/") {
				t.Errorf("chain %v role %s, want %v", tg.Chain, tg.Role, tt.chain)
			}
			all, err := c.LookupAll(ctx, tt.path)
			if err != nil {
				t.Fatal(err)
			}
			var chains [][]string
			for _, a := range all {
				chains = append(chains, a.Chain)
			}
			if !slices.EqualFunc(chains, tt.all, slices.Equal) {
				t.Errorf("LookupAll chains %v, want %v", chains, tt.all)
			}
			if all[0].Hashes["sha256"] != tg.Hashes["sha256"] {
				t.Errorf("LookupAll's first entry is not Lookup's")
			}
		})
	}
}

func TestVouchedBy(t *testing.T) {
	tests := []struct {
		chain []string
		role  string
		want  bool
	}{
		{[]string{"targets", "stable"}, "stable", true},
		{[]string{"targets", "stable"}, "unstable", false},
		{[]string{"targets", "stable", "stable-old"}, "stable", true},
		{[]string{"targets", "stable", "stable-old"}, "stable/stable-old", true},
		{[]string{"targets", "stable", "stable-old"}, "stable-old", false},
		{[]string{"targets", "unstable", "stable"}, "stable", false}, // a shadow "stable" under unstable
		{[]string{"targets", "unstable"}, "targets", true},
		{[]string{"targets", "unstable"}, "", false},
	}
	for _, tt := range tests {
		if got := (&Target{Chain: tt.chain}).VouchedBy(tt.role); got != tt.want {
			t.Errorf("chain %v VouchedBy(%q) = %v, want %v", tt.chain, tt.role, got, tt.want)
		}
	}
}

// Output names a role by its path below targets, as --require-role takes it: a role unstable
// delegates to and names "stable" must not read as stable.
func TestRoleName(t *testing.T) {
	for _, tt := range []struct {
		chain []string
		want  string
	}{
		{[]string{"targets"}, "targets"},
		{[]string{"targets", "stable"}, "stable"},
		{[]string{"targets", "bins-3f"}, "bins-3f"},
		{[]string{"targets", "stable", "stable-old"}, "stable/stable-old"},
		{[]string{"targets", "unstable", "stable"}, "unstable/stable"},
	} {
		if got := roleName(tt.chain); got != tt.want {
			t.Errorf("roleName(%v) = %q, want %q", tt.chain, got, tt.want)
		}
		if got := roleName(tt.chain); len(tt.chain) > 1 && !(&Target{Chain: tt.chain}).VouchedBy(got) {
			t.Errorf("chain %v: the name %q does not select it for --require-role", tt.chain, got)
		}
	}
}

// A terminating stable hides unstable for every path stable's patterns
// cover, as go-tuf does; LookupAll says so too.
func TestTerminatingStable(t *testing.T) {
	repo := tuftest.New(t, tuftest.WithTerminating(tuftest.Stable))
	repo.SetPage(tuftest.Stable, "both", tuftest.File("both-1.whl", []byte("1")))
	repo.SetPage(tuftest.Unstable, "both", tuftest.File("both-2.whl", []byte("2")))
	repo.SetPage(tuftest.Unstable, "onlyunstable", tuftest.File("o-1.whl", []byte("o")))
	repo.Publish()
	srv := repo.Serve(t)
	c := newTestClient(t, repo, srv, "")
	all, err := c.LookupAll(context.Background(), tuftest.PagePath("both"))
	if err != nil || len(all) != 1 || all[0].Role != "stable" {
		t.Fatalf("LookupAll = %v, %v; want stable only", roles(all), err)
	}
	if _, err := c.Lookup(context.Background(), tuftest.PagePath("onlyunstable")); !IsNotFound(err) {
		t.Fatalf("got %v, want not found behind a terminating stable", err)
	}
}

// LookupAll loads roles go-tuf's own walk stopped before; it verifies and
// caches them, and a second client finds them in the cache.
func TestLookupAllLoadsAndCachesRemainingRoles(t *testing.T) {
	repo := tuftest.New(t)
	repo.SetPage(tuftest.Stable, "foobar", tuftest.File("foobar-1.whl", []byte("1")))
	repo.SetPage(tuftest.Unstable, "foobar", tuftest.File("foobar-2.whl", []byte("2")))
	repo.Publish()
	srv := repo.Serve(t)
	dir := t.TempDir()
	c := newTestClient(t, repo, srv, dir)
	if _, err := c.Lookup(context.Background(), tuftest.PagePath("foobar")); err != nil {
		t.Fatal(err)
	}
	unstable := "metadata/" + "2.unstable.json"
	if n := srv.Count(unstable); n != 0 {
		t.Fatalf("Lookup fetched unstable although stable answered (%d)", n)
	}
	if all, err := c.LookupAll(context.Background(), tuftest.PagePath("foobar")); err != nil || len(all) != 2 {
		t.Fatalf("LookupAll = %v, %v", roles(all), err)
	}
	if n := srv.Count(unstable); n != 1 {
		t.Fatalf("%s fetched %d times, want 1 (requests: %v)", unstable, n, srv.Counts())
	}
	c2 := newTestClient(t, repo, srv, dir)
	if _, err := c2.LookupAll(context.Background(), tuftest.PagePath("foobar")); err != nil {
		t.Fatal(err)
	}
	if r := srv.Repeated(); slices.Contains(r, unstable) {
		t.Errorf("unstable fetched again although cached: %v", r)
	}
}
