package tuf

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"sort"
	"strings"

	"golang.org/x/crypto/blake2b"
)

// hashFuncs are the algorithms we can check, by their TUF names (securesystemslib's:
// "blake2b-256" is BLAKE2b with a 32-byte digest, the only target hash PyPI's TUF
// repository signs, docs/reference.md). A target listing any other algorithm is rejected:
// every listed hash must be checked, and one we cannot compute cannot be.
var hashFuncs = map[string]func() hash.Hash{
	"sha256":      sha256.New,
	"sha384":      sha512.New384,
	"sha512":      sha512.New,
	"blake2b-256": newBlake2b256,
}

func newBlake2b256() hash.Hash {
	h, _ := blake2b.New256(nil) // fails only for a key longer than 64 bytes
	return h
}

// strongestOrder is the preference among the algorithms we check when one digest must
// stand for a target: in a name such as a content-addressed page's
// "simple/foobar/<digest>.foobar.html" (Config.PageURL's {hash}).
var strongestOrder = []string{"sha512", "sha384", "blake2b-256", "sha256"}

// StrongestHash returns the algorithm and lowercase hex digest of hashes that stands for the
// target: the first of sha512, sha384, blake2b-256 and sha256 it lists (blake2b-256 in
// PyPI's repository, where it is the only one). ok is false when it lists none of them.
func StrongestHash(hashes map[string]string) (alg, hex string, ok bool) {
	for _, a := range strongestOrder {
		if h, found := hashes[a]; found {
			return a, strings.ToLower(h), true
		}
	}
	return "", "", false
}

// hashOrder lists algorithms in the order we use them for hash-prefixed URLs:
// sha256 first (every repository has it), then the rest sorted, so the URL is
// the same on every run (go-tuf picks from random map order, docs/reference.md, item 10).
func hashOrder(hashes map[string]string) []string {
	algs := make([]string, 0, len(hashes))
	for alg := range hashes {
		algs = append(algs, alg)
	}
	sort.Slice(algs, func(i, j int) bool {
		if (algs[i] == "sha256") != (algs[j] == "sha256") {
			return algs[i] == "sha256"
		}
		return algs[i] < algs[j]
	})
	return algs
}

// checkHashes validates the signed hashes before any download: at least one,
// all known, all well-formed hex of the right size.
func checkHashes(hashes map[string]string) error {
	if len(hashes) == 0 {
		return errors.New("no hashes are listed")
	}
	if u := unsupportedHash(hashes); u != nil {
		return u
	}
	for _, alg := range hashOrder(hashes) {
		newHash := hashFuncs[alg]
		b, err := hex.DecodeString(hashes[alg])
		if err != nil || len(b) != newHash().Size() {
			return fmt.Errorf("malformed %s hash %q", alg, hashes[alg])
		}
	}
	return nil
}

// UnsupportedHashError means signed metadata gives a hash of an algorithm tufpip cannot compute
// (one other than sha256, sha384, sha512 and blake2b-256). Every signed hash must match, and
// one tufpip cannot compute cannot be checked, so the file is refused: the repository chose an
// algorithm tufpip does not know, which says nothing about an attack. It is the Err of a
// *VerificationError.
type UnsupportedHashError struct {
	Algorithm string // the first algorithm tufpip cannot check, as signed
	Only      bool   // no algorithm tufpip checks is listed beside it
	// TopLevel: the hash is the timestamp's for snapshot.json or the snapshot's for
	// targets.json, which go-tuf checks, with sha256 and sha512 only (docs/reference.md, item 17).
	TopLevel bool
}

func (e *UnsupportedHashError) Error() string {
	return fmt.Sprintf("hash algorithm %q is one tufpip cannot check", e.Algorithm)
}

// reason says what was refused, after by ("signed by role stable", "signed").
func (e *UnsupportedHashError) reason(by string) string {
	if e.Only {
		return fmt.Sprintf("%s only with hash algorithm %q, which tufpip cannot check", by, e.Algorithm)
	}
	return fmt.Sprintf("%s with hash algorithm %q too, which tufpip cannot check (every signed hash must match)", by, e.Algorithm)
}

// CheckedHashes names the hash algorithms tufpip checks, for messages: "sha256, sha384,
// sha512 and blake2b-256".
func CheckedHashes() string {
	return "sha256, sha384, sha512 and blake2b-256"
}

