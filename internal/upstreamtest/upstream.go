// Package upstreamtest is a fake upstream simple index for tests of repo sync: an HTTP
// server on 127.0.0.1 serving PEP 691 JSON or PEP 503 HTML pages (by the Accept header,
// or HTML only), with PEP 700 upload times, PEP 592 yanks, Requires-Python, PEP 658
// .metadata files, ETag and Last-Modified validators, and faults a test can switch on: a
// file whose bytes do not match its hash, a download that stalls until released. It logs
// every request.
package upstreamtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/pyfix"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// File is one distribution file the upstream lists.
type File struct {
	Filename       string
	Data           []byte
	UploadTime     time.Time
	RequiresPython string
	Yanked         bool
	YankedReason   string
	// NoMetadata: no .metadata file is offered (the default offers one for wheels and
	// sdists, with its sha256).
	NoMetadata bool
	// Corrupt: the file is served with its last byte flipped; the page keeps the
	// right hash.
	Corrupt bool
	// WrongMetadata: the page advertises (and serves) core metadata that is not the
	// wheel's own METADATA.
	WrongMetadata bool
	// Stall: the download sends half the file, then waits until the channel is closed.
	Stall chan struct{}
}

// Request is one request the server answered.
type Request struct {
	Path   string
	Status int
}

// Server is the fake upstream.
type Server struct {
	URL string // the index URL, ".../simple/"
	srv *httptest.Server

	mu       sync.Mutex
	projects map[string][]*File
	files    map[string]*File
	requests []Request
	htmlOnly bool
	lastMod  map[string]time.Time
	stalled  chan string // receives a filename when a stalled download starts
	auth     [2]string   // required basic auth user and password, when set
	noETag   bool
	redirect bool
}

// New starts a fake upstream; it stops when the test ends.
func New(t testing.TB) *Server {
	s := &Server{projects: map[string][]*File{}, files: map[string]*File{}, lastMod: map[string]time.Time{}, stalled: make(chan string, 16)}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	s.URL = s.srv.URL + "/simple/"
	return s
}

// RequireAuth makes every request need HTTP basic auth with user and password.
func (s *Server) RequireAuth(user, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auth = [2]string{user, password}
}

// NoETag makes the server send only Last-Modified as a validator (and honour only
// If-Modified-Since), as many static file servers do.
func (s *Server) NoETag(v bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noETag = v
}

// RedirectPages answers /simple/P/ with a redirect to /deep/er/P/, whose page links its
// files relatively ("../../files/F", served only at /deep/files/F): a client must resolve
// links against the URL that answered.
func (s *Server) RedirectPages(v bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.redirect = v
}

// HTMLOnly makes the server answer every page as PEP 503 HTML whatever the client accepts.
func (s *Server) HTMLOnly(v bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.htmlOnly = v
}

// Add lists files (built by pyfix) under their project.
func (s *Server) Add(files ...*File) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range files {
		p, err := pyfix.ProjectOf(f.Filename)
		if err != nil {
			panic(err)
		}
		if md, err := pyfix.CoreMetadata(f.Filename, f.Data); err == nil && f.RequiresPython == "" {
			f.RequiresPython = header(md, "Requires-Python")
		}
		if f.UploadTime.IsZero() {
			f.UploadTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		p = simpleindex.NormalizeName(p)
		s.projects[p] = append(s.projects[p], f)
		s.files[f.Filename] = f
		s.lastMod[p] = time.Now().UTC().Truncate(time.Second)
	}
}

// Update changes a listed file under the lock (yank it, backdate it) and marks its page
// as modified.
func (s *Server) Update(filename string, change func(*File)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[filename]
	change(f)
	p, _ := pyfix.ProjectOf(filename)
	s.lastMod[simpleindex.NormalizeName(p)] = time.Now().UTC().Truncate(time.Second).Add(time.Second)
}

// Stalled receives the filename of each stalled download as it starts.
func (s *Server) Stalled() <-chan string { return s.stalled }

// Requests returns the requests answered so far and forgets them.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.requests
	s.requests = nil
	return r
}

func (s *Server) log(path string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Path: path, Status: status})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	s.mu.Lock()
	auth := s.auth
	s.mu.Unlock()
	if auth[0] != "" {
		if u, p, ok := r.BasicAuth(); !ok || u != auth[0] || p != auth[1] {
			s.log(path, http.StatusUnauthorized)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
	}
	s.mu.Lock()
	redirect := s.redirect
	s.mu.Unlock()
	switch {
	case redirect && strings.HasPrefix(path, "/simple/"):
		s.log(path, http.StatusMovedPermanently)
		http.Redirect(w, r, "/deep/er/"+strings.TrimPrefix(path, "/simple/"), http.StatusMovedPermanently)
	case redirect && strings.HasPrefix(path, "/deep/er/"):
		s.servePage(w, r, strings.Trim(strings.TrimPrefix(path, "/deep/er/"), "/"))
	case redirect && strings.HasPrefix(path, "/deep/files/"):
		s.serveFile(w, r, strings.TrimPrefix(path, "/deep/files/"))
	case !redirect && strings.HasPrefix(path, "/simple/"):
		project := strings.Trim(strings.TrimPrefix(path, "/simple/"), "/")
		s.servePage(w, r, project)
	case !redirect && strings.HasPrefix(path, "/files/"):
		s.serveFile(w, r, strings.TrimPrefix(path, "/files/"))
	default:
		s.log(path, http.StatusNotFound)
		http.NotFound(w, r)
	}
}

