package resolve

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tufpip/tufpip/pkg/pep440"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// Candidate is one file that may satisfy a requirement: its index entry, what its filename
// says (filled in by Select when Dist.Filename differs from File.Filename), and the TUF role
// that vouches for it.
type Candidate struct {
	File simpleindex.File
	Dist Dist
	Role string
}

// Options are pip's candidate preferences.
type Options struct {
	Pre          bool     // --pre
	PreferBinary bool     // --prefer-binary
	OnlyBinary   []string // --only-binary values: project names, ":all:" or ":none:" (comma lists allowed)
	NoBinary     []string // --no-binary values, same forms
}

// Skip explains why a file was not applicable. Kind and the role fields are for programs
// (the CLI, lockcheck); Reason is the text for people, built from them where the skip is
// made.
type Skip struct {
	Filename string `json:"filename"`
	Version  string `json:"version"` // "" when the filename gave none
	Reason   string `json:"reason"`

	Kind     SkipKind `json:"-"`
	SignedBy string   `json:"-"` // the role that signed the file, for the role kinds
	Required string   `json:"-"` // the role the policy requires (--require-role), if any
}

// SkipKind says which rule left a file out.
type SkipKind int

const (
	// SkipFilter: one of pip's own filters (platform, Python version, yanked, a filename
	// that is not the project's, ...). The zero value.
	SkipFilter SkipKind = iota
	// The trust rules (pkg/finder):
	SkipOutsideTargets // the link points outside the targets URL
	SkipRelabelled     // the link text names another file than the link's target
	SkipHashMismatch   // the page's hash disagrees with the signed target's
	SkipWeakHash       // not a target, and the page has only weak hashes
	SkipNoHash         // not a target, and the page has no hash
	SkipNotRequired    // signed by SignedBy, not by the Required role
	SkipLowerRole      // listed only on the page of SignedBy, a lower-precedence role
)

// Trust reports whether the skip comes from the trust rules rather than pip's filters: a
// user always hears about those.
func (k SkipKind) Trust() bool { return k != SkipFilter }

// Role reports whether the skip is about who signed the file: the file exists, signed by
// s.SignedBy, but not by a role that counts.
func (s Skip) Role() bool { return s.Kind == SkipNotRequired || s.Kind == SkipLowerRole }

// Selection is the outcome of Select.
type Selection struct {
	Best       *Candidate  // nil when nothing is applicable
	Applicable []Candidate // best first
	Skipped    []Skip      // in input order
	Warnings   []string    // e.g. a yanked file chosen because the requirement pins it
}

// Select picks the file pip would pick for req among cands for env. The filters follow pip
// 24's LinkEvaluator and CandidateEvaluator and its resolver's PEP 592 rule; the order is
// pip's sort key (-is_yanked, prefer_binary && is_wheel, version, -tag_index, build_tag).
// Every file that is not applicable is listed in Skipped with the reason. env must not be nil.
func Select(req Requirement, cands []Candidate, env *Environment, opts Options) Selection {
	var sel Selection
	project := req.Project
	if project == "" {
		project = simpleindex.NormalizeName(req.Name)
	}
	installable := newLinkEvaluator(project, env, opts).filter(cands, &sel)
	ce := candidateEvaluator{req: req, opts: opts}
	applicable := ce.applicable(installable, &sel)
	ce.sort(applicable)
	sel.choose(req, applicable)
	return sel
}

// skip records that c is not applicable, and why.
func (sel *Selection) skip(c *Candidate, version, reason string) {
	if c.File.Yanked {
		reason += " (also " + yankReason(c.File) + ")"
	}
	sel.Skipped = append(sel.Skipped, Skip{Filename: c.File.Filename, Version: version, Reason: reason})
}

// eligible is a file the link evaluator let through. Sorting moves these small values, which
// point into the caller's candidates or into linkEvaluator.filter's kept, not whole Candidates.
type eligible struct {
	c   *Candidate
	pri int    // position of the best supported tag; len(env.Tags) for sdists
	ver string // normal form of the version, computed once
	idx int    // position on the page
}

