package lockfile

import (
	"encoding/json"
	"strings"
)

// tdoc is a decoded TOML document with the lines of its parts. The first error
// found is kept and later reads return zero values, so readers can read a whole
// table and check for an error once.
type tdoc struct {
	name string
	pos  positions
	err  *ParseError
}

func newTdoc(name string, data []byte) (*tdoc, map[string]any, error) {
	m, err := decodeTOML(name, data)
	if err != nil {
		return nil, nil, err
	}
	return &tdoc{name: name, pos: indexPositions(data)}, m, nil
}

func (d *tdoc) at(p tpath) Position { return Position{File: d.name, Line: d.pos.line(p)} }

func (d *tdoc) fail(p tpath, format string, args ...any) {
	if d.err == nil {
		d.err = errorf(d.at(p), format, args...)
	}
}

// tview is one table of the document and where it is.
type tview struct {
	d *tdoc
	m map[string]any
	p tpath
}

func (t tview) has(k string) bool {
	_, ok := t.m[k]
	return ok
}

func (t tview) wrongType(k, want string, v any) {
	t.d.fail(t.p.key(k), "%s must be %s, not %s", displayKey(t.p.key(k)), want, tomlKind(v))
}

// str returns the string at key k ("" when absent).
func (t tview) str(k string) string {
	v, ok := t.m[k]
	if !ok {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		t.wrongType(k, "a string", v)
	}
	return s
}

// integer returns the integer at key k, or def when absent.
func (t tview) integer(k string, def int64) int64 {
	v, ok := t.m[k]
	if !ok {
		return def
	}
	n, ok := v.(int64)
	if !ok {
		t.wrongType(k, "an integer", v)
		return def
	}
	return n
}

func (t tview) boolean(k string) bool {
	v, ok := t.m[k]
	if !ok {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		t.wrongType(k, "a boolean", v)
	}
	return b
}

// table returns the table at key k; ok is false when absent or of another type.
func (t tview) table(k string) (tview, bool) {
	v, ok := t.m[k]
	if !ok {
		return tview{}, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.wrongType(k, "a table", v)
		return tview{}, false
	}
	return tview{d: t.d, m: m, p: t.p.key(k)}, true
}

// tables returns the array of tables at key k (written as [[k]] or as an array of
// inline tables); ok is false when absent or of another type.
func (t tview) tables(k string) ([]tview, bool) {
	v, ok := t.m[k]
	if !ok {
		return nil, false
	}
	arr, ok := v.([]any)
	if !ok {
		t.wrongType(k, "an array of tables", v)
		return nil, false
	}
	out := make([]tview, 0, len(arr))
	for i, el := range arr {
		m, ok := el.(map[string]any)
		if !ok {
			t.d.fail(t.p.key(k).elem(i), "%s must be an array of tables, not of %s", displayKey(t.p.key(k)), tomlKind(el))
			return nil, false
		}
		out = append(out, tview{d: t.d, m: m, p: t.p.key(k).elem(i)})
	}
	return out, true
}

// stringTable returns a table whose values are all strings, such as pylock hashes.
func (t tview) stringTable(k string) map[string]string {
	sub, ok := t.table(k)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(sub.m))
	for name := range sub.m {
		out[name] = sub.str(name)
	}
	return out
}

// displayKey renders a path as the dotted key a user wrote, without array indexes
// (the line number says which element).
func displayKey(p tpath) string {
	var b strings.Builder
	for _, part := range strings.Split(string(p), "\x00") {
		if part == "" {
			continue
		}
		part, _, _ = strings.Cut(part, "\x01")
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(keyUnesc.Replace(part))
	}
	return b.String()
}

func tomlKind(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	case json.Number: // JSON documents (decodeJSON) share these readers
		return "a number"
	case nil:
		return "null"
	}
	return "a date or time"
}
