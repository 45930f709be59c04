package tuftest

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Mutations for attack tests. Legitimate ones (Bump, RotateKeys,
// SetThreshold) are what a healthy repository does; the others produce
// metadata or served bytes a correct client must refuse. Changes to metadata
// take effect at the next Publish; changes to served bytes (Tamper,
// ServeVersion) take effect at once and last until Restore.

// Bump makes the next Publish sign a new version of role, unchanged
// otherwise. For root this is a new root version signed by old and new keys.
func (r *Repo) Bump(role string) {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mustRole(role)
	r.dirty[role] = true
}

// SetVersion makes the next Publish sign role with version v (and marks it
// changed). A v lower than the current one is a rollback signed with valid
// keys, as a compromised snapshot or timestamp key could produce.
func (r *Repo) SetVersion(role string, v int64) {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mustRole(role)
	r.nextVersion[role] = v
	r.dirty[role] = true
}

// SetExpires fixes the expiry of role's future versions to t (the zero time
// goes back to the configured lifetime) and marks role changed.
func (r *Repo) SetExpires(role string, t time.Time) {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mustRole(role)
	if t.IsZero() {
		delete(r.expires, role)
	} else {
		r.expires[role] = t.UTC().Truncate(time.Second)
	}
	r.dirty[role] = true
}

// Expire makes the next Publish sign role properly but with an expiry one
// hour before the repository clock's now.
func (r *Repo) Expire(role string) {
	r.t.Helper()
	r.SetExpires(role, r.cfg.clock().Add(-time.Hour))
}

// SetThreshold changes a role's threshold (in root for top-level roles, in
// the delegating role otherwise) without changing its keys.
func (r *Repo) SetThreshold(role string, threshold int) {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mustRole(role)
	if d, ok := r.delegs[role]; ok {
		dr := r.delegatedRole(role)
		dr.Threshold = threshold
		d.Threshold = threshold
		r.dirty[d.Parent] = true
		return
	}
	r.root.Signed.Roles[role].Threshold = threshold
	r.dirty[Root] = true
}

// RotateKeys replaces role's keys with n new ones and sets its threshold;
// the delegator (root or the parent role) and role itself are re-signed at
// the next Publish. Rotating root keys makes the next root version carry
// the signatures of both the old and the new root keys, as the spec asks.
func (r *Repo) RotateKeys(role string, n, threshold int) {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mustRole(role)
	old := r.keys[role]
	r.keys[role] = newKeys(r.t, n)
	if d, ok := r.delegs[role]; ok {
		parent := r.targets[d.Parent]
		for _, k := range old {
			r.check(parent.Signed.RevokeKey(k.ID(), role))
		}
		for _, k := range r.keys[role] {
			r.check(parent.Signed.AddKey(k.Metadata(), role))
		}
		r.delegatedRole(role).Threshold = threshold
		d.Keys, d.Threshold = n, threshold
		r.dirty[d.Parent] = true
	} else {
		for _, k := range old {
			r.check(r.root.Signed.RevokeKey(k.ID(), role))
		}
		for _, k := range r.keys[role] {
			r.check(r.root.Signed.AddKey(k.Metadata(), role))
		}
		r.root.Signed.Roles[role].Threshold = threshold
		r.dirty[Root] = true
	}
	r.dirty[role] = true
}

// RotateRootWithoutOldKeys rotates root's keys like RotateKeys, but the next
// root version is signed only by the new keys: a client must refuse it.
func (r *Repo) RotateRootWithoutOldKeys(n, threshold int) {
	r.t.Helper()
	r.RotateKeys(Root, n, threshold)
	r.SignWith(Root, r.Keys(Root)...)
}

// SignWith makes the next Publish sign role's new version with exactly
// these keys (once), and marks role changed. Keys from NewKey are not in
// root: signing with them is the "key not in root" attack.
func (r *Repo) SignWith(role string, keys ...*Key) {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mustRole(role)
	r.signWith[role] = slices.Clone(keys)
	r.dirty[role] = true
}

// SignBelowThreshold makes the next version of role carry one valid
// signature fewer than its threshold.
func (r *Repo) SignBelowThreshold(role string) {
	r.t.Helper()
	th := r.threshold(role)
	ks := r.Keys(role)
	r.SignWith(role, ks[:th-1]...)
}

// SignWithForeignKey makes the next version of role signed by threshold-many
// fresh keys that neither root nor any delegation lists.
func (r *Repo) SignWithForeignKey(role string) {
	r.t.Helper()
	r.SignWith(role, newKeys(r.t, r.threshold(role))...)
}

func (r *Repo) threshold(role string) int {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mustRole(role)
	if _, ok := r.delegs[role]; ok {
		return r.delegatedRole(role).Threshold
	}
	return r.root.Signed.Roles[role].Threshold
}

// SignDetached signs and hosts (under N.role.json) the next version of a
// targets role or snapshot, without publishing a snapshot or timestamp that
// refers to it, and returns its version. With ServeVersion this builds
// mix-and-match attacks: valid metadata that the current snapshot does not
// vouch for.
func (r *Repo) SignDetached(role string) int64 {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mustRole(role)
	switch {
	case role == Snapshot:
		r.signSnapshot()
		return r.snapshot.Signed.Version
	case r.isTargetsRole(role):
		r.signTargets(role)
		return r.targets[role].Signed.Version
	}
	r.t.Fatalf("tuftest: SignDetached works on targets roles and snapshot, not %s", role)
	return 0
}

// ServeVersion serves the signed bytes of version v of role under the name
// the client will ask for now (timestamp.json, or the version that the
// current timestamp/snapshot/root lists). An older v is a rollback (or, for
// timestamp, a freeze); a v from SignDetached is a mix-and-match.
func (r *Repo) ServeVersion(role string, v int64) {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mustRole(role)
	data, ok := r.history[role][v]
	if !ok {
		r.t.Fatalf("tuftest: role %s has no signed version %d", role, v)
	}
	r.override(metaPath(role, r.version(role)), slices.Clone(data))
}

// Rollback serves the previous signed version of role under its current
// name.
func (r *Repo) Rollback(role string) {
	r.t.Helper()
	r.ServeVersion(role, r.Version(role)-1)
}

// Tamper replaces served bytes with fn(old bytes), after signing. name is a
// served path ("metadata/2.stable.json", "targets/packages/<hash>.x.whl"), a
// role name (its currently published metadata file), or a target path
// ("packages/x.whl": every hosted copy of it).
func (r *Repo) Tamper(name string, fn func([]byte) []byte) {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var paths []string
	switch {
	case r.files[name] != nil:
		paths = []string{name}
	case r.isTopOrTargetsRole(name):
		paths = []string{metaPath(name, r.version(name))}
	default:
		for p, l := range r.logical {
			if l == name && strings.HasPrefix(p, "targets/") {
				paths = append(paths, p)
			}
		}
	}
	if len(paths) == 0 {
		r.t.Fatalf("tuftest: tamper: nothing is served as %s", name)
	}
	for _, p := range paths {
		r.override(p, fn(slices.Clone(r.files[p])))
	}
}

// FlipByte is a Tamper function that changes the last byte, keeping the
// length.
func FlipByte(b []byte) []byte {
	if len(b) > 0 {
		b[len(b)-1] ^= 0x01
	}
	return b
}

// Restore undoes every Tamper, ServeVersion and ServeForged.
func (r *Repo) Restore() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for p, data := range r.orig {
		r.files[p] = data
	}
	clear(r.orig)
}