// linkEvaluator is pip's LinkEvaluator: file by file, whether a file could be installed on the
// environment at all (its name, format, tags and Requires-Python), before versions are
// compared.
type linkEvaluator struct {
	project   string
	formats   formatSet
	tagIndex  map[Tag]int
	sdistPri  int // the tag position given to sdists: after every supported tag
	pyVersion pep440.Version
	pyOK      bool // pyVersion is known
}

func newLinkEvaluator(project string, env *Environment, opts Options) *linkEvaluator {
	l := &linkEvaluator{
		project:  project,
		formats:  allowedFormats(project, opts),
		tagIndex: tagIndexFor(env.Tags),
		sdistPri: len(env.Tags),
	}
	if env.PythonFullVersion != "" {
		if v, err := pep440.Parse(env.PythonFullVersion); err == nil {
			l.pyVersion, l.pyOK = v, true
		}
	}
	return l
}

// filter returns the installable files of cands in page order and records a Skip in sel for
// every other. A candidate whose Dist does not describe its file for this project is parsed
// again; the returned values then point into a new slice, never into a changed cands.
func (l *linkEvaluator) filter(cands []Candidate, sel *Selection) []eligible {
	var kept []Candidate // candidates whose Dist was parsed here; capacity fixed so pointers stay valid
	for i := range cands {
		if cands[i].Dist.Filename != cands[i].File.Filename || cands[i].Dist.Project != l.project {
			kept = make([]Candidate, 0, len(cands)-i)
			break
		}
	}
	var pass []eligible
	for i := range cands {
		c := cands[i]
		reparsed := false
		if c.Dist.Filename != c.File.Filename || c.Dist.Project != l.project {
			d, err := ParseFilenameFor(l.project, c.File.Filename)
			if err != nil {
				sel.skip(&c, "", filenameReason(err, l.project))
				continue
			}
			c.Dist, reparsed = d, true
		}
		version := c.Dist.Version.String()
		pri, reason := l.evaluate(&c)
		if reason != "" {
			sel.skip(&c, version, reason)
			continue
		}
		p := &cands[i] // read only
		if reparsed {
			kept = append(kept, c)
			p = &kept[len(kept)-1]
		}
		pass = append(pass, eligible{p, pri, version, i})
	}
	return pass
}

// evaluate returns the tag position of c (whose Dist is parsed), or the reason it cannot be
// installed.
func (l *linkEvaluator) evaluate(c *Candidate) (pri int, reason string) {
	name := c.File.Filename
	if c.Dist.Wheel && !l.formats.binary {
		return 0, "binary wheels are not allowed for " + l.project + " (--no-binary)"
	}
	if !c.Dist.Wheel && strings.HasSuffix(name, ".zip") && strings.Contains(c.File.URL+name, "macosx10") {
		return 0, "macosx10 zip archive is not a source distribution"
	}
	pri = l.sdistPri
	if c.Dist.Wheel {
		pri = -1
		for _, t := range c.Dist.Tags {
			if j, ok := l.tagIndex[t]; ok && (pri < 0 || j < pri) {
				pri = j
			}
		}
		if pri < 0 {
			return 0, "no compatible tags for " + formatTags(c.Dist.Tags)
		}
	} else if !l.formats.source {
		return 0, "source distributions are not allowed for " + l.project + " (--only-binary)"
	}
	if rp := strings.TrimSpace(c.File.RequiresPython); rp != "" {
		// pip ignores a Requires-Python it cannot parse, so do we.
		if spec, err := pep440.ParseSpecifiers(rp); err == nil {
			if !l.pyOK {
				return 0, "requires-python " + rp + " cannot be checked: the target python version is unknown"
			}
			if !spec.Contains(l.pyVersion, true) {
				return 0, "requires-python " + rp
			}
		}
	}
	return pri, ""
}

// candidateEvaluator is pip's CandidateEvaluator together with its resolver's PEP 592 rule:
// which installable files satisfy the requirement, and in which order pip prefers them.
type candidateEvaluator struct {
	req  Requirement
	opts Options
}

