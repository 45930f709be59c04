package repo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/tufpip/tufpip/internal/atomicfile"
)

// offlineWarning is how long before expiry Timestamp starts warning about roles that only
// the offline keys can renew.
const offlineWarning = 30 * 24 * time.Hour

// RenewResult reports what Renew re-signed.
type RenewResult struct {
	Renewed []string `json:"renewed"`
	Root    int64    `json:"rootVersion"`
}

// Renew re-signs the roles of the offline keys, root, targets and (hash-bin layout) the
// bins, with fresh expiries and unchanged content: run it with the offline keys at hand
// before they expire (tufpip repo timestamp warns 30 days ahead). The new root is written
// as N+1.root.json, which clients fetch on their next refresh; it keeps the same keys, so
// it is harmless even if the rest of the publish is interrupted.
func (r *Repo) Renew(ctx context.Context, now time.Time) (*RenewResult, error) {
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	for _, k := range []string{keyRoot, keyTargets} {
		if _, err := r.signer(k); err != nil {
			return nil, err
		}
	}
	if r.lay.offlineBins() {
		if _, err := r.signer(keyBins); err != nil {
			return nil, err
		}
	}
	t, unlock, err := r.beginLocked(ctx, now)
	if err != nil {
		return nil, err
	}
	defer unlock()
	rootPath := filepath.Join(metadataDir(r.dir), "root.json")
	data, err := os.ReadFile(rootPath)
	if err != nil {
		return nil, &MetadataError{Path: rootPath, Role: metadata.ROOT, Reason: "cannot read", Err: err}
	}
	root, err := metadata.Root().FromBytes(data)
	if err != nil {
		return nil, &MetadataError{Path: rootPath, Role: metadata.ROOT, Reason: "cannot parse", Err: err}
	}
	if err := checkOwnSignature(r, metadata.ROOT, root, rootPath); err != nil {
		return nil, err
	}
	// Load (and so check the signatures of) everything before writing anything.
	roles := []string{metadata.TARGETS}
	if r.lay.offlineBins() {
		roles = append(roles, r.lay.familyRoles(keyBins)...)
	}
	for _, name := range roles {
		if err := t.renew(name); err != nil {
			return nil, err
		}
	}
	if err := t.step("root"); err != nil {
		return nil, err
	}
	root.Signed.Version++
	root.Signed.Expires = t.signAt.Add(r.exp.Root).Truncate(time.Second)
	out, err := sign(r, root, metadata.ROOT)
	if err != nil {
		return nil, err
	}
	// The versioned file first: root.json is only a convenience copy for humans.
	if err := atomicfile.WriteFile(r.versionedPath(metadata.ROOT, root.Signed.Version), out, 0o644); err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(rootPath, out, 0o644); err != nil {
		return nil, err
	}
	res := &RenewResult{Root: root.Signed.Version, Renewed: append([]string{fmt.Sprintf("root (version %d)", root.Signed.Version)}, roles...)}
	if _, err := t.commit(false, true); err != nil {
		return nil, err
	}
	return res, nil
}

// offlineWarnings lists the roles signed with offline keys that expire within the warning
// window.
func (t *txn) offlineWarnings(root *metadata.Metadata[metadata.RootType]) ([]string, error) {
	var out []string
	warn := func(role string, exp time.Time) {
		if exp.Before(t.signAt.Add(offlineWarning)) {
			out = append(out, fmt.Sprintf("%s expires %s: run tufpip repo renew with the offline keys", role, exp.Format(time.RFC3339)))
		}
	}
	if root != nil {
		warn(metadata.ROOT, root.Signed.Expires)
	}
	names := []string{metadata.TARGETS}
	if t.r.lay.offlineBins() {
		names = append(names, t.r.lay.familyRoles(keyBins)[0]) // all bins are signed together
	}
	for _, n := range names {
		m, err := t.role(n)
		if err != nil {
			return nil, err
		}
		warn(n, m.Signed.Expires)
	}
	return out, nil
}
