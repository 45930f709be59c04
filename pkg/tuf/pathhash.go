package tuf

import (
	"crypto/sha256"
	"encoding/hex"
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
