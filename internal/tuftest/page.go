package tuftest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"regexp"
	"strings"
)

// PageFile is one link on a PEP 503 page written by SetPage.
type PageFile struct {
	Filename string
	// Data, when set, gives the sha256 in the link; otherwise SHA256 is used
	// as is (it may be empty: a link without a hash).
	Data           []byte
	SHA256         string
	RequiresPython string // data-requires-python, escaped on output
	Yanked         bool
	YankedReason   string
	// Href replaces the default "../../packages/<Filename>#sha256=<hex>".
	Href string
}

// File is a PageFile for filename whose link carries data's sha256.
func File(filename string, data []byte) PageFile {
	return PageFile{Filename: filename, Data: data}
}

var nonNormal = regexp.MustCompile(`[-_.]+`)

// Normalize is PEP 503 name normalisation.
func Normalize(project string) string {
	return strings.ToLower(nonNormal.ReplaceAllString(project, "-"))
}

// PagePath is the target path of a project's page in the default layout.
func PagePath(project string) string {
	return "simple/" + Normalize(project) + "/index.html"
}

// RenderPage renders a minimal PEP 503 page. Links point at
// ../../packages/<filename>, which resolves against the page's logical URL
// <targets-url>simple/<project>/index.html to <targets-url>packages/<filename>.
func RenderPage(project string, files ...PageFile) []byte {
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html>\n<head>\n")
	b.WriteString(`<meta name="pypi:repository-version" content="1.0">` + "\n")
	fmt.Fprintf(&b, "<title>Links for %s</title>\n</head>\n<body>\n", html.EscapeString(project))
	fmt.Fprintf(&b, "<h1>Links for %s</h1>\n", html.EscapeString(project))
	for _, f := range files {
		href := f.Href
		if href == "" {
			href = "../../packages/" + f.Filename
			sum := f.SHA256
			if f.Data != nil {
				s := sha256.Sum256(f.Data)
				sum = hex.EncodeToString(s[:])
			}
			if sum != "" {
				href += "#sha256=" + sum
			}
		}
		fmt.Fprintf(&b, `<a href="%s"`, html.EscapeString(href))
		if f.RequiresPython != "" {
			fmt.Fprintf(&b, ` data-requires-python="%s"`, html.EscapeString(f.RequiresPython))
		}
		if f.Yanked {
			fmt.Fprintf(&b, ` data-yanked="%s"`, html.EscapeString(f.YankedReason))
		}
		fmt.Fprintf(&b, ">%s</a><br/>\n", html.EscapeString(f.Filename))
	}
	b.WriteString("</body>\n</html>\n")
	return b.Bytes()
}

// SetPage renders project's PEP 503 page and signs it as target
// simple/<normalised>/index.html of role (at the next Publish). It returns
// the page bytes. The files themselves are added with AddFile.
func (r *Repo) SetPage(role, project string, files ...PageFile) []byte {
	r.t.Helper()
	page := RenderPage(project, files...)
	r.AddTarget(role, PagePath(project), page)
	return page
}
