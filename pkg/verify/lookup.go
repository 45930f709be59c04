package verify

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/trustedmetadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/updater"
)

// Target is a file the trusted metadata vouches for, and who vouched.
type Target struct {
	Path   string            // the TUF target path, e.g. "simple/foobar/index.html"
	Length int64             // signed length in bytes
	Hashes map[string]string // algorithm -> lowercase hex, as signed
	Custom json.RawMessage   // the target's "custom" object, nil when absent

	// Role is the role whose metadata lists the target (the vouching role);
	// Chain is the delegation path to it, e.g. ["targets", "stable"]. Both are
	// logical: succinct hash bins (TAP 15) only partition paths, so a bin is left
	// out of Chain and a child named after its bin ("stable-0a" under "bins-0a")
	// is named without the suffix ("stable"). Signer is the name of the role whose
	// metadata actually lists the target ("stable-0a").
	Role   string
	Chain  []string
	Signer string

	// URL is set only for files trusted through the hashes a trusted page lists
	// (DESIGN.md trust rule b) rather than through TUF metadata of their own:
	// they are downloaded from URL as is, and Length may be -1 when the page
	// gave no size. See PageFile.
	URL string
}

// VouchedBy reports whether role vouches for t: the role itself or a role it
// delegated to listed the target (--require-role). role names a delegation
// of the top-level targets role ("stable"), or a path of delegations from
// there ("stable/stable-2024"); "targets" accepts everything.
//
// A role is identified by where it sits in the tree, not by its name alone:
// a role named "stable" that unstable delegates to is not stable.
func (t *Target) VouchedBy(role string) bool {
	if role == "" {
		return false
	}
	want := strings.Split(role, "/")
	if want[0] != metadata.TARGETS {
		want = append([]string{metadata.TARGETS}, want...)
	}
	return len(t.Chain) >= len(want) && slices.Equal(t.Chain[:len(want)], want)
}

// maxDelegations mirrors go-tuf's default (config.New): the walk visits at
// most this many roles.
const maxDelegations = 32

// begin serialises one lookup: go-tuf's updater is not safe for concurrent use, and loading
// a delegated role writes the cache, which other processes share (hence the file lock).
func (c *Client) begin(ctx context.Context) (up *updater.Updater, done func(), err error) {
	c.mu.Lock()
	if up, err = c.trusted(); err != nil {
		c.mu.Unlock()
		return nil, nil, err
	}
	unlock, err := c.l.lock(ctx)
	if err != nil {
		c.mu.Unlock()
		return nil, nil, err
	}
	return up, func() { unlock(); c.mu.Unlock() }, nil
}

// Lookup returns the target as go-tuf's delegation walk finds it: the first
// role, in pre-order over the delegations, that lists path. With targets
// delegating to [stable, unstable] that is stable whenever stable lists it.
// A path no reachable role lists is a *NotFoundError.
func (c *Client) Lookup(ctx context.Context, path string) (*Target, error) {
	up, done, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer done()

	file, err := c.getTargetInfo(ctx, up, path)
	if err != nil {
		return nil, err
	}
	// go-tuf does not say which role matched (REFERENCE item 2): replay its
	// walk over the roles it has just loaded.
	matches, err := walk(up.GetTrustedMetadataSet(), path, false, nil, c.edges)
	if err != nil {
		return nil, err
	}
	if len(matches) == 0 || matches[0].file != file {
		return nil, &VerificationError{Path: path, Reason: "internal error: delegation replay disagrees with go-tuf"}
	}
	return matches[0].target(path), nil
}

// LookupAll returns every role that lists path, in precedence order (the
// first is what Lookup returns), each with its own signed length and hashes.
// It continues the delegation walk past the first match, loading (and
// verifying with go-tuf) the roles go-tuf did not need, and stops where a
// terminating delegation says so. Used to explain a choice, e.g.
// "2.0.1: signed only by unstable".
func (c *Client) LookupAll(ctx context.Context, path string) ([]*Target, error) {
	up, done, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer done()

	if _, err := c.getTargetInfo(ctx, up, path); err != nil {
		return nil, err
	}
	load := func(role, parent string) (*metadata.Metadata[metadata.TargetsType], error) {
		return c.loadRole(ctx, up, role, parent)
	}
	matches, err := walk(up.GetTrustedMetadataSet(), path, true, load, c.edges)
	if err != nil {
		return nil, err
	}
	out := make([]*Target, 0, len(matches))
	for _, m := range matches {
		out = append(out, m.target(path))
	}
	return out, nil
}

// getTargetInfo asks go-tuf, recovering from its panics, classifying its
// errors, and retrying once after removing a corrupt cached delegated role.
func (c *Client) getTargetInfo(ctx context.Context, up *updater.Updater, path string) (*metadata.TargetFiles, error) {
	file, err := c.getTargetInfoOnce(ctx, up, path)
	if err != nil && IsVerification(err) {
		if removed := removeCorrupt(c.l, c.log); len(removed) > 0 {
			file, err = c.getTargetInfoOnce(ctx, up, path)
		}
	}
	return file, err
}

