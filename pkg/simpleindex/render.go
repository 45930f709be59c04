package simpleindex

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"strings"
)

// uploadTimeLayout is PEP 700's yyyy-mm-ddThh:mm:ss.ffffffZ, always with six digits.
const uploadTimeLayout = "2006-01-02T15:04:05.000000Z"

// RenderError is a page that cannot be rendered: a file without a filename or URL, or
// with a fragment in its URL (hashes go in File.Hashes).
type RenderError struct {
	Index int
	Msg   string
}

func (e *RenderError) Error() string { return fmt.Sprintf("render files[%d]: %s", e.Index, e.Msg) }

func checkRenderable(p *Page) error {
	if p == nil {
		return errors.New("render: nil page")
	}
	for i := range p.Files {
		f := &p.Files[i]
		switch {
		case f.Filename == "":
			return &RenderError{Index: i, Msg: "empty filename"}
		case f.URL == "":
			return &RenderError{Index: i, Msg: "empty url"}
		case strings.ContainsRune(f.URL, '#'):
			return &RenderError{Index: i, Msg: "url has a fragment; hashes belong in File.Hashes"}
		}
	}
	return nil
}

// RenderHTML writes a PEP 503 page declaring API version 1.1. HTML has room for one hash
// per file, the URL fragment: sha256 when present, otherwise the strongest there is.
// The PEP 658 metadata is written both as data-core-metadata and as the older
// data-dist-info-metadata, as PyPI does, so pip before PEP 714 still finds it. URLs are
// written as given (the local index may use relative ones).
func RenderHTML(w io.Writer, p *Page) error {
	if err := checkRenderable(p); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	title := "Links for " + p.Name
	if p.Name == "" {
		title = "Links"
	}
	title = escape(title)
	bw.WriteString("<!DOCTYPE html>\n<html>\n  <head>\n    <meta charset=\"utf-8\">\n" +
		"    <meta name=\"pypi:repository-version\" content=\"" + APIVersion + "\">\n" +
		"    <title>" + title + "</title>\n  </head>\n  <body>\n    <h1>" + title + "</h1>\n")
	for i := range p.Files {
		f := &p.Files[i]
		href := f.URL
		if algo, hex, ok := pickHash(f.Hashes); ok {
			href += "#" + algo + "=" + hex
		}
		bw.WriteString("    <a href=\"")
		bw.WriteString(escape(href))
		bw.WriteString("\"")
		if f.RequiresPython != "" {
			writeAttr(bw, "data-requires-python", f.RequiresPython)
		}
		if f.Yanked {
			writeAttr(bw, "data-yanked", f.YankedReason)
		}
		if f.CoreMetadata != nil {
			v := "true"
			if algo, hex, ok := pickHash(f.CoreMetadata); ok {
				v = algo + "=" + hex
			}
			writeAttr(bw, "data-core-metadata", v)
			writeAttr(bw, "data-dist-info-metadata", v)
		}
		bw.WriteString(">")
		bw.WriteString(escape(f.Filename))
		bw.WriteString("</a><br>\n")
	}
	bw.WriteString("  </body>\n</html>\n")
	return bw.Flush()
}

func writeAttr(bw *bufio.Writer, name, value string) {
	bw.WriteString(" ")
	bw.WriteString(name)
	bw.WriteString("=\"")
	bw.WriteString(escape(value))
	bw.WriteString("\"")
}

// escape is html.EscapeString that also writes "\r" as a character reference: an HTML
// parser turns a literal "\r" into "\n" before unescaping, so only the reference
// survives a round trip.
func escape(s string) string {
	s = html.EscapeString(s)
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r", "&#13;")
	}
	return s
}

type renderMeta struct {
	APIVersion string `json:"api-version"`
}

type renderFile struct {
	Filename       string            `json:"filename"`
	URL            string            `json:"url"`
	Hashes         map[string]string `json:"hashes"`
	RequiresPython *string           `json:"requires-python,omitempty"`
	Yanked         any               `json:"yanked"`
	CoreMetadata   any               `json:"core-metadata,omitempty"`
	Size           *int64            `json:"size,omitempty"`
	UploadTime     string            `json:"upload-time,omitempty"`
}

type renderPage struct {
	Meta     renderMeta   `json:"meta"`
	Name     string       `json:"name"`
	Files    []renderFile `json:"files"`
	Versions []string     `json:"versions"`
}

// RenderJSON writes a PEP 691 page with PEP 700's fields (api-version 1.1). A file's
// size is left out when unknown (-1) and its upload time when zero; versions is written
// as given (the caller knows how to parse filenames), [] when nil.
//
// The PEP 658 metadata is written as "core-metadata" only, and only when there is some:
// pip 23.0 (Debian 12's) reads "dist-info-metadata" in JSON as a string and crashes on
// false, true and a hash object alike; pip from 23.2 and uv read "core-metadata" (PEP 714).
func RenderJSON(w io.Writer, p *Page) error {
	if err := checkRenderable(p); err != nil {
		return err
	}
	out := renderPage{
		Meta:     renderMeta{APIVersion: APIVersion},
		Name:     p.Name,
		Files:    make([]renderFile, len(p.Files)),
		Versions: p.Versions,
	}
	if out.Versions == nil {
		out.Versions = []string{}
	}
	for i := range p.Files {
		f := &p.Files[i]
		rf := renderFile{Filename: f.Filename, URL: f.URL, Hashes: f.Hashes, Yanked: false}
		if rf.Hashes == nil {
			rf.Hashes = map[string]string{}
		}
		if f.RequiresPython != "" {
			rf.RequiresPython = &f.RequiresPython
		}
		if f.Yanked {
			rf.Yanked = true
			if f.YankedReason != "" {
				rf.Yanked = f.YankedReason
			}
		}
		if f.CoreMetadata != nil {
			rf.CoreMetadata = true
			if len(f.CoreMetadata) > 0 {
				rf.CoreMetadata = f.CoreMetadata
			}
		}
		if f.Size >= 0 {
			rf.Size = &f.Size
		}
		if !f.UploadTime.IsZero() {
			rf.UploadTime = f.UploadTime.UTC().Format(uploadTimeLayout)
		}
		out.Files[i] = rf
	}
	enc := json.NewEncoder(w)
	// The page is served to pip as is: "<" in a requires-python stays readable.
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
