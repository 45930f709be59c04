package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Every --format json document has the same shape (README, "JSON output"): one object on
// stdout whose first key is "version", the version of tufpip's JSON shapes, then the
// command's own fields in camelCase. Lists are [] when empty, never null. Commands that
// pass or fail per item (verify, resolve) carry "ok", true exactly when they exit 0. Errors
// that stop a command go to stderr as text; the exit code says what happened.

// jsonVersion is bumped only when a field changes meaning or goes away; new fields do not
// bump it.
const jsonVersion = 1

// printJSON writes body (a struct or map that encodes as an object) as one document,
// prefixed with "version".
func printJSON(w io.Writer, body any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return fmt.Errorf("json output: %T is not an object", body)
	}
	if _, clash := fields["version"]; clash {
		return fmt.Errorf("json output: %T has its own \"version\" field", body)
	}
	var doc bytes.Buffer
	fmt.Fprintf(&doc, `{"version":%d`, jsonVersion)
	if len(fields) > 0 {
		doc.WriteByte(',')
		doc.Write(bytes.TrimPrefix(bytes.TrimSpace(raw), []byte("{")))
	} else {
		doc.WriteByte('}')
	}
	var out bytes.Buffer
	if err := json.Indent(&out, doc.Bytes(), "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err = w.Write(out.Bytes())
	return err
}
