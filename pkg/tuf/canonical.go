package tuf

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// canonicalize parses one JSON document strictly and returns it in the canonical form TUF
// signs (OLPC canonical JSON as go-securesystemslib's cjson writes it: object keys sorted
// by their bytes, no whitespace, integers as written, strings with only '\' and '"'
// escaped). On every document go-tuf accepts it gives the bytes go-tuf's VerifyDelegate
// checks signatures over, from one pass over the raw bytes instead of four decodes.
//
// It rejects what would make "the bytes verified" and "the values used" differ, or what
// go-tuf would canonicalise differently: duplicate object keys (Go's decoder keeps the last,
// other decoders the first), numbers with a fraction or exponent, -0, integers beyond
// ±(2^53-1) (go-tuf reads unknown fields as float64), invalid UTF-8 and lone surrogates (Go
// replaces them with U+FFFD), nesting deeper than maxJSONDepth, and anything after the
// document, and unescaped control characters (invalid JSON). Escaped ones are written raw,
// as cjson writes them (PEM keys hold newlines): the canonical form is then not JSON, see
// jsonOfCanonical.
func canonicalize(data []byte) ([]byte, error) {
	p := &cparser{data: data}
	p.ws()
	out, err := p.value(make([]byte, 0, len(data)), 0)
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.pos != len(p.data) {
		return nil, p.errorf("data after the JSON document")
	}
	return out, nil
}

// maxJSONDepth bounds recursion: TUF metadata nests about six levels deep.
const maxJSONDepth = 64

// maxSafeInt is 2^53-1: larger integers do not survive go-tuf's float64 round trip.
const maxSafeInt = 1<<53 - 1

// CanonicalError is a metadata file that is not strict canonicalisable JSON.
type CanonicalError struct {
	Offset int
	Reason string
}

func (e *CanonicalError) Error() string {
	return fmt.Sprintf("malformed JSON at byte %d: %s", e.Offset, e.Reason)
}

type cparser struct {
	data []byte
	pos  int

	// Per nesting level, reused by every object at that level: a role of 8,000 targets
	// has 16,000 small objects, and fresh buffers for each were most of the allocation.
	scratch [][]byte
	members [][]member
}

func (p *cparser) errorf(format string, args ...any) error {
	return &CanonicalError{Offset: p.pos, Reason: fmt.Sprintf(format, args...)}
}

func (p *cparser) ws() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *cparser) value(out []byte, depth int) ([]byte, error) {
	if depth > maxJSONDepth {
		return nil, p.errorf("nested deeper than %d levels", maxJSONDepth)
	}
	if p.pos >= len(p.data) {
		return nil, p.errorf("unexpected end of data")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(out, depth)
	case c == '[':
		return p.array(out, depth)
	case c == '"':
		raw, s, err := p.stringBytes()
		if err != nil {
			return nil, err
		}
		if raw != nil { // no escapes, so no '"' or '\\' either: canonical as written
			out = append(out, '"')
			out = append(out, raw...)
			return append(out, '"'), nil
		}
		return appendCanonicalString(out, s), nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number(out)
	case p.literal("true"):
		return append(out, "true"...), nil
	case p.literal("false"):
		return append(out, "false"...), nil
	case p.literal("null"):
		return append(out, "null"...), nil
	}
	return nil, p.errorf("unexpected character %q", p.data[p.pos])
}

func (p *cparser) literal(lit string) bool {
	if strings.HasPrefix(string(p.data[p.pos:min(len(p.data), p.pos+len(lit))]), lit) {
		p.pos += len(lit)
		return true
	}
	return false
}

type member struct {
	key        string // set by canonicalMembers and objectMembers
	rawKey     []byte // object's keys: into the input when unescaped, else a copy
	start, end int    // the member's value (canonical) in the scratch buffer
}

