package index

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tufpip/tufpip/pkg/finder"
	"github.com/tufpip/tufpip/pkg/verify"
)

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	project, hash, filename := r.PathValue("project"), strings.ToLower(r.PathValue("hash")), r.PathValue("filename")
	metadata := false
	proj, err := s.src.Load().Finder.Project(r.Context(), project)
	if err != nil {
		s.refuse(w, project, filename, err)
		return
	}
	f := findFile(proj, hash, filename)
	if f == nil && strings.HasSuffix(filename, ".metadata") {
		filename = strings.TrimSuffix(filename, ".metadata")
		f, metadata = findFile(proj, hash, filename), true
	}
	if f == nil {
		httpError(w, http.StatusNotFound, "%s is not a trusted file of %s", filename, project)
		return
	}
	target := f.Target
	cacheName := "file-" + hash
	if metadata {
		h := strings.ToLower(f.File.CoreMetadata["sha256"])
		if h == "" {
			httpError(w, http.StatusNotFound, "the trusted page gives no metadata hash for %s", filename)
			return
		}
		// The signed page vouches for the metadata file through its hash (trust rule b).
		target = verify.PageFile(f.TargetPath+".metadata", f.File.URL+".metadata", -1, map[string]string{"sha256": h}, proj.Page)
		cacheName = "metadata-" + h
		filename += ".metadata"
	}
	path := filepath.Join(s.cfg.CacheDir, "files", cacheName)
	if err := s.ensure(r.Context(), s.src.Load().Client, target, path); err != nil {
		s.refuse(w, project, filename, err)
		return
	}
	fh, err := os.Open(path)
	if err != nil {
		httpError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	defer fh.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	http.ServeContent(w, r, filename, time.Time{}, fh)
}

func findFile(p *finder.Project, hash, filename string) *finder.File {
	f := p.File(filename)
	if f == nil {
		return nil
	}
	if _, h := fileKey(f); h != hash {
		return nil
	}
	return f
}

// ensure downloads and verifies target into path once, however many requests ask for it at
// the same time; a file already in the cache costs nothing.
func (s *Server) ensure(ctx context.Context, client *verify.Client, target *verify.Target, path string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	s.mu.Lock()
	fl, ok := s.inflight[path]
	if !ok {
		fl = &flight{done: make(chan struct{})}
		s.inflight[path] = fl
		s.mu.Unlock()
		// The download outlives one request: a client that gave up must not make the
		// next one start over.
		fl.err = client.Download(s.base, target, path)
		s.mu.Lock()
		delete(s.inflight, path)
		s.mu.Unlock()
		close(fl.done)
	} else {
		s.mu.Unlock()
	}
	select {
	case <-fl.done:
		return fl.err
	case <-ctx.Done():
		return ctx.Err()
	}
}
