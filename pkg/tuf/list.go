package tuf

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// MaxListedRoles bounds the delegated roles ListPaths loads: in a hash-bin layout listing means
// loading every bin, and a repository of more bins than this is listed in part (ListPaths then
// returns what it found with a *ListTruncatedError).
const MaxListedRoles = 4096

// MaxListedPaths bounds the paths ListPaths returns.
const MaxListedPaths = 200_000

// ListPaths returns the target paths that begin with prefix and end with suffix in the roles
// reachable from the top-level targets role, sorted and without duplicates. Each role is
// loaded and verified as a walk would load it (against the delegation it is reached by) and,
// like every role loaded, kept for the refresh. ListPaths says which paths some role lists,
// not which role answers for them: a role may list a path it was not delegated, so callers
// decide each path with Find, as a lookup would. A role that cannot be loaded is left out
// with its delegations (Find, which needs it, reports the error); past MaxListedRoles roles
// or MaxListedPaths paths the list is cut short with a *ListTruncatedError.
func (c *Client) ListPaths(ctx context.Context, prefix, suffix string) (paths []string, err error) {
	up, done, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	defer func() {
		if r := recover(); r != nil {
			paths, err = nil, walkPanic(r, prefix+"*"+suffix)
		}
	}()
	tm := up.GetTrustedMetadataSet()
	type visit struct {
		name string
		md   *role
	}
	top := c.topRole(tm)
	stack := []visit{{metadata.TARGETS, top}}
	visited := map[string]bool{}
	seen := map[string]bool{}
	loaded := 0
	for len(stack) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if visited[v.name] {
			continue
		}
		visited[v.name] = true
		full := false
		v.md.paths(prefix, suffix, func(p string) bool {
			if !seen[p] {
				if len(seen) >= MaxListedPaths {
					full = true
					return false
				}
				seen[p] = true
				paths = append(paths, p)
			}
			return true
		})
		if full {
			err = &ListTruncatedError{Reason: fmt.Sprintf("more than %d paths", MaxListedPaths)}
			break
		}
		d := v.md.delegations()
		if d == nil {
			continue
		}
		var children []string
		if d.SuccinctRoles != nil {
			children = d.SuccinctRoles.GetRoles()
		} else {
			for _, r := range d.Roles {
				children = append(children, r.Name)
			}
		}
		var next []visit
		for _, child := range children {
			if visited[child] {
				continue
			}
			if loaded >= MaxListedRoles {
				err = &ListTruncatedError{Reason: fmt.Sprintf("more than %d delegated roles", MaxListedRoles)}
				break
			}
			loaded++
			md, lerr := c.load(ctx, tm, v.name, v.md, child, 0)
			if lerr != nil {
				c.log.Debug("role left out of the listing", "role", child, "error", lerr)
				continue
			}
			next = append(next, visit{child, md})
		}
		slices.Reverse(next)
		stack = append(stack, next...)
		if err != nil {
			break
		}
	}
	sort.Strings(paths)
	return paths, err
}

// paths calls fn with each target path of the role that begins with prefix and ends with
// suffix, until fn returns false.
func (r *role) paths(prefix, suffix string, fn func(string) bool) {
	if r.raw == nil {
		if r.md == nil {
			return
		}
		for p := range r.md.Signed.Targets {
			if strings.HasPrefix(p, prefix) && strings.HasSuffix(p, suffix) && !fn(p) {
				return
			}
		}
		return
	}
	ix, b := r.raw.targets, r.raw.signed
	// Keys are sorted by their decoded bytes: the paths with the prefix are one run of them.
	i, _ := slices.BinarySearchFunc(ix.keys, prefix, func(k span, p string) int {
		return compareKey(b[k.start:k.end], p)
	})
	for ; i < len(ix.keys); i++ {
		p, ok := canonicalString(b[ix.keys[i].start:ix.keys[i].end])
		if !ok || !strings.HasPrefix(p, prefix) {
			return
		}
		if strings.HasSuffix(p, suffix) && !fn(p) {
			return
		}
	}
}

// ListTruncatedError is a listing cut short at one of its bounds: the paths returned with it
// are a part of the list.
type ListTruncatedError struct{ Reason string }

func (e *ListTruncatedError) Error() string { return "tuf: listing cut short: " + e.Reason }
