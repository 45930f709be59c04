package pyfix

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// IndexFile is one distribution file on a plain index, with the page attributes pip reads.
type IndexFile struct {
	Filename       string
	Data           []byte
	Project        string // empty: taken from the filename
	RequiresPython string // data-requires-python, omitted when empty
	Yanked         bool
	YankedReason   string
	NoHash         bool // leave the #sha256= fragment off the link
	// Metadata, when set, is served as the PEP 658 metadata file <file URL>.metadata and
	// announced with its sha256 (see CoreMetadata). pip then reads a candidate's metadata
	// without downloading the file or building an sdist.
	Metadata []byte
}

// Request is one request the index answered.
type Request struct {
	Method, Path string
	Status       int
}

// Index is a plain (unsigned) PEP 503 index on 127.0.0.1: pages under /simple/<project>/,
// files under /files/<filename>. Pip is pointed at it with --index-url ix.URL.
type Index struct {
	URL    string // ".../simple/": what --index-url takes
	Server *httptest.Server

	mu    sync.Mutex
	files map[string][]IndexFile // normalised project -> files in the order added
	log   []Request
}

// NewIndex serves files on a fresh loopback server closed when the test ends.
func NewIndex(t testing.TB, files ...IndexFile) *Index {
	t.Helper()
	ix := &Index{files: map[string][]IndexFile{}}
	for _, f := range files {
		if err := ix.Add(f); err != nil {
			t.Fatalf("pyfix: index: %v", err)
		}
	}
	ix.Server = httptest.NewServer(http.HandlerFunc(ix.serve))
	t.Cleanup(ix.Server.Close)
	ix.URL = ix.Server.URL + "/simple/"
	return ix
}

// Add puts a file on the index; pages are rendered per request, so it shows at once.
func (ix *Index) Add(f IndexFile) error {
	if f.Filename == "" || strings.ContainsAny(f.Filename, "/\\") {
		return fmt.Errorf("%q is not a plain filename", f.Filename)
	}
	project := f.Project
	if project == "" {
		var err error
		if project, err = ProjectOf(f.Filename); err != nil {
			return err
		}
	}
	key := simpleindex.NormalizeName(project)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.files[key] = append(ix.files[key], f)
	return nil
}

// ProjectOf reads the project name out of a wheel or sdist filename: the part before the
// first "-" for a wheel (its name cannot hold one), before the last "-" for an sdist.
func ProjectOf(filename string) (string, error) {
	switch {
	case strings.HasSuffix(filename, ".whl"):
		if i := strings.IndexByte(filename, '-'); i > 0 {
			return filename[:i], nil
		}
	case strings.HasSuffix(filename, ".tar.gz"), strings.HasSuffix(filename, ".zip"):
		base := strings.TrimSuffix(strings.TrimSuffix(filename, ".tar.gz"), ".zip")
		if i := strings.LastIndexByte(base, '-'); i > 0 {
			return base[:i], nil
		}
	}
	return "", fmt.Errorf("%s: cannot tell the project from the filename", filename)
}

// Requests returns a copy of the request log.
func (ix *Index) Requests() []Request {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return append([]Request(nil), ix.log...)
}

// FileURL is where the index serves filename.
func (ix *Index) FileURL(filename string) string {
	return ix.Server.URL + "/files/" + url.PathEscape(filename)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (ix *Index) serve(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	ix.route(sw, r)
	ix.mu.Lock()
	ix.log = append(ix.log, Request{Method: r.Method, Path: r.URL.Path, Status: sw.status})
	ix.mu.Unlock()
}

func (ix *Index) route(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	switch {
	case p == "/simple/":
		ix.serveRoot(w)
	case strings.HasPrefix(p, "/simple/"):
		name := strings.TrimSuffix(strings.TrimPrefix(p, "/simple/"), "/")
		if strings.Contains(name, "/") || name == "" {
			http.NotFound(w, r)
			return
		}
		// PEP 503: the canonical URL is the normalised name with a trailing slash.
		if norm := simpleindex.NormalizeName(name); norm != name || !strings.HasSuffix(p, "/") {
			http.Redirect(w, r, "/simple/"+norm+"/", http.StatusMovedPermanently)
			return
		}
		ix.servePage(w, r, name)
	case strings.HasPrefix(p, "/files/"):
		ix.serveFile(w, r, strings.TrimPrefix(p, "/files/")) // r.URL.Path is already unescaped
	default:
		http.NotFound(w, r)
	}
}

func (ix *Index) serveRoot(w http.ResponseWriter) {
	ix.mu.Lock()
	names := make([]string, 0, len(ix.files))
	for n := range ix.files {
		names = append(names, n)
	}
	ix.mu.Unlock()
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.0\"><title>Simple index</title></head><body>\n")
	for _, n := range names {
		fmt.Fprintf(&b, "<a href=\"%s/\">%s</a><br/>\n", n, n)
	}
	b.WriteString("</body></html>\n")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, b.String())
}

func (ix *Index) servePage(w http.ResponseWriter, r *http.Request, project string) {
	ix.mu.Lock()
	files := append([]IndexFile(nil), ix.files[project]...)
	ix.mu.Unlock()
	if len(files) == 0 {
		http.NotFound(w, r)
		return
	}
	page, err := RenderPage(project, files, "/files/")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, page)
}

// RenderPage renders a PEP 503 project page (with pkg/simpleindex's renderer) whose links
// point at filesPrefix+filename, with PEP 592 yanks and data-requires-python.
func RenderPage(project string, files []IndexFile, filesPrefix string) (string, error) {
	p := &simpleindex.Page{Name: project}
	for _, f := range files {
		sf := simpleindex.File{
			Filename:       f.Filename,
			URL:            filesPrefix + url.PathEscape(f.Filename),
			RequiresPython: f.RequiresPython,
			Yanked:         f.Yanked,
			YankedReason:   f.YankedReason,
			Size:           int64(len(f.Data)),
		}
		if !f.NoHash {
			sum := sha256.Sum256(f.Data)
			sf.Hashes = map[string]string{"sha256": hex.EncodeToString(sum[:])}
		}
		if f.Metadata != nil {
			sum := sha256.Sum256(f.Metadata)
			sf.CoreMetadata = map[string]string{"sha256": hex.EncodeToString(sum[:])}
		}
		p.Files = append(p.Files, sf)
	}
	var b strings.Builder
	if err := simpleindex.RenderHTML(&b, p); err != nil {
		return "", fmt.Errorf("render page of %s: %w", project, err)
	}
	return b.String(), nil
}

func (ix *Index) serveFile(w http.ResponseWriter, r *http.Request, name string) {
	ix.mu.Lock()
	var body []byte
	for _, fs := range ix.files {
		for i := range fs {
			switch {
			case fs[i].Filename == name:
				body = fs[i].Data
			case fs[i].Metadata != nil && fs[i].Filename+".metadata" == name:
				body = fs[i].Metadata
			}
		}
	}
	ix.mu.Unlock()
	if body == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.Write(body)
}
