package tuftest

import (
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// binPrefix is the name prefix of the succinct hash bins (as pkg/repo names them).
const binPrefix = "bins"

func (r *Repo) addHashBins(bits int) {
	r.t.Helper()
	keys := newKeys(r.t, 1)
	top := r.targets[Targets]
	top.Signed.Delegations = &metadata.Delegations{
		Keys: map[string]*metadata.Key{keys[0].ID(): keys[0].Metadata()},
		SuccinctRoles: &metadata.SuccinctRoles{
			KeyIDs: []string{keys[0].ID()}, Threshold: 1, BitLength: bits, NamePrefix: binPrefix,
		},
	}
	for _, bin := range top.Signed.Delegations.SuccinctRoles.GetRoles() {
		r.keys[bin] = keys
		r.delegs[bin] = &Delegation{Name: bin, Parent: Targets, Keys: 1, Threshold: 1}
		r.order = append(r.order, bin)
		r.targets[bin] = metadata.Targets(r.expiry(bin))
		r.dirty[bin] = true
	}
	if r.cfg.binsOnly {
		r.dirty[Targets] = true
		return
	}
	for _, bin := range top.Signed.Delegations.SuccinctRoles.GetRoles() {
		suffix := strings.TrimPrefix(bin, binPrefix+"-")
		r.addDelegation(Delegation{Name: Stable + "-" + suffix, Parent: bin})
		r.addDelegation(Delegation{Name: Unstable + "-" + suffix, Parent: bin})
	}
	r.dirty[Targets] = true
}

// Bin names the role of family (Stable or Unstable) that signs targetPath in a repository
// built WithHashBins: "stable-1". In the flat layout it is family itself.
func (r *Repo) Bin(family, targetPath string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.targets[Targets].Signed.Delegations
	if d == nil || d.SuccinctRoles == nil {
		return family
	}
	return family + "-" + strings.TrimPrefix(binOf(d.SuccinctRoles, targetPath), binPrefix+"-")
}
