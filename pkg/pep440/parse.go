package pep440

import (
	"fmt"
	"strings"
	"unicode"
)

// InvalidVersionError reports a string that is not a PEP 440 version.
type InvalidVersionError struct {
	Version string // the input, as given
	Reason  string // optional detail, such as "number too large"
}

func (e *InvalidVersionError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("invalid version %q: %s", e.Version, e.Reason)
	}
	return fmt.Sprintf("invalid version %q", e.Version)
}

// maxInputLen bounds the work and memory one Parse call may take; no real
// version comes near it.
const maxInputLen = 1024

// Parse parses a PEP 440 version in any spelling packaging accepts: leading
// "v", surrounding whitespace, any letter case, alternate pre-release names
// (alpha, beta, c, pre, preview), implicit numbers ("1.0a" is "1.0a0"),
// implicit post-releases ("1.0-1"), "rev"/"r" for "post", and "-", "_" or
// "." as separators. Errors are *InvalidVersionError.
func Parse(s string) (Version, error) {
	if len(s) > maxInputLen {
		return Version{}, &InvalidVersionError{Version: s[:32] + "...", Reason: "longer than 1024 bytes"}
	}
	var p parser
	p.s = lowerASCII(trimPySpace(s))
	v, ok := p.version()
	if !ok {
		return Version{}, &InvalidVersionError{Version: s, Reason: p.err}
	}
	return v, nil
}

// isPySpace reports whether r is whitespace for Python's str.isspace and
// therefore for the \s that packaging's regular expression uses: Go's
// unicode.IsSpace plus the four ASCII information separators.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

func trimPySpace(s string) string { return strings.TrimFunc(s, isPySpace) }

// lowerASCII lowercases ASCII letters only. Non-ASCII bytes stay and make
// the parse fail: Python's case-insensitive [a-z] would admit a few of them
// (the Kelvin sign, the long s, dotted and dotless i), which no real
// version uses and which we refuse rather than mimic.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// parser scans a trimmed, lowercased version string. It follows the shape
// of PEP 440's permissive grammar: each optional segment is tried in
// order, and an optional segment that does not match leaves the position
// where it was.
type parser struct {
	s   string
	pos int
	err string // set by number on overflow
}

func (p *parser) peek() byte {
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

func (p *parser) eat(lit string) bool {
	if strings.HasPrefix(p.s[p.pos:], lit) {
		p.pos += len(lit)
		return true
	}
	return false
}

func (p *parser) eatSep() bool {
	switch p.peek() {
	case '-', '_', '.':
		p.pos++
		return true
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// number reads a run of ASCII digits; ok is false when there is none.
func (p *parser) number() (n int, ok bool) {
	start := p.pos
	for p.pos < len(p.s) && isDigit(p.s[p.pos]) {
		d := int(p.s[p.pos] - '0')
		if n > (maxInt-d)/10 {
			p.err = "number too large"
			n = 0
		} else if p.err == "" {
			n = n*10 + d
		}
		p.pos++
	}
	return n, p.pos > start
}

const maxInt = int(^uint(0) >> 1)

// version parses the whole input; ok is false when it is not a version.
func (p *parser) version() (v Version, ok bool) {
	p.eat("v")

	// Epoch: digits followed by "!", otherwise those digits begin the release.
	start := p.pos
	if n, ok := p.number(); ok && p.eat("!") {
		v.epoch = n
	} else {
		p.pos = start
	}

	n, ok := p.number()
	if !ok {
		return v, false
	}
	v.release = append(make([]int, 0, 4), n)
	for p.peek() == '.' {
		save := p.pos
		p.pos++
		n, ok := p.number()
		if !ok {
			p.pos = save
			break
		}
		v.release = append(v.release, n)
	}

	p.preRelease(&v)
	p.postRelease(&v)
	p.devRelease(&v)
	if p.eat("+") && !p.localLabel(&v) {
		return v, false
	}
	return v, p.pos == len(p.s) && p.err == ""
}

// preRelease reads [-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?N?.
func (p *parser) preRelease(v *Version) {
	save := p.pos
	p.eatSep()
	var kind uint8
	switch {
	case p.eat("alpha"), p.eat("a"):
		kind = preAlpha
	case p.eat("beta"), p.eat("b"):
		kind = preBeta
	case p.eat("preview"), p.eat("pre"), p.eat("c"), p.eat("rc"):
		kind = preRC
	default:
		p.pos = save
		return
	}
	v.preKind = kind
	v.preNum = p.implicitNumber()
}

// postRelease reads -N or [-_.]?(post|rev|r)[-_.]?N?.
func (p *parser) postRelease(v *Version) {
	save := p.pos
	if p.eat("-") {
		if n, ok := p.number(); ok {
			v.hasPost, v.post = true, n
			return
		}
		p.pos = save
	}
	p.eatSep()
	if p.eat("post") || p.eat("rev") || p.eat("r") {
		v.hasPost, v.post = true, p.implicitNumber()
		return
	}
	p.pos = save
}

// devRelease reads [-_.]?dev[-_.]?N?.
func (p *parser) devRelease(v *Version) {
	save := p.pos
	p.eatSep()
	if p.eat("dev") {
		v.hasDev, v.dev = true, p.implicitNumber()
		return
	}
	p.pos = save
}

// implicitNumber reads the [-_.]?N? after a label; a missing number is 0.
// A separator not followed by digits is still consumed, as the greedy
// grammar does: "1.0a-" is "1.0a0".
func (p *parser) implicitNumber() int {
	p.eatSep()
	n, _ := p.number()
	return n
}

// localLabel reads [a-z0-9]+([-_.][a-z0-9]+)* after the "+".
func (p *parser) localLabel(v *Version) bool {
	for {
		start := p.pos
		for p.pos < len(p.s) && (isDigit(p.s[p.pos]) || ('a' <= p.s[p.pos] && p.s[p.pos] <= 'z')) {
			p.pos++
		}
		part := p.s[start:p.pos]
		if part == "" {
			return false
		}
		v.local = append(v.local, makeLocalPart(part, &p.err))
		if !p.eatSep() {
			return true
		}
	}
}

func makeLocalPart(s string, errp *string) localPart {
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return localPart{s: s}
		}
		d := int(s[i] - '0')
		if n > (maxInt-d)/10 {
			*errp = "number too large"
			return localPart{num: true}
		}
		n = n*10 + d
	}
	return localPart{n: n, num: true}
}
