package repo

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/tufpip/tufpip/internal/atomicfile"
)

// A publish is one transaction over the published metadata. It reads the state that the
// current timestamp names (never "the newest files on disk": a crashed publish may have
// left unreferenced newer files behind), edits targets roles in memory, and commits by
// writing, in this order: target files and pages, the changed roles as new versions,
// the snapshot, and last timestamp.json. Until that last rename the previous timestamp
// is what clients see, and every file it names is still on disk.
type txn struct {
	r      *Repo
	ctx    context.Context
	now    time.Time // the operation's time: upload times, the age rule
	signAt time.Time // expiries count from here: now, or the wall clock if now is earlier

	ts     *metadata.Metadata[metadata.TimestampType]
	tsData []byte // the bytes of timestamp.json that ts was parsed from
	snap   *metadata.Metadata[metadata.SnapshotType]
	roles  map[string]*metadata.Metadata[metadata.TargetsType]
	dirty  map[string]bool

	superseded []string // files (relative to the repository) the commit stops referencing
	unsynced   []string // files written without fsync, made durable before the metadata

	// lazyVerify: roles are checked against their signing key only when marked for
	// re-signing (renew), not when loaded; for runs that read many roles and sign few.
	lazyVerify bool
}

// beginLocked takes the repository lock and starts a transaction: every operation that reads
// the published state to build on it holds the lock from the read to the timestamp.
func (r *Repo) beginLocked(ctx context.Context, now time.Time) (*txn, func(), error) {
	unlock, err := r.lock(ctx)
	if err != nil {
		return nil, nil, err
	}
	t, err := r.begin(ctx, now)
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return t, unlock, nil
}

func (r *Repo) begin(ctx context.Context, now time.Time) (*txn, error) {
	t := &txn{r: r, ctx: ctx, now: now.UTC(), signAt: now.UTC(), roles: map[string]*metadata.Metadata[metadata.TargetsType]{}, dirty: map[string]bool{}}
	// A "now" in the past (backfilled uploads, --now) dates the uploads, not the
	// signatures: metadata signed with an expiry in the past would take the repository
	// down until the next timestamp run.
	if wall := time.Now().UTC(); wall.After(t.signAt) {
		t.signAt = wall
	}
	tsPath := filepath.Join(metadataDir(r.dir), "timestamp.json")
	data, err := os.ReadFile(tsPath)
	if err != nil {
		return nil, &MetadataError{Path: tsPath, Role: metadata.TIMESTAMP, Reason: "cannot read", Err: err}
	}
	if o := r.spare.Swap(nil); o != nil && bytes.Equal(o.tsData, data) {
		// What a timestamp names is immutable (consistent snapshots): the metadata read
		// and verified under these same bytes is what would be read now.
		t.ts, t.snap, t.tsData = o.ts, o.snap, data
		maps.Copy(t.roles, o.roles)
		return t, nil
	}
	t.tsData = data
	if t.ts, err = metadata.Timestamp().FromBytes(data); err != nil {
		return nil, &MetadataError{Path: tsPath, Role: metadata.TIMESTAMP, Reason: "cannot parse", Err: err}
	}
	if err := checkOwnSignature(r, metadata.TIMESTAMP, t.ts, tsPath); err != nil {
		return nil, err
	}
	mf := t.ts.Signed.Meta["snapshot.json"]
	if mf == nil {
		return nil, &MetadataError{Path: tsPath, Role: metadata.TIMESTAMP, Reason: "does not name a snapshot"}
	}
	snapPath := r.versionedPath(metadata.SNAPSHOT, mf.Version)
	if data, err = r.readChecked(snapPath, metadata.SNAPSHOT, mf); err != nil {
		return nil, err
	}
	if t.snap, err = metadata.Snapshot().FromBytes(data); err != nil {
		return nil, &MetadataError{Path: snapPath, Role: metadata.SNAPSHOT, Reason: "cannot parse", Err: err}
	}
	if err := checkOwnSignature(r, metadata.SNAPSHOT, t.snap, snapPath); err != nil {
		return nil, err
	}
	return t, nil
}

func (r *Repo) versionedPath(role string, version int64) string {
	return filepath.Join(metadataDir(r.dir), fmt.Sprintf("%d.%s.json", version, role))
}

