package tuf

import (
	"context"
	"encoding/json"
	"slices"
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

	// Role is the role whose metadata lists the target (the vouching role), named by
	// its path of delegations below targets ("stable", "unstable/stable"; roleName);
	// Chain is the delegation path to it, e.g. ["targets", "stable"]. Both are the
	// names the repository uses, with one exception for tufpip's own layout: a
	// succinct hash bin (TAP 15) that delegates to roles named after it
	// ("stable-0a" and "unstable-0a" under "bins-0a") only partitions their paths,
	// so the bin is left out of Chain and those roles are named without the
	// suffix ("stable"). A bin that lists the target itself vouches for it: Role
	// "bins-3", Chain ["targets", "bins-3"]. Signer is the name of the role whose
	// metadata actually lists the target ("stable-0a"), and SignerChain the
	// delegation path to it as the repository has it ["targets", "bins-0a",
	// "stable-0a"].
	Role        string
	Chain       []string
	Signer      string
	SignerChain []string

	// URL is set only for files trusted through the hashes a trusted page lists
	// (docs/design.md trust rule b) rather than through TUF metadata of their own:
	// they are downloaded from URL as is, and Length may be -1 when the page
	// gave no size. See PageFile.
	URL string
}

// VouchedBy reports whether role vouches for t: the role itself or a role it
// delegated to listed the target (--require-role). role names a delegation
// of the top-level targets role ("stable", "bins-0a"), or a path of
// delegations from there ("stable/stable-2024"), in Chain's names or in
// SignerChain's ("bins-0a/stable-0a"); "targets" accepts everything.
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
	under := func(chain []string) bool {
		return len(chain) >= len(want) && slices.Equal(chain[:len(want)], want)
	}
	return under(t.Chain) || under(t.SignerChain)
}

// maxDelegations mirrors go-tuf's default (config.New): the walk visits at
// most this many roles.
const maxDelegations = 32

// MaxExplainRoleLength caps each role loaded only to explain an answer (the roles of lower
// precedence than the one that answered): an online key can sign a huge unstable.json, and
// it must not cost the user of a stable project memory or time.
const MaxExplainRoleLength = 8 << 20

// Query says how far a lookup walks the delegations.
type Query struct {
	// Accept picks the answer: the first role listing the path that Accept accepts (nil: the
	// first role listing it). Every role up to the answer is loaded strictly: any failure is
	// an error.
	Accept func(*Target) bool
	// Explain goes on past the answer, to report the lower-precedence roles that list the path
	// too. Those are loaded within MaxExplainRoleLength each, and one that cannot be loaded
	// (too large, expired, badly signed, unreachable) ends the explanation, never the answer:
	// Find then returns the matches so far with an *IncompleteError.
	Explain bool
}

// begin serialises one lookup: go-tuf's trusted set is not safe for concurrent use. The
// cache's file lock is taken only by a lookup that loads a role (Client.load): one answered
// from the roles already loaded touches no file.
func (c *Client) begin(ctx context.Context) (up *updater.Updater, done func(), err error) {
	c.mu.Lock()
	if up, err = c.trusted(); err != nil {
		c.mu.Unlock()
		return nil, nil, err
	}
	return up, c.mu.Unlock, nil
}

// Lookup returns the target as TUF's pre-order delegation walk finds it: the
// first role that lists path. With targets delegating to [stable, unstable]
// that is stable whenever stable lists it, and unstable is not even loaded.
// A path no reachable role lists is a *NotFoundError.
func (c *Client) Lookup(ctx context.Context, path string) (*Target, error) {
	all, err := c.Find(ctx, path, Query{})
	if err != nil {
		return nil, err
	}
	return all[0], nil
}

// LookupAll returns every role that lists path, in precedence order (the
// first is what Lookup returns), each with its own signed length and hashes:
// Find with Query{Explain: true}. Used to explain a choice, e.g.
// "2.0.1: signed only by unstable".
func (c *Client) LookupAll(ctx context.Context, path string) ([]*Target, error) {
	return c.Find(ctx, path, Query{Explain: true})
}

// Find walks the delegations for path as q says and returns the roles that list it, in
// precedence order. It stops where a terminating delegation says so. A path no reachable role
// lists is a *NotFoundError; an explanation cut short returns the matches so far and an
// *IncompleteError.
func (c *Client) Find(ctx context.Context, path string, q Query) (out []*Target, err error) {
	up, done, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, walkPanic(r, path)
		}
	}()
	matches, err := c.walk(ctx, up.GetTrustedMetadataSet(), path, q)
	if err != nil && matches == nil {
		return nil, err
	}
	if len(matches) == 0 {
		return nil, &NotFoundError{Path: path}
	}
	out = make([]*Target, 0, len(matches))
	for _, m := range matches {
		out = append(out, m.target(path))
	}
	return out, err
}

