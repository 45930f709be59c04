package repo

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/config"
	"github.com/theupdateframework/go-tuf/v2/metadata/updater"
)

// t0 is the tests' "now": real time, so go-tuf's own checks agree with ours.
var t0 = time.Now().UTC().Truncate(time.Second)

const day = 24 * time.Hour

// buildWheel writes a minimal but real wheel: NAME-VER.dist-info/{METADATA,WHEEL,RECORD}.
func buildWheel(t testing.TB, dir, name, version, requiresPython string) string {
	t.Helper()
	fn := fmt.Sprintf("%s-%s-py3-none-any.whl", name, version)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	di := fmt.Sprintf("%s-%s.dist-info/", name, version)
	meta := fmt.Sprintf("Metadata-Version: 2.1\nName: %s\nVersion: %s\n", name, version)
	if requiresPython != "" {
		meta += "Requires-Python: " + requiresPython + "\n"
	}
	meta += "\nA long description.\n"
	files := []struct{ name, body string }{
		{strings.ToLower(name) + "/__init__.py", "VERSION = " + fmt.Sprintf("%q", version) + "\n"},
		{di + "METADATA", meta},
		{di + "WHEEL", "Wheel-Version: 1.0\nGenerator: tufpip-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
		{di + "RECORD", ""},
	}
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, f.body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, fn)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// buildSdist writes NAME-VER.tar.gz with NAME-VER/PKG-INFO.
func buildSdist(t testing.TB, dir, name, version, requiresPython string) string {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	body := fmt.Sprintf("Metadata-Version: 2.1\nName: %s\nVersion: %s\nRequires-Python: %s\n", name, version, requiresPython)
	tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("%s-%s/PKG-INFO", name, version), Mode: 0o644, Size: int64(len(body))})
	io.WriteString(tw, body)
	tw.Close()
	gz.Close()
	p := filepath.Join(dir, fmt.Sprintf("%s-%s.tar.gz", name, version))
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// served serves a repository directory over loopback HTTP, exactly as a static server.
func served(t testing.TB, dir string) string {
	t.Helper()
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(srv.Close)
	return srv.URL
}

// client is go-tuf's own updater, configured as a fresh client that trusts 1.root.json.
type client struct {
	t   testing.TB
	up  *updater.Updater
	url string
}

func newClient(t testing.TB, dir, url string, ref time.Time) *client {
	t.Helper()
	root, err := os.ReadFile(filepath.Join(dir, "metadata", "1.root.json"))
	if err != nil {
		t.Fatal(err)
	}
	return newClientCache(t, url, root, t.TempDir(), ref)
}

func newClientCache(t testing.TB, url string, root []byte, cache string, ref time.Time) *client {
	t.Helper()
	cfg, err := config.New(url+"/metadata/", root)
	if err != nil {
		t.Fatal(err)
	}
	cfg.LocalMetadataDir = filepath.Join(cache, "metadata")
	cfg.LocalTargetsDir = filepath.Join(cache, "targets")
	cfg.RemoteTargetsURL = url + "/targets/"
	up, err := updater.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	up.UnsafeSetRefTime(ref)
	if err := up.Refresh(); err != nil {
		t.Fatalf("go-tuf refresh: %v", err)
	}
	return &client{t: t, up: up, url: url}
}

// page looks up a project's page with go-tuf's walk, downloads it with go-tuf (hash-prefixed
// URL, length and hash checked) and returns the role that signed it and its filenames.
func (c *client) page(project string) (role string, files []string) {
	c.t.Helper()
	path := "simple/" + project + "/index.html"
	tf, err := c.up.GetTargetInfo(path)
	if err != nil {
		c.t.Fatalf("go-tuf GetTargetInfo(%s): %v", path, err)
	}
	_, data, err := c.up.DownloadTarget(tf, filepath.Join(c.t.TempDir(), "index.html"), "")
	if err != nil {
		c.t.Fatalf("go-tuf DownloadTarget(%s): %v", path, err)
	}
	return c.vouching(path, tf), pageFiles(data)
}

// vouching replays the walk's choice: stable is always visited before unstable, so the
// answer is stable exactly when stable's role for path lists it (with these hashes).
func (c *client) vouching(path string, tf *metadata.TargetFiles) string {
	c.t.Helper()
	for name, m := range c.up.GetTrustedMetadataSet().Targets {
		if familyOf(name) != "stable" {
			continue
		}
		if got := m.Signed.Targets[path]; got != nil && got.Equal(*tf) {
			return "stable"
		}
	}
	return "unstable"
}

