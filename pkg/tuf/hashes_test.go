package tuf

import (
	"errors"
	"strings"
	"testing"
)

// The blake2b-256 digest of "hello", as python-tuf's TargetFile.from_data(...,
// ["blake2b-256"]) signs it (securesystemslib's name for BLAKE2b with a 32-byte digest).
const helloBlake2b256 = "324dcf027dd4a30a932c441f365a25e86b173defa4b8e58948253471b81b72cf"

func TestCheckFileBlake2b256(t *testing.T) {
	if err := CheckFile(strings.NewReader("hello"), 5, map[string]string{"blake2b-256": helloBlake2b256}); err != nil {
		t.Fatalf("blake2b-256 of the right bytes: %v", err)
	}
	err := CheckFile(strings.NewReader("hellO"), 5, map[string]string{"blake2b-256": helloBlake2b256})
	var ve *VerificationError
	if !errors.As(err, &ve) || !strings.Contains(ve.Reason, "blake2b-256 does not match") {
		t.Fatalf("blake2b-256 of other bytes: got %v, want a blake2b-256 mismatch", err)
	}
}

func TestStrongestHash(t *testing.T) {
	for _, c := range []struct {
		hashes  map[string]string
		wantAlg string
	}{
		{map[string]string{"blake2b-256": "AB"}, "blake2b-256"},
		{map[string]string{"blake2b-256": "ab", "sha256": "cd"}, "blake2b-256"},
		{map[string]string{"sha256": "cd", "sha512": "ef"}, "sha512"},
		{map[string]string{"sha256": "cd"}, "sha256"},
		{map[string]string{"md5": "cd"}, ""},
	} {
		alg, hex, ok := StrongestHash(c.hashes)
		if alg != c.wantAlg || ok != (c.wantAlg != "") || (ok && hex != strings.ToLower(c.hashes[alg])) {
			t.Errorf("StrongestHash(%v) = %q %q %v, want %q", c.hashes, alg, hex, ok, c.wantAlg)
		}
	}
}
