package tuf

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/trustedmetadata"
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

// topLevelHashError names the algorithm when go-tuf refused snapshot.json or targets.json
// because the timestamp or the snapshot gives its hash in an algorithm go-tuf does not check
// (anything but sha256 and sha512, docs/reference.md, item 17): tufpip cannot check those files
// then, which says nothing about an attack. Any other error is returned as is.
func topLevelHashError(err error, tm trustedmetadata.TrustedMetadata) error {
	var ve *VerificationError
	var lhm *metadata.ErrLengthOrHashMismatch
	if !errors.As(err, &ve) || !errors.As(err, &lhm) {
		return err
	}
	var meta *metadata.MetaFiles
	var file, lister string
	switch roleFromFile(ve.Path) {
	case metadata.SNAPSHOT:
		if tm.Timestamp != nil {
			file, lister = "snapshot.json", "timestamp.json"
			meta = tm.Timestamp.Signed.Meta[file]
		}
	case metadata.TARGETS:
		if tm.Snapshot != nil {
			file, lister = "targets.json", "snapshot.json"
			meta = tm.Snapshot.Signed.Meta[file]
		}
	}
	if meta == nil {
		return err
	}
	var algs []string
	for alg := range meta.Hashes {
		algs = append(algs, alg)
	}
	slices.Sort(algs)
	u := &UnsupportedHashError{TopLevel: true, Only: true}
	for _, alg := range algs {
		if alg == "sha256" || alg == "sha512" {
			u.Only = false
		} else if u.Algorithm == "" {
			u.Algorithm = alg
		}
	}
	if u.Algorithm == "" {
		return err
	}
	ve.Reason = fmt.Sprintf("%s gives the hash of %s in %q, which tufpip cannot check for top-level metadata", lister, file, u.Algorithm)
	ve.Err = u
	return err
}