type match struct {
	node *vnode // the listing role, as the walk reached it
	file *entry
}

func (m match) target(path string) *Target {
	chain, logical := m.node.chain, m.node.logical
	if m.node.binSuffix != "" {
		logical = chain // a bin that lists the target itself vouches for it
	}
	return &Target{
		Path:        path,
		Length:      m.file.length,
		Hashes:      m.file.hashes, // each walk reads a fresh entry
		Custom:      slices.Clone(m.file.custom),
		Role:        roleName(logical),
		Chain:       slices.Clone(logical),
		Signer:      chain[len(chain)-1],
		SignerChain: slices.Clone(chain),
	}
}

// roleName is how output names the role at the end of chain: its path of delegations below
// the top-level targets role, as --require-role takes it ("stable", "bins-3f",
// "stable/stable-2024"), so that a role unstable delegates to and names "stable" reads
// "unstable/stable", never "stable"; "targets" for the top-level role itself.
func roleName(chain []string) string {
	if len(chain) <= 1 {
		return metadata.TARGETS
	}
	if len(chain) == 2 {
		return chain[1]
	}
	return strings.Join(chain[1:], "/")
}

// vnode is a role as walks reach it: its place in the delegation tree (the edge it was
// reached by, its chain), and the children it gives each path shape. Nodes live for one
// refresh (the root hangs off the top-level targets role), so the walks of a page's 8,000
// files share their chains and child lists instead of building them per file. A node only
// describes where a role sits: every walk still loads it through c.load, which checks it
// against the delegation crossed.
type vnode struct {
	role, parent   string
	parentMD       *role // nil for the top-level targets role
	chain, logical []string
	binSuffix      string // set when role is a succinct hash bin
	binPrefix      string // the bins' name prefix, when role is one

	md     *role                          // the metadata the memos below were computed from
	byName map[string]*vnode              // child nodes by role name
	kids   map[*metadata.RoleResult]vkids // children per memoised rolesFor answer
}

// vkids are the nodes a walk pushes for one rolesFor answer, in stack order (last visited
// first), and whether a terminating delegation among them cuts the rest of the walk.
type vkids struct {
	nodes       []*vnode
	terminating bool
}

// children returns the children n gives a path whose delegated roles (md.rolesForMemo) are res.
func (n *vnode) children(md *role, res []metadata.RoleResult, memo bool, succinct *metadata.SuccinctRoles) vkids {
	if n.md != md {
		n.md, n.byName, n.kids = md, nil, nil
	}
	if memo {
		if k, ok := n.kids[&res[0]]; ok {
			return k
		}
	}
	var k vkids
	for i := range res {
		k.nodes = append(k.nodes, n.child(md, res[i].Name, succinct))
		if res[i].Terminating {
			k.terminating = true
			break
		}
	}
	slices.Reverse(k.nodes)
	if memo {
		if n.kids == nil {
			n.kids = map[*metadata.RoleResult]vkids{}
		}
		n.kids[&res[0]] = k
	}
	return k
}

// child is the node of n's delegation to name.
func (n *vnode) child(md *role, name string, succinct *metadata.SuccinctRoles) *vnode {
	if c := n.byName[name]; c != nil {
		return c
	}
	// Capped so that append copies: siblings never share a backing array.
	c := &vnode{role: name, parent: n.role, parentMD: md, chain: append(n.chain[:len(n.chain):len(n.chain)], name)}
	switch {
	case succinct != nil:
		// A bin that delegates says which shard, not who vouches (see Target.Chain); one
		// that lists a target itself vouches for it (match.target).
		c.logical = n.logical
		c.binPrefix = succinct.NamePrefix
		c.binSuffix = strings.TrimPrefix(name, succinct.NamePrefix+"-")
	case n.binSuffix != "":
		// tufpip's layout: stable-0a under bins-0a is stable. Any other role under a bin is
		// named with its bin, so that no role a bin delegates to passes for a bin or for a
		// role of the top-level delegations.
		if family, ok := binFamily(name, n.binPrefix, n.binSuffix); ok {
			c.logical = append(n.logical[:len(n.logical):len(n.logical)], family)
		} else {
			c.logical = c.chain
		}
	default:
		c.logical = append(n.logical[:len(n.logical):len(n.logical)], name)
	}
	if n.byName == nil {
		n.byName = map[string]*vnode{}
	}
	n.byName[name] = c
	return c
}

