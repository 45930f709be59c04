// Package lockcheck decides whether each entry of a lockfile is a file the TUF repository
// vouches for. It takes the lockfile's entries and the trusted view of their projects (from
// pkg/finder) and returns one verdict per entry; it does no I/O, so every rule is tested with
// plain values.
//
// The rule is the one an installer's hash check needs: pip accepts a download that matches
// any one of the hashes a requirement lists, so every locked hash must be the hash of a
// trusted file of the locked version, and a hash that cannot be compared with the trusted
// set (a weak algorithm, or one the repository does not record) fails the entry. Where the
// lockfile records a filename or a size, they must be the trusted file's.
//
// Markers do not exempt an entry: a lockfile pins files for every platform it supports, and
// each of them must be trusted, whatever the machine that checks it.
//
// Sources no TUF role can vouch for (VCS, direct URLs, local archives) fail; a local source
// tree (the project itself, which uv.lock always lists, or -e ./src) passes as Local, since
// nothing is fetched for it. Without a required role the page of the highest-precedence role
// decides, as it does for tufpip install: a version only unstable signed, of a project stable
// signs, is not found.
package lockcheck

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tufpip/tufpip/pkg/finder"
	"github.com/tufpip/tufpip/pkg/lockfile"
	"github.com/tufpip/tufpip/pkg/pep440"
	"github.com/tufpip/tufpip/pkg/simpleindex"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// Status is the verdict on one entry.
type Status string

const (
	OK             Status = "ok"
	HashNotTrusted Status = "hash-not-trusted" // a locked hash, filename or size matches no trusted file
	RolePolicy     Status = "role-policy"      // trusted, but not by the required role
	NotPinned      Status = "not-pinned"       // no exact version, or no usable hash
	NotFound       Status = "not-found"        // project or version unknown to the trusted set
	Yanked         Status = "yanked"           // the trusted file is yanked
	Unverifiable   Status = "unverifiable"     // a VCS, direct URL or local archive source
	Local          Status = "local"            // a local source tree (the project itself, a workspace member): nothing is fetched, nothing to verify
	Error          Status = "error"            // the project could not be checked (network, verification)
)

// Result is the verdict on one entry, with what a user needs to act on it.
type Result struct {
	Entry  lockfile.Entry `json:"-"`
	Status Status         `json:"status"`
	Role   string         `json:"role,omitempty"`   // the vouching role(s) of the matched files, comma-separated
	Reason string         `json:"reason,omitempty"` // lowercase, names the entry, the file and the hash
	Hint   string         `json:"hint,omitempty"`
	Files  []string       `json:"files,omitempty"` // the trusted files the locked hashes matched
	// Err is the lookup error behind an Error verdict, for errors.As (a verification
	// failure of the project's page is a failed verification, not a network problem).
	Err error `json:"-"`
}

// Passed reports whether the entry is acceptable: a trusted file, or a local source tree,
// which is installed from the user's own disk and never fetched from an index.
func (r Result) Passed() bool { return r.Status == OK || r.Status == Local }

// Hints, one place for the advice a failed entry carries.
const (
	hintUnverifiable = "lock only files from the index: a VCS, URL or local archive source is not vouched for by TUF"
	hintPin          = "pin exact versions with hashes, e.g. pip-compile --generate-hashes"
	hintHashes       = "lock sha256 hashes (pip-compile --generate-hashes, uv pip compile --generate-hashes)"
	hintIndexHashes  = "the index this was locked from gave no sha256 for the file: lock against one that does, such as tufpip serve's verifying index"
	hintRelock       = "the file behind this hash is not one the repository vouches for: re-lock from the trusted index"
	hintWeak         = "drop md5, sha1 and sha224 hashes: lock sha256 (or stronger) only"
	hintYanked       = "upgrade to a release that is not yanked"
	hintNotFound     = "check the name and version, or whether this repository serves the project"
	hintNetwork      = "check the repository URL and your connection, then run tufpip verify again"
	hintVerification = "the repository or something between it and you served data that does not verify; do not install from it until this is explained"
)

