package simpleindex

import (
	"slices"
	"strings"
)

// digestHexLen is the hex length of each hashlib algorithm's digest; 0 means variable
// (shake). Only these names are accepted as hashes: a fragment such as "#egg=foo" or
// "#subdirectory=x" is a link option, not a hash.
var digestHexLen = map[string]int{
	"md5": 32, "sha1": 40, "sha224": 56, "sha256": 64, "sha384": 96, "sha512": 128,
	"sha512_224": 56, "sha512_256": 64,
	"sha3_224": 56, "sha3_256": 64, "sha3_384": 96, "sha3_512": 128,
	"blake2b": 128, "blake2s": 64, "shake_128": 0, "shake_256": 0,
	"sm3": 64, "ripemd160": 40,
}

// StrongHashes are the algorithms that can vouch for a file: the only ones pip accepts for
// --hash, and the only page hashes that can make a file trusted (rule b). They are in order
// of preference where one hash names a file: sha256 first, as every pip reads it.
var StrongHashes = []string{"sha256", "sha512", "sha384"}

// IsStrongHash reports whether alg (lowercase) is one of StrongHashes.
func IsStrongHash(alg string) bool {
	return slices.Contains(StrongHashes, alg)
}

// DigestHexLen returns the hex length of alg's digest, 0 for a variable length (shake),
// and whether hashlib knows alg at all.
func DigestHexLen(alg string) (int, bool) {
	n, ok := digestHexLen[alg]
	return n, ok
}

// renderOrder is the preference when a form can carry only one hash (the HTML fragment,
// the HTML core-metadata attribute): sha256 first because every pip reads it.
var renderOrder = []string{
	"sha256", "sha512", "sha384", "sha3_512", "sha3_384", "sha3_256", "blake2b",
	"blake2s", "sha512_256", "sha224", "sha3_224", "sha512_224", "sha1", "md5",
}

// algoNames interns algorithm names, so that 10,000 files share one "sha256" string.
var algoNames = func() map[string]string {
	m := make(map[string]string, len(digestHexLen))
	for k := range digestHexLen {
		m[k] = k
	}
	return m
}()

// canonicalAlgo returns the interned lowercase algorithm name and whether hashlib
// knows it.
func canonicalAlgo(name string) (string, bool) {
	if a, ok := algoNames[name]; ok {
		return a, true
	}
	a, ok := algoNames[strings.ToLower(name)]
	return a, ok
}

// checkDigest lowercases a hex digest and checks its length for the algorithm.
func checkDigest(algo, hex string) (string, bool) {
	want := digestHexLen[algo]
	if hex == "" || len(hex)%2 != 0 || (want != 0 && len(hex) != want) {
		return "", false
	}
	lower := true
	for i := 0; i < len(hex); i++ {
		c := hex[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			lower = false
		default:
			return "", false
		}
	}
	if !lower {
		hex = strings.ToLower(hex)
	}
	return hex, true
}

// pickHash chooses the hash to render where only one fits; ok is false for no hashes.
func pickHash(h map[string]string) (algo, hex string, ok bool) {
	for _, a := range renderOrder {
		if v, found := h[a]; found {
			return a, v, true
		}
	}
	// Not one of ours (a caller-built map): take the smallest name for stable output.
	for a, v := range h {
		if !ok || a < algo {
			algo, hex, ok = a, v, true
		}
	}
	return algo, hex, ok
}
