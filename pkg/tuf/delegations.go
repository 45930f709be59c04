package tuf

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/trustedmetadata"
	"github.com/tufpip/tufpip/internal/atomicfile"
)

// trustedDelegations holds the delegated targets roles loaded since the last refresh, each
// under the delegation that vouched for it: its name and the keys and threshold its parent
// gave it. go-tuf's trusted set keeps one copy per role name, verified against whichever
// delegation loaded it first (docs/reference.md, item 13): a role named "stable-1" that unstable-0
// delegates to with a key of its own would then stand in for the real stable-1 in every later
// walk, which passes over it to unstable-1. Here every edge a walk crosses is an edge whose
// delegation the child was verified against, and a name that two delegations claim with
// different keys or thresholds is refused.
type trustedDelegations struct {
	claims map[string]claim // role name -> the delegation it was first loaded through
	roles  map[delegation]*role
	top    *role // the top-level targets role, as the walks of this refresh read it
}

// delegation identifies what a role was verified against: its name and its keys and threshold
// as the parent lists them (key material included, not only key ids).
type delegation struct{ role, keys string }

type claim struct{ parent, keys string }

func newTrustedDelegations() *trustedDelegations {
	return &trustedDelegations{claims: map[string]claim{}, roles: map[delegation]*role{}}
}

// delegationOf describes the delegation of role in parent's metadata, as VerifyDelegate reads
// it: the first entry of that name, else the succinct hash bins.
func delegationOf(d *metadata.Delegations, role string) delegation {
	if d == nil {
		return delegation{role: role}
	}
	var ids []string
	threshold := 0
	if d.Roles != nil {
		for _, r := range d.Roles {
			if r.Name == role {
				ids, threshold = r.KeyIDs, r.Threshold
				break
			}
		}
	} else if d.SuccinctRoles != nil {
		ids, threshold = d.SuccinctRoles.KeyIDs, d.SuccinctRoles.Threshold
	}
	keys := make([]string, 0, len(ids))
	for _, id := range ids {
		k := d.Keys[id]
		if k == nil {
			keys = append(keys, strconv.Quote(id)+"=?")
			continue
		}
		keys = append(keys, strconv.Quote(id)+"="+strconv.Quote(k.Type)+"/"+strconv.Quote(k.Scheme)+"/"+strconv.Quote(k.Value.PublicKey))
	}
	slices.Sort(keys)
	return delegation{role: role, keys: strconv.Itoa(threshold) + ";" + strings.Join(keys, ",")}
}

// maxRoleName bounds a delegated role's name: it becomes a file name and a URL segment.
const maxRoleName = 128

// checkRoleName refuses delegated role names that could stand for something else: the
// top-level roles (whose cached files hold the trust state; in any case, for case-insensitive
// file systems), ".", "..", backslashes, control characters, empty or overly long names. A "/"
// is allowed: the name is percent-escaped wherever it becomes a file name or a URL (the TUF
// conformance suite expects "/delegatedrole" and "../delegatedrole" to be fetched escaped).
func checkRoleName(name string) error {
	for _, top := range []string{metadata.ROOT, metadata.TIMESTAMP, metadata.SNAPSHOT, metadata.TARGETS} {
		if strings.EqualFold(name, top) {
			return fmt.Errorf("it is the name of the top-level role %s", top)
		}
	}
	switch {
	case name == "":
		return errors.New("it is empty")
	case len(name) > maxRoleName:
		return fmt.Errorf("it is longer than %d bytes", maxRoleName)
	case name == "." || name == "..":
		return errors.New("it names a directory")
	case !utf8.ValidString(name):
		return errors.New("it is not valid utf-8")
	case strings.ContainsRune(name, '\\'):
		return errors.New("it contains a backslash")
	case strings.ContainsFunc(name, unicode.IsControl):
		return errors.New("it contains a control character")
	}
	return nil
}

// loadLimit says how a role is loaded: strictly (limit 0: the snapshot's length, at most
// MaxMetadataLength) for the roles an answer depends on, or within limit bytes for roles read
// only to explain an answer.
type loadLimit int64

