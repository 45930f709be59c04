package simpleindex

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// jsonPage is the PEP 691/700 document. Polymorphic fields have their own types; a
// JSON null means "absent" everywhere, as PyPI writes "requires-python": null.
type jsonPage struct {
	Meta *struct {
		APIVersion *string `json:"api-version"`
	} `json:"meta"`
	Name     *string    `json:"name"`
	Files    []jsonFile `json:"files"`
	Versions []string   `json:"versions"`
}

type jsonFile struct {
	// Plain strings: null leaves them empty, which is what absent means for each.
	Filename       string            `json:"filename"`
	URL            string            `json:"url"`
	Hashes         map[string]string `json:"hashes"`
	RequiresPython string            `json:"requires-python"`
	Yanked         yankedValue       `json:"yanked"`
	// PEP 691 named it dist-info-metadata and PyPI wrote data-dist-info-metadata;
	// PEP 714 renamed it core-metadata. pip reads core-metadata first. They are kept
	// raw and only the one that counts is decoded: most pages repeat the same value.
	CoreMetadata         json.RawMessage `json:"core-metadata"`
	DistInfoMetadata     json.RawMessage `json:"dist-info-metadata"`
	DataDistInfoMetadata json.RawMessage `json:"data-dist-info-metadata"`
	Size                 *int64          `json:"size"`
	UploadTime           string          `json:"upload-time"`
}

// yankedValue is PEP 592/691's false, true or a reason string.
type yankedValue struct {
	yanked bool
	reason string
}

var errYanked = errors.New("expected a boolean or a string")

func (y *yankedValue) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "null", "false":
		*y = yankedValue{}
		return nil
	case "true":
		*y = yankedValue{yanked: true}
		return nil
	}
	if len(b) == 0 || b[0] != '"' {
		return errYanked
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errYanked
	}
	// PEP 691 asks for a non-empty reason; an empty string is still a string, so the
	// file is yanked. (pip would treat "" as not yanked.)
	*y = yankedValue{yanked: true, reason: s}
	return nil
}

// metadataValue is PEP 658/714's false, true or a hashes object.
type metadataValue struct {
	set    bool // the key was present and not null or false
	hashes map[string]string
}

var errMetadata = errors.New("expected a boolean or an object of hashes")

func (m *metadataValue) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "null", "false":
		*m = metadataValue{}
		return nil
	case "true":
		*m = metadataValue{set: true}
		return nil
	}
	if len(b) == 0 || b[0] != '{' {
		return errMetadata
	}
	if hex, ok := sha256Only(b); ok {
		*m = metadataValue{set: true, hashes: map[string]string{"sha256": hex}}
		return nil
	}
	var h map[string]string
	if err := json.Unmarshal(b, &h); err != nil {
		return errMetadata
	}
	*m = metadataValue{set: true, hashes: h}
	return nil
}

// sha256Only recognises the form nearly every page uses, {"sha256": "<64 hex>"}, so
// that 10,000 files do not each need a trip through reflection. Anything else (other
// spacing aside) goes the general way.
func sha256Only(b []byte) (string, bool) {
	s := strings.TrimSpace(string(b))
	body, ok := strings.CutPrefix(s, "{")
	if !ok {
		return "", false
	}
	body, ok = strings.CutSuffix(body, "}")
	if !ok {
		return "", false
	}
	key, value, ok := strings.Cut(body, ":")
	if !ok || strings.TrimSpace(key) != `"sha256"` {
		return "", false
	}
	value = strings.TrimSpace(value)
	if len(value) != 66 || value[0] != '"' || value[65] != '"' {
		return "", false
	}
	hex, ok := checkDigest("sha256", value[1:65])
	// checkDigest returns a substring of value, itself a copy of b: safe to keep.
	return hex, ok
}