func (s *Server) page(project, contentType string) ([]byte, error) {
	p := &simpleindex.Page{Name: project}
	for _, f := range s.projects[project] {
		sum := sha256.Sum256(f.Data)
		fileURL := s.srv.URL + "/files/" + url.PathEscape(f.Filename)
		if s.redirect {
			fileURL = "../../files/" + url.PathEscape(f.Filename)
		}
		sf := simpleindex.File{Filename: f.Filename, URL: fileURL,
			Hashes: map[string]string{"sha256": hex.EncodeToString(sum[:])}, RequiresPython: f.RequiresPython,
			Yanked: f.Yanked, YankedReason: f.YankedReason, Size: int64(len(f.Data)), UploadTime: f.UploadTime}
		if !f.NoMetadata {
			md, err := coreMetadata(f)
			if err != nil {
				return nil, err
			}
			ms := sha256.Sum256(md)
			sf.CoreMetadata = map[string]string{"sha256": hex.EncodeToString(ms[:])}
		}
		p.Files = append(p.Files, sf)
	}
	var b bytes.Buffer
	var err error
	if contentType == simpleindex.ContentTypeJSON {
		err = simpleindex.RenderJSON(&b, p)
	} else {
		err = simpleindex.RenderHTML(&b, p)
	}
	return b.Bytes(), err
}

func (s *Server) servePage(w http.ResponseWriter, r *http.Request, project string) {
	s.mu.Lock()
	_, ok := s.projects[project]
	ct, accepted := simpleindex.Negotiate(r.Header.Get("Accept"))
	if s.htmlOnly {
		ct, accepted = simpleindex.ContentTypeLegacyHTML, true
	}
	var body []byte
	var err error
	if ok && accepted {
		body, err = s.page(project, ct)
	}
	lastMod := s.lastMod[project]
	noETag := s.noETag
	s.mu.Unlock()
	status := http.StatusOK
	defer func() { s.log(r.URL.Path, status) }()
	switch {
	case !ok:
		status = http.StatusNotFound
		http.NotFound(w, r)
		return
	case !accepted:
		status = http.StatusNotAcceptable
		http.Error(w, "not acceptable", status)
		return
	case err != nil:
		status = http.StatusInternalServerError
		http.Error(w, err.Error(), status)
		return
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("Last-Modified", lastMod.Format(http.TimeFormat))
	w.Header().Set("Vary", "Accept")
	notModified := r.Header.Get("If-None-Match") == etag
	if noETag {
		since, err := http.ParseTime(r.Header.Get("If-Modified-Since"))
		notModified = err == nil && !lastMod.After(since)
	} else {
		w.Header().Set("ETag", etag)
	}
	if notModified {
		status = http.StatusNotModified
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Write(body)
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, name string) {
	s.mu.Lock()
	meta := false
	f := s.files[name]
	if f == nil && strings.HasSuffix(name, ".metadata") {
		f, meta = s.files[strings.TrimSuffix(name, ".metadata")], true
	}
	var data []byte
	var stall chan struct{}
	if f != nil {
		data, stall = f.Data, f.Stall
		if f.Corrupt {
			data = append([]byte(nil), data...)
			data[len(data)-1] ^= 0xff
		}
		if meta {
			if f.NoMetadata {
				f = nil
			} else {
				data, _ = coreMetadata(f)
				stall = nil
			}
		}
	}
	s.mu.Unlock()
	if f == nil {
		s.log(r.URL.Path, http.StatusNotFound)
		http.NotFound(w, r)
		return
	}
	s.log(r.URL.Path, http.StatusOK)
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	if stall != nil {
		w.Write(data[:len(data)/2])
		w.(http.Flusher).Flush()
		select {
		case s.stalled <- name:
		default:
		}
		select {
		case <-stall:
		case <-r.Context().Done():
			return
		}
		w.Write(data[len(data)/2:])
		return
	}
	w.Write(data)
}

func header(md []byte, name string) string {
	for _, line := range strings.Split(string(md), "\n") {
		if v, ok := strings.CutPrefix(line, name+": "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func coreMetadata(f *File) ([]byte, error) {
	md, err := pyfix.CoreMetadata(f.Filename, f.Data)
	if err == nil && f.WrongMetadata {
		md = append(md, "Requires-Dist: injected\n"...)
	}
	return md, err
}