func hintRole(role string) string {
	return "lock a version " + role + " vouches for, or drop --require-role " + role + " to accept it"
}

// Check returns the verdict on one entry. proj is the project's trusted view under the
// policy (a finder.Finder configured with requireRole), or projErr is what looking it up
// produced. A view read with finder.Config.Explain lets Check name the role that signed a
// version the view leaves out.
func Check(e lockfile.Entry, proj *finder.Project, projErr error, requireRole string) Result {
	c := checker{r: Result{Entry: e}, e: e, role: requireRole}
	return c.check(proj, projErr)
}

type checker struct {
	r    Result
	e    lockfile.Entry
	role string // the required role, "" for none
}

func (c *checker) fail(s Status, hint, format string, args ...any) Result {
	c.r.Status, c.r.Hint = s, hint
	c.r.Reason = label(c.e) + ": " + fmt.Sprintf(format, args...)
	return c.r
}

// failPlain is fail for reasons that read as a sentence about the entry ("foobar has no hash").
func (c *checker) failPlain(s Status, hint, format string, args ...any) Result {
	c.r.Status, c.r.Hint = s, hint
	c.r.Reason = label(c.e) + " " + fmt.Sprintf(format, args...)
	return c.r
}

func (c *checker) check(proj *finder.Project, projErr error) Result {
	e := c.e
	if isLocalTree(e) {
		c.r.Status, c.r.Reason = Local, label(e)+" is a local source tree: it is not fetched from an index, so there is nothing to verify"
		return c.r
	}
	if kind := sourceKind(e); kind != "" {
		return c.failPlain(Unverifiable, hintUnverifiable, "is %s source, which no TUF role can vouch for", kind)
	}
	if !e.Pinned || e.Version == "" {
		return c.failPlain(NotPinned, hintPin, "is not pinned to one version")
	}
	strong := 0
	for _, h := range e.Hashes {
		if h.Strong() {
			strong++
		}
	}
	if strong == 0 {
		if len(e.Hashes) > 0 {
			return c.failPlain(NotPinned, hintHashes, "has only weak hashes (%s), which prove nothing about the file", algorithms(e.Hashes))
		}
		if e.Kind != lockfile.KindRequirement || e.Source != "" {
			// A lock from uv, Poetry or pipenv has no hash when its index served none (they
			// record what the page gives): regenerating with another flag won't help.
			return c.failPlain(NotPinned, hintIndexHashes, "has no hash")
		}
		return c.failPlain(NotPinned, hintHashes, "has no hash")
	}
	if projErr != nil {
		return c.lookupFailed(projErr)
	}
	if proj == nil {
		return c.fail(Error, "", "no trusted view of project %s", Project(e))
	}
	want, err := pep440.Parse(e.Version)
	if err != nil {
		return c.fail(NotPinned, hintPin, "version %q is not a PEP 440 version", e.Version)
	}
	ht := newHashTable(proj, want, c.role)
	for _, h := range e.Hashes {
		if f := ht.unvouched[h.Algorithm+":"+h.Hex]; f != nil {
			c.r.Role = f.Role
			return c.fail(RolePolicy, hintRole(c.role), "hash %s is %s, vouched for by %s, not by %s", short(h), f.File.Filename, f.Role, c.role)
		}
	}
	if len(ht.version) == 0 {
		return c.versionMissing(proj, want)
	}

	roles := map[string]bool{}
	for _, h := range e.Hashes {
		f, res, failed := c.checkHash(proj, ht, want, h)
		if failed {
			return res
		}
		roles[f.Role] = true
		c.r.Files = appendUnique(c.r.Files, f.File.Filename)
	}
	c.r.Status, c.r.Role = OK, strings.Join(sortedKeys(roles), ",")
	return c.r
}

