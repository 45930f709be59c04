package tuftest

import (
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"golang.org/x/crypto/blake2b"

	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// PEP 458 as PyPI plans it (issue 13): targets delegates to succinct hash bins "bins-X" that
// one online key signs, and nothing else; a project's page is the target named by the bare
// normalised project name, hashed by blake2b-256 only, its bytes stored content-addressed as
// simple/<project>/<blake2b>.<project>.html (not where a generic TUF download of the target
// looks); the page links files on another host by absolute URL, pinned by sha256.

// PEP458PageURL is the page URL template (tufpip's --page-url) of the layout.
const PEP458PageURL = "simple/{project}/{hash}.{project}.html"

// NewBinsOnly builds a repository whose targets role delegates to 2^bits succinct hash bins
// "bins-X" (one shared key) and to nothing else: the bins sign the targets themselves.
// Options other than delegations apply as for New.
func NewBinsOnly(t testing.TB, bits int, opts ...Option) *Repo {
	t.Helper()
	return New(t, append(slices.Clone(opts), WithSuccinctBins(bits))...)
}

// Blake2b256 is the hex blake2b-256 digest of data (TUF's "blake2b-256").
func Blake2b256(data []byte) string {
	sum := blake2b.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// hashHex computes a TUF target hash of data by its TUF name.
func hashHex(t testing.TB, alg string, data []byte) string {
	switch alg {
	case "blake2b-256":
		return Blake2b256(data)
	case "sha256", "sha512":
		tf, err := metadata.TargetFile().FromBytes("x", data, alg)
		if err != nil {
			t.Fatalf("tuftest: %s: %v", alg, err)
		}
		return hex.EncodeToString(tf.Hashes[alg])
	}
	t.Fatalf("tuftest: no hash algorithm %q", alg)
	return ""
}

// SignTarget signs data as targetPath in role (at the next Publish) with exactly the hash
// algorithms given ("blake2b-256", "sha256", "sha512"), and hosts it nowhere: the caller
// says where its bytes are served (HostAt), as a repository that stores them apart from
// the target name does.
func (r *Repo) SignTarget(role, targetPath string, data []byte, algs ...string) {
	r.t.Helper()
	tf := &metadata.TargetFiles{Length: int64(len(data)), Hashes: metadata.Hashes{}, Path: targetPath}
	for _, alg := range algs {
		h, err := hex.DecodeString(hashHex(r.t, alg, data))
		r.check(err)
		tf.Hashes[alg] = h
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	md, ok := r.targets[role]
	if !ok {
		r.t.Fatalf("tuftest: sign target %s: no targets role %s", targetPath, role)
	}
	md.Signed.Targets[targetPath] = tf
	r.dirty[role] = true
}

// HostAt serves data at path p under the server's root ("targets/simple/x/abc.x.html"),
// logically named targetPath (for Inject and Tamper).
func (r *Repo) HostAt(p, targetPath string, data []byte) {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.host(strings.TrimPrefix(p, "/"), targetPath, slices.Clone(data))
}

// SetPEP458Page renders project's page with links to files (absolute URLs on a files host,
// PageFile.URL), declaring simple api version 1.4 as PyPI's pages do, and signs it in the
// layout PyPI plans: target path the bare normalised name, blake2b-256 its only hash, signed
// by role (a bin: PEP458.Bin(name)), bytes served at targets/simple/<name>/<blake2b>.<name>.html.
// It returns the page bytes and where they are served (relative to the server root).
func (r *Repo) SetPEP458Page(role, project string, files ...PageFile) (page []byte, servedAt string) {
	r.t.Helper()
	page = RenderPage(project, files...)
	page = []byte(strings.Replace(string(page), `name="pypi:repository-version" content="`+simpleindex.APIVersion+`"`, `name="pypi:repository-version" content="1.4"`, 1))
	name := simpleindex.NormalizeName(project)
	r.SignTarget(role, name, page, "blake2b-256")
	servedAt = "targets/simple/" + name + "/" + Blake2b256(page) + "." + name + ".html"
	r.HostAt(servedAt, name, page)
	return page, servedAt
}

// FilesHost is a second HTTP server on 127.0.0.1 (another port, so another origin than the
// repository's), serving distribution files as PyPI's files host does.
type FilesHost struct {
	URL string // http://127.0.0.1:PORT/

	mu    sync.Mutex
	files map[string][]byte // by URL path without the leading "/"
	log   []string
}

// NewFilesHost starts a files host; it is closed when the test ends.
func NewFilesHost(t testing.TB) *FilesHost {
	t.Helper()
	h := &FilesHost{files: map[string][]byte{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		p := strings.TrimPrefix(req.URL.Path, "/")
		h.mu.Lock()
		h.log = append(h.log, p)
		data, ok := h.files[p]
		h.mu.Unlock()
		if !ok || req.Method != http.MethodGet && req.Method != http.MethodHead {
			http.NotFound(w, req)
			return
		}
		w.Write(data)
	}))
	t.Cleanup(srv.Close)
	h.URL = srv.URL + "/"
	return h
}

// Add serves data at p ("packages/ab/cd/x.whl") and returns its absolute URL.
func (h *FilesHost) Add(p string, data []byte) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.files[p] = slices.Clone(data)
	return h.URL + p
}

// Tamper replaces the bytes served at p with fn's result.
func (h *FilesHost) Tamper(p string, fn func([]byte) []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.files[p] = fn(slices.Clone(h.files[p]))
}

// Requests lists the paths asked for, in order.
func (h *FilesHost) Requests() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.log)
}

