package tuf

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/tufpip/tufpip/internal/tuftest"
)

// A cached delegated role prepared during the refresh is checked like one read on demand: a
// copy whose page hash was changed (well-formed JSON, so it parses) fails its signature check
// and is fetched again, and the lookup answers with the signed hash.
func TestPreparedCachedRoleIsVerified(t *testing.T) {
	repo, srv, dir, want := newCachedClient(t)

	// Untampered: the prepared bytes and parse are used.
	local := filepath.Join(dir, "metadata", "delegated", "stable.json")
	c2 := newTestClient(t, repo, srv, dir)
	if c2.prepared[local] == nil {
		t.Fatalf("stable.json was not prepared during the refresh (prepared: %v)", c2.prepared)
	}
	if got, err := c2.Lookup(context.Background(), tuftest.PagePath("foobar")); err != nil || got.Hashes["sha256"] != want.Hashes["sha256"] {
		t.Fatalf("lookup from the prepared role: %v, %v", got, err)
	}
	if c2.prepared[local] != nil {
		t.Errorf("the prepared role was not used")
	}

	data, err := os.ReadFile(local)
	if err != nil {
		t.Fatal(err)
	}
	sha := regexp.MustCompile(`"sha256": ?"([0-9a-f])`)
	m := sha.FindSubmatchIndex(data)
	if m == nil {
		t.Fatalf("no sha256 in %s", data)
	}
	tampered := bytes.Clone(data)
	if tampered[m[2]] == '0' {
		tampered[m[2]] = '1'
	} else {
		tampered[m[2]] = '0'
	}
	if err := os.WriteFile(local, tampered, 0o600); err != nil {
		t.Fatal(err)
	}
	c3 := newTestClient(t, repo, srv, dir)
	if p := c3.prepared[local]; p == nil {
		t.Fatal("the tampered stable.json was not prepared")
	} else if <-p.done; p.raw == nil {
		t.Fatal("the tampered stable.json did not parse: the test does not reach the signature check")
	}
	got, err := c3.Lookup(context.Background(), tuftest.PagePath("foobar"))
	if err != nil || got.Hashes["sha256"] != want.Hashes["sha256"] {
		t.Fatalf("lookup with a tampered prepared role: %v, %v (want hash %s)", got, err, want.Hashes["sha256"])
	}
	assertValidCache(t, repo, dir)
}