// ParseJSON reads a PEP 691 page (with PEP 700's additions). pageURL is the page's
// logical URL, against which relative file URLs are resolved.
func ParseJSON(data []byte, pageURL *url.URL, log *slog.Logger) (*Page, error) {
	page := pageString(pageURL)
	log, done := pageLogger(log, page)
	defer done()
	var doc jsonPage
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, jsonError(data, page, err)
	}
	p := &Page{APIVersion: "1.0", Versions: doc.Versions}
	if doc.Meta == nil || doc.Meta.APIVersion == nil {
		log.Warn("json page has no meta.api-version; reading it as 1.0", "page", pageLabel(page))
	} else {
		if err := checkAPIVersion(*doc.Meta.APIVersion, page, log); err != nil {
			return nil, err
		}
		p.APIVersion = strings.TrimSpace(*doc.Meta.APIVersion)
	}
	if doc.Name != nil {
		p.Name = *doc.Name
	}
	p.Files = make([]File, 0, len(doc.Files))
	for i := range doc.Files {
		f, ok, err := jsonFileToFile(&doc.Files[i], i, pageURL, page, log)
		if err != nil {
			return nil, err
		}
		if ok {
			p.Files = append(p.Files, f)
		}
	}
	return p, nil
}

func jsonFileToFile(jf *jsonFile, i int, pageURL *url.URL, page string, log *slog.Logger) (File, bool, error) {
	field := func(name string) string { return fmt.Sprintf("files[%d].%s", i, name) }
	if jf.Filename == "" || jf.URL == "" {
		log.Warn("skipping file without a filename or url", "page", pageLabel(page), "index", i)
		return File{}, false, nil
	}
	f := File{Filename: jf.Filename, Size: -1, RequiresPython: jf.RequiresPython}
	u, err := url.Parse(strings.TrimSpace(jf.URL))
	if err != nil {
		log.Warn("skipping file with an unparsable url", "page", pageLabel(page), "file", f.Filename, "err", err)
		return File{}, false, nil
	}
	u = resolve(pageURL, u)
	if u.Opaque != "" || (u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "file") {
		log.Warn("skipping file: not an http(s) or file url", "page", pageLabel(page), "file", f.Filename, "url", jf.URL)
		return File{}, false, nil
	}
	if u.Fragment != "" {
		// PEP 691 carries hashes in "hashes"; a fragment is not one of them.
		u.Fragment, u.RawFragment = "", ""
	}
	f.URL = u.String()
	f.Hashes = jsonHashes(jf.Hashes, page, f.Filename, "hashes", log)
	f.Yanked, f.YankedReason = jf.Yanked.yanked, jf.Yanked.reason
	for _, md := range []struct {
		key string
		raw json.RawMessage
	}{{"core-metadata", jf.CoreMetadata}, {"dist-info-metadata", jf.DistInfoMetadata}, {"data-dist-info-metadata", jf.DataDistInfoMetadata}} {
		if md.raw == nil || string(md.raw) == "null" {
			continue // absent, or null: both mean "look at the older name", as in pip
		}
		var v metadataValue
		if err := v.UnmarshalJSON(md.raw); err != nil {
			return File{}, false, &ParseError{Page: page, Field: field(md.key), Msg: err.Error()}
		}
		if v.set {
			f.CoreMetadata = jsonHashes(v.hashes, page, f.Filename, md.key, log)
			if f.CoreMetadata == nil {
				f.CoreMetadata = map[string]string{}
			}
		}
		// pip takes the first key present and not null, even when it says false.
		break
	}
	if jf.Size != nil {
		if *jf.Size < 0 {
			return File{}, false, &ParseError{Page: page, Field: field("size"), Msg: "must not be negative"}
		}
		f.Size = *jf.Size
	}
	if jf.UploadTime != "" {
		t, err := parseUploadTime(jf.UploadTime)
		if err != nil {
			return File{}, false, &ParseError{Page: page, Field: field("upload-time"),
				Msg: fmt.Sprintf("%q is not a yyyy-mm-ddThh:mm:ss.ffffffZ time", jf.UploadTime)}
		}
		f.UploadTime = t
	}
	return f, true, nil
}