// checkHash checks one locked hash and returns the trusted file it names, or the failed
// verdict.
func (c *checker) checkHash(proj *finder.Project, ht *hashTable, want pep440.Version, h lockfile.Hash) (*finder.File, Result, bool) {
	e := c.e
	if !h.Strong() {
		// pip refuses weak --hash algorithms outright; other installers might accept a
		// download that matches only this one, and md5 collisions are cheap.
		return nil, c.fail(HashNotTrusted, hintWeak, "hash %s uses a weak algorithm: an installer that accepts it could be given another file", short(h)), true
	}
	f := ht.byHash[h.Algorithm+":"+h.Hex]
	if f == nil {
		switch {
		case !ht.algs[h.Algorithm]:
			return nil, c.fail(HashNotTrusted, hintHashes, "hash %s cannot be checked: the trusted files of %s %s record only %s",
				short(h), proj.Name, want, ht.recorded()), true
		case ht.other[h.Algorithm+":"+h.Hex] != nil:
			o := ht.other[h.Algorithm+":"+h.Hex]
			return nil, c.fail(HashNotTrusted, hintRelock, "hash %s is %s, a file of version %s, not %s",
				short(h), o.File.Filename, o.Dist.Version, want), true
		}
		if s, ok := roleSkip(proj, e, want); ok && e.Filename != "" && c.role != "" {
			c.r.Role = s.role
			return nil, c.fail(RolePolicy, hintRole(c.role), "%s", s.reason), true
		}
		reason := fmt.Sprintf("hash %s is not a trusted file of %s %s", short(h), proj.Name, want)
		if s, ok := roleSkip(proj, e, want); ok {
			// A requirement line does not say which file a hash is for: name the role that
			// signed a file of this version the policy leaves out, without claiming it is this one.
			reason += fmt.Sprintf(" (%s is %s)", s.filename, s.reason)
		}
		return nil, c.fail(HashNotTrusted, hintRelock, "%s", reason), true
	}
	if e.Filename != "" && f.File.Filename != e.Filename {
		return nil, c.fail(HashNotTrusted, hintRelock, "hash %s belongs to %s, not %s", short(h), f.File.Filename, e.Filename), true
	}
	if e.Size >= 0 && f.Target.Length >= 0 && e.Size != f.Target.Length {
		return nil, c.fail(HashNotTrusted, hintRelock, "locked size %d, but the trusted file %s is %d bytes", e.Size, f.File.Filename, f.Target.Length), true
	}
	if e.Filename != "" {
		// Every hash of a file entry describes the same file: one the trusted file does not
		// record cannot be compared, and an installer may check only that one.
		ev := evidence(proj, f)
		for _, other := range e.Hashes {
			if other.Strong() && ev[other.Algorithm] == "" {
				return nil, c.fail(HashNotTrusted, hintHashes, "hash %s cannot be checked: the trusted file %s records only %s",
					short(other), f.File.Filename, strings.Join(slices.Sorted(maps.Keys(ev)), ", ")), true
			}
		}
	}
	if f.File.Yanked {
		reason := "yanked"
		if f.File.YankedReason != "" {
			reason += " (" + f.File.YankedReason + ")"
		}
		c.r.Role = f.Role
		if e.Filename != "" {
			return nil, c.fail(Yanked, hintYanked, "%s", reason), true
		}
		return nil, c.fail(Yanked, hintYanked, "%s is %s", f.File.Filename, reason), true
	}
	return f, Result{}, false
}

// lookupFailed turns the error of a project lookup into a verdict.
func (c *checker) lookupFailed(err error) Result {
	var np *finder.NoPageError
	if errors.As(err, &np) {
		if len(np.Roles) > 0 {
			c.r.Role = strings.Join(np.Roles, ",")
			role := c.role
			if role == "" {
				role = np.RequireRole
			}
			return c.fail(RolePolicy, hintRole(role), "project %s is vouched for only by %s, not by %s",
				np.Project, strings.Join(np.Roles, ", "), role)
		}
		return c.fail(NotFound, hintNotFound, "project %s is not in the trusted set (no role signs %s)", np.Project, np.Path)
	}
	c.r.Err = err
	hint := ""
	switch {
	case tuf.IsVerification(err):
		hint = hintVerification
	case tuf.IsNetwork(err):
		hint = hintNetwork
	}
	return c.fail(Error, hint, "%v", err)
}

