package tuf

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// rolesForTarget is go-tuf's Delegations.GetRolesForTarget with path_hash_prefixes matched as
// the TUF specification says: a role is delegated a path when the lowercase hex SHA-256 of the
// path starts with one of its prefixes. go-tuf v2.4.2 compares the prefixes with the base64url
// encoding of the hash instead, so a role delegated that way is never consulted
// (docs/reference.md, item 16). Path patterns, succinct hash bins and the order and
// terminating flags of the answer are go-tuf's own.
func rolesForTarget(d *metadata.Delegations, path string) []metadata.RoleResult {
	if d.Roles == nil {
		return d.GetRolesForTarget(path) // succinct hash bins, or none
	}
	var res []metadata.RoleResult
	var sum string // the path's hex SHA-256, computed when a role first needs it
	for i := range d.Roles {
		r := &d.Roles[i]
		if delegatedPath(r, path, &sum) {
			res = append(res, metadata.RoleResult{Name: r.Name, Terminating: r.Terminating})
		}
	}
	return res
}

// delegatedPath reports whether r is delegated path: by its path patterns when it has any (as
// go-tuf decides, which then never looks at hash prefixes), else by its hash prefixes.
func delegatedPath(r *metadata.DelegatedRole, path string, sum *string) bool {
	if len(r.Paths) > 0 {
		ok, err := r.IsDelegatedPath(path)
		return err == nil && ok
	}
	if len(r.PathHashPrefixes) == 0 {
		return false
	}
	if *sum == "" {
		h := sha256.Sum256([]byte(path))
		*sum = hex.EncodeToString(h[:])
	}
	for _, p := range r.PathHashPrefixes {
		if strings.HasPrefix(*sum, p) {
			return true
		}
	}
	return false
}

// hashPrefixIndex answers rolesForTarget without trying every role in turn: a repository of
// 16,384 bins delegated by hash prefixes (PEP 458's first layout) cost 16,384 comparisons per
// path, 1.4 s for the files of one page of 8,000; the index costs one map lookup per distinct
// prefix length.
type hashPrefixIndex struct {
	lens     []int            // the distinct lengths of the prefixes
	byPrefix map[string][]int // prefix -> the indexes of the roles delegated it, ascending
	byPaths  []int            // the roles delegated by path patterns, tried one by one
	hits     []int            // scratch (walks run under the client's mutex)
}

func newHashPrefixIndex(d *metadata.Delegations) *hashPrefixIndex {
	ix := &hashPrefixIndex{byPrefix: map[string][]int{}}
	for i := range d.Roles {
		r := &d.Roles[i]
		if len(r.Paths) > 0 {
			ix.byPaths = append(ix.byPaths, i)
			continue
		}
		for _, p := range r.PathHashPrefixes {
			if len(p) > sha256.Size*2 {
				continue // longer than any hex digest: never matches
			}
			if l := ix.byPrefix[p]; len(l) == 0 || l[len(l)-1] != i {
				ix.byPrefix[p] = append(l, i)
			}
			if !slices.Contains(ix.lens, len(p)) {
				ix.lens = append(ix.lens, len(p))
			}
		}
	}
	return ix
}

// rolesFor is rolesForTarget(d, path) for the d the index was built from.
func (ix *hashPrefixIndex) rolesFor(d *metadata.Delegations, path string) []metadata.RoleResult {
	hits := ix.hits[:0]
	var sum string
	for _, i := range ix.byPaths {
		if delegatedPath(&d.Roles[i], path, &sum) {
			hits = append(hits, i)
		}
	}
	if len(ix.lens) > 0 {
		h := sha256.Sum256([]byte(path))
		var buf [sha256.Size * 2]byte
		hex.Encode(buf[:], h[:])
		for _, l := range ix.lens {
			hits = append(hits, ix.byPrefix[string(buf[:l])]...)
		}
	}
	slices.Sort(hits)
	hits = slices.Compact(hits)
	var res []metadata.RoleResult
	for _, i := range hits {
		res = append(res, metadata.RoleResult{Name: d.Roles[i].Name, Terminating: d.Roles[i].Terminating})
	}
	ix.hits = hits
	return res
}