// unsupportedHash returns the refusal of hashes when they list an algorithm tufpip cannot
// check, else nil.
func unsupportedHash(hashes map[string]string) *UnsupportedHashError {
	var u *UnsupportedHashError
	only := true
	for _, alg := range hashOrder(hashes) {
		if _, ok := hashFuncs[alg]; !ok {
			if u == nil {
				u = &UnsupportedHashError{Algorithm: alg}
			}
		} else {
			only = false
		}
	}
	if u != nil {
		u.Only = only
	}
	return u
}

// hashError is the refusal of target t whose signed hashes checkHashes rejects.
func (t *Target) hashError(err error) error {
	var u *UnsupportedHashError
	if errors.As(err, &u) {
		return &VerificationError{Path: t.Path, Role: t.Role, Reason: u.reason(signedBy(t)), Err: u}
	}
	return t.mismatch(err.Error() + " (" + signedBy(t) + ")")
}

// streamCheck copies r to w (w may be io.Discard) reading at most length+1
// bytes, and checks the length (unless negative: unknown) and every hash.
// by says who vouched ("signed by role stable"), for the reason.
// It returns a reason suitable for a VerificationError, or an I/O error.
func streamCheck(w io.Writer, r io.Reader, length int64, hashes map[string]string, by string) (reason string, err error) {
	if err := checkHashes(hashes); err != nil {
		return err.Error() + " (" + by + ")", nil
	}
	algs := hashOrder(hashes)
	hs := make([]hash.Hash, len(algs))
	writers := make([]io.Writer, 0, len(algs)+1)
	writers = append(writers, w)
	for i, alg := range algs {
		hs[i] = hashFuncs[alg]()
		writers = append(writers, hs[i])
	}
	src := r
	if length >= 0 {
		src = io.LimitReader(r, length+1)
	}
	var n int64
	if mr, ok := r.(*memReader); ok && w == io.Discard {
		// Bytes already in memory (a cached page): hash them where they are, uncopied.
		data := mr.b
		if length >= 0 && int64(len(data)) > length+1 {
			data = data[:length+1]
		}
		for _, h := range hs {
			h.Write(data)
		}
		n = int64(len(data))
	} else {
		// Sized to the file when it is small: 256 KiB per page of a 300-project run was
		// most of what the hashing allocated.
		size := int64(256 << 10)
		if length >= 0 && length+1 < size {
			size = max(length+1, 512)
		}
		if n, err = io.CopyBuffer(io.MultiWriter(writers...), onlyReader{src}, make([]byte, size)); err != nil {
			return "", err
		}
	}
	switch {
	case length >= 0 && n > length:
		return fmt.Sprintf("longer than the %d bytes %s", length, by), nil
	case length >= 0 && n < length:
		return fmt.Sprintf("shorter than the %d bytes %s (got %d)", length, by, n), nil
	}
	var bad []string
	for i, alg := range algs {
		want, _ := hex.DecodeString(hashes[alg])
		if !bytes.Equal(hs[i].Sum(nil), want) {
			bad = append(bad, alg)
		}
	}
	if len(bad) > 0 {
		if len(bad) > 1 {
			return strings.Join(bad, " and ") + " do not match the hashes " + by, nil
		}
		return bad[0] + " does not match the hash " + by, nil
	}
	return "", nil
}

// memReader is bytes already in memory, for streamCheck to hash in place.
type memReader struct{ b []byte }

func (m *memReader) Read(p []byte) (int, error) {
	if len(m.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, m.b)
	m.b = m.b[n:]
	return n, nil
}

// onlyReader hides WriterTo/ReaderFrom so CopyBuffer uses our buffer size.
type onlyReader struct{ io.Reader }

// CheckFile checks that r yields exactly length bytes (length < 0: unknown,
// not checked) whose every listed hash matches. hashes maps algorithm to hex;
// sha256, sha384, sha512 and blake2b-256 are supported and any other algorithm is
// rejected. Memory use is constant. It is for files trusted through a page
// hash as well as TUF targets; a mismatch is a *VerificationError without a
// Path, which the caller may fill in.
func CheckFile(r io.Reader, length int64, hashes map[string]string) error {
	lower := make(map[string]string, len(hashes))
	for alg, h := range hashes {
		lower[strings.ToLower(alg)] = strings.ToLower(h)
	}
	if err := checkHashes(lower); err != nil {
		var u *UnsupportedHashError
		if errors.As(err, &u) {
			return &VerificationError{Reason: u.reason("signed"), Err: u}
		}
		return &VerificationError{Reason: err.Error() + " (expected)"}
	}
	reason, err := streamCheck(io.Discard, r, length, lower, "expected")
	if err != nil {
		return err
	}
	if reason != "" {
		return &VerificationError{Reason: reason}
	}
	return nil
}
