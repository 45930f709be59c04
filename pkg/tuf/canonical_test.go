package tuf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/cjson"
	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/tufpip/tufpip/internal/tuftest"
)

// canonicalRepo signs roles of the shapes tufpip meets: many targets, custom objects, hash
// bins, delegations, and strings that need escaping.
func canonicalRepo(t testing.TB) *tuftest.Repo {
	repo := tuftest.New(t, tuftest.WithSHA512())
	for i := range 50 {
		fn := fmt.Sprintf("pkg-%d.0-py3-none-any.whl", i)
		repo.AddFile(tuftest.Stable, fn, []byte(fn))
		repo.AddFile(tuftest.Unstable, fn, []byte("u"+fn))
	}
	repo.AddTargetCustom(tuftest.Unstable, "packages/odd \"quoted\" \\ é <&> \u2028.whl", []byte("x"),
		json.RawMessage(`{"b": [1, -2, true, null, "\u00e9\\"], "a": {"z": 9007199254740991, "y": ""}}`))
	repo.SetPage(tuftest.Stable, "pkg", tuftest.File("pkg-1.0-py3-none-any.whl", []byte("pkg-1.0-py3-none-any.whl")))
	repo.Publish()
	return repo
}

// On every role go-tuf accepts, canonicalize gives the bytes go-tuf's VerifyDelegate signs.
func TestCanonicalMatchesGoTUF(t *testing.T) {
	repo := canonicalRepo(t)
	for _, role := range repo.Roles() {
		if role == metadata.ROOT || role == metadata.TIMESTAMP || role == metadata.SNAPSHOT {
			continue
		}
		data := repo.Signed(role, repo.Version(role))
		md, err := metadata.Targets().FromBytes(data)
		if err != nil {
			t.Fatalf("%s: go-tuf: %v", role, err)
		}
		want, err := cjson.EncodeCanonical(md.Signed)
		if err != nil {
			t.Fatal(err)
		}
		m, err := canonicalMembers(data)
		if err != nil {
			t.Fatalf("%s: %v", role, err)
		}
		if !bytes.Equal(m["signed"], want) {
			t.Errorf("%s: canonical bytes differ from go-tuf's\n got %.300s\nwant %.300s", role, m["signed"], want)
		}
		// Indented, with escapes the canonical form does not use, still the same bytes.
		var pretty bytes.Buffer
		json.Indent(&pretty, data, "", "  ")
		if m2, err := canonicalMembers(pretty.Bytes()); err != nil || !bytes.Equal(m2["signed"], want) {
			t.Errorf("%s: indented copy: %v", role, err)
		}
	}
}

// What canonicalize must refuse: what would let two readers see different values, or what
// go-tuf canonicalises differently.
func TestCanonicalRejects(t *testing.T) {
	for _, tc := range []struct{ name, doc, reason string }{
		{"duplicate key", `{"a":1,"a":2}`, "duplicate object key"},
		{"duplicate key, escaped", `{"a":1,"\u0061":2}`, "duplicate object key"},
		{"float", `{"a":1.0}`, "not an integer"},
		{"exponent", `{"a":1e3}`, "not an integer"},
		{"negative zero", `{"a":-0}`, "negative zero"},
		{"big integer", `{"a":9007199254740992}`, "beyond"},
		{"huge integer", `{"a":-123456789012345678901234567890}`, "beyond"},
		{"leading zero", `{"a":01}`, "leading zero"},
		{"invalid UTF-8", "{\"a\":\"\xff\"}", "invalid UTF-8"},
		{"invalid UTF-8 key", "{\"\xc3\":1}", "invalid UTF-8"},
		{"lone surrogate", `{"a":"\ud800"}`, "lone surrogate"},
		{"reversed surrogates", `{"a":"\udc00\ud800"}`, "lone surrogate"},
		{"raw control character", "{\"a\":\"x\ny\"}", "unescaped control character"},
		{"trailing data", `{"a":1} {}`, "data after"},
		{"trailing comma", `{"a":1,}`, "expected an object key"},
		{"unterminated", `{"a":"x`, "unterminated"},
		{"bad escape", `{"a":"\x"}`, "malformed escape"},
		{"bad literal", `{"a":tru}`, "unexpected character"},
		{"too deep", strings.Repeat("[", 100) + strings.Repeat("]", 100), "nested deeper"},
	} {
		_, err := canonicalize([]byte(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("%s: %s: got %v, want an error about %q", tc.name, tc.doc, err, tc.reason)
		}
	}
}

// FuzzCanonical: whatever canonicalize accepts, cjson (go-tuf's canonical JSON, over Go's
// decoding of the same bytes) accepts too and encodes to the same bytes.
func FuzzCanonical(f *testing.F) {
	f.Add([]byte(`{"signatures":[{"keyid":"ab","sig":"cd"}],"signed":{"_type":"targets","expires":"2030-01-01T00:00:00Z",` +
		`"spec_version":"1.0.31","targets":{"packages/a b\"c.whl":{"custom":{"x":[1,-2]},"hashes":{"sha256":"00ff"},"length":3}},"version":7}}`))
	for _, s := range []string{`{"a":[1,-2,{"b":null}],"A":"\u00e9\"\\\/"}`, `"x"`, `[]`, `{"\ud83d\ude00":"<&>"}`, `{"b":1,"a":{"d":2,"c":3}}`, `{"pem":"-----BEGIN\nKEY\u0001\n"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := canonicalize(data)
		if err != nil {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("canonicalize accepted what encoding/json rejects (%v): %q", err, data)
		}
		want, err := cjson.EncodeCanonical(v)
		if err != nil {
			t.Fatalf("canonicalize accepted what cjson rejects (%v): %q", err, data)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("canonical forms differ for %q\n got %q\nwant %q", data, got, want)
		}
	})
}