func (p *cparser) object(out []byte, depth int) ([]byte, error) {
	p.pos++ // '{'
	for len(p.scratch) <= depth {
		p.scratch, p.members = append(p.scratch, nil), append(p.members, nil)
	}
	members := p.members[depth][:0]
	defer func() { p.members[depth] = members[:0] }()
	// Members are written straight to out, each as "key":value; writers that sort their keys
	// (go-tuf, python-tuf, tufpip) need nothing more, other objects are reordered at the end.
	base := len(out)
	out = append(out, '{')
	sorted := true
	p.ws()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return append(out, '}'), nil
	}
	for {
		p.ws()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.errorf("expected an object key")
		}
		raw, s, err := p.stringBytes()
		if err != nil {
			return nil, err
		}
		if raw == nil {
			raw = []byte(s)
		}
		p.ws()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.errorf("expected ':' after object key")
		}
		p.pos++
		p.ws()
		if len(members) > 0 {
			switch c := bytes.Compare(members[len(members)-1].rawKey, raw); {
			case c == 0:
				return nil, p.errorf("duplicate object key %q", raw)
			case c > 0:
				sorted = false
			}
			out = append(out, ',')
		}
		start := len(out)
		out = appendCanonicalBytes(out, raw)
		out = append(out, ':')
		if out, err = p.value(out, depth+1); err != nil {
			return nil, err
		}
		members = append(members, member{rawKey: raw, start: start, end: len(out)})
		p.ws()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unexpected end of data in an object")
		}
		if p.data[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.data[p.pos] != '}' {
			return nil, p.errorf("expected ',' or '}' in an object")
		}
		p.pos++
		break
	}
	if !sorted {
		scratch := append(p.scratch[depth][:0], out[base:]...)
		p.scratch[depth] = scratch[:0]
		slices.SortFunc(members, func(a, b member) int { return bytes.Compare(a.rawKey, b.rawKey) })
		out = append(out[:base], '{')
		for i, m := range members {
			if i > 0 {
				if bytes.Equal(members[i-1].rawKey, m.rawKey) {
					return nil, p.errorf("duplicate object key %q", m.rawKey)
				}
				out = append(out, ',')
			}
			out = append(out, scratch[m.start-base:m.end-base]...)
		}
	}
	return append(out, '}'), nil
}

func (p *cparser) array(out []byte, depth int) ([]byte, error) {
	p.pos++ // '['
	out = append(out, '[')
	p.ws()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return append(out, ']'), nil
	}
	for first := true; ; first = false {
		if !first {
			out = append(out, ',')
		}
		p.ws()
		var err error
		if out, err = p.value(out, depth+1); err != nil {
			return nil, err
		}
		p.ws()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unexpected end of data in an array")
		}
		if p.data[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.data[p.pos] != ']' {
			return nil, p.errorf("expected ',' or ']' in an array")
		}
		p.pos++
		return append(out, ']'), nil
	}
}

func (p *cparser) number(out []byte) ([]byte, error) {
	start := p.pos
	if p.data[p.pos] == '-' {
		p.pos++
	}
	digits := p.pos
	for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
		p.pos++
	}
	n := p.data[digits:p.pos]
	switch {
	case len(n) == 0:
		return nil, p.errorf("malformed number")
	case len(n) > 1 && n[0] == '0':
		return nil, p.errorf("number with a leading zero")
	case p.pos < len(p.data) && (p.data[p.pos] == '.' || p.data[p.pos] == 'e' || p.data[p.pos] == 'E'):
		return nil, p.errorf("not an integer (canonical JSON has no floating point numbers)")
	case digits > start && string(n) == "0":
		return nil, p.errorf("negative zero")
	}
	if len(n) > 16 {
		return nil, p.errorf("integer beyond ±2^53-1")
	}
	var v int64
	for _, d := range n {
		v = v*10 + int64(d-'0')
	}
	if v > maxSafeInt {
		return nil, p.errorf("integer beyond ±2^53-1")
	}
	return append(out, p.data[start:p.pos]...), nil
}

// string reads a JSON string at p.pos and returns its value.
func (p *cparser) string() (string, error) {
	raw, s, err := p.stringBytes()
	if raw != nil {
		return string(raw), nil
	}
	return s, err
}