func (c *Client) getTargetInfoOnce(ctx context.Context, up *updater.Updater, path string) (file *metadata.TargetFiles, err error) {
	c.tf.ctx, c.tf.last = ctx, ""
	defer func() {
		if r := recover(); r != nil {
			file, err = nil, recovered(r, c.panicFile(up, path))
		}
	}()
	file, err = up.GetTargetInfo(path)
	if err == nil {
		return file, nil
	}
	// go-tuf's "not found" is a bare fmt.Errorf (REFERENCE item 11): match
	// its exact text, and confirm with our own walk that no loaded role
	// lists the path, before calling it not found.
	if errors.Unwrap(err) == nil && err.Error() == fmt.Sprintf("target %s not found", path) {
		if m, werr := walk(up.GetTrustedMetadataSet(), path, false, nil, c.edges); werr == nil && len(m) == 0 {
			return nil, &NotFoundError{Path: path}
		}
	}
	where := c.tf.last
	if where == "" {
		where = path
	}
	return nil, classify(err, where)
}

// panicFile names the metadata go-tuf was verifying when it panicked: the
// role its walk was about to load (the last one fetched may have been
// earlier, or the role may have come from the cache).
func (c *Client) panicFile(up *updater.Updater, path string) (file string) {
	defer func() {
		if recover() != nil {
			file = c.tf.last
		}
	}()
	var ve *VerificationError
	if _, err := walk(up.GetTrustedMetadataSet(), path, false, nil, c.edges); errors.As(err, &ve) && ve.Role != "" {
		return ve.Role + ".json"
	}
	return c.tf.last
}

type match struct {
	chain   []string // delegation path from "targets" to the listing role
	logical []string // the same path with hash bins made transparent (see Target.Chain)
	file    *metadata.TargetFiles
}

func (m match) target(path string) *Target {
	hashes := make(map[string]string, len(m.file.Hashes))
	for alg, h := range m.file.Hashes {
		hashes[alg] = hex.EncodeToString(h)
	}
	var custom json.RawMessage
	if m.file.Custom != nil {
		custom = slices.Clone(*m.file.Custom)
	}
	return &Target{
		Path:   path,
		Length: m.file.Length,
		Hashes: hashes,
		Custom: custom,
		Role:   m.logical[len(m.logical)-1],
		Chain:  slices.Clone(m.logical),
		Signer: m.chain[len(m.chain)-1],
	}
}

type roleLoader func(role, parent string) (*metadata.Metadata[metadata.TargetsType], error)

// walk replays go-tuf's preOrderDepthFirstWalk (updater.go) over the trusted
// set: same stack discipline, same visited set and delegation limit, same
// terminating rule, and go-tuf's own GetRolesForTarget for the path patterns,
// so the role it names is the one go-tuf's answer came from. With all=false it
// stops at the first role listing path; with all=true it goes on as if that
// role had not listed it. A role not yet loaded is loaded with load, or is
// an error when load is nil.
//
// Each match's chain is re-verified edge by edge with go-tuf's VerifyDelegate:
// go-tuf caches a role by name and verifies it only against the first
// delegator that loaded it (REFERENCE item 13), so the same role reached
// through another parent could otherwise borrow the first parent's trust.
func walk(tm trustedmetadata.TrustedMetadata, path string, all bool, load roleLoader, edges verifiedEdges) ([]match, error) {
	type visit struct {
		role, parent string
		chain        []string
		logical      []string
		binSuffix    string // set when role is a succinct hash bin
	}
	stack := []visit{{role: metadata.TARGETS, parent: metadata.ROOT, chain: []string{metadata.TARGETS}, logical: []string{metadata.TARGETS}}}
	visited := map[string]bool{}
	var out []match
	for len(visited) <= maxDelegations && len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if visited[v.role] {
			continue
		}
		md := tm.Targets[v.role]
		if md == nil {
			if load == nil {
				return nil, &VerificationError{Path: path, Role: v.role, Reason: "internal error: role " + v.role + " was not loaded by the delegation walk"}
			}
			var err error
			if md, err = load(v.role, v.parent); err != nil {
				return nil, err
			}
		}
		if file, ok := md.Signed.Targets[path]; ok {
			if err := verifyChain(tm, v.chain, path, edges); err != nil {
				return nil, err
			}
			out = append(out, match{chain: v.chain, logical: v.logical, file: file})
			if !all {
				return out, nil
			}
		}
		visited[v.role] = true
		if md.Signed.Delegations == nil {
			continue
		}
		var children []visit
		succinct := md.Signed.Delegations.SuccinctRoles
		for _, r := range md.Signed.Delegations.GetRolesForTarget(path) {
			chain := append(slices.Clone(v.chain), r.Name)
			child := visit{role: r.Name, parent: v.role, chain: chain}
			switch {
			case succinct != nil:
				// A bin is transparent: it says which shard, not who vouches.
				child.logical = slices.Clone(v.logical)
				child.binSuffix = strings.TrimPrefix(r.Name, succinct.NamePrefix+"-")
			case v.binSuffix != "" && strings.HasSuffix(r.Name, "-"+v.binSuffix):
				child.logical = append(slices.Clone(v.logical), strings.TrimSuffix(r.Name, "-"+v.binSuffix))
			default:
				child.logical = append(slices.Clone(v.logical), r.Name)
			}
			children = append(children, child)
			if r.Terminating {
				stack = nil
				break
			}
		}
		slices.Reverse(children)
		stack = append(stack, children...)
	}
	return out, nil
}

