package lockfile

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// The TOML formats are read twice: go-toml's decoder checks the whole document
// (syntax, redefined keys and tables) and yields plain maps, then go-toml's AST
// parser walks the same bytes once to record the line of every table, array
// element and key, so each entry and each error can point at its line. The maps are
// read with the exact-case getters below rather than decoded into structs, because
// go-toml matches struct fields case-insensitively: "NAME" would be read as "name",
// and a lockfile could then say one thing to tufpip and another to the installer.

// decodeTOML decodes data into a generic tree and turns go-toml errors into
// *ParseError.
func decodeTOML(name string, data []byte) (map[string]any, error) {
	var m map[string]any
	err := toml.Unmarshal(data, &m)
	if err == nil {
		return m, nil
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, _ := de.Position()
		return nil, &ParseError{Pos: Position{File: name, Line: line}, Msg: strings.TrimPrefix(de.Error(), "toml: "), Err: err}
	}
	return nil, &ParseError{Pos: Position{File: name}, Msg: "invalid TOML: " + strings.TrimPrefix(err.Error(), "toml: "), Err: err}
}

// tpath names a place in the document: keys joined by \x00, array elements as
// \x01<index>. Key text is escaped (keyEsc) so that a quoted key holding those bytes
// cannot be mistaken for a separator.
type tpath string

var (
	keyEsc   = strings.NewReplacer("\x02", "\x02\x05", "\x00", "\x02\x03", "\x01", "\x02\x04")
	keyUnesc = strings.NewReplacer("\x02\x05", "\x02", "\x02\x03", "\x00", "\x02\x04", "\x01")
)

func (p tpath) key(k string) tpath { return p + "\x00" + tpath(keyEsc.Replace(k)) }
func (p tpath) elem(i int) tpath   { return p + "\x01" + tpath(strconv.Itoa(i)) }

func keyPath(keys ...string) tpath {
	var p tpath
	for _, k := range keys {
		p = p.key(k)
	}
	return p
}

// positions maps places in a TOML document to the line that defines them: the
// header of a [table] or [[array table]], the `key =` line of a value, or the line
// where an inline table or array element starts.
type positions map[tpath]int

// indexPositions walks a document the decoder has already accepted. It follows
// TOML's rules for which table a header or dotted key refers to: a key naming an
// array of tables means its last element.
func indexPositions(data []byte) positions {
	pos := positions{}
	lines := newLineStarts(data)
	lineOf := func(n *unstable.Node) int { return lines.line(int(n.Raw.Offset)) }
	arrays := map[tpath]int{} // array-of-tables path -> elements so far
	var current tpath

	var walkValue func(at tpath, v *unstable.Node)
	walkKV := func(table tpath, kv *unstable.Node) {
		keys := kv.Key()
		at := table
		line := 0
		for keys.Next() {
			k := keys.Node()
			if line == 0 {
				line = lineOf(k)
			}
			at = at.key(string(k.Data))
			if _, seen := pos[at]; !seen {
				pos[at] = line
			}
		}
		walkValue(at, kv.Value())
	}
	walkValue = func(at tpath, v *unstable.Node) {
		switch v.Kind {
		case unstable.InlineTable:
			pos[at] = lineOf(v)
			it := v.Children()
			for it.Next() {
				if c := it.Node(); c.Kind == unstable.KeyValue {
					walkKV(at, c)
				}
			}
		case unstable.Array:
			it := v.Children()
			i := 0
			for it.Next() {
				c := it.Node()
				if c.Kind == unstable.Comment {
					continue
				}
				el := at.elem(i)
				pos[el] = lineOf(c)
				walkValue(el, c)
				i++
			}
		}
	}

	var p unstable.Parser
	p.Reset(data)
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.KeyValue:
			walkKV(current, e)
		case unstable.Table, unstable.ArrayTable:
			var keys []*unstable.Node
			it := e.Key()
			for it.Next() {
				keys = append(keys, it.Node())
			}
			if len(keys) == 0 {
				continue
			}
			var at tpath
			for _, k := range keys[:len(keys)-1] {
				at = at.key(string(k.Data))
				if n, ok := arrays[at]; ok {
					at = at.elem(n - 1)
				}
			}
			at = at.key(string(keys[len(keys)-1].Data))
			if e.Kind == unstable.ArrayTable {
				if _, seen := pos[at]; !seen {
					pos[at] = lineOf(keys[0])
				}
				n := arrays[at]
				arrays[at] = n + 1
				at = at.elem(n)
			}
			pos[at] = lineOf(keys[0])
			current = at
		}
	}
	return pos
}

// line returns the line of p, or of its closest recorded ancestor, or 0.
func (ps positions) line(p tpath) int {
	for {
		if l, ok := ps[p]; ok {
			return l
		}
		i := strings.LastIndexAny(string(p), "\x00\x01")
		if i < 0 {
			return 0
		}
		p = p[:i]
	}
}

// hashList turns a {algorithm = hex} table into a sorted list.
func hashList(m map[string]string) ([]Hash, error) {
	algos := make([]string, 0, len(m))
	for a := range m {
		algos = append(algos, a)
	}
	sort.Strings(algos)
	out := make([]Hash, 0, len(m))
	for _, a := range algos {
		hex, err := normHex(a, m[a])
		if err != nil {
			return nil, err
		}
		out = append(out, Hash{Algorithm: a, Hex: hex})
	}
	return out, nil
}

// plainFilename checks a file name taken from a lockfile: it will name a TUF target,
// so it must be one path segment.
func plainFilename(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return fmt.Errorf("file name %q is not a plain file name", truncate(name, 200))
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("file name %q contains a control character", truncate(name, 200))
		}
	}
	return nil
}

// filenameFrom derives a file name from a URL's last segment (percent-decoded) or a
// path's base name.
func filenameFrom(rawURL, p string) string {
	if rawURL != "" {
		return urlFilename(rawURL)
	}
	if p != "" {
		p = strings.ReplaceAll(p, `\`, "/")
		if b := path.Base(p); b != "/" && b != "." {
			return b
		}
	}
	return ""
}

// fileLocation completes and checks what both TOML formats record about a distribution
// file: a url or path, a plain file name (derived from them when absent) and a size that is
// not negative. project names the package in messages. It reports false after failing d.
func (d *tdoc) fileLocation(f tview, e *Entry, kind Kind, project string, size int64) bool {
	if e.URL == "" && e.Path == "" {
		d.fail(f.p, "%s %s has neither url nor path", kind, project)
		return false
	}
	if e.Filename == "" {
		e.Filename = filenameFrom(e.URL, e.Path)
	}
	if err := plainFilename(e.Filename); err != nil {
		d.fail(f.p, "%s %s: %v", kind, project, err)
		return false
	}
	if size < -1 || size == -1 && f.has("size") {
		d.fail(f.p.key("size"), "%s: negative size %d", e.Filename, size)
		return false
	}
	e.Size = size
	return true
}