// roleTargets returns the page of project as signed by one role (after page() loaded it).
func (c *client) rolePage(role, project string) []string {
	c.t.Helper()
	m := c.loadRole(role)
	tf := m.Signed.Targets["simple/"+project+"/index.html"]
	if tf == nil {
		return nil
	}
	_, data, err := c.up.DownloadTarget(tf, filepath.Join(c.t.TempDir(), "index.html"), "")
	if err != nil {
		c.t.Fatal(err)
	}
	return pageFiles(data)
}

// loadRole makes go-tuf's trusted set load and verify role (its delegator must be loaded):
// the walk stops at the first role that lists a path, so unstable is not loaded when
// stable answered.
func (c *client) loadRole(role string) *metadata.Metadata[metadata.TargetsType] {
	c.t.Helper()
	ts := c.up.GetTrustedMetadataSet()
	if m := ts.Targets[role]; m != nil {
		return m
	}
	parent := "targets"
	if i := strings.LastIndexByte(role, '-'); i > 0 {
		parent = "bins" + role[i:]
	}
	mf := ts.Snapshot.Signed.Meta[role+".json"]
	resp, err := http.Get(fmt.Sprintf("%s/metadata/%d.%s.json", c.url, mf.Version, role))
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	m, err := ts.UpdateDelegatedTargets(data, role, parent)
	if err != nil {
		c.t.Fatalf("go-tuf rejects %s: %v", role, err)
	}
	return m
}

var (
	hrefRe = regexp.MustCompile(`<a href="[^"]*#sha256=([0-9a-f]{64})"[^>]*>([^<]+)</a>`)
)

func pageFiles(data []byte) []string {
	var out []string
	for _, m := range hrefRe.FindAllSubmatch(data, -1) {
		out = append(out, string(m[2]))
	}
	sort.Strings(out)
	return out
}

// file checks that a distribution file is a target go-tuf can download and verify.
func (c *client) file(filename string) *metadata.TargetFiles {
	c.t.Helper()
	tf, err := c.up.GetTargetInfo("packages/" + filename)
	if err != nil {
		c.t.Fatalf("go-tuf GetTargetInfo(packages/%s): %v", filename, err)
	}
	if _, _, err := c.up.DownloadTarget(tf, filepath.Join(c.t.TempDir(), filename), ""); err != nil {
		c.t.Fatalf("go-tuf DownloadTarget(%s): %v", filename, err)
	}
	return tf
}

// signedBy lists the loaded roles (in walk order of interest) that list path.
func (c *client) signedBy(path string) []string {
	var out []string
	for name, m := range c.up.GetTrustedMetadataSet().Targets {
		if _, ok := m.Signed.Targets[path]; ok {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func sum(t testing.TB, path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256Hex(data)
}

// openCopy copies the repository base to a fresh folder (for crash tests: one per step)
// and opens it with opts.
func openCopy(t testing.TB, base string, opts OpenOptions) (*Repo, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "copy")
	copyTree(t, base, dir)
	r, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r, dir
}

// recordSteps makes r note every step it reaches; the steps are in *steps once it ran.
func recordSteps(r *Repo) *[]string {
	steps := new([]string)
	r.failAt = func(s string) error { *steps = append(*steps, s); return nil }
	return steps
}

// crashAtStep makes r fail with a simulated crash at its step i (counting from 0).
func crashAtStep(r *Repo, i int) {
	n := 0
	r.failAt = func(string) error {
		if n++; n == i+1 {
			return errors.New("simulated crash")
		}
		return nil
	}
}

// copyTree copies a repository directory (for crash tests: one fresh copy per step).
func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, _ := d.Info()
		return os.WriteFile(target, data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// mustInit creates a repository; its keys are outside it unless the test names a folder,
// since promote refuses a stable key inside the repository.
func mustInit(t testing.TB, dir string, opts InitOptions) *Repo {
	t.Helper()
	if opts.KeysDir == "" {
		opts.KeysDir = t.TempDir()
	}
	r, err := Init(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustAdd(t testing.TB, r *Repo, now time.Time, files ...string) *AddResult {
	t.Helper()
	res, err := r.Add(context.Background(), files, now)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// mustPromote promotes, bootstrapping the ledger when there is none yet.
func mustPromote(t testing.TB, r *Repo, opts PromoteOptions) *PromoteResult {
	t.Helper()
	ledger := opts.Ledger
	if ledger == "" {
		ledger = filepath.Join(r.keysDir, ledgerFile)
	}
	opts.Bootstrap = !exists(ledger)
	res, err := r.Promote(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
