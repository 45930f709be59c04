// Package lockcheck decides whether each entry of a lockfile is a file the TUF repository
// vouches for. It takes the lockfile's entries and the trusted view of their projects (from
// pkg/finder) and returns one verdict per entry; it does no I/O, so every rule is tested with
// plain values.
//
// Markers do not exempt an entry: a lockfile pins files for every platform it supports, and
// each of them must be trusted, whatever the machine that checks it.
package lockcheck

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/tufpip/tufpip/pkg/finder"
	"github.com/tufpip/tufpip/pkg/lockfile"
	"github.com/tufpip/tufpip/pkg/pep440"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// Status is the verdict on one entry.
type Status string

const (
	OK             Status = "ok"
	HashNotTrusted Status = "hash-not-trusted" // a locked hash matches no trusted file
	RolePolicy     Status = "role-policy"      // trusted, but not by the required role
	NotPinned      Status = "not-pinned"       // no exact version, or no usable hash
	NotFound       Status = "not-found"        // project or version unknown to the trusted set
	Yanked         Status = "yanked"           // the trusted file is yanked
	Unverifiable   Status = "unverifiable"     // a URL, path, VCS or directory source
	Error          Status = "error"            // the project could not be checked (network, verification)
)

// Result is the verdict on one entry, with what a user needs to act on it.
type Result struct {
	Entry  lockfile.Entry `json:"-"`
	Status Status         `json:"status"`
	Role   string         `json:"role,omitempty"`   // the vouching role of the matched files
	Reason string         `json:"reason,omitempty"` // lowercase, names the file and the hash
	Hint   string         `json:"hint,omitempty"`
	Files  []string       `json:"files,omitempty"` // the trusted files the locked hashes matched
}

// Passed reports whether the entry is acceptable.
func (r Result) Passed() bool { return r.Status == OK }

// Check returns the verdict on one entry, given its project's trusted view or the error
// that looking it up produced.
func Check(e lockfile.Entry, proj *finder.Project, projErr error, requireRole string) Result {
	r := Result{Entry: e}
	fail := func(s Status, hint, format string, args ...any) Result {
		r.Status, r.Hint, r.Reason = s, hint, fmt.Sprintf(format, args...)
		return r
	}
	if !e.Kind.Verifiable() || e.Editable || (e.Kind == lockfile.KindRequirement && (e.URL != "" || e.Path != "")) {
		return fail(Unverifiable, "lock only files from the index: a URL, path, VCS or directory source is not vouched for by TUF",
			"%s is a %s source, which no TUF role can vouch for", label(e), sourceKind(e))
	}
	if !e.Pinned || e.Version == "" {
		return fail(NotPinned, "pin exact versions with hashes, e.g. pip-compile --generate-hashes",
			"%s is not pinned to one version", label(e))
	}
	var strong []lockfile.Hash
	for _, h := range e.Hashes {
		if h.Strong() {
			strong = append(strong, h)
		}
	}
	if len(strong) == 0 {
		if len(e.Hashes) > 0 {
			return fail(NotPinned, "lock sha256 hashes (pip-compile --generate-hashes)", "%s has only weak hashes (%s)", label(e), algorithms(e.Hashes))
		}
		return fail(NotPinned, "lock sha256 hashes (pip-compile --generate-hashes)", "%s has no hash", label(e))
	}
	if projErr != nil {
		var np *finder.NoPageError
		if errors.As(projErr, &np) {
			if len(np.Roles) > 0 {
				r.Role = np.Roles[0]
				return fail(RolePolicy, "drop --require-role, or wait until "+requireRole+" signs it",
					"%s: project %s is vouched for only by %s, not by %s", label(e), np.Project, strings.Join(np.Roles, ", "), requireRole)
			}
			return fail(NotFound, "check the name, or whether this repository serves the project", "%s: project %s is not in the trusted set", label(e), np.Project)
		}
		return fail(Error, "", "%s: %v", label(e), projErr)
	}
	want, err := pep440.Parse(e.Version)
	if err != nil {
		return fail(NotPinned, "", "%s: version %q is not a PEP 440 version", label(e), e.Version)
	}

	byHash := map[string]*finder.File{}
	versionFound := false
	for _, f := range proj.Files {
		if f.Dist.Version.Compare(want) != 0 {
			continue
		}
		versionFound = true
		for alg, h := range f.Target.Hashes {
			byHash[alg+":"+strings.ToLower(h)] = f
		}
	}
	if !versionFound {
		if reason := skippedReason(proj, e, want); reason != "" {
			return fail(RolePolicy, "drop --require-role, or wait until "+requireRole+" signs it", "%s: %s", label(e), reason)
		}
		return fail(NotFound, "", "%s: version %s of %s is not in the trusted set", label(e), want, proj.Name)
	}
	roles := map[string]bool{}
	for _, h := range strong {
		f := byHash[h.Algorithm+":"+h.Hex]
		if f == nil {
			if reason := skippedReason(proj, e, want); reason != "" {
				return fail(RolePolicy, "", "%s: %s", label(e), reason)
			}
			return fail(HashNotTrusted, "the file behind this hash is not one the repository vouches for: re-lock from the trusted index",
				"%s: hash %s is not a trusted file of %s %s", label(e), short(h), proj.Name, want)
		}
		if e.Filename != "" && f.File.Filename != e.Filename {
			return fail(HashNotTrusted, "", "%s: hash %s belongs to %s, not %s", label(e), short(h), f.File.Filename, e.Filename)
		}
		if e.Size >= 0 && f.Target.Length >= 0 && e.Size != f.Target.Length {
			return fail(HashNotTrusted, "", "%s: locked size %d, but the trusted file is %d bytes", label(e), e.Size, f.Target.Length)
		}
		if f.File.Yanked {
			reason := "yanked"
			if f.File.YankedReason != "" {
				reason += ": " + f.File.YankedReason
			}
			r.Role = f.Role
			return fail(Yanked, "upgrade to a release that is not yanked", "%s: %s is %s", label(e), f.File.Filename, reason)
		}
		roles[f.Role] = true
		r.Files = appendUnique(r.Files, f.File.Filename)
	}
	r.Status, r.Role = OK, strings.Join(sortedKeys(roles), ",")
	return r
}

// skippedReason explains, from the finder's skipped list, why a version or file the entry
// names is not trusted: signed only by a lower-precedence role, or not by the required one.
func skippedReason(proj *finder.Project, e lockfile.Entry, v pep440.Version) string {
	for _, s := range proj.Skipped {
		if e.Filename != "" && s.Filename != e.Filename {
			continue
		}
		sv, err := pep440.Parse(s.Version)
		if err != nil || sv.Compare(v) != 0 {
			continue
		}
		if strings.Contains(s.Reason, "signed") {
			return s.Filename + " " + s.Reason
		}
	}
	return ""
}

func label(e lockfile.Entry) string {
	name := e.Name
	if e.Version != "" {
		name += "==" + e.Version
	}
	if e.Filename != "" {
		return name + " (" + e.Filename + ")"
	}
	return name
}

func sourceKind(e lockfile.Entry) string {
	switch {
	case e.Editable:
		return "editable"
	case e.Kind == lockfile.KindVCS:
		return "VCS"
	case e.Kind == lockfile.KindDirectory:
		return "directory"
	case e.URL != "":
		return "direct URL"
	}
	return "local path"
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

// Project returns the PEP 503 name an entry's project is looked up by.
func Project(e lockfile.Entry) string { return simpleindex.NormalizeName(e.Name) }
