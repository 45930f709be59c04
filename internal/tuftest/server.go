package tuftest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server serves a Repo over HTTP on 127.0.0.1: metadata under /metadata/,
// targets under /targets/. It reads the repository at request time, so
// Publish and the mutations show at once. It logs every request and can
// inject faults.
type Server struct {
	URL         string // http://127.0.0.1:PORT
	MetadataURL string // URL + "/metadata/"
	TargetsURL  string // URL + "/targets/"

	repo *Repo
	srv  *httptest.Server
	stop chan struct{} // closed at cleanup: releases stalled handlers

	mu     sync.Mutex
	log    []Request
	faults []*rule
}

// Request is one logged request.
type Request struct {
	Method string
	Path   string // URL path without the leading "/": "metadata/timestamp.json"
	Status int    // status sent, 0 when the connection was cut before headers
}

type rule struct {
	pattern string // "" matches every request
	fault   Fault
	left    int // requests left; <0 means unlimited
}

// Serve starts a server for the repository; it is closed when the test ends.
func (r *Repo) Serve(t testing.TB) *Server {
	t.Helper()
	s := &Server{repo: r, stop: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	// Cleanups run last-in first-out: release stalled handlers first, or
	// Close would wait for them forever.
	t.Cleanup(s.srv.Close)
	t.Cleanup(func() { close(s.stop) })
	s.URL = s.srv.URL
	s.MetadataURL = s.URL + "/metadata/"
	s.TargetsURL = s.URL + "/targets/"
	return s
}

// Inject adds a fault for requests matching pattern, checked in the order
// added. pattern is matched (path.Match) against the request path without
// the leading "/" ("metadata/2.stable.json"), against the path under
// /metadata/ or /targets/ ("timestamp.json", "packages/<hash>.x.whl"), and
// against the served file's logical name: the role name for metadata
// ("timestamp", "stable"), the target path for targets
// ("packages/x-1.0.whl", matching every hash-prefixed copy).
func (s *Server) Inject(pattern string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	left := f.times
	if left == 0 {
		left = -1
	}
	s.faults = append(s.faults, &rule{pattern: pattern, fault: f, left: left})
}

// InjectAll adds a fault for every request.
func (s *Server) InjectAll(f Fault) { s.Inject("", f) }

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Requests returns the request log in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// Count returns how many requests asked for a path ("metadata/timestamp.json"
// or "/metadata/timestamp.json").
func (s *Server) Count(p string) int {
	p = strings.TrimPrefix(p, "/")
	n := 0
	for _, req := range s.Requests() {
		if req.Path == p {
			n++
		}
	}
	return n
}

// Counts returns the number of requests per path.
func (s *Server) Counts() map[string]int {
	m := map[string]int{}
	for _, req := range s.Requests() {
		m[req.Path]++
	}
	return m
}

// Repeated returns, sorted, the paths requested more than once: tests of
// caching assert it is empty.
func (s *Server) Repeated() []string {
	var out []string
	for p, n := range s.Counts() {
		if n > 1 {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// ResetLog empties the request log.
func (s *Server) ResetLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

func (s *Server) record(req Request) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, req)
	return len(s.log) - 1
}

func (s *Server) setStatus(i, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log[i].Status = status
}

// match returns the first fault whose pattern matches one of names, and
// uses up one of its requests.
func (s *Server) match(names []string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rl := range s.faults {
		if rl.left == 0 {
			continue
		}
		hit := rl.pattern == ""
		for _, n := range names {
			if ok, _ := path.Match(rl.pattern, n); ok && n != "" {
				hit = true
			}
		}
		if hit {
			if rl.left > 0 {
				rl.left--
			}
			return rl.fault, true
		}
	}
	return Fault{}, false
}

func (s *Server) handle(w http.ResponseWriter, req *http.Request) {
	p := strings.TrimPrefix(req.URL.Path, "/")
	i := s.record(Request{Method: req.Method, Path: p})
	status := 0
	defer func() { s.setStatus(i, status) }()

	data, logical, found := s.repo.file(p)
	names := []string{p, logical}
	if _, rest, ok := strings.Cut(p, "/"); ok {
		names = append(names, rest)
	}
	f, faulty := s.match(names)
	if !faulty {
		if !found || (req.Method != http.MethodGet && req.Method != http.MethodHead) {
			status = http.StatusNotFound
			http.NotFound(w, req)
			return
		}
		status = http.StatusOK
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(status)
		w.Write(data)
		return
	}
	if !s.wait(req, f.delay) {
		return
	}
	if f.status != 0 {
		status = f.status
		http.Error(w, http.StatusText(f.status), f.status)
		return
	}
	if f.body != nil {
		data, found = f.body, true
	}
	if !found {
		status = http.StatusNotFound
		http.NotFound(w, req)
		return
	}
	body := append(slices.Clone(data), bytes.Repeat([]byte("x"), int(f.extra))...)
	status = http.StatusOK
	if f.endless {
		// No Content-Length: the body never ends until the client stops
		// reading.
		w.WriteHeader(status)
		w.Write(body)
		chunk := bytes.Repeat([]byte("x"), 32<<10)
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			select {
			case <-req.Context().Done():
				return
			case <-s.stop:
				return
			default:
			}
		}
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if f.trickle > 0 {
		s.trickle(w, req, body, f.trickle)
		return
	}
	if !f.cut || f.cutAt >= int64(len(body)) {
		w.Write(body)
		return
	}
	w.Write(body[:f.cutAt])
	w.(http.Flusher).Flush()
	if f.stall {
		select {
		case <-req.Context().Done():
		case <-s.stop:
		}
		return
	}
	// Aborting the handler makes net/http close the connection without
	// completing the declared Content-Length.
	panic(http.ErrAbortHandler)
}

// trickle sends body one byte per interval: never idle long enough for an
// idle timeout, yet too slow to ever finish (the slow retrieval attack).
func (s *Server) trickle(w http.ResponseWriter, req *http.Request, body []byte, every time.Duration) {
	for i := range body {
		if _, err := w.Write(body[i : i+1]); err != nil {
			return
		}
		w.(http.Flusher).Flush()
		if !s.wait(req, every) {
			return
		}
	}
}

// wait sleeps d, or until the client or the server gives up; it reports
// whether to go on.
func (s *Server) wait(req *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-req.Context().Done():
	case <-s.stop:
	}
	return false
}

// Fault is a misbehaviour of the server for matching requests. Build one
// with the functions below (the zero Fault serves normally); Times limits
// how many requests it affects.
type Fault struct {
	delay   time.Duration
	status  int
	body    []byte
	extra   int64
	endless bool
	cut     bool // stop after cutAt bytes: stall, or drop the connection
	cutAt   int64
	stall   bool
	trickle time.Duration
	times   int
}

// Times limits the fault to the next n matching requests.
func (f Fault) Times(n int) Fault { f.times = n; return f }

// Delay waits d before sending headers (then serves normally).
func Delay(d time.Duration) Fault { return Fault{delay: d} }

// Stall sends headers (with the full Content-Length) and the first n bytes,
// then sends nothing more until the client gives up.
func Stall(n int64) Fault { return Fault{cut: true, cutAt: n, stall: true} }

// Trickle sends headers (with the full Content-Length), then one byte of
// the file every interval: a client that only has an idle timeout never
// gives up (the slow retrieval attack).
func Trickle(every time.Duration) Fault { return Fault{trickle: every} }

// Drop sends headers (with the full Content-Length) and the first n bytes,
// then closes the connection.
func Drop(n int64) Fault { return Fault{cut: true, cutAt: n} }

// Status answers with an HTTP status (for example 503) and no file.
func Status(code int) Fault { return Fault{status: code} }

// NotFound answers 404.
func NotFound() Fault { return Status(http.StatusNotFound) }

// Extra serves n bytes more than the file (than was signed), with a
// Content-Length that declares them.
func Extra(n int64) Fault { return Fault{extra: n} }

// Endless serves the file and then an endless stream, without a
// Content-Length (the endless data attack).
func Endless() Fault { return Fault{endless: true} }

// Replace serves body instead of the file (also for paths that do not
// exist).
func Replace(body []byte) Fault { return Fault{body: slices.Clone(body)} }
