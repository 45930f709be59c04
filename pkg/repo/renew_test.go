package repo

import (
	"context"
	"strings"
	"testing"
)

// The offline roles expire after a year; the cron job warns a month ahead, and Renew
// gives clients a new root (same keys) and targets that go-tuf accepts.
func TestRenewOfflineRoles(t *testing.T) {
	r, dir := fooBar(t, InitOptions{}) // initialised at t0-201d: root and targets expire at t0+164d
	ctx := context.Background()
	res, err := r.Timestamp(ctx, t0.Add(140*day))
	if err != nil {
		t.Fatal(err)
	}
	if w := strings.Join(res.Warnings, "\n"); !strings.Contains(w, "root expires") || !strings.Contains(w, "targets expires") {
		t.Fatalf("no warning about root and targets 24 days before expiry: %q", w)
	}
	if _, err := r.Renew(ctx, t0.Add(140*day)); err != nil {
		t.Fatal(err)
	}
	if !exists(dir + "/metadata/2.root.json") {
		t.Fatal("no 2.root.json")
	}
	after := t0.Add(200 * day) // past the first root's expiry
	ts, err := r.Timestamp(ctx, after)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts.Warnings) != 0 {
		t.Fatalf("warnings after renew: %v", ts.Warnings)
	}
	c := newClient(t, dir, served(t, dir), after) // bootstraps from 1.root.json
	if v := c.up.GetTrustedMetadataSet().Root.Signed.Version; v != 2 {
		t.Fatalf("client trusts root version %d, want 2", v)
	}
	if role, files := c.page("foobar"); role != "stable" || len(files) != 2 {
		t.Fatalf("after renew: %s %v", role, files)
	}
}