// applicable returns the files of pass that match the specifier and are not yanked (unless
// all matching files are yanked and the requirement pins a version), recording a Skip in sel
// for every other. It reuses pass's storage.
func (ce candidateEvaluator) applicable(pass []eligible, sel *Selection) []eligible {
	matching, allYanked := ce.matchSpecifier(pass, sel)
	if len(matching) == 0 || (allYanked && isPinned(ce.req.Specifier)) {
		return matching
	}
	notYanked := matching[:0]
	for _, e := range matching {
		if e.c.File.Yanked {
			sel.Skipped = append(sel.Skipped, Skip{Filename: e.c.File.Filename, Version: e.ver, Reason: yankReason(e.c.File)})
			continue
		}
		notYanked = append(notYanked, e)
	}
	return notYanked
}

// matchSpecifier keeps the files of pass whose version the specifier accepts, and reports
// whether all of them are yanked. The specifier filter sees yanked files too: pip's finder
// keeps them and its resolver drops them afterwards (PEP 592).
func (ce candidateEvaluator) matchSpecifier(pass []eligible, sel *Selection) (matching []eligible, allYanked bool) {
	versions := make([]pep440.Version, 0, len(pass))
	seen := make(map[string]bool, len(pass))
	for _, e := range pass {
		if !seen[e.ver] {
			seen[e.ver] = true
			versions = append(versions, e.c.Dist.Version)
		}
	}
	matched := make(map[string]bool, len(versions))
	for _, v := range ce.req.Specifier.Filter(versions, ce.opts.Pre) {
		matched[v.String()] = true
	}
	matching = pass[:0]
	allYanked = true
	for _, e := range pass {
		v := e.c.Dist.Version
		if !matched[e.ver] {
			if v.IsPrerelease() && ce.req.Specifier.Contains(v, true) {
				sel.skip(e.c, e.ver, e.ver+" is a pre-release (pass --pre to allow)")
			} else {
				sel.skip(e.c, e.ver, e.ver+" does not match "+specText(ce.req.Specifier))
			}
			continue
		}
		matching = append(matching, e)
		allYanked = allYanked && e.c.File.Yanked
	}
	return matching, allYanked
}

// sort puts the best file first. pip's resolver walks the finder's ascending (stable) sort
// backwards, so of files with equal keys the one later on the page comes first.
func (ce candidateEvaluator) sort(applicable []eligible) {
	slices.SortFunc(applicable, ce.compare)
}

// compare is pip's sort key, reversed (best first): not yanked, then a wheel if
// --prefer-binary, then the higher version, the better tag, the higher build tag, and the
// later position on the page.
func (ce candidateEvaluator) compare(a, b eligible) int {
	ya, yb := a.c.File.Yanked, b.c.File.Yanked
	if ya != yb {
		if yb {
			return -1
		}
		return 1
	}
	if d := ce.binaryPref(b) - ce.binaryPref(a); d != 0 {
		return d
	}
	if d := b.c.Dist.Version.Compare(a.c.Dist.Version); d != 0 {
		return d
	}
	if d := a.pri - b.pri; d != 0 {
		return d
	}
	if d := compareBuild(b.c.Dist, a.c.Dist); d != 0 {
		return d
	}
	return b.idx - a.idx
}

func (ce candidateEvaluator) binaryPref(e eligible) int {
	if ce.opts.PreferBinary && e.c.Dist.Wheel {
		return 1
	}
	return 0
}

// choose fills in Applicable (best first) and Best from the sorted files, warning when the
// best is a yanked file that the requirement pins.
func (sel *Selection) choose(req Requirement, applicable []eligible) {
	if len(applicable) == 0 {
		return
	}
	sel.Applicable = make([]Candidate, len(applicable))
	for i, e := range applicable {
		sel.Applicable[i] = *e.c
	}
	sel.Best = &sel.Applicable[0]
	if sel.Best.File.Yanked {
		sel.Warnings = append(sel.Warnings, fmt.Sprintf("%s: the selected file is yanked (%s); it is used because %s pins version %s",
			sel.Best.File.Filename, yankReason(sel.Best.File), req.Name, sel.Best.Dist.Version))
	}
}

