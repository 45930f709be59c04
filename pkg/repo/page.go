package repo

import (
	"bytes"
	"fmt"
	"html"
	"net/url"
	"sort"
)

// pagePath is the target path of a project's page; the layout tufpip reads by default.
func pagePath(project string) string { return "simple/" + project + "/index.html" }

// packagePath is the target path of a distribution file.
func packagePath(filename string) string { return packagesDir + "/" + filename }

// renderPage writes the PEP 503 page that role signs for project, listing files.
// Links are relative ("../../packages/F#sha256=H"), so the page is right wherever the
// targets directory is served; the logical page URL <targets-url>simple/P/index.html
// resolves them to <targets-url>packages/F, whose target path is packages/F.
// The role is named in a meta tag so stable's and unstable's pages never have the same
// bytes, hence never share one hash-prefixed file that pruning could pull from under the
// other role.
// TODO(repo): render with simpleindex.RenderHTML once pkg/simpleindex lands.
func renderPage(role, project string, files []fileState) []byte {
	files = append([]fileState(nil), files...)
	sort.Slice(files, func(i, j int) bool { return files[i].Filename < files[j].Filename })
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html>\n  <head>\n")
	b.WriteString("    <meta name=\"pypi:repository-version\" content=\"1.0\">\n")
	fmt.Fprintf(&b, "    <meta name=\"tufpip:role\" content=\"%s\">\n", html.EscapeString(role))
	fmt.Fprintf(&b, "    <title>Links for %s</title>\n  </head>\n  <body>\n    <h1>Links for %s</h1>\n", html.EscapeString(project), html.EscapeString(project))
	for _, f := range files {
		href := "../../" + packagesDir + "/" + url.PathEscape(f.Filename) + "#sha256=" + f.SHA256
		b.WriteString("    <a href=\"" + html.EscapeString(href) + "\"")
		if f.RequiresPython != "" {
			b.WriteString(" data-requires-python=\"" + html.EscapeString(f.RequiresPython) + "\"")
		}
		b.WriteString(">" + html.EscapeString(f.Filename) + "</a><br>\n")
	}
	b.WriteString("  </body>\n</html>\n")
	return b.Bytes()
}
