package tuf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/trustedmetadata"
	"github.com/tufpip/tufpip/internal/tuftest"
)

// trustedSet is go-tuf's trusted set over the repository's current top-level roles, as a
// refresh leaves it, with the reference time at now.
func trustedSet(t testing.TB, repo *tuftest.Repo, now time.Time) *trustedmetadata.TrustedMetadata {
	t.Helper()
	tm, err := trustedmetadata.New(repo.RootJSON())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tm.UpdateTimestamp(repo.Signed(metadata.TIMESTAMP, repo.Version(metadata.TIMESTAMP))); err != nil {
		t.Fatal(err)
	}
	if _, err := tm.UpdateSnapshot(repo.Signed(metadata.SNAPSHOT, repo.Version(metadata.SNAPSHOT)), false); err != nil {
		t.Fatal(err)
	}
	if _, err := tm.UpdateTargets(repo.Signed(metadata.TARGETS, repo.Version(metadata.TARGETS))); err != nil {
		t.Fatal(err)
	}
	tm.RefTime = now // the refresh's start: what delegated roles are checked against
	return tm
}

// loadRawRole accepts exactly what go-tuf's UpdateDelegatedTargets accepts, and then reads
// the same targets, on the attacks a delegated role can carry.
func TestRawRoleAgreesWithGoTUF(t *testing.T) {
	type scenario struct {
		name   string
		opts   []tuftest.Option
		mutate func(repo *tuftest.Repo) // before the last Publish
		data   func(b []byte) []byte    // what the client reads instead of the signed bytes
		at     time.Duration            // reference time after now
		ok     bool
		goOK   bool // go-tuf accepts what tufpip must refuse
	}
	flip := func(old, new string) func([]byte) []byte {
		return func(b []byte) []byte { return bytes.Replace(b, []byte(old), []byte(new), 1) }
	}
	for _, sc := range []scenario{
		{name: "valid", ok: true},
		{name: "valid, threshold 2 of 3", opts: []tuftest.Option{tuftest.WithKeys(tuftest.Stable, 3, 2)}, ok: true},
		{name: "valid, meta hashes", opts: []tuftest.Option{tuftest.WithMetaHashes()}, ok: true},
		{name: "valid, indented", data: func(b []byte) []byte { var o bytes.Buffer; json.Indent(&o, b, "", "\t"); return o.Bytes() }, ok: true},
		{name: "below threshold", opts: []tuftest.Option{tuftest.WithKeys(tuftest.Stable, 3, 2)}, mutate: func(r *tuftest.Repo) { r.SignBelowThreshold(tuftest.Stable) }},
		{name: "foreign key", mutate: func(r *tuftest.Repo) { r.SignWithForeignKey(tuftest.Stable) }},
		{name: "expired", mutate: func(r *tuftest.Repo) { r.Expire(tuftest.Stable) }},
		{name: "expires during the run", opts: []tuftest.Option{tuftest.WithExpiry(tuftest.Stable, time.Hour)}, at: 2 * time.Hour},
		{name: "version not the snapshot's (rollback)", mutate: func(r *tuftest.Repo) {}},
		{name: "tampered length", data: flip(`"length": 3`, `"length": 4`)},
		{name: "tampered, meta hashes", opts: []tuftest.Option{tuftest.WithMetaHashes()}, data: flip(`"length": 3`, `"length": 4`)},
		{name: "duplicate key", data: flip(`"_type": "targets"`, `"_type": "targets", "_type": "targets"`), goOK: true},
		{name: "float", data: flip(`"length": 3`, `"length": 3.0`)},
		{name: "not JSON", data: func([]byte) []byte { return []byte("<html>") }},
		{name: "no _type", data: flip(`"_type": "targets",`, ``)},
		{name: "another _type", data: flip(`"_type": "targets"`, `"_type": "snapshot"`)},
		{name: "signed by a key the role does not list", mutate: func(r *tuftest.Repo) { r.SignWith(tuftest.Stable, r.Keys(tuftest.Unstable)...) }},
	} {
		t.Run(sc.name, func(t *testing.T) {
			repo := tuftest.New(t, sc.opts...)
			for i := range 5 {
				fn := fmt.Sprintf("pkg-%d.0-py3-none-any.whl", i)
				repo.AddFile(tuftest.Stable, fn, []byte("abc"))
			}
			repo.AddTargetCustom(tuftest.Stable, "simple/pkg/index.html", []byte("abc"), json.RawMessage(`{"x":[1,"y"]}`))
			repo.Publish()
			if sc.mutate != nil {
				sc.mutate(repo)
				repo.AddFile(tuftest.Stable, "pkg-9.0-py3-none-any.whl", []byte("abc"))
				repo.Publish()
			}
			data := repo.Signed(tuftest.Stable, repo.Version(tuftest.Stable))
			if sc.data != nil {
				data = sc.data(data)
			}
			if sc.name == "version not the snapshot's (rollback)" {
				data = repo.Signed(tuftest.Stable, 1)
			}
			now := time.Now().Add(sc.at)
			goTM, rawTM := trustedSet(t, repo, now), trustedSet(t, repo, now)
			want, goErr := goTM.UpdateDelegatedTargets(data, tuftest.Stable, metadata.TARGETS)
			got, rawErr := loadRawRole(rawTM, data, tuftest.Stable, rawTM.Targets[metadata.TARGETS].Signed.Delegations)
			if (goErr == nil) != (sc.ok || sc.goOK) || (rawErr == nil) != sc.ok {
				t.Fatalf("go-tuf: %v; tufpip: %v; want ok=%v", goErr, rawErr, sc.ok)
			}
			if !sc.ok {
				return
			}
			if got.targets.len() != len(want.Signed.Targets) {
				t.Fatalf("%d targets, go-tuf %d", got.targets.len(), len(want.Signed.Targets))
			}
			for p, w := range want.Signed.Targets {
				g, err := got.entry(p)
				want := entryOf(w)
				if err != nil || g == nil || g.length != want.length || !maps.Equal(g.hashes, want.hashes) || (g.custom == nil) != (want.custom == nil) {
					t.Errorf("%s: %+v (%v), go-tuf %+v", p, g, err, want)
				}
				if want.custom != nil && !jsonEqual(g.custom, want.custom) {
					t.Errorf("%s: custom %s, go-tuf %s", p, g.custom, want.custom)
				}
			}
			if g, _ := got.entry("nosuch"); g != nil {
				t.Errorf("a path the role does not list was found")
			}
			if got.version != want.Signed.Version || !got.expires.Equal(want.Signed.Expires) {
				t.Errorf("version %d expires %v, go-tuf %d %v", got.version, got.expires, want.Signed.Version, want.Signed.Expires)
			}
		})
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	json.Unmarshal(a, &x)
	json.Unmarshal(b, &y)
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// The 8,000-target role of issue 12, loaded by go-tuf and by loadRawRole.
func BenchmarkLoadRole8000(b *testing.B) {
	repo := tuftest.New(b)
	for i := range 8000 {
		fn := fmt.Sprintf("bigproj-%d.%d-py3-none-any.whl", i/200, i%200)
		repo.AddFile(tuftest.Unstable, fn, []byte(fn))
	}
	repo.Publish()
	data := repo.Signed(tuftest.Unstable, repo.Version(tuftest.Unstable))
	tm := trustedSet(b, repo, time.Now())
	b.Run("go-tuf", func(b *testing.B) {
		for range b.N {
			if _, err := tm.UpdateDelegatedTargets(data, tuftest.Unstable, metadata.TARGETS); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("tufpip", func(b *testing.B) {
		for range b.N {
			if _, err := loadRawRole(tm, data, tuftest.Unstable, tm.Targets[metadata.TARGETS].Signed.Delegations); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// rolesFor answers as go-tuf's GetRolesForTarget for every path, whether or not it can keep
// the answer per directory.
func TestRolesForAgreesWithGoTUF(t *testing.T) {
	for _, patterns := range [][][]string{
		{{"simple/*/index.html", "packages/*"}, {"packages/*"}},      // not directory-shaped
		{{"packages/*", "simple/*"}, {"packages/*", "a/b/*"}, {"*"}}, // directory-shaped
		{{"packages/x*"}, {"packages/*"}},                            // a glob in the last segment
		{{"pack?ges/*"}, {"packages/*"}},                             // a glob in a directory
	} {
		d := &metadata.Delegations{Keys: map[string]*metadata.Key{}}
		for i, p := range patterns {
			d.Roles = append(d.Roles, metadata.DelegatedRole{Name: fmt.Sprint("r", i), KeyIDs: []string{"k"}, Threshold: 1, Paths: p})
		}
		r := &role{raw: &rawRole{deleg: d}}
		for _, path := range []string{"packages/a.whl", "packages/xa.whl", "packages/", "packages/a/b.whl", "simple/foo/index.html",
			"simple/x", "a/b/c", "a/b/", "top.whl", "", "packagesX/a.whl", "packages//a", "simple/bar/index.html",
			"simple/foo/index.htm", "simple/foo/other", "x/y/index.html"} {
			for range 2 { // the second answer may come from the memo
				got, want := r.rolesFor(path), d.GetRolesForTarget(path)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("patterns %v, %q: %v, go-tuf %v", patterns, path, got, want)
				}
			}
		}
	}
}

// The index of a role's targets finds every path, escaped or not, and nothing else.
func TestTargetIndexFind(t *testing.T) {
	paths := []string{"a", "a\"b", "a\\b", "packages/x.whl", "packages/x.whl2", "é", "z\u2028", "A", "a b", "ab"}
	doc := map[string]int{}
	for i, p := range paths {
		doc[p] = i
	}
	raw, _ := json.Marshal(doc)
	canon, err := canonicalize(raw)
	if err != nil {
		t.Fatal(err)
	}
	ix, ok := memberSpans(canon, 0, len(canon))
	if !ok || ix.len() != len(paths) {
		t.Fatalf("index of %s: %v, %d members", canon, ok, ix.len())
	}
	for i, p := range paths {
		sp, ok := ix.find(canon, p)
		if !ok || string(canon[sp.start:sp.end]) != fmt.Sprint(i) {
			t.Errorf("%q: found %v, value %s", p, ok, canon[sp.start:sp.end])
		}
	}
	for _, p := range []string{"", "a\\", "a\"", "packages/x", "packages/x.whl3", "b", "\u2028"} {
		if _, ok := ix.find(canon, p); ok {
			t.Errorf("%q found", p)
		}
	}
}

// What parseRawRole refuses before any signature is checked (go-tuf's FromBytes refuses the
// same, or accepts only what tufpip may be stricter about).
func TestParseRawRoleRefuses(t *testing.T) {
	const ok = `"_type":"targets","expires":"2030-01-01T00:00:00Z","targets":{},"version":1`
	for name, signed := range map[string]string{
		"no _type":           `"expires":"2030-01-01T00:00:00Z","targets":{},"version":1`,
		"another _type":      `"_type":"root","expires":"2030-01-01T00:00:00Z","targets":{},"version":1`,
		"no version":         `"_type":"targets","expires":"2030-01-01T00:00:00Z","targets":{}`,
		"version 0":          `"_type":"targets","expires":"2030-01-01T00:00:00Z","targets":{},"version":0`,
		"no expires":         `"_type":"targets","targets":{},"version":1`,
		"fractional expires": `"_type":"targets","expires":"2030-01-01T00:00:00.5Z","targets":{},"version":1`,
		"offset expires":     `"_type":"targets","expires":"2030-01-01T00:00:00+00:00","targets":{},"version":1`,
		"no targets":         `"_type":"targets","expires":"2030-01-01T00:00:00Z","version":1`,
		"targets not object": `"_type":"targets","expires":"2030-01-01T00:00:00Z","targets":[],"version":1`,
		"both role kinds":    ok + `,"delegations":{"keys":{},"roles":[],"succinct_roles":{"keyids":[],"threshold":1,"bit_length":1,"name_prefix":"b"}}`,
	} {
		doc := `{"signatures":[],"signed":{` + signed + `}}`
		if _, err := parseRawRole("stable", []byte(doc)); err == nil {
			t.Errorf("%s: accepted %s", name, doc)
		}
	}
	if _, err := parseRawRole("stable", []byte(`{"signatures":[{"keyid":"a","sig":"00"},{"keyid":"a","sig":"00"}],"signed":{`+ok+`}}`)); err == nil {
		t.Errorf("two signatures of one key accepted")
	}
	if _, err := parseRawRole("stable", []byte(`{"signatures":[],"signed":{`+ok+`}}`)); err != nil {
		t.Errorf("a well-formed role: %v", err)
	}
}

// fastEntry reads the usual entries exactly as slowEntry does, and leaves every other shape
// to it.
func TestFastEntryAgreesWithSlowEntry(t *testing.T) {
	h := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		v    string
		fast bool
	}{
		{`{"hashes":{"sha256":"` + h + `"},"length":1109}`, true},
		{`{"hashes":{"sha256":"` + strings.ToUpper(h) + `"},"length":0}`, true},
		{`{"hashes":{"sha256":"` + h + `","sha512":"` + h + h + `"},"length":7}`, true},
		{`{"hashes":{"blake2b-256":"` + h + `"},"length":12}`, true},
		{`{"custom":{"a":1},"hashes":{"sha256":"` + h + `"},"length":1}`, false},
		{`{"hashes":{"sha\\256":"` + h + `"},"length":1}`, false},
		{`{"hashes":{"sha256":"` + h + `x"},"length":1}`, false},
		{`{"hashes":{"sha256":"abc"},"length":1}`, false},
		{`{"hashes":{},"length":1}`, false},
		{`{"hashes":{"sha256":"` + h + `"},"length":-1}`, false},
		{`{"hashes":{"sha256":"` + h + `"},"length":01}`, false},
		{`{"hashes":{"sha256":"` + h + `"},"length":1.5}`, false},
		{`{"hashes":{"sha256":"` + h + `"}}`, false},
		{`{"hashes":{"sha256":"` + h + `"},"length":1,"x":2}`, false},
	} {
		fe, ok := fastEntry([]byte(tc.v))
		if ok != tc.fast {
			t.Errorf("%s: fast path %v, want %v", tc.v, ok, tc.fast)
			continue
		}
		se, err := slowEntry("p", []byte(tc.v))
		if ok && (err != nil || !reflect.DeepEqual(fe, se)) {
			t.Errorf("%s: fast %+v, slow %+v %v", tc.v, fe, se, err)
		}
	}
}

// rolesFor is rolesForMemo's answer alone.
func (r *role) rolesFor(path string) []metadata.RoleResult {
	res, _ := r.rolesForMemo(path)
	return res
}
