package tuf

import (
	"bytes"
	"encoding/hex"
	"fmt"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// checkMetaFile is go-tuf's MetaFiles.VerifyLengthHashes with tufpip's hash algorithms: the
// snapshot may give a delegated role's length and hashes (both optional), and go-tuf knows only
// sha256 and sha512, so a snapshot listing blake2b-256 or sha384 for a bin would refuse every
// lookup in it. Every listed hash must match; an algorithm tufpip cannot compute is an
// *UnsupportedHashError, a mismatch go-tuf's *ErrLengthOrHashMismatch.
func checkMetaFile(meta *metadata.MetaFiles, data []byte) error {
	if len(meta.Hashes) > 0 {
		hexes := make(map[string]string, len(meta.Hashes))
		for alg, h := range meta.Hashes {
			hexes[alg] = hex.EncodeToString(h)
		}
		if u := unsupportedHash(hexes); u != nil {
			return u
		}
		for _, alg := range hashOrder(hexes) {
			h := hashFuncs[alg]()
			h.Write(data)
			if !bytes.Equal(h.Sum(nil), meta.Hashes[alg]) {
				return &metadata.ErrLengthOrHashMismatch{Msg: fmt.Sprintf("hash verification failed - mismatch for algorithm %s", alg)}
			}
		}
	}
	if meta.Length != 0 && int64(len(data)) != meta.Length {
		return &metadata.ErrLengthOrHashMismatch{Msg: fmt.Sprintf("length verification failed - expected %d, got %d", meta.Length, len(data))}
	}
	return nil
}

// withoutMetaHashes is a copy of snapshot whose entry for file gives no hashes: for go-tuf's
// UpdateDelegatedTargets, after checkMetaFile has checked them (go-tuf would refuse the
// algorithms it does not know). Everything else go-tuf reads of the snapshot is unchanged.
func withoutMetaHashes(snapshot *metadata.Metadata[metadata.SnapshotType], file string) *metadata.Metadata[metadata.SnapshotType] {
	meta, ok := snapshot.Signed.Meta[file]
	if !ok || len(meta.Hashes) == 0 {
		return snapshot
	}
	c := *snapshot
	c.Signed.Meta = map[string]*metadata.MetaFiles{file: {Length: meta.Length, Version: meta.Version}}
	return &c
}