// jsonHashes keeps the digests hashlib would recognise, lowercased; nil when none. The
// decoded map is returned as is when it is already clean, the usual case.
func jsonHashes(in map[string]string, page, filename, what string, log *slog.Logger) map[string]string {
	if len(in) == 0 {
		return nil
	}
	clean := true
	for name, v := range in {
		algo, known := canonicalAlgo(name)
		if hex, ok := checkDigest(algo, v); !known || !ok || algo != name || hex != v {
			clean = false
			break
		}
	}
	if clean {
		return in
	}
	out := make(map[string]string, len(in))
	for name, v := range in {
		algo, known := canonicalAlgo(name)
		if !known {
			log.Debug("ignoring unknown hash algorithm", "page", pageLabel(page), "file", filename, "algorithm", name)
			continue
		}
		hex, ok := checkDigest(algo, v)
		if !ok {
			log.Warn("ignoring malformed "+algo+" in "+what, "page", pageLabel(page), "file", filename)
			continue
		}
		out[algo] = hex
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// parseUploadTime reads PEP 700's yyyy-mm-ddThh:mm:ss.ffffffZ. Go accepts any fractional
// part after the seconds when parsing; other RFC 3339 offsets are accepted too, because
// some indexes write "+00:00".
func parseUploadTime(s string) (time.Time, error) {
	t, err := time.Parse("2006-01-02T15:04:05Z", s)
	if err != nil {
		t, err = time.Parse(time.RFC3339Nano, s)
	}
	return t.UTC(), err
}

// jsonError turns encoding/json's error into one that names the field, such as
// "files[3].size: expected an integer, got string".
func jsonError(data []byte, page string, err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return &ParseError{Page: page, Msg: fmt.Sprintf("invalid json at byte %d", syn.Offset), Err: err}
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &ParseError{Page: page, Field: locateField(data, te.Offset, te.Field),
			Msg: fmt.Sprintf("expected %s, got %s", kindName(te.Type.Kind().String()), te.Value)}
	}
	// A polymorphic field's own error: encoding/json does not say where, so find the
	// offending file by decoding them one at a time (a rare, slow path).
	if errors.Is(err, errYanked) {
		return &ParseError{Page: page, Field: locateCustom(data), Msg: err.Error()}
	}
	return &ParseError{Page: page, Msg: "invalid json page", Err: err}
}

func kindName(k string) string {
	switch k {
	case "string":
		return "a string"
	case "int64":
		return "an integer"
	case "map":
		return "an object"
	case "slice":
		return "an array"
	case "struct", "ptr":
		return "an object"
	}
	return k
}

// locateField adds the file index to encoding/json's dotted path ("files.size"), using
// the error's byte offset to count the files before it.
func locateField(data []byte, offset int64, field string) string {
	rest, ok := strings.CutPrefix(field, "files.")
	if !ok {
		return field
	}
	var doc struct {
		Files []json.RawMessage `json:"files"`
	}
	if json.Unmarshal(data, &doc) != nil {
		return field
	}
	pos := 0
	for i, raw := range doc.Files {
		// RawMessage is a copy; find where this file's bytes sit in data, searching on
		// from the previous file so that identical files are told apart.
		start := bytes.Index(data[pos:], raw)
		if start < 0 {
			break
		}
		start += pos
		pos = start + len(raw)
		if offset >= int64(start) && offset <= int64(pos) {
			return fmt.Sprintf("files[%d].%s", i, rest)
		}
	}
	return field
}

// locateCustom finds the file whose "yanked" is neither a boolean nor a string.
func locateCustom(data []byte) string {
	var doc struct {
		Files []json.RawMessage `json:"files"`
	}
	if json.Unmarshal(data, &doc) != nil {
		return "files"
	}
	for i, raw := range doc.Files {
		var y struct {
			Yanked yankedValue `json:"yanked"`
		}
		if json.Unmarshal(raw, &y) != nil {
			return fmt.Sprintf("files[%d].yanked", i)
		}
	}
	return "files"
}
