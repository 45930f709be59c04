package tuftest

import "github.com/theupdateframework/go-tuf/v2/metadata"

// WithSuccinctBins lays the repository out as PEP 458 does for PyPI: targets delegates to
// 2^bits succinct hash bins "bins-X" (TAP 15, one shared key) and to nothing else; the bins
// list the targets themselves (BinOf names a path's bin). It replaces the default delegations.
func WithSuccinctBins(bits int) Option {
	return func(c *settings) {
		c.bins = bits
		c.binsOnly = true
		c.delegations = nil
	}
}

// BinOf names the succinct hash bin a path falls in ("bins-3"), in a repository built
// WithHashBins or WithSuccinctBins.
func (r *Repo) BinOf(targetPath string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.targets[Targets].Signed.Delegations
	if d == nil || d.SuccinctRoles == nil {
		r.t.Fatalf("tuftest: BinOf %s: the repository has no succinct hash bins", targetPath)
	}
	return binOf(d.SuccinctRoles, targetPath)
}

func binOf(s *metadata.SuccinctRoles, targetPath string) string {
	return s.GetRolesForTarget(targetPath)[0].Name
}
