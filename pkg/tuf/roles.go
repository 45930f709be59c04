package tuf

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// RoleNames are the roles a --require-role value may start with: the roles the top-level
// targets role delegates to, by the names Target.Role and Target.Chain use. With succinct hash
// bins (TAP 15) those are the bins themselves ("bins-3f", a bin that lists a target vouches
// for it) and, for tufpip's own layout where each bin delegates to stable-X and unstable-X,
// the names of those roles without the bin's suffix ("stable").
type RoleNames struct {
	Names []string // in precedence order

	// BinPrefix and BinBits describe the succinct hash bins, when targets delegates to them:
	// the bins are BinPrefix-0 … BinPrefix-(2^BinBits-1), hex, zero-padded to one width.
	BinPrefix string
	BinBits   int
}

// binName is the name of bin n.
func (r RoleNames) binName(n int64) string {
	width := len(strconv.FormatInt(int64(1)<<r.BinBits-1, 16))
	return fmt.Sprintf("%s-%0*x", r.BinPrefix, width, n)
}

// IsBin reports whether name is one of the succinct hash bins, exactly as the bins are named
// (lowercase hex of the bins' width).
func (r RoleNames) IsBin(name string) bool {
	if r.BinBits <= 0 || r.BinBits > 32 {
		return false
	}
	suffix, ok := strings.CutPrefix(name, r.BinPrefix+"-")
	if !ok {
		return false
	}
	n, err := strconv.ParseUint(suffix, 16, 64)
	return err == nil && n < uint64(1)<<r.BinBits && r.binName(int64(n)) == name
}

// Contains reports whether name is a role of r.
func (r RoleNames) Contains(name string) bool {
	return slices.Contains(r.Names, name) || r.IsBin(name)
}

// String lists the roles for a message, the bins as a range: "stable, unstable, bins-00 …
// bins-ff".
func (r RoleNames) String() string {
	list := slices.Clone(r.Names)
	if r.BinBits > 0 && r.BinBits <= 32 {
		first, last := r.binName(0), r.binName(int64(1)<<r.BinBits-1)
		if first == last {
			list = append(list, first)
		} else {
			list = append(list, first+" … "+last)
		}
	}
	return strings.Join(list, ", ")
}

// DelegatedRoles names the roles the top-level targets role delegates to (RoleNames): a
// --require-role value that does not start with one of them (or "targets") can match nothing.
// With succinct hash bins it loads the first bin, for the names of the roles each bin
// delegates to.
func (c *Client) DelegatedRoles(ctx context.Context) (RoleNames, error) {
	up, done, err := c.begin(ctx)
	if err != nil {
		return RoleNames{}, err
	}
	defer done()
	top := up.GetTrustedMetadataSet().Targets[metadata.TARGETS]
	if top == nil || top.Signed.Delegations == nil {
		return RoleNames{}, nil
	}
	d := top.Signed.Delegations
	if d.SuccinctRoles == nil {
		var out RoleNames
		for _, r := range d.Roles {
			out.Names = append(out.Names, r.Name)
		}
		return out, nil
	}
	out := RoleNames{BinPrefix: d.SuccinctRoles.NamePrefix, BinBits: d.SuccinctRoles.BitLength}
	if out.BinBits <= 0 || out.BinBits > 32 {
		return RoleNames{}, nil
	}
	first := out.binName(0)
	tm := up.GetTrustedMetadataSet()
	bin, err := c.load(ctx, tm, metadata.TARGETS, c.topRole(tm), first, MaxExplainRoleLength)
	if err != nil {
		return RoleNames{}, err
	}
	bd := bin.delegations()
	if bd == nil {
		return out, nil
	}
	suffix := strings.TrimPrefix(first, out.BinPrefix+"-") // "00"
	for _, r := range bd.Roles {
		// As vnode.child names them: only the roles named after their bin are a family.
		if n, ok := binFamily(r.Name, out.BinPrefix, suffix); ok && !slices.Contains(out.Names, n) {
			out.Names = append(out.Names, n)
		}
	}
	return out, nil
}

// binFamily names a role that the succinct hash bin binPrefix-binSuffix delegates to by its
// family, as tufpip's layout has them: "stable" for "stable-0a" under "bins-0a". ok is false
// for a name that is not the bin's suffix after a family, or whose family would read as a bin.
func binFamily(name, binPrefix, binSuffix string) (family string, ok bool) {
	family, ok = strings.CutSuffix(name, "-"+binSuffix)
	if !ok || family == "" || strings.HasPrefix(family, binPrefix+"-") {
		return "", false
	}
	return family, true
}
