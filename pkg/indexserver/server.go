package indexserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tufpip/tufpip/pkg/finder"
	"github.com/tufpip/tufpip/pkg/simpleindex"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// Source is one refresh cycle: a finder over freshly verified metadata and the client that
// downloads through it.
type Source struct {
	Finder *finder.Finder
	Client *tuf.Client
}

// Config configures a Server.
type Config struct {
	// Open performs a TUF refresh and returns a new Source; it is called once by New and
	// then every RefreshEvery.
	Open func(ctx context.Context) (*Source, error)
	// CacheDir keeps verified files by hash (created 0700).
	CacheDir     string
	RefreshEvery time.Duration // 0: never refresh (one run of a wrapper)
	Logger       *slog.Logger
	// PublicURL is the base URL clients use (the part before "simple/"), for links that
	// name it; "" links relative to the page, whatever address the client used.
	PublicURL string
	// OnRefusal, when set, is told of each file the index refuses to send, instead of the
	// index logging it: a wrapper that reports Failures after its child's output sets it.
	OnRefusal func(Failure)
}

// Failure is a file the index refused to send, and why.
type Failure struct {
	Project  string
	Filename string
	Err      error
}

// Server is the verifying index.
type Server struct {
	cfg Config
	log *slog.Logger
	src atomic.Pointer[Source]
	// generation counts successful refreshes; page ETags include it.
	generation atomic.Uint64
	base       context.Context // the server's lifetime: downloads outlive the request that started them

	mu       sync.Mutex
	failures []Failure
	inflight map[string]*flight

	depChecks sync.Map // cache name -> error of checkDirectDependencies (nil: none)
	// verified remembers, per cached file, the target it was verified against and the
	// identity of the file then (verifiedFile): an unchanged file is not hashed again.
	verified    sync.Map
	verifyCalls atomic.Int64 // full verifications made (tests)

	pages atomic.Pointer[pageCache] // pages rendered from the current Source
	root  atomic.Pointer[rootList]  // the project list of the current Source
}

type flight struct {
	done chan struct{}
	err  error
}

// New performs the first refresh and returns a Server that lives as long as ctx.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Open == nil || cfg.CacheDir == "" {
		return nil, errors.New("index: Open and CacheDir are required")
	}
	if err := os.MkdirAll(filepath.Join(cfg.CacheDir, "files"), 0o700); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, log: log, inflight: map[string]*flight{}, base: ctx}
	src, err := cfg.Open(ctx)
	if err != nil {
		return nil, err
	}
	s.src.Store(src)
	return s, nil
}

// RefreshLoop refreshes the metadata every RefreshEvery until ctx ends. A failed refresh
// keeps serving nothing new: the previous cycle's view stays until a refresh succeeds,
// and the failure is logged (expired metadata is caught by the refresh itself).
func (s *Server) RefreshLoop(ctx context.Context) {
	if s.cfg.RefreshEvery <= 0 {
		return
	}
	t := time.NewTicker(s.cfg.RefreshEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			src, err := s.cfg.Open(ctx)
			if err != nil {
				s.log.Error("metadata refresh failed; serving the previous trusted view", "error", err)
				continue
			}
			s.src.Store(src)
			s.generation.Add(1)
			s.log.Debug("metadata refreshed")
		}
	}
}

// source is the current view, unless its trusted metadata has expired. TUF forbids using
// expired metadata; a server whose refreshes keep failing (an attacker blocking them: a
// freeze attack) must refuse rather than offer its last view forever.
func (s *Server) source() (*Source, error) {
	src := s.src.Load()
	if src.Client != nil {
		if exp := src.Client.Expires(); !exp.IsZero() && time.Now().After(exp) {
			return nil, &tuf.VerificationError{Path: "timestamp.json", Role: "timestamp",
				Reason: fmt.Sprintf("the trusted metadata expired at %s and no refresh has succeeded since", exp.UTC().Format(time.RFC3339))}
		}
	}
	return src, nil
}

// Failures returns the files the index refused to send so far.
func (s *Server) Failures() []Failure {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Failure(nil), s.failures...)
}

// maxFailures bounds what a long-running server remembers: every request for a file that
// does not verify adds one, and anyone who can reach the index can repeat a request.
const maxFailures = 100

// fail records a refused file, and tells OnRefusal or the log.
func (s *Server) fail(project, filename string, err error) {
	f := Failure{Project: project, Filename: filename, Err: err}
	if s.cfg.OnRefusal != nil {
		s.cfg.OnRefusal(f)
	} else {
		s.log.Error("refused", "project", project, "file", filename, "error", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failures) >= maxFailures {
		return // the first failures are the ones a wrapper reports
	}
	s.failures = append(s.failures, f)
}

// Handler returns the index's HTTP handler, with a request log at debug level.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /simple/{$}", s.serveRoot)
	mux.HandleFunc("GET /simple/{project}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path+"/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /simple/{project}/{$}", s.servePage)
	mux.HandleFunc("GET /files/{project}/{hash}/{filename}", s.serveFile)
	return logRequests(s.log, mux)
}

// serveRoot answers /simple/ with the list of trusted projects (finder.Projects), in HTML
// (PEP 503) or JSON (PEP 691) by Accept, PEP 629 and 691 meta included. The list is
// computed and rendered once per refresh (see projectList); installers never ask for it.
func (s *Server) serveRoot(w http.ResponseWriter, r *http.Request) {
	ctype, ok := negotiate(w, r)
	if !ok {
		return
	}
	src, err := s.source()
	if err != nil {
		s.refuse(w, "", "", err)
		return
	}
	l, err := s.projectList(r.Context(), src)
	if err != nil {
		s.refuse(w, "", "", err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	body := l.html
	if ctype == simpleindex.ContentTypeJSON {
		body = l.json
	}
	servePageBytes(w, r, body, s.generation.Load())
}

// httpError answers with a plain-text message pip shows to the user.
func httpError(w http.ResponseWriter, code int, format string, args ...any) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Del("ETag")
	w.WriteHeader(code)
	fmt.Fprintf(w, "tufpip: "+format+"\n", args...)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"ms", time.Since(start).Milliseconds(), "agent", strings.SplitN(r.UserAgent(), " ", 2)[0])
	})
}

// negotiate picks HTML or JSON for a page by the request's Accept header (PEP 691), or
// answers 406 and returns false.
func negotiate(w http.ResponseWriter, r *http.Request) (string, bool) {
	w.Header().Set("Vary", "Accept")
	ctype, ok := simpleindex.Negotiate(r.Header.Get("Accept"))
	if !ok {
		httpError(w, http.StatusNotAcceptable, "no acceptable content type; this index serves %s and %s", simpleindex.ContentTypeJSON, simpleindex.ContentTypeHTML)
	}
	return ctype, ok
}