// readChecked reads a metadata file and checks it against the length and hashes its
// parent listed, so a publish never builds on a file that is not what clients verify.
func (r *Repo) readChecked(path, role string, mf *metadata.MetaFiles) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &MetadataError{Path: path, Role: role, Reason: "cannot read", Err: err}
	}
	if err := mf.VerifyLengthHashes(data); err != nil {
		return nil, &MetadataError{Path: path, Role: role, Reason: "does not match the length and hashes its parent signed", Err: err}
	}
	return data, nil
}

// role returns the currently published metadata of a targets-type role.
func (t *txn) role(name string) (*metadata.Metadata[metadata.TargetsType], error) {
	if m, ok := t.roles[name]; ok {
		return m, nil
	}
	mf := t.snap.Signed.Meta[name+".json"]
	if mf == nil {
		return nil, &MetadataError{Path: name + ".json", Role: name, Reason: "not listed in the snapshot"}
	}
	path := t.r.versionedPath(name, mf.Version)
	data, err := t.r.readChecked(path, name, mf)
	if err != nil {
		return nil, err
	}
	m, err := metadata.Targets().FromBytes(data)
	if err != nil {
		return nil, &MetadataError{Path: path, Role: name, Reason: "cannot parse", Err: err}
	}
	if !t.lazyVerify {
		if err := checkOwnSignature(t.r, name, m, path); err != nil {
			return nil, err
		}
	}
	t.roles[name] = m
	return m, nil
}

// signs reports whether family's role for path lists it with sha256 sum.
func (t *txn) signs(family, path, sum string) (bool, error) {
	m, err := t.role(t.r.lay.roleFor(family, path))
	if err != nil {
		return false, err
	}
	tf := m.Signed.Targets[path]
	return tf != nil && hex.EncodeToString(tf.Hashes["sha256"]) == sum, nil
}

// target returns what family's role for path signs for it, nil when nothing.
func (t *txn) target(family, path string) (*metadata.TargetFiles, error) {
	m, err := t.role(t.r.lay.roleFor(family, path))
	if err != nil {
		return nil, err
	}
	return m.Signed.Targets[path], nil
}

// setTarget makes family's role for path list it with length and sha256 sum.
func (t *txn) setTarget(family, path string, length int64, sum string) error {
	return t.setTargetHashes(family, path, length, map[string]string{"sha256": sum})
}

// setTargetHashes makes family's role for path list it with length and exactly these
// hashes (algorithm to hex digest).
func (t *txn) setTargetHashes(family, path string, length int64, hashes map[string]string) error {
	name := t.r.lay.roleFor(family, path)
	m, err := t.role(name)
	if err != nil {
		return err
	}
	if old := m.Signed.Targets[path]; old != nil && old.Length == length && sameHashes(old.Hashes, hashes) {
		return nil
	}
	h := metadata.Hashes{}
	for alg, sum := range hashes {
		if h[alg], err = hex.DecodeString(sum); err != nil {
			return err
		}
	}
	m.Signed.Targets[path] = &metadata.TargetFiles{Length: length, Hashes: h, Path: path}
	t.dirty[name] = true
	return nil
}

func sameHashes(signed metadata.Hashes, want map[string]string) bool {
	if len(signed) != len(want) {
		return false
	}
	for alg, sum := range want {
		if hex.EncodeToString(signed[alg]) != sum {
			return false
		}
	}
	return true
}

// step is called before every file a publish writes: it honours cancellation and the
// test hook that simulates a crash at that point.
func (t *txn) step(name string) error { return t.r.step(t.ctx, name) }

// step is txn.step for work done outside a transaction (sync's downloads).
func (r *Repo) step(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return &InterruptedError{Step: name, Err: err}
	}
	if r.failAt != nil {
		if err := r.failAt(name); err != nil {
			return &InterruptedError{Step: name, Err: err}
		}
	}
	return nil
}

// nextVersion returns the version a changed role gets: past every file of that role on
// disk, not just past the published one. A crashed publish may have left a newer,
// unreferenced version behind that a cache could have fetched; reusing its number with
// other content would let that cached copy pass for the new one (the snapshot pins
// versions and lengths, not hashes). The leftovers are pruned like superseded files.
func (t *txn) nextVersion(role string, published int64) int64 {
	v := published + 1
	for exists(t.r.versionedPath(role, v)) {
		t.superseded = append(t.superseded, filepath.Join("metadata", fmt.Sprintf("%d.%s.json", v, role)))
		v++
	}
	return v
}

