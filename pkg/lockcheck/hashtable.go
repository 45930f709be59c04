package lockcheck

import (
	"slices"
	"sort"
	"strings"

	"github.com/tufpip/tufpip/pkg/finder"
	"github.com/tufpip/tufpip/pkg/lockfile"
	"github.com/tufpip/tufpip/pkg/pep440"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// hashTable is a project's trusted files by hash, split by whether they belong to the locked
// version, so a wrong hash can be told apart from a hash of another release.
type hashTable struct {
	version []*finder.File
	byHash  map[string]*finder.File // "alg:hex" -> trusted file of the locked version
	other   map[string]*finder.File // "alg:hex" -> trusted file of another version
	algs    map[string]bool         // algorithms the locked version's files record
	// unvouched holds files the view lists that the required role does not vouch for.
	unvouched map[string]*finder.File
}

func newHashTable(proj *finder.Project, want pep440.Version, requireRole string) *hashTable {
	ht := &hashTable{byHash: map[string]*finder.File{}, other: map[string]*finder.File{}, algs: map[string]bool{}, unvouched: map[string]*finder.File{}}
	for _, f := range proj.Files {
		if requireRole != "" && !vouched(proj, f, requireRole) {
			// The finder applies the policy already; a view built without it must not
			// let a file through that the required role never vouched for.
			for alg, h := range evidence(proj, f) {
				ht.unvouched[alg+":"+h] = f
			}
			continue
		}
		into, mine := ht.other, f.Dist.Version.Compare(want) == 0
		if mine {
			into = ht.byHash
			ht.version = append(ht.version, f)
		}
		for alg, h := range evidence(proj, f) {
			if mine {
				ht.algs[alg] = true
			}
			into[alg+":"+h] = f
		}
	}
	return ht
}

// recorded names the algorithms the locked version's files record, for a message: the
// strong ones a lock can pin, else (targets signed with blake2b-256 alone, PyPI's TUF hash,
// on a page that gives no hash) what their targets carry.
func (ht *hashTable) recorded() string {
	if len(ht.algs) > 0 {
		return strings.Join(sortedKeys(ht.algs), ", ")
	}
	algs := map[string]bool{}
	for _, f := range ht.version {
		if f.Target != nil {
			for alg := range f.Target.Hashes {
				algs[alg] = true
			}
		}
	}
	return strings.Join(sortedKeys(algs), ", ") + ", which no lockfile pins"
}

// vouched reports whether the required role vouches for f: it listed the file as a target,
// or it signed the page that lists the file with a strong hash (trust rule b).
func vouched(proj *finder.Project, f *finder.File, role string) bool {
	if f.Target != nil && f.Target.VouchedBy(role) {
		return true
	}
	return proj.Page != nil && proj.Page.VouchedBy(role) && f.Role == proj.Page.Role && len(strongOnly(f.File.Hashes)) > 0
}

// evidence returns the strong hashes (algorithm -> lowercase hex) that vouch for a trusted
// file. When the page and the file's own target come from the same role, both count. When
// they come from different roles and the page pins the file with a strong hash, only the
// page's hashes count: the other role's target may add a hash in another algorithm for other
// bytes (the page pins the file by sha256, an unstable target adds a sha512 of something
// else), and a lock pinning that hash must not pass.
func evidence(proj *finder.Project, f *finder.File) map[string]string {
	page := strongOnly(f.File.Hashes)
	out := make(map[string]string, len(page)+2)
	for alg, h := range page {
		out[alg] = strings.ToLower(h)
	}
	if f.Target == nil || len(page) > 0 && !sameRole(f.Target, proj.Page) {
		return out
	}
	// The finder has dropped files whose page and target disagree where both record an
	// algorithm, so the target's hash and the page's are the same there.
	for alg, h := range strongOnly(f.Target.Hashes) {
		out[alg] = strings.ToLower(h)
	}
	return out
}

// sameRole reports whether two targets were vouched for by the same role, identified by its
// place in the delegation tree.
func sameRole(a, b *tuf.Target) bool {
	if a == nil || b == nil {
		return false
	}
	if len(a.Chain) > 0 || len(b.Chain) > 0 {
		return slices.Equal(a.Chain, b.Chain)
	}
	return a.Role == b.Role
}

func strongOnly(h map[string]string) map[string]string {
	out := map[string]string{}
	for alg, v := range h {
		if (lockfile.Hash{Algorithm: alg}).Strong() && v != "" {
			out[alg] = v
		}
	}
	return out
}

// skip is a file the trusted view leaves out because of who signed it.
type skip struct{ filename, reason, role string }

// roleSkip finds, in the view's skipped list, a file of the locked version (the entry's
// own file when it names one) left out because of the role that signed it: listed only by
// a lower-precedence role's page, or not signed by the required role (resolve.Skip.Role).
func roleSkip(proj *finder.Project, e lockfile.Entry, v pep440.Version) (skip, bool) {
	for _, s := range proj.Skipped {
		if e.Filename != "" && s.Filename != e.Filename {
			continue
		}
		sv, err := pep440.Parse(s.Version)
		if err != nil || sv.Compare(v) != 0 {
			continue
		}
		if s.Role() {
			return skip{filename: s.Filename, reason: s.Reason, role: s.SignedBy}, true
		}
	}
	return skip{}, false
}

func pageRole(proj *finder.Project) string {
	if proj.Page != nil && proj.Page.Role != "" {
		return proj.Page.Role
	}
	return "the highest-precedence role"
}

func label(e lockfile.Entry) string {
	name := e.Name
	switch {
	case name == "" && e.Raw != "":
		return e.Raw
	case name == "" && e.URL != "":
		return e.URL
	case name == "":
		name = e.Path
	}
	if e.Version != "" {
		name += "==" + e.Version
	}
	if e.Filename != "" && e.Kind != lockfile.KindRequirement {
		return name + " (" + e.Filename + ")"
	}
	return name
}

func short(h lockfile.Hash) string {
	hex := h.Hex
	if len(hex) > 16 {
		hex = hex[:16] + "…"
	}
	return h.Algorithm + ":" + hex
}

func algorithms(hs []lockfile.Hash) string {
	var out []string
	for _, h := range hs {
		out = appendUnique(out, h.Algorithm)
	}
	return strings.Join(out, ", ")
}

func appendUnique(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
