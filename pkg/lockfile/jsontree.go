package lockfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// maxJSONDepth bounds nesting: Pipfile.lock is four levels deep, and a hostile file must
// not exhaust the stack.
const maxJSONDepth = 64

// decodeJSON reads a JSON document into the same generic tree and positions the TOML
// readers use (objects as map[string]any, arrays as []any, numbers as json.Number), so a
// JSON lockfile is read with tview and its entries and errors point at lines. A key
// written twice is an error: Python's json keeps the last one, and a lockfile must say one
// thing to every reader.
func decodeJSON(name string, data []byte) (*tdoc, map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	j := &jsonReader{dec: dec, lines: newLineStarts(data), pos: positions{}, name: name}
	v, err := j.value("", 0)
	if err == nil {
		if _, err2 := dec.Token(); err2 != io.EOF {
			err = j.errorf("unexpected data after the top-level value")
		}
	}
	if err != nil {
		var pe *ParseError
		if errors.As(err, &pe) {
			return nil, nil, pe
		}
		return nil, nil, j.wrap(err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, nil, errorf(Position{File: name, Line: 1}, "the top-level value must be an object, not %s", tomlKind(v))
	}
	return &tdoc{name: name, pos: j.pos}, m, nil
}

type jsonReader struct {
	dec   *json.Decoder
	lines lineStarts
	pos   positions
	name  string
}

// line is the line of the last token read.
func (j *jsonReader) line() int { return j.lines.line(max(int(j.dec.InputOffset())-1, 0)) }

func (j *jsonReader) errorf(format string, args ...any) *ParseError {
	return errorf(Position{File: j.name, Line: j.line()}, format, args...)
}

func (j *jsonReader) wrap(err error) *ParseError {
	line := j.line()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line = j.lines.line(max(int(se.Offset)-1, 0))
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &ParseError{Pos: Position{File: j.name, Line: line}, Msg: "invalid JSON: unexpected end of file", Err: err}
	}
	return &ParseError{Pos: Position{File: j.name, Line: line}, Msg: "invalid JSON: " + err.Error(), Err: err}
}

// value reads one value whose place is at; the caller has recorded at's line.
func (j *jsonReader) value(at tpath, depth int) (any, error) {
	tok, err := j.dec.Token()
	if err != nil {
		return nil, err
	}
	if _, seen := j.pos[at]; !seen {
		j.pos[at] = j.line()
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	if depth >= maxJSONDepth {
		return nil, j.errorf("nested more than %d levels deep", maxJSONDepth)
	}
	switch d {
	case '{':
		m := map[string]any{}
		for j.dec.More() {
			kt, err := j.dec.Token()
			if err != nil {
				return nil, err
			}
			k := kt.(string) // the decoder only returns string keys inside an object
			if _, dup := m[k]; dup {
				return nil, j.errorf("key %q is written twice", truncate(k, 80))
			}
			kp := at.key(k)
			j.pos[kp] = j.line()
			v, err := j.value(kp, depth+1)
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		_, err := j.dec.Token() // '}'
		return m, err
	default: // '['
		arr := []any{}
		for i := 0; j.dec.More(); i++ {
			v, err := j.value(at.elem(i), depth+1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := j.dec.Token() // ']'
		return arr, err
	}
}