// renew marks role for re-signing even though its targets did not change.
func (t *txn) renew(name string) error {
	m, err := t.role(name)
	if err != nil {
		return err
	}
	if t.lazyVerify && !t.dirty[name] {
		if err := checkOwnSignature(t.r, name, m, t.r.versionedPath(name, t.snap.Signed.Meta[name+".json"].Version)); err != nil {
			return err
		}
	}
	t.dirty[name] = true
	return nil
}

// commit writes the changed roles, the snapshot and the timestamp, in that order. With
// nothing changed and force false it writes nothing.
func (t *txn) commit(forceSnapshot, forceTimestamp bool) (bool, error) {
	if len(t.dirty) == 0 && !forceSnapshot && !forceTimestamp {
		return false, nil
	}
	// Barrier: the files written so far (distributions, pages, state) reach the disk
	// before any metadata that names them; from here on every file is synced on its own.
	if err := syncTrees([]string{targetsDir(t.r.dir), stateDir(t.r.dir)}, t.unsynced); err != nil {
		return false, err
	}
	exp := t.r.exp
	names := sortedKeys(t.dirty)
	var written []string // role files, made durable together before the timestamp
	for _, name := range names {
		m := t.roles[name]
		old := t.snap.Signed.Meta[name+".json"].Version
		v := t.nextVersion(name, old)
		m.Signed.Expires = t.signAt.Add(t.r.lay.lifetime(exp, name)).Truncate(time.Second)
		if err := t.step("role " + name); err != nil {
			return false, err
		}
		mf, err := t.r.writeRole(m, name, v)
		if err != nil {
			return false, err
		}
		written = append(written, t.r.versionedPath(name, v))
		t.snap.Signed.Meta[name+".json"] = mf
		t.superseded = append(t.superseded, filepath.Join("metadata", fmt.Sprintf("%d.%s.json", old, name)))
	}
	if len(names) > 0 || forceSnapshot {
		old := t.ts.Signed.Meta["snapshot.json"].Version
		v := t.nextVersion(metadata.SNAPSHOT, old)
		if err := t.step("snapshot"); err != nil {
			return false, err
		}
		if _, err := t.r.writeSnapshot(t.snap, v, t.signAt); err != nil {
			return false, err
		}
		t.superseded = append(t.superseded, filepath.Join("metadata", fmt.Sprintf("%d.snapshot.json", old)))
	}
	// The new versions and their renames must be on disk before the timestamp that names
	// them: one syncfs (or an fsync per file) rather than one per role, which with
	// thousands of bins re-signed at once is most of the run's time.
	if err := syncTrees([]string{metadataDir(t.r.dir)}, written); err != nil {
		return false, err
	}
	if err := t.step("timestamp"); err != nil {
		return false, err
	}
	if err := t.r.writeTimestamp(t.ts, t.snap, t.ts.Signed.Version+1, t.signAt); err != nil {
		return false, err
	}
	// Committed. What follows only tidies up: failures are logged, never returned.
	if err := t.r.clearPending(); err != nil {
		t.r.log.Warn("cannot clear the pending journal", "err", err)
	}
	if err := t.r.retire(t.superseded, t.signAt, t.referenced); err != nil {
		t.r.log.Warn("cannot prune superseded files", "err", err)
	}
	return true, nil
}

func (r *Repo) signer(keyName string) (signature.Signer, error) {
	return r.loadKey(keyName)
}

// sign replaces m's signatures with one by the key of role and returns the bytes.
func sign[T metadata.Roles](r *Repo, m *metadata.Metadata[T], role string) ([]byte, error) {
	s, err := r.signer(keyFor(role))
	if err != nil {
		return nil, err
	}
	m.ClearSignatures()
	if _, err := m.Sign(s); err != nil {
		return nil, &KeyError{Role: role, Path: privateKeyPath(r.keysDir, keyFor(role)), Err: err}
	}
	// Compact JSON: these bytes are what every client downloads.
	return m.ToBytes(false)
}