func (r *Repo) override(p string, data []byte) {
	if _, saved := r.orig[p]; !saved {
		r.orig[p] = r.files[p]
	}
	r.files[p] = data
}

// CorruptDelegationKey replaces the public key of a delegated role, in its
// parent's delegations, with a malformed ed25519 key (31 bytes) under the
// same key id, and marks the parent changed. go-tuf v2.4.2 panics when it
// verifies the role against such a key.
func (r *Repo) CorruptDelegationKey(role string) {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	d, ok := r.delegs[role]
	if !ok {
		r.t.Fatalf("tuftest: %s is not a delegated role", role)
	}
	keys := r.targets[d.Parent].Signed.Delegations.Keys
	id := r.keys[role][0].ID()
	bad := *keys[id]
	sum := sha256.Sum256([]byte(role))
	bad.Value = metadata.KeyVal{PublicKey: hex.EncodeToString(sum[:31])}
	keys[id] = &bad
	r.dirty[d.Parent] = true
}

func (r *Repo) isTopOrTargetsRole(role string) bool {
	switch role {
	case Root, Snapshot, Timestamp:
		return true
	}
	return r.isTargetsRole(role)
}

func (r *Repo) mustRole(role string) {
	r.t.Helper()
	if !r.isTopOrTargetsRole(role) {
		r.t.Fatalf("tuftest: no role %s", role)
	}
}