// versionMissing explains a locked version with no trusted file.
func (c *checker) versionMissing(proj *finder.Project, want pep440.Version) Result {
	if s, ok := roleSkip(proj, c.e, want); ok {
		c.r.Role = s.role
		if c.role != "" {
			if c.e.Filename != "" {
				return c.fail(RolePolicy, hintRole(c.role), "%s", s.reason)
			}
			return c.fail(RolePolicy, hintRole(c.role), "version %s is %s", want, s.reason)
		}
		// Without a policy the page of the highest-precedence role decides, as it does for
		// tufpip install: a version only a lower role signed is not installable from it.
		return c.fail(NotFound, "lock a version "+pageRole(proj)+" signs, or wait until it signs "+want.String(),
			"version %s is %s: %s's page for %s does not list it", want, s.reason, pageRole(proj), proj.Name)
	}
	for _, s := range proj.Skipped {
		if c.e.Filename != "" && s.Filename != c.e.Filename {
			continue
		}
		if v, err := pep440.Parse(s.Version); err == nil && v.Compare(want) == 0 {
			return c.fail(HashNotTrusted, hintRelock, "no file of %s %s is trusted: %s: %s", proj.Name, want, s.Filename, s.Reason)
		}
	}
	return c.fail(NotFound, hintNotFound, "version %s of %s is not in the trusted set", want, proj.Name)
}

// isLocalTree reports a source tree on the local disk: a pylock or uv directory source
// (uv.lock lists the project itself as an editable or virtual one), or a requirement that
// names a directory (-e ./src, ./lib). It is the user's own code, not a download.
func isLocalTree(e lockfile.Entry) bool {
	switch {
	case e.Kind == lockfile.KindDirectory:
		return true
	case e.Kind == lockfile.KindRequirement:
		return e.Path != "" && e.URL == "" && e.Filename == ""
	}
	return false
}

// sourceKind names, with its article, the kind of source an entry is when it is not a file
// from an index ("" when it is one).
func sourceKind(e lockfile.Entry) string {
	switch {
	case e.Kind == lockfile.KindVCS && e.Editable, e.Kind == lockfile.KindRequirement && e.Editable && e.URL != "":
		return "an editable VCS"
	case e.Kind == lockfile.KindVCS, e.Kind == lockfile.KindRequirement && lockfile.IsVCSURL(e.URL):
		return "a VCS"
	case e.Kind == lockfile.KindRequirement && e.URL != "":
		return "a direct URL"
	case e.Kind == lockfile.KindRequirement && e.Path != "":
		return "a local file"
	case e.Kind == lockfile.KindArchive:
		// A PEP 751 archive is a direct reference: no index serves it, whatever its hash.
		return "a direct archive"
	case e.Direct && e.Path != "":
		return "a local archive"
	case e.Direct:
		return "a direct URL"
	}
	return ""
}

// Project returns the PEP 503 name an entry's project is looked up by.
func Project(e lockfile.Entry) string { return simpleindex.NormalizeName(e.Name) }

// NeedsProject reports whether checking e needs its project's trusted view; entries decided
// on their own (local trees, sources TUF cannot vouch for, unpinned or hashless entries) do not.
func NeedsProject(e lockfile.Entry) bool {
	if isLocalTree(e) || sourceKind(e) != "" || !e.Pinned || e.Version == "" || e.Name == "" {
		return false
	}
	for _, h := range e.Hashes {
		if h.Strong() {
			return true
		}
	}
	return false
}
