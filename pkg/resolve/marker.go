package resolve

import (
	"strconv"
	"strings"

	"github.com/tufpip/tufpip/pkg/pep440"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// Environment markers (PEP 508, as packaging 24 parses and evaluates them). A marker is an
// "or" of "and" groups of comparisons; "and" binds tighter than "or".

// markerVars are the variable names packaging's grammar knows, including its dotted and
// legacy spellings; each must match as a whole word.
var markerVars = []string{
	"platform_python_implementation", "platform.python_implementation",
	"python_implementation", "python_full_version", "python_version",
	"implementation_version", "implementation_name",
	"platform_release", "platform_system",
	"platform_version", "platform.version", "platform_machine", "platform.machine",
	"sys_platform", "sys.platform", "os_name", "os.name", "extra",
}

// markerItem is one comparison. As in packaging, the variable is the left side when that
// is a variable name, else the right side is looked up whatever it is.
type markerItem struct {
	lhs, rhs string
	lhsVar   bool
	op       string
}

// markerExpr is a disjunction of conjunctions; each term is a *markerItem or a *markerExpr
// (a parenthesised sub-expression).
type markerExpr struct{ groups [][]any }

type markerParser struct {
	src string
	pos int
}

func (p *markerParser) fail(reason string) error {
	return &MarkerError{Marker: p.src, Pos: p.pos, Reason: reason}
}

func (p *markerParser) ws() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

func isWordByte(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c >= 0x80
}

// word reports whether w starts at the current position as a whole word (regex \bw\b).
func (p *markerParser) word(w string) bool {
	if !strings.HasPrefix(p.src[p.pos:], w) {
		return false
	}
	if p.pos > 0 && isWordByte(p.src[p.pos-1]) && isWordByte(w[0]) {
		return false
	}
	end := p.pos + len(w)
	return end >= len(p.src) || !isWordByte(p.src[end])
}

// parseMarker parses a whole marker string.
func parseMarker(s string) (*markerExpr, error) {
	p := &markerParser{src: s}
	e, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	if p.pos != len(s) {
		return nil, p.fail("expected end of marker expression")
	}
	return e, nil
}

const maxMarkerDepth = 64 // bounds recursion on hostile input such as "((((((..."

func (p *markerParser) expr(depth int) (*markerExpr, error) {
	if depth > maxMarkerDepth {
		return nil, p.fail("marker nests too deeply")
	}
	e := &markerExpr{groups: [][]any{nil}}
	for {
		a, err := p.atom(depth)
		if err != nil {
			return nil, err
		}
		last := len(e.groups) - 1
		e.groups[last] = append(e.groups[last], a)
		switch {
		case p.word("and"):
			p.pos += 3
		case p.word("or"):
			p.pos += 2
			e.groups = append(e.groups, nil)
		default:
			return e, nil
		}
	}
}

func (p *markerParser) atom(depth int) (any, error) {
	p.ws()
	var a any
	if p.pos < len(p.src) && p.src[p.pos] == '(' {
		open := p.pos
		p.pos++
		p.ws()
		e, err := p.expr(depth + 1)
		if err != nil {
			return nil, err
		}
		p.ws()
		if p.pos >= len(p.src) || p.src[p.pos] != ')' {
			return nil, &MarkerError{Marker: p.src, Pos: open, Reason: "expected matching ) for (, after marker expression"}
		}
		p.pos++
		a = e
	} else {
		it, err := p.item()
		if err != nil {
			return nil, err
		}
		a = it
	}
	p.ws()
	return a, nil
}

func (p *markerParser) item() (*markerItem, error) {
	it := &markerItem{}
	var err error
	p.ws()
	if it.lhs, it.lhsVar, err = p.value(); err != nil {
		return nil, err
	}
	p.ws()
	if it.op, err = p.op(); err != nil {
		return nil, err
	}
	p.ws()
	if it.rhs, _, err = p.value(); err != nil {
		return nil, err
	}
	p.ws()
	return it, nil
}

func (p *markerParser) value() (string, bool, error) {
	for _, v := range markerVars {
		if p.word(v) {
			p.pos += len(v)
			name := strings.ReplaceAll(v, ".", "_")
			if name == "python_implementation" {
				name = "platform_python_implementation"
			}
			return name, true, nil
		}
	}
	if p.pos < len(p.src) && (p.src[p.pos] == '"' || p.src[p.pos] == '\'') {
		q := p.src[p.pos]
		end := strings.IndexByte(p.src[p.pos+1:], q)
		if end < 0 {
			return "", false, p.fail("unterminated quoted string")
		}
		s := p.src[p.pos+1 : p.pos+1+end]
		if strings.IndexByte(s, '\\') >= 0 {
			// packaging decodes Python escapes here (ast.literal_eval); refusing them is
			// safer than comparing a different string than pip would
			p.pos += 1 + strings.IndexByte(s, '\\')
			return "", false, p.fail("backslash escapes in marker strings are not supported")
		}
		p.pos += end + 2
		return s, false, nil
	}
	return "", false, p.fail("expected a marker variable or quoted string")
}

func (p *markerParser) op() (string, error) {
	if p.word("in") {
		p.pos += 2
		return "in", nil
	}
	if p.word("not") {
		p.pos += 3
		if p.pos >= len(p.src) || (p.src[p.pos] != ' ' && p.src[p.pos] != '\t') {
			return "", p.fail("expected whitespace after 'not'")
		}
		p.ws()
		if !p.word("in") {
			return "", p.fail("expected 'in' after 'not'")
		}
		p.pos += 2
		return "not in", nil
	}
	for _, op := range []string{"===", "==", "~=", "!=", "<=", ">=", "<", ">"} {
		if strings.HasPrefix(p.src[p.pos:], op) {
			p.pos += len(op)
			return op, nil
		}
	}
	return "", p.fail("expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in")
}

// EvaluateMarker evaluates a PEP 508 marker against env (marker variable -> value, as
// packaging's default_environment() gives them). With extras, the marker holds when it holds
// for any one of them (pip evaluates once per requested extra); without, "extra" is "".
func EvaluateMarker(marker string, env map[string]string, extras []string) (bool, error) {
	e, err := parseMarker(marker)
	if err != nil {
		return false, err
	}
	return e.evalExtras(marker, env, extras)
}

func (e *markerExpr) evalExtras(src string, env map[string]string, extras []string) (bool, error) {
	if len(extras) == 0 {
		extras = []string{""}
	}
	for _, x := range extras {
		ok, err := e.eval(src, env, x)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

func (e *markerExpr) eval(src string, env map[string]string, extra string) (bool, error) {
	for _, g := range e.groups {
		all := true
		for _, t := range g {
			var ok bool
			var err error
			switch t := t.(type) {
			case *markerExpr:
				ok, err = t.eval(src, env, extra)
			case *markerItem:
				ok, err = t.eval(src, env, extra)
			}
			if err != nil {
				return false, err
			}
			// Keep evaluating after a false term, as packaging does, so that an undefined
			// variable is reported whatever the order of the terms.
			all = all && ok
		}
		if all {
			return true, nil
		}
	}
	return false, nil
}

func (it *markerItem) eval(src string, env map[string]string, extra string) (bool, error) {
	// packaging looks up the variable on the left if there is one, else the right side is
	// taken as the variable name.
	key, lhs, rhs := it.lhs, "", ""
	lookup := func(k string) (string, error) {
		if k == "extra" {
			return extra, nil
		}
		v, ok := env[k]
		if !ok {
			return "", &MarkerError{Marker: src, Pos: -1, Reason: "undefined environment name " + k}
		}
		return v, nil
	}
	var err error
	if it.lhsVar {
		if lhs, err = lookup(it.lhs); err != nil {
			return false, err
		}
		rhs = it.rhs
	} else {
		key = it.rhs
		lhs = it.lhs
		if rhs, err = lookup(it.rhs); err != nil {
			return false, err
		}
	}
	if key == "extra" {
		// PEP 685: extras compare by their normalised names.
		lhs, rhs = simpleindex.NormalizeName(lhs), simpleindex.NormalizeName(rhs)
	}
	return compareMarker(src, lhs, it.op, rhs)
}

// compareMarker compares as packaging does: as PEP 440 versions when the right side with the
// operator makes a valid specifier and the left side is a version, else as strings.
func compareMarker(src, lhs, op, rhs string) (bool, error) {
	if op == "===" {
		// Arbitrary equality is a version operator: packaging coerces the left side to a
		// version and raises when it is not one (Python has no === to fall back on).
		v, err := pep440.Parse(lhs)
		if err != nil {
			return false, &MarkerError{Marker: src, Pos: -1, Reason: "=== needs a version on the left, not " + strconv.Quote(lhs)}
		}
		return strings.EqualFold(v.String(), strings.TrimSpace(rhs)), nil
	}
	if op != "in" && op != "not in" && !strings.Contains(rhs, ",") {
		if spec, err := pep440.ParseSpecifiers(op + rhs); err == nil {
			if v, err := pep440.Parse(lhs); err == nil {
				return spec.Contains(v, true), nil
			}
		}
	}
	switch op {
	case "in":
		return strings.Contains(rhs, lhs), nil
	case "not in":
		return !strings.Contains(rhs, lhs), nil
	case "<":
		return lhs < rhs, nil
	case "<=":
		return lhs <= rhs, nil
	case "==":
		return lhs == rhs, nil
	case "!=":
		return lhs != rhs, nil
	case ">=":
		return lhs >= rhs, nil
	case ">":
		return lhs > rhs, nil
	}
	return false, &MarkerError{Marker: src, Pos: -1, Reason: "undefined comparison " + op + " on " + lhs + " and " + rhs}
}
