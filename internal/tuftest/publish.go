package tuftest

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Publish re-signs every changed role with a bumped version, then snapshot
// (when a targets role changed) and always a new timestamp. Root is
// re-signed when keys or thresholds changed.
func (r *Repo) Publish() {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dirty[Root] {
		r.signRoot()
	}
	changed := false
	for _, role := range r.targetsRoles() {
		if r.dirty[role] {
			r.signTargets(role)
			changed = true
		}
	}
	r.signImpostors()
	if changed || r.dirty[Snapshot] {
		r.signSnapshot()
	}
	r.signTimestamp()
}

// targetsRoles lists targets then the delegated roles in the order added.
func (r *Repo) targetsRoles() []string {
	return append([]string{Targets}, r.order...)
}

func (r *Repo) expiry(role string) time.Time {
	if t, ok := r.expires[role]; ok {
		return t
	}
	d, ok := r.cfg.lifetimes[role]
	if !ok {
		d = r.cfg.lifetimes[Targets]
	}
	return r.cfg.clock().Add(d).UTC().Truncate(time.Second)
}

// bump decides the version a role is signed with next.
func (r *Repo) bump(role string, v *int64) {
	if nv, ok := r.nextVersion[role]; ok {
		*v = nv
		delete(r.nextVersion, role)
	} else if r.published[role] {
		*v++
	}
	r.published[role] = true
	delete(r.dirty, role)
}

// signers returns who signs role now: a one-shot SignWith override, or all
// of the role's keys.
func (r *Repo) signers(role string) []*Key {
	if ks, ok := r.signWith[role]; ok {
		delete(r.signWith, role)
		return ks
	}
	ks := r.keys[role]
	if role == Root {
		ks = append(slices.Clone(r.oldRootKeys), ks...)
	}
	return uniqueKeys(ks)
}

func uniqueKeys(ks []*Key) []*Key {
	seen := map[string]bool{}
	out := []*Key{}
	for _, k := range ks {
		if !seen[k.ID()] {
			seen[k.ID()] = true
			out = append(out, k)
		}
	}
	return out
}

func (r *Repo) store(role string, version int64, data []byte, served string) {
	if r.history[role] == nil {
		r.history[role] = map[int64][]byte{}
	}
	r.history[role][version] = data
	r.host(served, role, data)
}

func (r *Repo) signRoot() {
	r.t.Helper()
	md := r.root
	r.bump(Root, &md.Signed.Version)
	md.Signed.Expires = r.expiry(Root)
	md.ClearSignatures()
	for _, k := range r.signers(Root) {
		_, err := md.Sign(k.signer)
		r.check(err)
	}
	data, err := md.ToBytes(true)
	r.check(err)
	r.store(Root, md.Signed.Version, data, fmt.Sprintf("metadata/%d.root.json", md.Signed.Version))
	r.oldRootKeys = r.keys[Root]
}

func (r *Repo) signTargets(role string) {
	r.t.Helper()
	md := r.targets[role]
	r.bump(role, &md.Signed.Version)
	md.Signed.Expires = r.expiry(role)
	md.ClearSignatures()
	for _, k := range r.signers(role) {
		_, err := md.Sign(k.signer)
		r.check(err)
	}
	data, err := md.ToBytes(true)
	r.check(err)
	r.store(role, md.Signed.Version, data, metaPath(role, md.Signed.Version))
}

func (r *Repo) metaFile(role string, version int64) *metadata.MetaFiles {
	mf := metadata.MetaFile(version)
	if r.cfg.metaHashes {
		data := r.history[role][version]
		sum := sha256.Sum256(data)
		mf.Length = int64(len(data))
		mf.Hashes = metadata.Hashes{"sha256": sum[:]}
	}
	r.delegatedMetaHashes(role, mf, r.history[role][version])
	return mf
}

func (r *Repo) signSnapshot() {
	r.t.Helper()
	md := r.snapshot
	for _, role := range r.targetsRoles() {
		v := r.targets[role].Signed.Version
		if pin, ok := r.snapshotPins[role]; ok {
			v = pin
		}
		md.Signed.Meta[role+".json"] = r.metaFile(role, v)
	}
	for name, im := range r.impostors {
		if im.inSnapshot {
			mf := metadata.MetaFile(im.md.Signed.Version)
			if r.cfg.metaHashes {
				sum := sha256.Sum256(im.data)
				mf.Length, mf.Hashes = int64(len(im.data)), metadata.Hashes{"sha256": sum[:]}
			}
			md.Signed.Meta[name+".json"] = mf
		}
	}
	r.bump(Snapshot, &md.Signed.Version)
	md.Signed.Expires = r.expiry(Snapshot)
	md.ClearSignatures()
	for _, k := range r.signers(Snapshot) {
		_, err := md.Sign(k.signer)
		r.check(err)
	}
	data, err := md.ToBytes(true)
	r.check(err)
	r.store(Snapshot, md.Signed.Version, data, metaPath(Snapshot, md.Signed.Version))
}

func (r *Repo) signTimestamp() {
	r.t.Helper()
	md := r.timestamp
	md.Signed.Meta["snapshot.json"] = r.metaFile(Snapshot, r.snapshot.Signed.Version)
	r.bump(Timestamp, &md.Signed.Version)
	md.Signed.Expires = r.expiry(Timestamp)
	md.ClearSignatures()
	for _, k := range r.signers(Timestamp) {
		_, err := md.Sign(k.signer)
		r.check(err)
	}
	data, err := md.ToBytes(true)
	r.check(err)
	r.store(Timestamp, md.Signed.Version, data, "metadata/timestamp.json")
}

// metaPath is where a role's metadata of a given version is served.
func metaPath(role string, version int64) string {
	if role == Timestamp {
		return "metadata/timestamp.json"
	}
	return fmt.Sprintf("metadata/%d.%s.json", version, role)
}