func (r *Repo) delegatedRole(role string) *metadata.DelegatedRole {
	d := r.delegs[role]
	roles := r.targets[d.Parent].Signed.Delegations.Roles
	for i := range roles {
		if roles[i].Name == role {
			return &roles[i]
		}
	}
	r.t.Fatalf("tuftest: parent %s does not delegate to %s", d.Parent, role)
	return nil
}

// EditTargets applies fn to a targets role's signed content, for
// delegations or entries the other methods cannot express, and marks the
// role changed.
func (r *Repo) EditTargets(role string, fn func(*metadata.TargetsType)) {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	md, ok := r.targets[role]
	if !ok {
		r.t.Fatalf("tuftest: no targets role %s", role)
	}
	fn(&md.Signed)
	r.dirty[role] = true
}

// ServeForged serves, under the name the client asks for now, a copy of a
// targets role's current content edited by fn and signed by keys instead of
// the role's own: what an attacker holding those keys (and the mirror)
// can serve. The version is left as fn sets it.
func (r *Repo) ServeForged(role string, keys []*Key, fn func(*metadata.TargetsType)) {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	md, ok := r.targets[role]
	if !ok {
		r.t.Fatalf("tuftest: no targets role %s", role)
	}
	data, err := md.ToBytes(false)
	r.check(err)
	forged, err := metadata.Targets().FromBytes(data)
	r.check(err)
	forged.Signed.Version = r.version(role)
	fn(&forged.Signed)
	forged.ClearSignatures()
	for _, k := range keys {
		_, err := forged.Sign(k.signer)
		r.check(err)
	}
	out, err := forged.ToBytes(true)
	r.check(err)
	r.override(metaPath(role, r.version(role)), out)
}

type impostor struct {
	md         *metadata.Metadata[metadata.TargetsType]
	key        *Key
	inSnapshot bool
	data       []byte // signed bytes, once published
}

// Impostor is the attack of whoever holds parent's key (an online role such as unstable) and
// the snapshot key: the next Publish makes parent delegate (DefaultPaths, after its other
// delegations) to a role called name with a fresh key, and signs that role's metadata (empty
// targets, then fn) with the key. With inSnapshot the next snapshots list the impostor's
// metadata as name.json, at version 1000 and up, in place of the real role of that name if
// there is one (whose bytes stay served under their old name); without it the snapshot keeps
// listing the real role, which the impostor's key did not sign. name may be anything,
// "stable-1" or "snapshot". Returns the impostor's key.
func (r *Repo) Impostor(parent, name string, inSnapshot bool, fn func(*metadata.TargetsType)) *Key {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.targets[parent]
	if !ok {
		r.t.Fatalf("tuftest: impostor %s: no targets role %s", name, parent)
	}
	key := NewKey(r.t)
	if p.Signed.Delegations == nil {
		p.Signed.Delegations = &metadata.Delegations{Keys: map[string]*metadata.Key{}}
	}
	p.Signed.Delegations.Keys[key.ID()] = key.Metadata()
	p.Signed.Delegations.Roles = append(p.Signed.Delegations.Roles, metadata.DelegatedRole{
		Name: name, KeyIDs: []string{key.ID()}, Threshold: 1, Paths: slices.Clone(DefaultPaths),
	})
	md := metadata.Targets(r.expiry(parent))
	md.Signed.Version = int64(1000 + len(r.impostors))
	if fn != nil {
		fn(&md.Signed)
	}
	r.impostors[name] = &impostor{md: md, key: key, inSnapshot: inSnapshot}
	r.dirty[parent] = true
	r.dirty[Snapshot] = true
	return key
}

// SnapshotLists makes the next snapshots list role at version v, whatever its current
// version: with an older v, the rollback of a targets role that the snapshot key's holder can
// sign.
func (r *Repo) SnapshotLists(role string, v int64) {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mustRole(role)
	if _, ok := r.history[role][v]; !ok {
		r.t.Fatalf("tuftest: role %s has no signed version %d", role, v)
	}
	r.snapshotPins[role] = v
	r.dirty[Snapshot] = true
}

// signImpostors signs and hosts impostor metadata not yet published.
func (r *Repo) signImpostors() {
	r.t.Helper()
	for name, im := range r.impostors {
		if im.data != nil {
			continue
		}
		_, err := im.md.Sign(im.key.signer)
		r.check(err)
		im.data, err = im.md.ToBytes(true)
		r.check(err)
		r.host(metaPath(name, im.md.Signed.Version), name, im.data)
	}
}
