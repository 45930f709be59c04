package resolve

import (
	"strconv"
	"strings"

	"github.com/tufpip/tufpip/pkg/pep440"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// Requirement is a parsed PEP 508 dependency specifier.
type Requirement struct {
	Name      string // as written
	Project   string // PEP 503 normalised
	Extras    []string
	Specifier pep440.Specifiers
	Marker    string // as written, without the ";"; "" when there is none
	Raw       string
}

// ParseRequirement parses a PEP 508 requirement with the grammar packaging 24 uses: a name,
// optional [extras], an optional specifier with or without parentheses, and an optional
// "; marker". Direct URL requirements ("name @ https://...") are refused with a
// *URLRequirementError: tufpip only installs files listed on signed index pages.
func ParseRequirement(s string) (Requirement, error) {
	p := &reqParser{src: s}
	return p.parse()
}

// Applies reports whether the requirement's marker holds in env for the given extras; a
// requirement without a marker always applies.
func (r Requirement) Applies(env map[string]string, extras []string) (bool, error) {
	if r.Marker == "" {
		return true, nil
	}
	return EvaluateMarker(r.Marker, env, extras)
}

// String returns the requirement in a normal form: name[extras]specifier; marker.
func (r Requirement) String() string {
	var b strings.Builder
	b.WriteString(r.Name)
	if len(r.Extras) > 0 {
		b.WriteString("[" + strings.Join(r.Extras, ",") + "]")
	}
	b.WriteString(r.Specifier.String())
	if r.Marker != "" {
		b.WriteString("; " + r.Marker)
	}
	return b.String()
}

type reqParser struct {
	src string
	pos int
}

func (p *reqParser) fail(reason string) error {
	return &RequirementError{Requirement: p.src, Pos: p.pos, Reason: reason}
}

func (p *reqParser) ws() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

func (p *reqParser) peek(c byte) bool { return p.pos < len(p.src) && p.src[p.pos] == c }

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// identifier reads [A-Za-z0-9][A-Za-z0-9._-]* ending in a letter or digit.
func (p *reqParser) identifier() (string, bool) {
	start := p.pos
	if !(p.pos < len(p.src) && isAlnum(p.src[p.pos])) {
		return "", false
	}
	if start > 0 && isWordByte(p.src[start-1]) {
		return "", false
	}
	maxEnd := start + 1
	for maxEnd < len(p.src) && (isAlnum(p.src[maxEnd]) || strings.IndexByte("._-", p.src[maxEnd]) >= 0) {
		maxEnd++
	}
	// packaging's regex is greedy and then backs off to the last word boundary (\b)
	end := -1
	for i := maxEnd; i > start; i-- {
		after := i < len(p.src) && isWordByte(p.src[i])
		if isWordByte(p.src[i-1]) != after {
			end = i
			break
		}
	}
	if end < 0 {
		return "", false
	}
	p.pos = end
	return p.src[start:end], true
}

func (p *reqParser) parse() (Requirement, error) {
	r := Requirement{Raw: p.src}
	p.ws()
	name, ok := p.identifier()
	if !ok {
		return r, p.fail("expected package name at the start of dependency specifier")
	}
	r.Name, r.Project = name, simpleindex.NormalizeName(name)
	p.ws()
	if p.peek('[') {
		extras, err := p.extras()
		if err != nil {
			return r, err
		}
		r.Extras = extras
	}
	p.ws()
	if p.peek('@') {
		p.pos++
		p.ws()
		start := p.pos
		for p.pos < len(p.src) && p.src[p.pos] != ' ' && p.src[p.pos] != '\t' {
			p.pos++
		}
		return r, &URLRequirementError{Requirement: p.src, Name: name, URL: p.src[start:p.pos]}
	}
	if err := p.specifier(&r); err != nil {
		return r, err
	}
	p.ws()
	if p.pos == len(p.src) {
		return r, nil
	}
	if !p.peek(';') {
		if r.Specifier.IsEmpty() {
			return r, p.fail("expected end or semicolon (after name and no valid version specifier)")
		}
		return r, p.fail("expected end or semicolon (after version specifier)")
	}
	p.pos++
	mstart := p.pos
	m := strings.TrimSpace(p.src[mstart:])
	if _, err := parseMarker(m); err != nil {
		if me, ok := err.(*MarkerError); ok && me.Pos >= 0 {
			// Report the offset within the whole requirement.
			lead := len(p.src[mstart:]) - len(strings.TrimLeft(p.src[mstart:], " \t\n\r\v\f"))
			p.pos = mstart + lead + me.Pos
			return r, p.fail("invalid marker: " + me.Reason)
		}
		return r, p.fail("invalid marker: " + err.Error())
	}
	r.Marker = m
	return r, nil
}

func (p *reqParser) extras() ([]string, error) {
	open := p.pos
	p.pos++ // [
	p.ws()
	var extras []string
	if x, ok := p.identifier(); ok {
		extras = append(extras, x)
		for {
			p.ws()
			if _, ok := p.identifier(); ok {
				return nil, p.fail("expected comma between extra names")
			}
			if !p.peek(',') {
				break
			}
			p.pos++
			p.ws()
			x, ok := p.identifier()
			if !ok {
				return nil, p.fail("expected extra name after comma")
			}
			extras = append(extras, x)
		}
	}
	p.ws()
	if !p.peek(']') {
		p.pos = open
		return nil, p.fail("expected matching ] for [, after extras")
	}
	p.pos++
	return extras, nil
}

// specifier reads a version specifier, bare or in parentheses, and hands its text to pep440.
// A bare specifier runs to the ";" that starts the marker: "===" arbitrary versions cannot
// contain ";", and everything else has no ";" to confuse.
func (p *reqParser) specifier(r *Requirement) error {
	start := p.pos
	var text string
	if p.peek('(') {
		end := strings.IndexByte(p.src[p.pos:], ')')
		if end < 0 {
			return p.fail("expected matching ) for (, after version specifier")
		}
		text = p.src[p.pos+1 : p.pos+end]
		p.pos += end + 1
	} else {
		end := strings.IndexByte(p.src[p.pos:], ';')
		if end < 0 {
			end = len(p.src) - p.pos
		}
		text = p.src[p.pos : p.pos+end]
		// a bare specifier starts with an operator; anything else is left for the caller
		// to report as junk after the name
		t := strings.TrimLeft(text, " \t")
		if t == "" || !strings.ContainsRune("<>=!~", rune(t[0])) {
			return nil
		}
		text = strings.TrimRight(text, " \t")
		p.pos += len(text)
	}
	if strings.TrimSpace(text) == "" {
		return nil
	}
	clauses := strings.Split(text, ",")
	for i, clause := range clauses {
		// packaging's requirement parser takes one trailing comma but no empty clause
		// between two specifiers (its SpecifierSet alone would skip them).
		if strings.TrimSpace(clause) == "" && (i == 0 || i < len(clauses)-1) {
			p.pos = start
			return p.fail("invalid version specifier: empty clause in " + strconv.Quote(strings.TrimSpace(text)))
		}
	}
	spec, err := pep440.ParseSpecifiers(text)
	if err != nil {
		p.pos = start
		return p.fail("invalid version specifier: " + err.Error())
	}
	r.Specifier = spec
	return nil
}
