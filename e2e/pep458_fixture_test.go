package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/pyfix"
)

// A repository in the layout PyPI plans (issue 13), written by python-tuf's metadata API
// (testdata/pep458_repo.py, run with the pinned python-tuf), served by two loopback servers:
// one for metadata/ and targets/ (the pages, content-addressed), one for the files host.

// pep458Options chooses the variant pep458_repo.py writes.
type pep458Options struct {
	hashPrefixRoles bool   // delegate by path_hash_prefixes to pages-lo and pages-hi, not to bins-<hex>
	pageFormat      string // "html" (default) or "json"
	apiVersion      string // the pages' Simple API version; default 1.4, as PyPI's
	signFiles       bool   // the files are targets too (blake2b-256 only), not only pinned by the pages
	binBits         int    // 2^binBits succinct bins; default 4 (bins-0 ... bins-f)
}

// pep458Manifest is what pep458_repo.py reports about the repository it wrote.
type pep458Manifest struct {
	Projects map[string]struct {
		Role    string `json:"role"`        // the delegated role that lists the page
		Target  string `json:"target"`      // the page's target path: the bare normalised name
		Blake2b string `json:"blake2b_256"` // the page's only signed hash
		Stored  string `json:"stored"`      // where the page bytes live, under the targets URL
		Files   map[string]struct {
			URL    string `json:"url"`  // absolute, on the files host
			Path   string `json:"path"` // under the files host's base URL
			SHA256 string `json:"sha256"`
			Role   string `json:"role"` // with signFiles: the role that lists the file
		} `json:"files"`
	} `json:"projects"`
	Roles []string `json:"roles"`
	Keys  struct {
		Root    []string `json:"root"`
		Targets string   `json:"targets"`
		Online  string   `json:"online"`
	} `json:"keys"`
}

type pep458Repo struct {
	dir      string            // what pep458_repo.py wrote
	keys     string            // its keys and publisher's state, for update
	srv      *httptest.Server  // metadata/ and targets/
	files    *httptest.Server  // the files host
	root     string            // the trusted root.json
	man      pep458Manifest    //
	dists    map[string][]byte // filename -> bytes, as built
	pageURL  string            // --page-url template for this variant
	metadata string            // metadata URL
	targets  string            // targets URL
	filesURL string            // files host base URL
}

// buildPEP458 builds the distributions (FooBar 1.0 and 2.0 with a 2.0 sdist; app 1.0, which
// requires lib>=1.0; lib 1.0; Zope.Hub 1.0; stray 1.0, whose page is listed by a role its name
// does not belong to), has python-tuf write the repository and serves it until t ends.
func buildPEP458(t *testing.T, o pep458Options) *pep458Repo {
	t.Helper()
	pyfix.Tool(t, "python-tuf")
	if o.pageFormat == "" {
		o.pageFormat = "html"
	}
	start := time.Now()
	tmp := t.TempDir()
	r := &pep458Repo{dir: filepath.Join(tmp, "repo"), keys: filepath.Join(tmp, "keys"), dists: map[string][]byte{}}
	distDir := filepath.Join(tmp, "dist")
	if err := os.Mkdir(distDir, 0o755); err != nil {
		t.Fatal(err)
	}
	var paths []string
	add := func(fn string, data []byte) {
		r.dists[fn] = data
		p := filepath.Join(distDir, fn)
		writeFile(t, p, data)
		paths = append(paths, p)
	}
	for _, w := range []pyfix.WheelSpec{
		{Name: "FooBar", Version: "1.0"},
		{Name: "FooBar", Version: "2.0"},
		{Name: "app", Version: "1.0", RequiresDist: []string{"lib>=1.0"}},
		{Name: "lib", Version: "1.0"},
		{Name: "stray", Version: "1.0"},
		{Name: "Zope.Hub", Version: "1.0"}, // target zope-hub, stored as simple/zope-hub/<hash>.zope-hub.html
	} {
		add(pyfix.Wheel(t, w))
	}
	add(pyfix.Sdist(t, pyfix.SdistSpec{Name: "FooBar", Version: "2.0"}))

	// The files host must exist before the pages are written: they link it absolutely.
	r.files = httptest.NewServer(staticFiles(filepath.Join(r.dir, "files")))
	t.Cleanup(r.files.Close)
	r.srv = httptest.NewServer(staticFiles(r.dir))
	t.Cleanup(r.srv.Close)
	r.metadata = r.srv.URL + "/metadata/"
	r.targets = r.srv.URL + "/targets/"
	r.filesURL = r.files.URL + "/"
	r.pageURL = "simple/{project}/{hash}.{project}." + o.pageFormat

	args := []string{r.dir, "--keys", r.keys, "--files-url", r.filesURL,
		"--page-format", o.pageFormat, "--misplace", "stray"}
	if o.hashPrefixRoles {
		args = append(args, "--hash-prefix-roles")
	}
	if o.signFiles {
		args = append(args, "--sign-files")
	}
	if o.binBits != 0 {
		args = append(args, "--bins", strconv.Itoa(o.binBits))
	}
	if o.apiVersion != "" {
		args = append(args, "--api-version", o.apiVersion)
	}
	r.script(t, append(args, paths...)...)
	r.root = filepath.Join(r.dir, "metadata", "root.json")
	t.Logf("python-tuf wrote the PEP 458 repository (%+v) in %v", o, time.Since(start).Round(time.Millisecond))
	return r
}