// load returns child as delegated by parent (whose metadata is parentMD), loading it from
// the cache or the repository and verifying it against the trusted snapshot and that
// delegation alone: with tufpip's own loader (loadRawRole: one strict pass, signatures over
// exactly the bytes used), or with go-tuf for keys only go-tuf verifies. A role already
// verified against the same delegation in this refresh is not loaded again.
func (c *Client) load(ctx context.Context, tm trustedmetadata.TrustedMetadata, parent string, parentMD *role, child string, limit loadLimit) (md *role, err error) {
	if md := parentMD.children[child]; md != nil {
		// Verified against this very delegation earlier in this refresh, so it passed every
		// check below then (the name, the claim, the role); a walk per file of a page comes
		// here thousands of times.
		return md, nil
	}
	d := parentMD.delegationOf(child)
	if md := c.delegs.roles[d]; md != nil {
		parentMD.keepChild(child, md)
		return md, nil
	}
	file := child + ".json"
	defer func() {
		if r := recover(); r != nil {
			md, err = nil, recovered(r, file)
		}
	}()
	td := c.delegs
	if err := checkRoleName(child); err != nil {
		return nil, &VerificationError{Path: strconv.Quote(child), Role: parent,
			Reason: fmt.Sprintf("role %s delegates to a role name tufpip refuses: %v", parent, err)}
	}
	if prev, ok := td.claims[child]; ok && prev.keys != d.keys {
		return nil, &VerificationError{Path: file, Role: child,
			Reason: fmt.Sprintf("role %s is delegated by %s and by %s with different keys or thresholds; refusing both", child, prev.parent, parent)}
	}
	verify := func(data []byte, parsed *rawRole) (*role, error) {
		raw, err := loadParsedRole(&tm, data, parsed, child, parentMD.delegations())
		if !errors.Is(err, errFallback) {
			if err != nil {
				return nil, err
			}
			return &role{raw: raw}, nil
		}
		// A trusted set of our own, holding only this parent: go-tuf's checks (snapshot
		// version, length, signatures against this delegation, expiry) without its
		// one-role-per-name map. loadParsedRole has checked the snapshot's hashes for the
		// role (checkMetaFile) before it fell back: go-tuf's copy of the snapshot gives none,
		// as go-tuf knows only sha256 and sha512.
		scratch := trustedmetadata.TrustedMetadata{
			Root: tm.Root, Timestamp: tm.Timestamp, Snapshot: withoutMetaHashes(tm.Snapshot, file), RefTime: tm.RefTime,
			Targets: map[string]*metadata.Metadata[metadata.TargetsType]{parent: parentMD.goTUF()},
		}
		md, err := scratch.UpdateDelegatedTargets(data, child, parent)
		if err != nil {
			return nil, err
		}
		return &role{md: md}, nil
	}
	keep := func(md *role) {
		td.roles[d] = md
		parentMD.keepChild(child, md)
		if _, ok := td.claims[child]; !ok {
			td.claims[child] = claim{parent: parent, keys: d.keys}
		}
	}

	if tm.Snapshot == nil {
		return nil, &VerificationError{Path: file, Role: child, Reason: "no trusted snapshot"}
	}
	// Loading reads and writes the cache, which other processes share.
	unlock, err := c.l.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	meta, ok := tm.Snapshot.Signed.Meta[file]
	if !ok {
		return nil, &VerificationError{Path: file, Role: child, Reason: "role " + child + " is not listed in the trusted snapshot"}
	}
	length := meta.Length
	if length == 0 {
		length = 5000000 // go-tuf's TargetsMaxLength default (docs/reference.md, item 14)
	}
	length = min(length, MaxMetadataLength)
	if limit > 0 {
		if meta.Length > int64(limit) {
			return nil, &VerificationError{Path: file, Role: child, Reason: fmt.Sprintf("too large: the snapshot says %d bytes, more than the %d read to explain a choice", meta.Length, limit)}
		}
		length = min(length, int64(limit))
	}

	local := filepath.Join(c.l.delegated, escapeSegment(child)+".json")
	cached, parsed := c.prepared.take(local)
	if cached == nil {
		if fi, serr := os.Stat(local); serr == nil && fi.Mode().IsRegular() && fi.Size() <= length {
			cached, _ = os.ReadFile(local)
		}
	} else if int64(len(cached)) > length || len(cached) > maxPreparedBytes {
		cached, parsed = nil, nil
	}
	if cached != nil {
		md, err := verify(cached, parsed)
		if err == nil {
			keep(md)
			return md, nil
		}
		c.log.Debug("cached role is not valid; downloading it", "role", child, "error", err)
	}
	name := escapeSegment(child) + ".json"
	if tm.Root.Signed.ConsistentSnapshot {
		name = strconv.FormatInt(meta.Version, 10) + "." + name
	}
	data, err := c.fetcher.Get(ctx, ensureSlash(c.cfg.MetadataURL)+name, length)
	if err != nil {
		return nil, classify(err, file)
	}
	md, err = verify(data, nil)
	if err != nil {
		err = classify(err, file)
		var ve *VerificationError
		if errors.As(err, &ve) && ve.Reason != "" {
			ve.Reason += " (as delegated by " + parent + ")"
		}
		return nil, err
	}
	keep(md)
	// Not synced: a cached delegated role is verified in full on every read (loadRawRole), so
	// one lost or torn in a crash is only fetched again.
	if err := atomicfile.WriteFileUnsynced(local, data, 0o600); err != nil {
		c.log.Warn("cannot cache role metadata", "role", child, "error", err)
	}
	return md, nil
}
