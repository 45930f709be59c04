package pep440

import (
	"slices"
	"strings"
)

// Specifiers is a PEP 440 specifier set such as ">=1.0,<2", "==2.0.*",
// "~=1.4.2" or "" (no constraint). A version satisfies the set when it
// satisfies every clause. The zero value is the empty set.
type Specifiers struct {
	specs []specifier // sorted by String, duplicates removed
}

// ParseSpecifiers parses a comma-separated specifier set. Whitespace
// around clauses and operators is ignored, as are empty clauses, and
// clauses packaging considers equal (">=1.0" and ">=1") are kept once.
// Errors are *InvalidSpecifierError naming the offending clause.
func ParseSpecifiers(s string) (Specifiers, error) {
	if len(s) > 16*maxInputLen {
		return Specifiers{}, &InvalidSpecifierError{Specifier: s[:32] + "...", Reason: "longer than 16384 bytes"}
	}
	var set Specifiers
	seen := map[string]bool{}
	for clause := range strings.SplitSeq(s, ",") {
		clause = trimPySpace(clause)
		if clause == "" {
			continue
		}
		sp, err := parseSpecifier(clause)
		if err != nil {
			return Specifiers{}, err
		}
		// The first of equal clauses stays, as in packaging's frozenset.
		if key := sp.canonicalKey(); !seen[key] {
			seen[key] = true
			set.specs = append(set.specs, sp)
		}
	}
	slices.SortStableFunc(set.specs, func(a, b specifier) int {
		return strings.Compare(a.String(), b.String())
	})
	return set, nil
}

// MustParseSpecifiers is like ParseSpecifiers but panics on an error.
func MustParseSpecifiers(s string) Specifiers {
	set, err := ParseSpecifiers(s)
	if err != nil {
		panic(err)
	}
	return set
}

// String returns the clauses sorted and joined by commas, as packaging
// prints a SpecifierSet: ">=1.0 , <2" gives "<2,>=1.0". Each clause keeps
// the version as written.
func (s Specifiers) String() string {
	parts := make([]string, len(s.specs))
	for i, sp := range s.specs {
		parts[i] = sp.String()
	}
	return strings.Join(parts, ",")
}

// IsEmpty reports whether the set has no clauses and so admits every
// version (pre-releases subject to the usual rules).
func (s Specifiers) IsEmpty() bool { return len(s.specs) == 0 }

// Len returns the number of distinct clauses.
func (s Specifiers) Len() int { return len(s.specs) }

// Prereleases reports whether a clause names a pre-release with an
// inclusive operator (==, ===, >=, <=, ~=), which lets the whole set admit
// pre-releases: ">=1.0b1" does, "<2.0b1" and "!=1.0b1" do not.
func (s Specifiers) Prereleases() bool {
	for _, sp := range s.specs {
		if sp.pre {
			return true
		}
	}
	return false
}

// Contains reports whether v satisfies every clause. A pre-release
// satisfies the set only when pre is true (pip --pre) or the set itself
// names a pre-release (Prereleases); so "2.0b1" is not in ">=1.0" unless
// pre is set, but is in ">=2.0b1". This is packaging's contains with
// prereleases=True (pre) or None (!pre).
func (s Specifiers) Contains(v Version, pre bool) bool {
	if v.IsPrerelease() && !pre && !s.Prereleases() {
		return false
	}
	for _, sp := range s.specs {
		if !sp.matches(v) {
			return false
		}
	}
	return true
}

// Filter returns the versions in vs that satisfy the set, in their
// original order, choosing pre-releases as pip 24.2 does through
// packaging 24.1's filter with prereleases=True (pre) or None (!pre):
//
//   - pre, or a clause naming a pre-release: pre-releases are ordinary
//     candidates;
//   - otherwise, for a non-empty set, pre-releases are left out, even
//     when nothing else matches;
//   - otherwise, for the empty set, pre-releases are returned only when
//     vs holds no final release.
func (s Specifiers) Filter(vs []Version, pre bool) []Version {
	var out []Version
	if s.IsEmpty() && !pre {
		for _, v := range vs {
			if !v.IsPrerelease() {
				out = append(out, v)
			}
		}
		if out == nil {
			out = append(out, vs...)
		}
		return out
	}
	for _, v := range vs {
		if s.Contains(v, pre) {
			out = append(out, v)
		}
	}
	return out
}

// MarshalText implements encoding.TextMarshaler with String.
func (s Specifiers) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseSpecifiers.
func (s *Specifiers) UnmarshalText(b []byte) error {
	p, err := ParseSpecifiers(string(b))
	if err != nil {
		return err
	}
	*s = p
	return nil
}

// Pin returns the version of a set that admits one version only: a single
// "==V" clause without a wildcard, or a single "===V". The version is as
// written.
func (s Specifiers) Pin() (string, bool) {
	if len(s.specs) != 1 {
		return "", false
	}
	sp := s.specs[0]
	if sp.op == opArbitrary || sp.op == opEqual && sp.wildcard == nil {
		return sp.text, true
	}
	return "", false
}
