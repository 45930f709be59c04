package repo

import (
	"bytes"
	"net/url"
	"sort"

	"github.com/tufpip/tufpip/pkg/pep440"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// pagePath is the target path of a project's page; the layout tufpip reads by default.
func pagePath(project string) string { return "simple/" + project + "/index.html" }

// packagePath is the target path of a distribution file.
func packagePath(filename string) string { return packagesDir + "/" + filename }

// renderPage renders the PEP 503 page listing files for project, newest version last.
// Links are relative ("../../packages/F#sha256=H"), so the page is right wherever the
// targets directory is served: the logical page URL <targets-url>simple/P/index.html
// resolves them to <targets-url>packages/F, whose target path is packages/F.
func renderPage(project string, files []fileState) ([]byte, error) {
	files = append([]fileState(nil), files...)
	sort.SliceStable(files, func(i, j int) bool {
		vi, ei := pep440.Parse(files[i].Version)
		vj, ej := pep440.Parse(files[j].Version)
		if ei == nil && ej == nil {
			if c := vi.Compare(vj); c != 0 {
				return c < 0
			}
		}
		return files[i].Filename < files[j].Filename
	})
	p := &simpleindex.Page{Name: project}
	for _, f := range files {
		p.Files = append(p.Files, simpleindex.File{
			Filename:       f.Filename,
			URL:            "../../" + packagesDir + "/" + url.PathEscape(f.Filename),
			Hashes:         map[string]string{"sha256": f.SHA256},
			RequiresPython: f.RequiresPython,
			Size:           f.Size,
			UploadTime:     f.UploadTime,
		})
	}
	var b bytes.Buffer
	if err := simpleindex.RenderHTML(&b, p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