func (r *Repo) signAndWrite(m *metadata.Metadata[metadata.RootType], role, path string) error {
	data, err := sign(r, m, role)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data, 0o644)
}

func metaFile(version int64, data []byte) *metadata.MetaFiles {
	h, _ := hex.DecodeString(sha256Hex(data))
	return &metadata.MetaFiles{Version: version, Length: int64(len(data)), Hashes: metadata.Hashes{"sha256": h}}
}

func (r *Repo) writeRole(m *metadata.Metadata[metadata.TargetsType], name string, version int64) (*metadata.MetaFiles, error) {
	m.Signed.Version = version
	data, err := sign(r, m, name)
	if err != nil {
		return nil, err
	}
	// Unsynced: the caller makes the roles durable together before the timestamp.
	if err := atomicfile.WriteFileUnsynced(r.versionedPath(name, version), data, 0o644); err != nil {
		return nil, err
	}
	// Version and length, no hash: the role's own signature makes it authentic, the
	// version (consistent snapshots) pins which one, and the length caps the download.
	// Leaving the 64-hex hash out halves the snapshot, which every returning client
	// downloads and which lists every shard in the hash-bin layout.
	return &metadata.MetaFiles{Version: version, Length: int64(len(data))}, nil
}

func (r *Repo) writeSnapshot(m *metadata.Metadata[metadata.SnapshotType], version int64, now time.Time) (*metadata.MetaFiles, error) {
	m.Signed.Version = version
	m.Signed.Expires = now.Add(r.exp.Snapshot).UTC().Truncate(time.Second)
	data, err := sign(r, m, metadata.SNAPSHOT)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(r.versionedPath(metadata.SNAPSHOT, version), data, 0o644); err != nil {
		return nil, err
	}
	return metaFile(version, data), nil
}

// writeTimestamp points the timestamp at snap (already written) and replaces
// timestamp.json: the one rename that publishes everything before it.
func (r *Repo) writeTimestamp(ts *metadata.Metadata[metadata.TimestampType], snap *metadata.Metadata[metadata.SnapshotType], version int64, now time.Time) error {
	data, err := os.ReadFile(r.versionedPath(metadata.SNAPSHOT, snap.Signed.Version))
	if err != nil {
		return err
	}
	ts.Signed.Version = version
	ts.Signed.Meta["snapshot.json"] = metaFile(snap.Signed.Version, data)
	ts.Signed.Expires = now.Add(r.exp.Timestamp).UTC().Truncate(time.Second)
	out, err := sign(r, ts, metadata.TIMESTAMP)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(metadataDir(r.dir), "timestamp.json"), out, 0o644)
}

// referenced reports whether the committed state still names a file (relative to the
// repository). Pruning asks before every deletion: stable's and unstable's pages of a
// project may have the same bytes, hence share one hash-prefixed file, and one role
// moving on must not delete the other's page.
func (t *txn) referenced(rel string) bool {
	parts := strings.Split(filepath.ToSlash(rel), "/")
	if t.r.lay.pep458 {
		return t.referencedPEP458(parts)
	}
	switch {
	case len(parts) == 2 && parts[0] == "metadata":
		return t.referencedMetadata(parts[1])
	case len(parts) == 4 && parts[0] == "targets" && parts[1] == "simple":
		sum, base, ok := strings.Cut(parts[3], ".")
		if !ok || (base != "index.html" && base != "index.json") {
			return true
		}
		for _, fam := range []string{keyStable, keyUnstable} {
			if yes, err := t.signs(fam, "simple/"+parts[2]+"/"+base, sum); err != nil || yes {
				return true
			}
		}
		return false
	}
	return true // never delete what we do not understand
}

// referencedMetadata reports whether the committed state names metadata file name.
func (t *txn) referencedMetadata(name string) bool {
	v, role, ok := strings.Cut(strings.TrimSuffix(name, ".json"), ".")
	if !ok {
		return true
	}
	if role == metadata.SNAPSHOT {
		return v == strconv.FormatInt(t.snap.Signed.Version, 10)
	}
	mf := t.snap.Signed.Meta[role+".json"]
	return mf == nil || v == strconv.FormatInt(mf.Version, 10)
}
