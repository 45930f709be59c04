package tuf

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/tufpip/tufpip/internal/tuftest"
)

func pathHash(p string) string {
	h := sha256.Sum256([]byte(p))
	return hex.EncodeToString(h[:])
}

// rolesFor matches path_hash_prefixes as the TUF specification says (the lowercase hex
// SHA-256 of the path starts with a prefix), keeps go-tuf's answer for path patterns, and
// keeps the delegations' order and terminating flags.
func TestRolesForHashPrefixes(t *testing.T) {
	d := &metadata.Delegations{Keys: map[string]*metadata.Key{}, Roles: []metadata.DelegatedRole{
		{Name: "lo", PathHashPrefixes: []string{"0", "1", "2", "3", "4", "5", "6", "7"}},
		{Name: "pages", Paths: []string{"simple/*/index.html"}, Terminating: true},
		{Name: "hi", PathHashPrefixes: []string{"8", "9", "a", "b", "c", "d", "e", "f"}, Terminating: true},
		{Name: "upper", PathHashPrefixes: []string{"A", "B", "C", "D", "E", "F"}}, // hex is lowercase
		{Name: "everything", PathHashPrefixes: []string{""}},
		{Name: "none"},
	}}
	r := &role{raw: &rawRole{deleg: d}}
	for i := range 64 {
		path := fmt.Sprintf("packages/p%d.whl", i)
		if i%2 == 1 {
			path = tuftest.PagePath(fmt.Sprint("p", i))
		}
		h := pathHash(path)
		var want []string
		if h[0] < '8' {
			want = append(want, "lo")
		}
		if strings.HasPrefix(path, "simple/") {
			want = append(want, "pages*")
		}
		if h[0] >= '8' {
			want = append(want, "hi*")
		}
		want = append(want, "everything")
		var got []string
		for range 2 { // a second answer may come from a memo
			got = got[:0]
			for _, rr := range r.rolesFor(path) {
				n := rr.Name
				if rr.Terminating {
					n += "*"
				}
				got = append(got, n)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s (sha256 %s): roles %v, want %v", path, h[:4], got, want)
			}
		}
	}
}

// A role delegated by path_hash_prefixes (the hashed-bin layout of python-tuf's examples) is
// reached: Lookup finds what it lists and names it. go-tuf v2.4.2 never matches such a
// delegation (docs/reference.md, item 16).
func TestLookupThroughPathHashPrefixes(t *testing.T) {
	repo := tuftest.New(t, tuftest.WithDelegations(
		tuftest.Delegation{Name: "bin-0-7", PathHashPrefixes: []string{"0", "1", "2", "3", "4", "5", "6", "7"}},
		tuftest.Delegation{Name: "bin-8-f", PathHashPrefixes: []string{"8", "9", "a", "b", "c", "d", "e", "f"}},
	))
	binOf := func(p string) string {
		if pathHash(p)[0] < '8' {
			return "bin-0-7"
		}
		return "bin-8-f"
	}
	paths := map[string]string{} // path -> its bin
	for i := 0; len(paths) < 6; i++ {
		p := tuftest.PagePath(fmt.Sprint("p", i))
		if i%2 == 1 {
			p = fmt.Sprintf("packages/p%d.whl", i)
		}
		paths[p] = binOf(p)
		repo.AddTarget(binOf(p), p, []byte("signed by "+binOf(p)))
	}
	repo.Publish()
	srv := repo.Serve(t)
	c := newTestClient(t, repo, srv, "")
	ctx := context.Background()
	for p, bin := range paths {
		tg, err := c.Lookup(ctx, p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if tg.Role != bin || !slices.Equal(tg.Chain, []string{"targets", bin}) || !tg.VouchedBy(bin) {
			t.Errorf("%s: role %s chain %v, want %s", p, tg.Role, tg.Chain, bin)
		}
		data, err := c.Fetch(ctx, tg)
		if err != nil || string(data) != "signed by "+bin {
			t.Errorf("%s: fetched %q, %v", p, data, err)
		}
	}
}

// Attack: a role may list any path, but is consulted only for the paths delegated to it. A role
// delegated prefix "ab" that lists a path whose hash starts otherwise is ignored, and so is a
// role whose prefix matches the path's hash only in base64url (what go-tuf v2.4.2 compares):
// the path's answer comes from the role that is delegated it.
func TestAttackPathHashPrefixNotDelegated(t *testing.T) {
	// A path whose hash does not start with "ab", and whose base64url hash starts with three
	// characters that are not all hex digits (so no hex prefix equals them).
	var path, b64 string
	for i := 0; ; i++ {
		p := fmt.Sprintf("packages/victim-%d.whl", i)
		h := sha256.Sum256([]byte(p))
		b := base64.URLEncoding.EncodeToString(h[:])[:3]
		if !strings.HasPrefix(pathHash(p), "ab") && strings.Trim(b, "0123456789abcdef") != "" {
			path, b64 = p, b
			break
		}
	}
	repo := tuftest.New(t, tuftest.WithDelegations(
		tuftest.Delegation{Name: "evil-hex", PathHashPrefixes: []string{"ab"}},
		tuftest.Delegation{Name: "evil-base64", PathHashPrefixes: []string{b64}},
		tuftest.Delegation{Name: "stable"},
	))
	repo.AddTarget("evil-hex", path, []byte("evil-hex's wheel"))
	repo.AddTarget("evil-base64", path, []byte("evil-base64's wheel"))
	repo.AddTarget("stable", path, []byte("stable's wheel"))
	repo.Publish()
	srv := repo.Serve(t)
	c := newTestClient(t, repo, srv, "")
	all, err := c.LookupAll(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	var roles []string
	for _, tg := range all {
		roles = append(roles, tg.Role)
	}
	if !slices.Equal(roles, []string{"stable"}) {
		t.Fatalf("%s (sha256 %s, base64url %s...): answered by %v, want only stable", path, pathHash(path)[:4], b64, roles)
	}
}

// The index answers as rolesForTarget tries every role: prefixes of several lengths, shared
// and repeated, the empty prefix, uppercase and overlong ones, path patterns among them.
func TestHashPrefixIndexAgrees(t *testing.T) {
	d := &metadata.Delegations{Keys: map[string]*metadata.Key{}}
	for i := range 300 {
		r := metadata.DelegatedRole{Name: fmt.Sprint("r", i), Terminating: i%7 == 0}
		switch i % 10 {
		case 0:
			r.Paths = []string{fmt.Sprintf("packages/p%d*", i%4)}
		case 1:
			r.PathHashPrefixes = []string{fmt.Sprintf("%x", i%16), fmt.Sprintf("%x", i%16)}
		case 2:
			r.PathHashPrefixes = []string{strings.ToUpper(fmt.Sprintf("%02x", i%256))}
		case 3:
			r.PathHashPrefixes = []string{strings.Repeat("0", 65), ""}
		case 4:
		default:
			r.PathHashPrefixes = []string{fmt.Sprintf("%02x", i%256), fmt.Sprintf("%03x", i*7%4096)}
		}
		d.Roles = append(d.Roles, r)
	}
	r := &role{raw: &rawRole{deleg: d}}
	for i := range 2000 {
		path := fmt.Sprintf("packages/p%d.whl", i)
		if got, want := r.rolesFor(path), rolesForTarget(d, path); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: %v, want %v", path, got, want)
		}
	}
}
