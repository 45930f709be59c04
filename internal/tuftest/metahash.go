package tuftest

import (
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"hash"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"golang.org/x/crypto/blake2b"
)

// WithDelegatedMetaHashes makes snapshot list, for every delegated targets role, its length and
// its hashes of algs: "sha256", "sha384", "sha512", "blake2b-256" or "sha3-256" (one tufpip
// cannot check). The entries for targets.json and snapshot.json keep WithMetaHashes' form:
// go-tuf checks those itself.
func WithDelegatedMetaHashes(algs ...string) Option {
	return func(c *settings) { c.delegatedMetaHashes = append([]string(nil), algs...) }
}

// WithTopMetaHashes makes timestamp and snapshot list the length and the hashes of algs for
// snapshot.json and targets.json (go-tuf checks those itself, and knows only sha256 and
// sha512).
func WithTopMetaHashes(algs ...string) Option {
	return func(c *settings) { c.topMetaHashes = append([]string(nil), algs...) }
}

var metaHashFuncs = map[string]func() hash.Hash{
	"sha256":      sha256.New,
	"sha384":      sha512.New384,
	"sha512":      sha512.New,
	"blake2b-256": func() hash.Hash { h, _ := blake2b.New256(nil); return h },
	"sha3-256":    func() hash.Hash { return sha3.New256() },
}

// delegatedMetaHashes sets mf's length and hashes as WithDelegatedMetaHashes or
// WithTopMetaHashes asks, for a role whose signed bytes are data.
func (r *Repo) delegatedMetaHashes(role string, mf *metadata.MetaFiles, data []byte) {
	algs := r.cfg.delegatedMetaHashes
	if role == Targets || role == Snapshot {
		algs = r.cfg.topMetaHashes
	}
	if len(algs) == 0 {
		return
	}
	mf.Length = int64(len(data))
	mf.Hashes = metadata.Hashes{}
	for _, alg := range algs {
		newHash, ok := metaHashFuncs[alg]
		if !ok {
			r.t.Fatalf("tuftest: no hash function %q", alg)
		}
		h := newHash()
		h.Write(data)
		mf.Hashes[alg] = h.Sum(nil)
	}
}