func yankReason(f simpleindex.File) string {
	if r := strings.TrimSpace(f.YankedReason); r != "" {
		return "yanked: " + r
	}
	return "yanked: no reason given"
}

// compareBuild orders build tags as pip does: no tag < any tag; then number, then suffix.
func compareBuild(a, b Dist) int {
	switch {
	case a.BuildTag == "" && b.BuildTag == "":
		return 0
	case a.BuildTag == "":
		return -1
	case b.BuildTag == "":
		return 1
	}
	if a.BuildNum != b.BuildNum {
		if a.BuildNum < b.BuildNum {
			return -1
		}
		return 1
	}
	return strings.Compare(strings.TrimLeft(a.BuildTag, "0123456789"), strings.TrimLeft(b.BuildTag, "0123456789"))
}

// isPinned is pip's PEP 592 test: some clause is "===V", or "==V" without a wildcard.
func isPinned(s pep440.Specifiers) bool {
	if s.IsEmpty() {
		return false
	}
	for _, clause := range strings.Split(s.String(), ",") {
		clause = strings.TrimSpace(clause)
		if strings.HasPrefix(clause, "===") {
			return true
		}
		if strings.HasPrefix(clause, "==") && !strings.HasSuffix(clause, ".*") {
			return true
		}
	}
	return false
}

func specText(s pep440.Specifiers) string {
	if s.IsEmpty() {
		return "any version"
	}
	return s.String()
}

const maxReasonTags = 8

func formatTags(tags []Tag) string {
	parts := make([]string, 0, min(len(tags), maxReasonTags))
	for i, t := range tags {
		if i == maxReasonTags {
			break
		}
		parts = append(parts, t.String())
	}
	s := strings.Join(parts, ", ")
	if len(tags) > maxReasonTags {
		s += fmt.Sprintf(" and %d more", len(tags)-maxReasonTags)
	}
	return s
}

func filenameReason(err error, project string) string {
	var wp *WrongProjectError
	if errors.As(err, &wp) {
		if wp.Project != "" {
			return "wrong project name " + wp.Project + " (not " + project + ")"
		}
		return "wrong project name (not " + project + ")"
	}
	var fe *FilenameError
	if errors.As(err, &fe) {
		return fe.Reason
	}
	return err.Error()
}

type formatSet struct{ binary, source bool }

// allowedFormats is pip's FormatControl.get_allowed_formats after applying --no-binary and
// then --only-binary values with pip's handle_mutual_excludes. (pip applies them in command
// line order; Options does not keep that order, so --only-binary wins conflicts.)
func allowedFormats(project string, o Options) formatSet {
	noBinary, onlyBinary := map[string]bool{}, map[string]bool{}
	apply := func(values []string, target, other map[string]bool) {
		for _, value := range values {
			names := strings.Split(value, ",")
			for {
				i := slices.Index(names, ":all:")
				if i < 0 {
					break
				}
				clear(other)
				clear(target)
				target[":all:"] = true
				names = names[i+1:]
				if !slices.Contains(names, ":none:") {
					names = nil
				}
			}
			for _, n := range names {
				if n == ":none:" {
					clear(target)
					continue
				}
				if n = simpleindex.NormalizeName(strings.TrimSpace(n)); n != "" {
					delete(other, n)
					target[n] = true
				}
			}
		}
	}
	apply(o.NoBinary, noBinary, onlyBinary)
	apply(o.OnlyBinary, onlyBinary, noBinary)
	f := formatSet{binary: true, source: true}
	switch {
	case onlyBinary[project]:
		f.source = false
	case noBinary[project]:
		f.binary = false
	case onlyBinary[":all:"]:
		f.source = false
	case noBinary[":all:"]:
		f.binary = false
	}
	return f
}