// update publishes more wheels as Warehouse does on an upload: the touched projects' pages
// are stored anew and re-signed in their roles, then a new snapshot and timestamp. With
// rotate, a new online key replaces the old one first (new root, targets and every bin).
func (r *pep458Repo) update(t *testing.T, rotate bool, wheels ...pyfix.WheelSpec) {
	t.Helper()
	dir := t.TempDir()
	args := []string{r.dir, "--keys", r.keys, "--update"}
	if rotate {
		args = append(args, "--rotate-online")
	}
	for _, w := range wheels {
		fn, data := pyfix.Wheel(t, w)
		r.dists[fn] = data
		p := filepath.Join(dir, fn)
		writeFile(t, p, data)
		args = append(args, p)
	}
	r.script(t, args...)
}

// forgeRollback plays the holder of the online key that update(rotate) revoked: the current
// metadata of project's role is overwritten with one that lists project's first page again,
// signed by the revoked key.
func (r *pep458Repo) forgeRollback(t *testing.T, project string) {
	t.Helper()
	r.script(t, r.dir, "--keys", r.keys, "--forge-rollback", project)
}

// script runs pep458_repo.py with args and reads the manifest it wrote.
func (r *pep458Repo) script(t *testing.T, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := pyfix.Command(ctx, pyfix.Tool(t, "python-tuf"), append([]string{filepath.Join("testdata", "pep458_repo.py")}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pep458_repo.py: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(r.dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	r.man = pep458Manifest{}
	if err := json.Unmarshal(b, &r.man); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
}

// env selects the repository for tufpip by environment variables, the way a CI job would,
// with its own cache.
func (r *pep458Repo) env(t *testing.T) []string {
	return []string{
		"TUFPIP_METADATA_URL=" + r.metadata,
		"TUFPIP_TARGETS_URL=" + r.targets,
		"TUFPIP_ROOT=" + r.root,
		"TUFPIP_INDEX_PATH={project}",
		"TUFPIP_PAGE_URL=" + r.pageURL,
		"TUFPIP_FILES_URL=" + r.filesURL,
		"TUFPIP_CACHE_DIR=" + filepath.Join(t.TempDir(), "cache"),
	}
}

// flags selects the repository by command-line flags.
func (r *pep458Repo) flags(t *testing.T) []string {
	return []string{
		"--metadata-url", r.metadata, "--targets-url", r.targets, "--root", r.root,
		"--index-path", "{project}", "--page-url", r.pageURL, "--files-url", r.filesURL,
		"--cache-dir", filepath.Join(t.TempDir(), "cache"),
	}
}

// tufpip runs the binary against the repository (selected by env) and logs what it printed.
func (r *pep458Repo) tufpip(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runTufpipLogged(t, r.env(t), args...)
}

// file returns the manifest's entry for a distribution file.
func (r *pep458Repo) file(t *testing.T, project, filename string) (url, path, sha256 string) {
	t.Helper()
	f, ok := r.man.Projects[project].Files[filename]
	if !ok {
		t.Fatalf("the repository has no file %s in project %s", filename, project)
	}
	return f.URL, f.Path, f.SHA256
}

// resolveJSON is "tufpip resolve --format json" (docs/design.md); resolveResult (diff_test.go)
// is one of its results.
type resolveJSON struct {
	OK      bool            `json:"ok"`
	Results []resolveResult `json:"results"`
}

func parseResolve(t *testing.T, stdout string) resolveJSON {
	t.Helper()
	var doc resolveJSON
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("resolve --format json printed no JSON document: %v\n%s", err, stdout)
	}
	return doc
}

// staticFiles serves the regular files under dir and nothing else (no directory listings,
// no index.html redirects), as a bucket behind a CDN does.
func staticFiles(dir string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		p := filepath.Join(dir, filepath.FromSlash(path.Clean("/"+req.URL.Path)))
		f, err := os.Open(p)
		if err != nil {
			http.NotFound(w, req)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil || !st.Mode().IsRegular() {
			http.NotFound(w, req)
			return
		}
		http.ServeContent(w, req, "", st.ModTime(), f)
	})
}

// ngclientFinds asks python-tuf's own client (ngclient) which of the target paths the
// repository vouches for, the reference for what tufpip must find: path -> "found", "absent"
// or the name of the exception ngclient raised (UnsignedMetadataError for a forgery).
func (r *pep458Repo) ngclientFinds(t *testing.T, paths ...string) map[string]string {
	t.Helper()
	const script = `import sys
from tuf.ngclient import Updater
root, metadata_dir, url = sys.argv[1:4]
u = Updater(metadata_dir, url, bootstrap=open(root, "rb").read())
u.refresh()
for p in sys.argv[4:]:
    try:
        print(p, "found" if u.get_targetinfo(p) is not None else "absent")
    except Exception as e:
        print(p, type(e).__name__)
`
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	args := append([]string{"-c", script, r.root, t.TempDir(), r.metadata}, paths...)
	out, err := pyfix.Command(ctx, pyfix.Tool(t, "python-tuf"), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ngclient: %v\n%s", err, out)
	}
	found := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		p, answer, _ := strings.Cut(line, " ")
		found[p] = answer
	}
	return found
}

// httpStatus is the status of a GET of url.
func httpStatus(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
