package lockfile

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// pip does not read a requirements file as UTF-8: it decodes it by its byte-order mark
// (UTF-16, UTF-32), else by a PEP 263 "# -*- coding: NAME -*-" comment on one of its first
// two lines (any codec Python has: utf-7, unicode_escape, ...), else with the locale's
// encoding (pip before 25: utf_8_decode under Python's UTF-8 mode, which the wrappers set).
// A file that decodes differently could hide a line from tufpip inside what tufpip reads
// as a comment ("\n" written as "+AAo-" in UTF-7 or "\x0a" under unicode_escape). Rather
// than reimplement Python's codecs, tufpip reads only files whose decoding by pip is
// plain UTF-8, and refuses the rest, naming the reason.

// EncodingError is why pip would not decode a requirements file as plain UTF-8. It is
// returned inside a *ParseError, which carries the file and line.
type EncodingError struct {
	Reason string
}

func (e *EncodingError) Error() string { return e.Reason }

// boms are the byte-order marks pip checks, longest first where one is a prefix of
// another (UTF-32-LE starts with UTF-16-LE's mark).
var boms = []struct {
	mark []byte
	name string
}{
	{[]byte{0x00, 0x00, 0xfe, 0xff}, "UTF-32-BE"},
	{[]byte{0xff, 0xfe, 0x00, 0x00}, "UTF-32-LE"},
	{[]byte{0xfe, 0xff}, "UTF-16-BE"},
	{[]byte{0xff, 0xfe}, "UTF-16-LE"},
}

// codingRE is pip's PEP263 pattern, a bytes regex: \s and \w are ASCII-only there.
var codingRE = regexp.MustCompile(`coding[:=][ \t\n\r\f\v]*([-A-Za-z0-9_.]+)`)

// utf8Codecs and asciiCodecs are the names (after Python's normalisation: lower case,
// runs of other characters than letters, digits and "." become "_") that Python's codec
// registry maps to utf-8, and to ascii or latin-1. A file declaring a UTF-8 codec decodes
// as UTF-8; one declaring ascii or latin-1 decodes identically when it is plain ASCII.
var (
	utf8Codecs  = []string{"utf_8", "utf8", "u8", "utf", "utf8_ucs2", "utf8_ucs4", "cp65001", "utf_8_sig"}
	asciiCodecs = []string{
		"ascii", "646", "ansi_x3.4_1968", "ansi_x3_4_1968", "ansi_x3.4_1986", "cp367", "csascii", "ibm367",
		"iso646_us", "iso_646.irv_1991", "iso_ir_6", "us", "us_ascii",
		"latin_1", "latin1", "latin", "l1", "iso_8859_1", "iso8859_1", "8859", "cp819", "iso_ir_100",
		"csisolatin1", "ibm819", "iso_8859_1_1987", "iso8859",
	}
)

// normalizeCodec is Python's encodings.normalize_encoding, lower-cased as codecs.lookup does.
func normalizeCodec(name string) string {
	var b strings.Builder
	punct := false
	for _, c := range strings.ToLower(name) {
		if c == '.' || ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') {
			if punct && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(c)
			punct = false
		} else {
			punct = true
		}
	}
	return b.String()
}

// decodeRequirements returns the text pip reads from data, or an *EncodingError when pip
// would decode it otherwise than as UTF-8 (or not at all), as a *ParseError wrapping an
// *EncodingError.
func decodeRequirements(name string, data []byte) (string, error) {
	fail := func(line int, format string, args ...any) (string, error) {
		reason := fmt.Sprintf(format, args...)
		return "", &ParseError{Pos: Position{File: name, Line: line}, Msg: reason, Err: &EncodingError{Reason: reason}}
	}
	if rest, ok := bytes.CutPrefix(data, []byte{0xef, 0xbb, 0xbf}); ok {
		if !utf8.Valid(rest) {
			return fail(0, "starts with a UTF-8 byte-order mark but is not valid UTF-8")
		}
		return string(rest), nil
	}
	for _, b := range boms {
		if bytes.HasPrefix(data, b.mark) {
			return fail(0, "its byte-order mark makes pip decode it as %s, not UTF-8", b.name)
		}
	}
	ascii := true
	for _, c := range data {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	head := bytes.SplitN(data, []byte("\n"), 3)
	if len(head) > 2 {
		head = head[:2]
	}
	for i, line := range head {
		if len(line) == 0 || line[0] != '#' {
			continue
		}
		m := codingRE.FindSubmatch(line)
		if m == nil {
			continue
		}
		codec := normalizeCodec(string(m[1]))
		switch {
		case slices.Contains(utf8Codecs, codec):
		case slices.Contains(asciiCodecs, codec) && ascii:
		case slices.Contains(asciiCodecs, codec):
			return fail(i+1, "declares the encoding %q (PEP 263): pip would decode its non-ASCII bytes otherwise than UTF-8", m[1])
		default:
			return fail(i+1, "declares the encoding %q (PEP 263): pip would decode the file with it, not as UTF-8", m[1])
		}
		break // pip uses the first declaration
	}
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:invalidUTF8At(data)], []byte("\n"))
		return fail(line, "is not valid UTF-8")
	}
	return string(data), nil
}

func invalidUTF8At(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(data)
}

// IsPySpace reports whether Python's str.isspace holds for r: what pip's str.strip() and
// str.split() remove and its "\s" regexes match. It is Go's unicode.IsSpace plus the four
// ASCII separators U+001C..U+001F, which Python counts as whitespace and Go does not.
func IsPySpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0x1c, 0x1d, 0x1e, 0x1f, 0x85, 0xa0, 0x1680,
		0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return 0x2000 <= r && r <= 0x200a
}

// TrimPySpace is Python's str.strip() with no argument, as pip applies it to a requirement.
func TrimPySpace(s string) string {
	return strings.TrimFunc(s, IsPySpace)
}
