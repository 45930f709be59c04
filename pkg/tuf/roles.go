package tuf

import (
	"context"
	"slices"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// DelegatedRoles names the roles the top-level targets role delegates to, in precedence
// order ("stable", "unstable"), as Target.Role names them: with succinct hash bins
// (TAP 15) the bins are transparent, so the names come from the delegations of the first
// bin with its suffix removed, which may load that bin. A --require-role value that is not
// among them (or "targets") can match nothing.
func (c *Client) DelegatedRoles(ctx context.Context) ([]string, error) {
	up, done, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	top := up.GetTrustedMetadataSet().Targets[metadata.TARGETS]
	if top == nil || top.Signed.Delegations == nil {
		return nil, nil
	}
	d := top.Signed.Delegations
	if d.SuccinctRoles == nil {
		var names []string
		for _, r := range d.Roles {
			names = append(names, r.Name)
		}
		return names, nil
	}
	bins := d.SuccinctRoles.GetRoles()
	if len(bins) == 0 {
		return nil, nil
	}
	tm := up.GetTrustedMetadataSet()
	bin, err := c.load(ctx, tm, metadata.TARGETS, c.topRole(tm), bins[0], MaxExplainRoleLength)
	if err != nil {
		return nil, err
	}
	bd := bin.delegations()
	if bd == nil {
		return nil, nil
	}
	suffix := "-" + strings.TrimPrefix(bins[0], d.SuccinctRoles.NamePrefix+"-")
	var names []string
	for _, r := range bd.Roles {
		if n := strings.TrimSuffix(r.Name, suffix); !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names, nil
}