// walkScratch is the walks' reused memory (walks run under the client's mutex).
type walkScratch struct {
	stack   []*vnode
	visited []string
	out     []match
}

// walk is TUF's preOrderDepthFirstWalk (go-tuf's updater.go): same stack discipline, visited
// set, delegation limit and terminating rule, and go-tuf's own path patterns, with hash
// prefixes matched as the TUF specification says (rolesForTarget). Delegated roles come from
// c.load, each verified against the delegation the walk crossed to reach it (see
// trustedDelegations). The matches returned are valid until the next walk.
func (c *Client) walk(ctx context.Context, tm trustedmetadata.TrustedMetadata, path string, q Query) ([]match, error) {
	top := c.topRole(tm)
	if top.node == nil {
		top.node = &vnode{role: metadata.TARGETS, parent: metadata.ROOT, chain: []string{metadata.TARGETS}, logical: []string{metadata.TARGETS}}
	}
	w := &c.scratch
	stack := append(w.stack[:0], top.node)
	visited := w.visited[:0] // at most maxDelegations+1: a slice beats a map per walk
	out := w.out[:0]
	defer func() { w.stack, w.visited, w.out = stack[:0], visited[:0], out[:0] }()
	answered := false
	for len(visited) <= maxDelegations && len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if slices.Contains(visited, v.role) {
			continue
		}
		md := top
		if v.parentMD != nil {
			var limit loadLimit
			if answered {
				limit = MaxExplainRoleLength
			}
			var err error
			if md, err = c.load(ctx, tm, v.parent, v.parentMD, v.role, limit); err != nil {
				if answered {
					return out, &IncompleteError{Role: v.role, Err: err}
				}
				return nil, err
			}
		}
		if md.md == nil && md.raw == nil {
			return nil, &VerificationError{Path: path, Role: v.role, Reason: "no trusted targets metadata"}
		}
		file, err := md.file(path)
		if err != nil {
			return nil, &VerificationError{Path: path, Role: v.role, Reason: err.Error(), Err: err}
		}
		if file != nil {
			m := match{node: v, file: file}
			out = append(out, m)
			if !answered && (q.Accept == nil || q.Accept(m.target(path))) {
				answered = true
				if !q.Explain {
					return out, nil
				}
			}
		}
		visited = append(visited, v.role)
		deleg := md.delegations()
		if deleg == nil {
			continue
		}
		res, memo := md.rolesForMemo(path)
		if len(res) == 0 {
			continue
		}
		kids := v.children(md, res, memo, deleg.SuccinctRoles)
		if kids.terminating {
			stack = stack[:0]
		}
		stack = append(stack, kids.nodes...)
	}
	return out, nil
}

// LookupResult is one path's answer in LookupEach: what Lookup would have returned.
type LookupResult struct {
	Target *Target
	Err    error
}

// LookupEach is Lookup for every path, under one hold of the client: the files of a page
// (8,000 of them) are looked up in one call instead of taking the client 8,000 times. Each
// path gets its own walk, with exactly Lookup's checks; the roles they share are loaded and
// verified once per refresh either way.
func (c *Client) LookupEach(ctx context.Context, paths []string) []LookupResult {
	out := make([]LookupResult, len(paths))
	up, done, err := c.begin(ctx)
	if err != nil {
		for i := range out {
			out[i].Err = err
		}
		return out
	}
	defer done()
	tm := up.GetTrustedMetadataSet()
	for i, path := range paths {
		if err := ctx.Err(); err != nil {
			out[i].Err = err
			continue
		}
		out[i].Target, out[i].Err = c.lookupLocked(ctx, tm, path)
	}
	return out
}

// lookupLocked is Find(path, Query{})[0] for a caller that holds the client.
func (c *Client) lookupLocked(ctx context.Context, tm trustedmetadata.TrustedMetadata, path string) (t *Target, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, walkPanic(r, path)
		}
	}()
	matches, err := c.walk(ctx, tm, path, Query{})
	if err != nil {
		return nil, err
	}
	if len(matches) == 0 {
		return nil, &NotFoundError{Path: path}
	}
	return matches[0].target(path), nil
}

// topRole is the top-level targets role of tm as walks read it, kept for the refresh so that
// what it memoises (delegation descriptions) is computed once.
func (c *Client) topRole(tm trustedmetadata.TrustedMetadata) *role {
	top := c.delegs.top
	if top == nil || top.md != tm.Targets[metadata.TARGETS] {
		top = &role{md: tm.Targets[metadata.TARGETS]}
		c.delegs.top = top
	}
	return top
}