// verifiedEdges remembers the delegations (parent metadata, role, child metadata) already
// verified since the last refresh. Verifying one re-encodes the child's whole metadata as
// canonical JSON, so doing it again for every file of every page made a 300-project run
// quadratic. The key is the metadata objects themselves: a refresh replaces them (and the
// cache), and a role reached through another parent is a different edge (item 13).
type verifiedEdges map[edge]bool

type edge struct {
	parent *metadata.Metadata[metadata.TargetsType]
	role   string
	child  *metadata.Metadata[metadata.TargetsType]
}

func verifyChain(tm trustedmetadata.TrustedMetadata, chain []string, path string, edges verifiedEdges) (err error) {
	for i := 1; i < len(chain); i++ {
		parent, child := tm.Targets[chain[i-1]], tm.Targets[chain[i]]
		if parent == nil || child == nil {
			return &VerificationError{Path: path, Role: chain[i], Reason: "internal error: delegation chain not loaded"}
		}
		e := edge{parent, chain[i], child}
		if edges[e] {
			continue
		}
		if err := safeVerifyDelegate(parent, chain[i], child); err != nil {
			return &VerificationError{
				Path:   path,
				Role:   chain[i],
				Reason: fmt.Sprintf("role %s is not signed by the keys %s delegates it to: %v", chain[i], chain[i-1], err),
				Err:    err,
			}
		}
		if edges != nil {
			edges[e] = true
		}
	}
	return nil
}

func safeVerifyDelegate(parent *metadata.Metadata[metadata.TargetsType], role string, child *metadata.Metadata[metadata.TargetsType]) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed key: %v", r)
		}
	}()
	return parent.VerifyDelegate(role, child)
}

// loadRole mirrors go-tuf's loadTargets for roles go-tuf's own walk did not
// need: cached copy first, else download (the version-prefixed name under
// consistent snapshots), verified by go-tuf's TrustedMetadata against the
// trusted snapshot and the delegator, then cached. The trusted set shares
// its Targets map with the updater, so go-tuf sees the role as loaded.
func (c *Client) loadRole(ctx context.Context, up *updater.Updater, role, parent string) (md *metadata.Metadata[metadata.TargetsType], err error) {
	tm := up.GetTrustedMetadataSet()
	file := role + ".json"
	defer func() {
		if r := recover(); r != nil {
			md, err = nil, recovered(r, file)
		}
	}()
	local := filepath.Join(c.l.metaDir, escapeSegment(role)+".json")
	if data, rerr := os.ReadFile(local); rerr == nil {
		md, err := tm.UpdateDelegatedTargets(data, role, parent)
		if err == nil {
			return md, nil
		}
		c.log.Debug("cached role is not valid; downloading it", "role", role, "error", err)
	}
	if tm.Snapshot == nil {
		return nil, &VerificationError{Path: file, Role: role, Reason: "no trusted snapshot"}
	}
	meta, ok := tm.Snapshot.Signed.Meta[file]
	if !ok {
		return nil, &VerificationError{Path: file, Role: role, Reason: "role " + role + " is not listed in the trusted snapshot"}
	}
	length := meta.Length
	if length == 0 {
		length = 5000000 // go-tuf's TargetsMaxLength default (REFERENCE item 14)
	}
	name := escapeSegment(role) + ".json"
	if tm.Root.Signed.ConsistentSnapshot {
		name = strconv.FormatInt(meta.Version, 10) + "." + name
	}
	data, err := c.fetcher.Get(ctx, ensureSlash(c.cfg.MetadataURL)+name, min(length, MaxMetadataLength))
	if err != nil {
		return nil, classify(err, file)
	}
	md, err = tm.UpdateDelegatedTargets(data, role, parent)
	if err != nil {
		return nil, classify(err, file)
	}
	if err := writeFileAtomic(local, data); err != nil {
		c.log.Warn("cannot cache role metadata", "role", role, "error", err)
	}
	return md, nil
}
