package indexserver

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tufpip/tufpip/pkg/finder"
	"github.com/tufpip/tufpip/pkg/tuf"
)

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	project, hash, filename := r.PathValue("project"), strings.ToLower(r.PathValue("hash")), r.PathValue("filename")
	metadata := false
	src, err := s.source()
	if err != nil {
		s.refuse(w, project, filename, err)
		return
	}
	proj, err := src.Finder.Project(r.Context(), project)
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
	target, opts := f.Target, f.DownloadOptions()
	cacheName := "file-" + hash
	if metadata {
		h := strings.ToLower(f.File.CoreMetadata["sha256"])
		if h == "" {
			httpError(w, http.StatusNotFound, "the trusted page gives no metadata hash for %s", filename)
			return
		}
		// The signed page vouches for the metadata file through its hash (trust rule b).
		target = tuf.PageFile(f.TargetPath+".metadata", f.File.URL+".metadata", -1, map[string]string{"sha256": h}, proj.Page)
		cacheName = "metadata-" + h
		filename += ".metadata"
		opts = nil
	}
	path := filepath.Join(s.cfg.CacheDir, "files", cacheName)
	fh, err := s.openVerified(r.Context(), src.Client, target, path, opts...)
	if err != nil {
		if tuf.IsVerification(err) || tuf.IsNetwork(err) {
			s.refuse(w, project, filename, err)
		} else {
			httpError(w, http.StatusInternalServerError, "%v", err)
		}
		return
	}
	defer fh.Close()
	if err := s.checkDependencies(fh, cacheName, filename); err != nil {
		var de *DirectDependencyError
		if errors.As(err, &de) {
			s.fail(project, filename, err)
			httpError(w, http.StatusBadGateway, "%s: %v", filename, err)
		} else {
			httpError(w, http.StatusInternalServerError, "%v", err)
		}
		return
	}
	// The URL names the file by its hash, so what it serves never changes: clients and
	// caches may keep it for good, and resume it with range requests (ServeContent).
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("ETag", `"`+cacheName+`"`)
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

// openVerified returns the cached file at path, downloading it first when missing, after
// checking the open file against target: whoever can write the cache directory must not
// choose the bytes sent, and what was checked is what is sent (the same open file). A file
// whose identity (inode, size, mtime, ctime) is unchanged since it was verified against
// the same target is not hashed again: any write to it changes its ctime. A cached copy
// that does not verify is removed and downloaded again once.
func (s *Server) openVerified(ctx context.Context, client *tuf.Client, target *tuf.Target, path string, opts ...tuf.DownloadOption) (*os.File, error) {
	for try := 0; ; try++ {
		if err := s.ensure(ctx, client, target, path, opts...); err != nil {
			return nil, err
		}
		fh, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		id, idOK := identify(fh)
		// Bound to the target's strongest hash: a file signed with blake2b-256 alone (PyPI's
		// TUF hash) is not hashed again on every request either.
		alg, hex, hashed := tuf.StrongestHash(target.Hashes)
		want := verifiedFile{target: target.Path, length: target.Length, alg: alg, hex: hex, id: id}
		if v, ok := s.verified.Load(path); idOK && ok && v.(verifiedFile) == want && hashed {
			return fh, nil // the very bytes verified before: same inode, size and ctime
		}
		s.verifyCalls.Add(1)
		err = tuf.CheckFile(fh, target.Length, target.Hashes)
		if err == nil {
			if _, err = fh.Seek(0, io.SeekStart); err == nil {
				if idOK {
					s.verified.Store(path, want)
				}
				return fh, nil
			}
		}
		s.verified.Delete(path)
		fh.Close()
		if !tuf.IsVerification(err) || try > 0 {
			if ve := (*tuf.VerificationError)(nil); errors.As(err, &ve) && ve.Path == "" {
				ve.Path, ve.Role = target.Path, target.Role
			}
			return nil, err
		}
		s.log.Warn("cached file does not verify; downloading it again", "file", path, "error", err)
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
}

// verifiedFile is what openVerified checked a cached file against, and the file's identity
// then.
type verifiedFile struct {
	target string
	length int64
	alg    string // tuf.StrongestHash of the target's hashes
	hex    string
	id     fileID
}

// ensure downloads and verifies target into path once, however many requests ask for it at
// the same time; a file already in the cache costs nothing.
func (s *Server) ensure(ctx context.Context, client *tuf.Client, target *tuf.Target, path string, opts ...tuf.DownloadOption) error {
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
		fl.err = client.Download(s.base, target, path, opts...)
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

// checkDependencies runs checkDirectDependencies once per verified file (by its cache name)
// and leaves fh at its start.
func (s *Server) checkDependencies(fh *os.File, cacheName, filename string) error {
	if v, ok := s.depChecks.Load(cacheName); ok {
		if err, _ := v.(error); err != nil {
			return err
		}
		return nil
	}
	err := checkDirectDependencies(fh, filename)
	if _, serr := fh.Seek(0, io.SeekStart); serr != nil {
		return serr
	}
	var de *DirectDependencyError
	if err == nil || errors.As(err, &de) {
		s.depChecks.Store(cacheName, err)
	}
	return err
}
