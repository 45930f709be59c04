package repo

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// fooBar builds the repository of docs/design.md's example: FooBar 1.0 and 2.0 uploaded 200
// days before t0, 2.0.1 at t0, promoted at t0 with the 90-day rule.
func fooBar(t testing.TB, opts InitOptions) (*Repo, string) {
	t.Helper()
	dir := t.TempDir() + "/repo"
	opts.Now = t0.Add(-201 * day)
	r := mustInit(t, dir, opts)
	src := t.TempDir()
	old := t0.Add(-200 * day)
	mustAdd(t, r, old, buildWheel(t, src, "FooBar", "1.0", ""), buildWheel(t, src, "FooBar", "2.0", ">=3.8"))
	mustAdd(t, r, t0, buildWheel(t, src, "FooBar", "2.0.1", ">=3.9"))
	// The hourly cron job: re-signs the online roles (here the hash-bin shards that have
	// not changed since the old uploads) before they expire.
	if _, err := r.Timestamp(context.Background(), t0); err != nil {
		t.Fatal(err)
	}
	res := mustPromote(t, r, PromoteOptions{OlderThan: 90 * day, Now: t0})
	if want := []string{"FooBar-1.0-py3-none-any.whl", "FooBar-2.0-py3-none-any.whl"}; !slices.Equal(res.Promoted, want) {
		t.Fatalf("promoted %v, want %v", res.Promoted, want)
	}
	return r, dir
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts InitOptions
	}{
		{"flat", InitOptions{}},
		{"hash-bins", InitOptions{HashBinBits: 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, dir := fooBar(t, tc.opts)
			url := served(t, dir)

			c := newClient(t, dir, url, t0)
			role, files := c.page("foobar")
			if role != "stable" || !slices.Equal(files, []string{"FooBar-1.0-py3-none-any.whl", "FooBar-2.0-py3-none-any.whl"}) {
				t.Fatalf("go-tuf chose %s's page listing %v; want stable's with 1.0 and 2.0 only", role, files)
			}
			unstable := r.lay.roleFor("unstable", "simple/foobar/index.html")
			// The walk stops at stable; load unstable through a path only unstable signs.
			c.file("FooBar-2.0.1-py3-none-any.whl")
			if got := c.rolePage(unstable, "foobar"); len(got) != 3 {
				t.Fatalf("unstable's page lists %v, want all three files", got)
			}
			for _, v := range []string{"1.0", "2.0"} {
				c.file("FooBar-" + v + "-py3-none-any.whl")
			}
			if by := c.signedBy("packages/FooBar-2.0.1-py3-none-any.whl"); len(by) != 1 || !strings.HasPrefix(by[0], "unstable") {
				t.Fatalf("2.0.1 signed by %v, want unstable only", by)
			}
			c.loadRole(r.lay.roleFor("unstable", "packages/FooBar-2.0-py3-none-any.whl"))
			if by := c.signedBy("packages/FooBar-2.0-py3-none-any.whl"); len(by) != 2 {
				t.Fatalf("2.0 signed by %v, want stable and unstable", by)
			}

			// Time moves on: 2.0.1 is now old enough; the cron job keeps the online roles fresh.
			later := t0.Add(100 * day)
			if _, err := r.Timestamp(context.Background(), later); err != nil {
				t.Fatal(err)
			}
			res := mustPromote(t, r, PromoteOptions{OlderThan: 90 * day, Now: later})
			if !slices.Equal(res.Promoted, []string{"FooBar-2.0.1-py3-none-any.whl"}) {
				t.Fatalf("second promote signed %v", res.Promoted)
			}
			c = newClient(t, dir, url, later)
			role, files = c.page("foobar")
			if role != "stable" || len(files) != 3 {
				t.Fatalf("after the second promote go-tuf chose %s's page listing %v", role, files)
			}
			c.file("FooBar-2.0.1-py3-none-any.whl")
		})
	}
}

// A project stable never signed resolves from unstable's page, sdists included.
func TestUnstableOnlyProject(t *testing.T) {
	r, dir := fooBar(t, InitOptions{})
	src := t.TempDir()
	mustAdd(t, r, t0, buildWheel(t, src, "new_thing", "0.1", ""), buildSdist(t, src, "new-thing", "0.1", ">=3.10"))
	mustPromote(t, r, PromoteOptions{OlderThan: 90 * day, Now: t0})
	c := newClient(t, dir, served(t, dir), t0)
	role, files := c.page("new-thing")
	if role != "unstable" || !slices.Equal(files, []string{"new-thing-0.1.tar.gz", "new_thing-0.1-py3-none-any.whl"}) {
		t.Fatalf("got %s's page with %v", role, files)
	}
	c.file("new-thing-0.1.tar.gz")
}
