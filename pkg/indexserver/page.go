package indexserver

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tufpip/tufpip/pkg/finder"
	"github.com/tufpip/tufpip/pkg/simpleindex"
	"github.com/tufpip/tufpip/pkg/tuf"
)

func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("project")
	norm := simpleindex.NormalizeName(name)
	if norm == "" {
		httpError(w, http.StatusNotFound, "%q is not a project name", name)
		return
	}
	if norm != name {
		http.Redirect(w, r, "/simple/"+url.PathEscape(norm)+"/", http.StatusMovedPermanently)
		return
	}
	ctype, ok := negotiate(w, r)
	if !ok {
		return
	}
	src, err := s.source()
	if err != nil {
		s.refuse(w, norm, "", err)
		return
	}
	proj, err := src.Finder.Project(r.Context(), norm)
	if err != nil {
		var np *finder.NoPageError
		if errors.As(err, &np) {
			httpError(w, http.StatusNotFound, "%v", err)
			return
		}
		s.refuse(w, norm, "", err)
		return
	}
	body, etag, err := s.rendered(src, proj, ctype)
	if err != nil {
		httpError(w, http.StatusInternalServerError, "rendering the page of %s: %v", norm, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	servePageTagged(w, r, body, etag)
}

// servePageBytes sends a page that was just rendered from the current trusted view, with
// an ETag bound to its bytes and to the refresh it came from, so that clients revalidate
// every time (no-cache) and download only what changed. A 304 is answered only after the
// page was verified and rendered again: a client never keeps a page the current trusted
// metadata no longer vouches for (expired metadata is a 502 above).
func servePageBytes(w http.ResponseWriter, r *http.Request, body []byte, generation uint64) {
	servePageTagged(w, r, body, pageETag(w.Header().Get("Content-Type"), generation, body))
}

// pageETag binds a page's ETag to its content type, its bytes and the refresh it came from.
func pageETag(ctype string, generation uint64, body []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00", ctype, generation)
	h.Write(body)
	return `"` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`
}

func servePageTagged(w http.ResponseWriter, r *http.Request, body []byte, etag string) {
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			if t = strings.TrimSpace(t); t == etag || t == "W/"+etag || t == "*" {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
	}
	w.Write(body)
}

// refuse answers a failed check with 502, and records verification failures for the wrapper.
func (s *Server) refuse(w http.ResponseWriter, project, filename string, err error) {
	if tuf.IsVerification(err) {
		s.fail(project, filename, err)
	}
	httpError(w, http.StatusBadGateway, "%v", err)
}

// trustedPage renders the project's trusted files with links to this server (relative, or
// under publicURL when set). Only the hash that names the file here is given, so pip checks
// exactly what tufpip verified. PEP 700's versions lists the version of every file listed.
func trustedPage(p *finder.Project, publicURL string) *simpleindex.Page {
	page := &simpleindex.Page{Name: p.Name, Versions: []string{}}
	seen := map[string]bool{}
	prefix := "../../files/"
	if publicURL != "" {
		prefix = strings.TrimSuffix(publicURL, "/") + "/files/"
	}
	for _, f := range p.Files {
		if v := f.Dist.Version.String(); v != "" && !seen[v] {
			seen[v] = true
			page.Versions = append(page.Versions, v)
		}
		alg, hex := fileKey(f)
		if alg == "" {
			continue
		}
		hashes := map[string]string{alg: hex}
		if !simpleindex.IsStrongHash(alg) {
			hashes = nil // blake2b-256: no installer reads it; tufpip checks it before sending
		}
		file := simpleindex.File{
			Filename:       f.File.Filename,
			URL:            prefix + url.PathEscape(p.Name) + "/" + hex + "/" + url.PathEscape(f.File.Filename),
			Hashes:         hashes,
			RequiresPython: f.File.RequiresPython,
			Yanked:         f.File.Yanked,
			YankedReason:   f.File.YankedReason,
			Size:           f.Target.Length,
			UploadTime:     f.File.UploadTime,
		}
		if h := f.File.CoreMetadata["sha256"]; h != "" {
			file.CoreMetadata = map[string]string{"sha256": strings.ToLower(h)}
		}
		page.Files = append(page.Files, file)
	}
	return page
}

// fileKey is the hash a file is addressed by: sha256 when the evidence has it, else the
// strongest other one pip reads, else (a target signed with blake2b-256 alone, PyPI's TUF
// hash, on a page that gives no hash) the target's strongest.
func fileKey(f *finder.File) (alg, hex string) {
	for _, a := range simpleindex.StrongHashes {
		if h := f.Target.Hashes[a]; h != "" {
			return a, strings.ToLower(h)
		}
	}
	if a, h, ok := tuf.StrongestHash(f.Target.Hashes); ok {
		return a, h
	}
	return "", ""
}