// PEP458 is a served repository in PyPI's planned layout (NewBinsOnly) with its files host.
type PEP458 struct {
	Repo   *Repo
	Server *Server
	Files  *FilesHost
	// Pages maps a project's normalised name to where its page bytes are served (relative to
	// the server root), as SetPage left it.
	Pages map[string]string
}

// NewPEP458 builds and serves an empty repository in PyPI's planned layout with 2^bits
// bins, and starts its files host.
func NewPEP458(t testing.TB, bits int, opts ...Option) *PEP458 {
	t.Helper()
	r := NewBinsOnly(t, bits, opts...)
	return &PEP458{Repo: r, Server: r.Serve(t), Files: NewFilesHost(t), Pages: map[string]string{}}
}

// FilePath is where PyPI's files host keeps a file: packages/<b2>/<b2>/<rest of its
// blake2b-256>/<filename>, which is also its target path when the repository signs it.
func FilePath(filename string, data []byte) string {
	h := Blake2b256(data)
	return "packages/" + h[:2] + "/" + h[2:4] + "/" + h[4:] + "/" + filename
}

// AddFile serves data on the files host at FilePath and returns the page link to it
// (absolute URL, sha256 of data). With sign, the file's bin also signs it as target
// FilePath with blake2b-256 only (at the next Publish), as PEP 458 lets a repository do.
func (p *PEP458) AddFile(filename string, data []byte, sign bool) PageFile {
	fp := FilePath(filename, data)
	u := p.Files.Add(fp, data)
	if sign {
		p.Repo.SignTarget(p.Bin(fp), fp, data, "blake2b-256")
	}
	return PageFile{Filename: filename, Data: data, URL: u}
}

// SetPage signs project's page in its bin (SetPEP458Page) and returns the page bytes.
func (p *PEP458) SetPage(project string, files ...PageFile) []byte {
	name := simpleindex.NormalizeName(project)
	page, servedAt := p.Repo.SetPEP458Page(p.Bin(name), project, files...)
	p.Pages[name] = servedAt
	return page
}

// Bin names the succinct hash bin that signs targetPath ("bins-3").
func (p *PEP458) Bin(targetPath string) string { return p.Repo.BinOf(targetPath) }

// Publish signs what changed.
func (p *PEP458) Publish() { p.Repo.Publish() }

// Served returns the bytes served at p (relative to the server root), as tampered if so.
func (r *Repo) Served(p string) ([]byte, bool) {
	data, _, ok := r.file(p)
	return slices.Clone(data), ok
}