// stringBytes reads a JSON string at p.pos: raw is its bytes in the input when it has no
// escapes (the common case, without allocating), else s is its value.
func (p *cparser) stringBytes() (raw []byte, s string, err error) {
	p.pos++ // '"'
	start := p.pos
	// Fast path: no escapes.
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c == '"' {
			raw := p.data[start:p.pos:p.pos]
			if !utf8.Valid(raw) {
				return nil, "", p.errorf("invalid UTF-8 in a string")
			}
			p.pos++
			return raw, "", nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return nil, "", p.errorf("unescaped control character in a string")
		}
		p.pos++
	}
	buf := append([]byte(nil), p.data[start:p.pos]...)
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			if !utf8.Valid(buf) {
				return nil, "", p.errorf("invalid UTF-8 in a string")
			}
			p.pos++
			return nil, string(buf), nil
		case c < 0x20:
			return nil, "", p.errorf("unescaped control character in a string")
		case c != '\\':
			buf = append(buf, c)
			p.pos++
			continue
		}
		if p.pos+1 >= len(p.data) {
			break
		}
		e := p.data[p.pos+1]
		p.pos += 2
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return nil, "", p.errorf("malformed \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if p.pos+1 < len(p.data) && p.data[p.pos] == '\\' && p.data[p.pos+1] == 'u' {
					p.pos += 2
					if r2, ok = p.hex4(); !ok {
						return nil, "", p.errorf("malformed \\u escape")
					}
				}
				if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
					return nil, "", p.errorf("lone surrogate in a string")
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return nil, "", p.errorf("malformed escape \\%c", e)
		}
	}
	return nil, "", p.errorf("unterminated string")
}

func (p *cparser) hex4() (rune, bool) {
	if p.pos+4 > len(p.data) {
		return 0, false
	}
	var r rune
	for _, c := range p.data[p.pos : p.pos+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	p.pos += 4
	return r, true
}

func appendCanonicalBytes(out []byte, s []byte) []byte {
	if bytes.IndexByte(s, '"') < 0 && bytes.IndexByte(s, '\\') < 0 {
		out = append(out, '"')
		out = append(out, s...)
		return append(out, '"')
	}
	return appendCanonicalString(out, string(s))
}

func appendCanonicalString(out []byte, s string) []byte {
	out = append(out, '"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return append(out, '"')
}

// canonicalMembers canonicalises a document that must be a JSON object and returns the
// canonical form of each of its members' values (a metadata file's "signed" is what the
// signatures cover).
func canonicalMembers(data []byte) (map[string][]byte, error) {
	p := &cparser{data: data}
	p.ws()
	if p.pos >= len(p.data) || p.data[p.pos] != '{' {
		return nil, p.errorf("expected a JSON object")
	}
	p.pos++
	out := map[string][]byte{}
	// The members' canonical values share one buffer: canonical JSON is never longer than
	// the JSON it comes from, so it never grows (a value of its own per member sized to the
	// rest of the file was twice the file's size).
	buf := make([]byte, 0, len(data))
	p.ws()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
	} else {
		for {
			p.ws()
			if p.pos >= len(p.data) || p.data[p.pos] != '"' {
				return nil, p.errorf("expected an object key")
			}
			key, err := p.string()
			if err != nil {
				return nil, err
			}
			if _, dup := out[key]; dup {
				return nil, p.errorf("duplicate object key %q", key)
			}
			p.ws()
			if p.pos >= len(p.data) || p.data[p.pos] != ':' {
				return nil, p.errorf("expected ':' after object key")
			}
			p.pos++
			p.ws()
			start := len(buf)
			v, err := p.value(buf, 1)
			if err != nil {
				return nil, err
			}
			buf = v
			out[key] = v[start:len(v):len(v)]
			p.ws()
			if p.pos < len(p.data) && p.data[p.pos] == ',' {
				p.pos++
				continue
			}
			if p.pos >= len(p.data) || p.data[p.pos] != '}' {
				return nil, p.errorf("expected ',' or '}' in an object")
			}
			p.pos++
			break
		}
	}
	p.ws()
	if p.pos != len(p.data) {
		return nil, p.errorf("data after the JSON document")
	}
	return out, nil
}

// jsonOfCanonical turns canonical bytes back into JSON that encoding/json reads: canonical
// JSON writes control characters raw, and outside strings it has no whitespace, so every byte
// below 0x20 is inside a string and becomes a \u escape.
func jsonOfCanonical(b []byte) []byte {
	n := 0
	for _, c := range b {
		if c < 0x20 {
			n++
		}
	}
	if n == 0 {
		return b
	}
	const hexDigits = "0123456789abcdef"
	out := make([]byte, 0, len(b)+5*n)
	for _, c := range b {
		if c < 0x20 {
			out = append(out, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			continue
		}
		out = append(out, c)
	}
	return out
}
