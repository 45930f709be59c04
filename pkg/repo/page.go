package repo

import (
	"bytes"
	"fmt"
	"net/url"
	pathpkg "path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tufpip/tufpip/internal/atomicfile"
	"github.com/tufpip/tufpip/pkg/pep440"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// pagePath is the target path of a project's page; the target path scheme tufpip reads by default.
func pagePath(project string) string {
	return strings.ReplaceAll(simpleindex.DefaultPathTemplate, "{project}", project)
}

// jsonPagePath is the target path of a project's PEP 691 page (InitOptions.JSONPages).
func jsonPagePath(project string) string { return "simple/" + project + "/index.json" }

// packagePath is the target path of a distribution file.
func packagePath(filename string) string { return packagesDir + "/" + filename }

// metadataPath is the target path of a file's PEP 658 core metadata: where PEP 658 clients
// look, the file's own URL plus ".metadata".
func metadataPath(filename string) string { return packagePath(filename) + ".metadata" }

// renderPage renders the PEP 503 page listing files for project, newest version last.
// Links are relative ("../../packages/F#sha256=H"), so the page is right wherever the
// targets directory is served: the logical page URL <targets-url>simple/P/index.html
// resolves them to <targets-url>packages/F, whose target path is packages/F.
func renderPage(project string, files []fileState) ([]byte, error) {
	return renderPageLinking(project, files, "../../")
}

// renderPageLinking renders the page with links base + "packages/F" (base "../../": relative
// to simple/P/).
func renderPageLinking(project string, files []fileState, base string) ([]byte, error) {
	var b bytes.Buffer
	p := pageModel(project, files)
	for i := range p.Files {
		p.Files[i].URL = base + strings.TrimPrefix(p.Files[i].URL, "../../")
	}
	if err := simpleindex.RenderHTML(&b, p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// renderJSONPage renders the same page as PEP 691 JSON with PEP 700's versions, sizes and
// upload times, which HTML pages have no place for.
func renderJSONPage(project string, files []fileState) ([]byte, error) {
	p := pageModel(project, files)
	seen := map[string]bool{}
	for _, f := range files {
		if !seen[f.Version] {
			seen[f.Version] = true
			p.Versions = append(p.Versions, f.Version)
		}
	}
	var b bytes.Buffer
	if err := simpleindex.RenderJSON(&b, p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// pageModel lists files oldest version first, the order pip's and PyPI's pages use.
func pageModel(project string, files []fileState) *simpleindex.Page {
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
			Yanked:         f.Yanked,
			YankedReason:   f.YankedReason,
		})
		if f.CoreMetadata != "" {
			p.Files[len(p.Files)-1].CoreMetadata = map[string]string{"sha256": f.CoreMetadata}
		}
	}
	return p
}

// putPages renders project's page(s) listing files and makes family sign them, writing
// each as a hash-prefixed file first. It returns the HTML page and whether anything
// changed.
func (r *Repo) putPages(t *txn, family, project string, files []fileState) ([]byte, bool, error) {
	html, err := renderPage(project, files)
	if err != nil {
		return nil, false, err
	}
	changed, err := r.putPage(t, family, project, pagePath(project), html)
	if err != nil || !r.cfg.JSONPages {
		return html, changed, err
	}
	js, err := renderJSONPage(project, files)
	if err != nil {
		return nil, false, err
	}
	c, err := r.putPage(t, family, project, jsonPagePath(project), js)
	return html, changed || c, err
}

// putPage makes family sign page at target path, unless it already signs these bytes.
func (r *Repo) putPage(t *txn, family, project, path string, page []byte) (bool, error) {
	sum := sha256Hex(page)
	ok, err := t.signs(family, path, sum)
	if err != nil || ok {
		return false, err
	}
	base := pathpkg.Base(path)
	if err := t.step(fmt.Sprintf("page %s %s", family, path)); err != nil {
		return false, err
	}
	dir := filepath.Join(targetsDir(r.dir), "simple", project)
	file := filepath.Join(dir, sum+"."+base)
	if err := atomicfile.WriteFileUnsynced(file, page, 0o644); err != nil {
		return false, err
	}
	t.unsynced = append(t.unsynced, file, dir)
	m, err := t.role(r.lay.roleFor(family, path))
	if err != nil {
		return false, err
	}
	if old := m.Signed.Targets[path]; old != nil {
		t.superseded = append(t.superseded, filepath.Join("targets", "simple", project, fmt.Sprintf("%x.%s", []byte(old.Hashes["sha256"]), base)))
	}
	return true, t.setTarget(family, path, int64(len(page)), sum)
}
