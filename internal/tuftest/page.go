package tuftest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"strings"

	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// PageFile is one link on a PEP 503 page written by SetPage.
type PageFile struct {
	Filename string
	// The link's hash fragment: Hashes when set (algorithm -> hex, for
	// example a weak md5 only), else sha256 of Data when Data is set, else
	// SHA256 (empty: a link without a hash).
	Hashes         map[string]string
	Data           []byte
	SHA256         string
	RequiresPython string // data-requires-python, escaped on output
	Yanked         bool
	YankedReason   string
	// URL replaces the default "../../packages/<Filename>"; the hash
	// fragment is still appended.
	URL string
}

// File is a PageFile for filename whose link carries data's sha256.
func File(filename string, data []byte) PageFile {
	return PageFile{Filename: filename, Data: data}
}

// PagePath is the target path of a project's page in the default layout.
func PagePath(project string) string {
	return strings.ReplaceAll(simpleindex.DefaultPathTemplate, "{project}", simpleindex.NormalizeName(project))
}

// RenderPage renders a PEP 503 page with pkg/simpleindex. Links default to
// ../../packages/<filename>, which resolves against the page's logical URL
// <targets-url>simple/<project>/index.html to <targets-url>packages/<filename>.
func RenderPage(project string, files ...PageFile) []byte {
	p := &simpleindex.Page{Name: project}
	for _, f := range files {
		sf := simpleindex.File{
			Filename:       f.Filename,
			URL:            f.URL,
			Hashes:         map[string]string{},
			RequiresPython: f.RequiresPython,
			Yanked:         f.Yanked,
			YankedReason:   f.YankedReason,
			Size:           -1,
		}
		if sf.URL == "" {
			sf.URL = "../../packages/" + f.Filename
		}
		switch {
		case f.Hashes != nil:
			sf.Hashes = maps.Clone(f.Hashes)
		case f.Data != nil:
			sum := sha256.Sum256(f.Data)
			sf.Hashes["sha256"] = hex.EncodeToString(sum[:])
		case f.SHA256 != "":
			sf.Hashes["sha256"] = f.SHA256
		}
		p.Files = append(p.Files, sf)
	}
	var b bytes.Buffer
	if err := simpleindex.RenderHTML(&b, p); err != nil {
		// Only empty filenames or URLs with fragments fail: a bug in the test.
		panic("tuftest: render page " + project + ": " + err.Error())
	}
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
