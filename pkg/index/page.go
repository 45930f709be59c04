package index

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/tufpip/tufpip/pkg/finder"
	"github.com/tufpip/tufpip/pkg/simpleindex"
	"github.com/tufpip/tufpip/pkg/verify"
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
	w.Header().Set("Vary", "Accept")
	ctype, ok := simpleindex.Negotiate(r.Header.Get("Accept"))
	if !ok {
		httpError(w, http.StatusNotAcceptable, "no acceptable content type; this index serves %s and %s", simpleindex.ContentTypeJSON, simpleindex.ContentTypeHTML)
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
	body, err := s.rendered(src, proj, ctype)
	if err != nil {
		httpError(w, http.StatusInternalServerError, "rendering the page of %s: %v", norm, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-store") // the trusted view changes with every refresh
	w.Write(body)
}

// refuse answers a failed check with 502, and records verification failures for the wrapper.
func (s *Server) refuse(w http.ResponseWriter, project, filename string, err error) {
	if verify.IsVerification(err) {
		s.fail(project, filename, err)
		s.log.Error("refused", "project", project, "file", filename, "error", err)
	}
	httpError(w, http.StatusBadGateway, "%v", err)
}

// trustedPage renders the project's trusted files with links to this server. Only the hash
// that names the file here is given, so pip checks exactly what tufpip verified.
func trustedPage(p *finder.Project) *simpleindex.Page {
	page := &simpleindex.Page{Name: p.Name}
	for _, f := range p.Files {
		alg, hex := fileKey(f)
		if alg == "" {
			continue
		}
		file := simpleindex.File{
			Filename:       f.File.Filename,
			URL:            "../../files/" + url.PathEscape(p.Name) + "/" + hex + "/" + url.PathEscape(f.File.Filename),
			Hashes:         map[string]string{alg: hex},
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
// strongest other one.
func fileKey(f *finder.File) (alg, hex string) {
	for _, a := range []string{"sha256", "sha512", "sha384"} {
		if h := f.Target.Hashes[a]; h != "" {
			return a, strings.ToLower(h)
		}
	}
	return "", ""
}
