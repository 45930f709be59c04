package pep440

import (
	"fmt"
	"strings"
)

// InvalidSpecifierError reports a string that is not a PEP 440 specifier
// or specifier set.
type InvalidSpecifierError struct {
	Specifier string // the offending specifier (one clause of a set), as given
	Reason    string // optional detail, such as "~= needs at least two release numbers"
}

func (e *InvalidSpecifierError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("invalid specifier %q: %s", e.Specifier, e.Reason)
	}
	return fmt.Sprintf("invalid specifier %q", e.Specifier)
}

// operator is a PEP 440 comparison operator.
type operator uint8

const (
	opCompatible   operator = iota // ~=
	opEqual                        // ==
	opNotEqual                     // !=
	opLessEqual                    // <=
	opGreaterEqual                 // >=
	opLess                         // <
	opGreater                      // >
	opArbitrary                    // ===
)

// operators lists the spellings longest first, so "===" is not read as
// "==" and "<=" not as "<".
var operators = []struct {
	text string
	op   operator
}{
	{"===", opArbitrary}, {"~=", opCompatible}, {"==", opEqual}, {"!=", opNotEqual},
	{"<=", opLessEqual}, {">=", opGreaterEqual}, {"<", opLess}, {">", opGreater},
}

// specifier is one clause of a specifier set, such as ">=1.0" or "==2.*".
type specifier struct {
	op       operator
	opText   string
	text     string  // the version as written, trimmed: String and === use it
	version  Version // parsed text; unused for === and wildcards
	wildcard *prefix // for "==V.*", "!=V.*" and the prefix half of "~="
	pre      bool    // names a pre-release (packaging's Specifier.prereleases)
}

// parseSpecifier parses one clause, already trimmed of surrounding
// whitespace. Which version forms are allowed depends on the operator, as
// in PEP 440: local labels only with == and !=, ".*" only after a release
// with == and !=, at least two release numbers with ~=, and anything
// without whitespace, ";" or ")" with ===.
func parseSpecifier(clause string) (specifier, error) {
	var sp specifier
	rest := ""
	for _, o := range operators {
		if strings.HasPrefix(clause, o.text) {
			sp.op, sp.opText, rest = o.op, o.text, clause[len(o.text):]
			break
		}
	}
	if sp.opText == "" {
		return sp, &InvalidSpecifierError{Specifier: clause, Reason: "no operator"}
	}
	sp.text = trimPySpace(rest)
	invalid := func(reason string) (specifier, error) {
		return specifier{}, &InvalidSpecifierError{Specifier: clause, Reason: reason}
	}

	if sp.op == opArbitrary {
		if strings.ContainsFunc(sp.text, func(r rune) bool { return isPySpace(r) || r == ';' || r == ')' }) {
			return invalid("=== version contains whitespace, \";\" or \")\"")
		}
		// packaging fails outright for an arbitrary string here; a string
		// that is no version cannot name a pre-release.
		if v, err := Parse(sp.text); err == nil {
			sp.pre = v.IsPrerelease()
		}
		return sp, nil
	}

	if (sp.op == opEqual || sp.op == opNotEqual) && strings.HasSuffix(sp.text, ".*") {
		base := sp.text[:len(sp.text)-2]
		if !isPlainRelease(base) {
			return invalid(".* must follow a release such as 2.0")
		}
		sp.wildcard = newPrefix(base)
		return sp, nil
	}

	v, err := Parse(sp.text)
	if err != nil {
		return invalid("bad version")
	}
	sp.version = v
	switch {
	case v.HasLocal() && sp.op != opEqual && sp.op != opNotEqual:
		return invalid("local version label not allowed with " + sp.opText)
	case sp.op == opCompatible && len(v.release) < 2:
		return invalid("~= needs at least two release numbers")
	case sp.op == opCompatible:
		sp.wildcard = newPrefix(compatiblePrefix(sp.text))
	}
	switch sp.op {
	case opEqual, opGreaterEqual, opLessEqual, opCompatible:
		sp.pre = v.IsPrerelease()
	}
	return sp, nil
}

// isPlainRelease reports whether s is v?(N!)?N(.N)*, any case, which is
// all a wildcard may follow.
func isPlainRelease(s string) bool {
	p := parser{s: lowerASCII(s)}
	p.eat("v")
	if _, ok := p.number(); !ok {
		return false
	}
	if p.eat("!") {
		if _, ok := p.number(); !ok {
			return false
		}
	}
	for p.eat(".") {
		if _, ok := p.number(); !ok {
			return false
		}
	}
	return p.pos == len(p.s) && p.err == ""
}

func (sp specifier) String() string { return sp.opText + sp.text }

// matches applies the operator alone, leaving pre-release policy to the
// caller.
func (sp specifier) matches(v Version) bool {
	switch sp.op {
	case opArbitrary:
		// str(Version) is already lowercase.
		return v.String() == strings.ToLower(sp.text)
	case opEqual:
		return sp.equal(v)
	case opNotEqual:
		return !sp.equal(v)
	case opLessEqual:
		return v.publicVersion().Compare(sp.version) <= 0
	case opGreaterEqual:
		return v.publicVersion().Compare(sp.version) >= 0
	case opCompatible:
		return v.publicVersion().Compare(sp.version) >= 0 && sp.wildcard.match(v)
	case opLess:
		// <V excludes pre-releases of V itself unless V is one: <3.1
		// does not admit 3.1.dev0, though 3.1.dev0 sorts below 3.1.
		if v.Compare(sp.version) >= 0 {
			return false
		}
		return sp.version.IsPrerelease() || !v.IsPrerelease() ||
			!v.baseVersion().Equal(sp.version.baseVersion())
	case opGreater:
		// >V excludes post-releases of V unless V is one, and local
		// versions of V: >3.1 admits neither 3.1.post1 nor 3.1+local.
		if v.Compare(sp.version) <= 0 {
			return false
		}
		sameBase := v.baseVersion().Equal(sp.version.baseVersion())
		if sameBase && v.IsPostrelease() && !sp.version.IsPostrelease() {
			return false
		}
		return !(sameBase && v.HasLocal())
	}
	return false
}

// equal is ==: prefix match for wildcards; otherwise a local label on the
// candidate only matters when the specifier has one.
func (sp specifier) equal(v Version) bool {
	if sp.wildcard != nil {
		return sp.wildcard.match(v)
	}
	if !sp.version.HasLocal() {
		v = v.publicVersion()
	}
	return v.Equal(sp.version)
}

// canonicalKey identifies specifiers that packaging treats as the same
// member of a set (its _canonical_spec): the operator and the version in
// normal form, trailing zeros dropped except for ~=. Text that is not a
// version, such as "2.0.*", stays as written.
func (sp specifier) canonicalKey() string {
	v, err := Parse(sp.text)
	if err != nil {
		return sp.opText + sp.text
	}
	if sp.op != opCompatible {
		r := v.release
		for len(r) > 1 && r[len(r)-1] == 0 {
			r = r[:len(r)-1]
		}
		v.release = r
	}
	return sp.opText + v.String()
}
