package indexserver

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/internal/tuftest"
	"github.com/tufpip/tufpip/pkg/finder"
	"github.com/tufpip/tufpip/pkg/simpleindex"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// servePEP458 runs the verifying index over a repository in PyPI's planned layout: pages
// stored by blake2b-256 under bare-name targets, files on a files host on another port.
func servePEP458(t *testing.T, w *tuftest.PEP458) (*Server, string, string) {
	t.Helper()
	cache := t.TempDir()
	open := func(ctx context.Context) (*Source, error) {
		c, err := tuf.Open(ctx, tuf.Config{MetadataURL: w.Server.MetadataURL, TargetsURL: w.Server.TargetsURL,
			TrustedRoot: w.Repo.RootJSON(), CacheDir: filepath.Join(cache, "tuf")})
		if err != nil {
			return nil, err
		}
		f, err := finder.New(finder.Config{TUF: c, TargetsURL: w.Server.TargetsURL, IndexPath: "{project}",
			PageURL: tuftest.PEP458PageURL, FilesURLs: []string{w.Files.URL}})
		if err != nil {
			return nil, err
		}
		return &Source{Finder: f, Client: c}, nil
	}
	ix, err := New(context.Background(), Config{Open: open, CacheDir: filepath.Join(cache, "index")})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(ix.Handler())
	t.Cleanup(hs.Close)
	return ix, hs.URL, filepath.Join(cache, "index")
}

func resolveLink(t *testing.T, base, href string) string {
	t.Helper()
	u, err := url.Parse(base + "/simple/foobar/")
	if err != nil {
		t.Fatal(err)
	}
	ref, err := url.Parse(href)
	if err != nil {
		t.Fatal(err)
	}
	return u.ResolveReference(ref).String()
}

var hrefRE = regexp.MustCompile(`href="([^"#]+)#sha256=([0-9a-f]+)"`)

// The index serves the page and proxies both files from the files host, verified: the one
// its bin signs with blake2b-256 only (trust rule a) and the one the page pins by sha256
// (rule b). Tampered on the files host, each is refused with 502 and recorded.
func TestServePEP458(t *testing.T) {
	w := tuftest.NewPEP458(t, 3)
	wheels := map[string][]byte{}
	var links []tuftest.PageFile
	for _, v := range []string{"1.0", "2.0"} {
		fn := "foobar-" + v + "-py3-none-any.whl"
		wheels[fn] = []byte("wheel " + fn)
		links = append(links, w.AddFile(fn, wheels[fn], v == "1.0"))
	}
	w.SetPage("foobar", links...)
	w.Publish()
	ix, base, cache := servePEP458(t, w)

	resp, page := get(t, base+"/simple/foobar/", "")
	if resp.StatusCode != 200 {
		t.Fatalf("page: %d %s", resp.StatusCode, page)
	}
	// The bare-name page targets are the projects; the files' targets are not.
	if resp, root := get(t, base+"/simple/", simpleindex.ContentTypeJSON); resp.StatusCode != 200 || !strings.Contains(string(root), `"projects":[{"name":"foobar"}]`) {
		t.Errorf("/simple/: %d %s", resp.StatusCode, root)
	}
	links2 := hrefRE.FindAllStringSubmatch(string(page), -1)
	if len(links2) != 2 {
		t.Fatalf("page links %q in\n%s", links2, page)
	}
	for _, l := range links2 {
		fn := l[1][strings.LastIndex(l[1], "/")+1:]
		resp, body := get(t, resolveLink(t, base, l[1]), "")
		if resp.StatusCode != 200 || !bytes.Equal(body, wheels[fn]) {
			t.Errorf("%s: %d %q", fn, resp.StatusCode, body)
		}
	}
	if n := len(w.Files.Requests()); n != 2 {
		t.Errorf("files host asked %d times, want 2: %v", n, w.Files.Requests())
	}

	// Tampered on the files host, before the index fetched them: a fresh index refuses both.
	for fn, data := range wheels {
		w.Files.Tamper(tuftest.FilePath(fn, data), tuftest.FlipByte)
	}
	ix, base, cache = servePEP458(t, w)
	_, page = get(t, base+"/simple/foobar/", "")
	for _, l := range hrefRE.FindAllStringSubmatch(string(page), -1) {
		resp, body := get(t, resolveLink(t, base, l[1]), "")
		if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), "not match") {
			t.Errorf("tampered %s: %d %s", l[1], resp.StatusCode, body)
		}
	}
	if n := len(ix.Failures()); n != 2 {
		t.Errorf("failures %v, want 2", ix.Failures())
	}
	entries, _ := os.ReadDir(filepath.Join(cache, "files"))
	for _, e := range entries {
		t.Errorf("left in the index cache after refusals: %s", e.Name())
	}
}

// A tampered page is a 502, recorded as a verification failure.
func TestServePEP458TamperedPage(t *testing.T) {
	w := tuftest.NewPEP458(t, 3)
	fn := "foobar-1.0-py3-none-any.whl"
	w.SetPage("foobar", w.AddFile(fn, []byte("wheel"), false))
	w.Publish()
	w.Repo.Tamper(w.Pages["foobar"], tuftest.FlipByte)
	ix, base, _ := servePEP458(t, w)
	resp, body := get(t, base+"/simple/foobar/", simpleindex.ContentTypeJSON)
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), "blake2b-256 does not match") {
		t.Errorf("tampered page: %d %s", resp.StatusCode, body)
	}
	if len(ix.Failures()) != 1 {
		t.Errorf("failures %v", ix.Failures())
	}
}

// A file its bin signs with blake2b-256 alone, on a page that gives no hash for it: the index
// lists it (addressed by that digest, with no hash pip could read) and sends it only verified.
func TestServeBlake2bOnlyFile(t *testing.T) {
	w := tuftest.NewPEP458(t, 3)
	fn, data := "foobar-3.0-py3-none-any.whl", []byte("wheel 3.0")
	link := w.AddFile(fn, data, true)
	link.Hashes = map[string]string{} // no hash on the page
	w.SetPage("foobar", link)
	w.Publish()
	_, base, _ := servePEP458(t, w)
	_, page := get(t, base+"/simple/foobar/", "")
	want := `href="../../files/foobar/` + tuftest.Blake2b256(data) + "/" + fn + `"`
	if !strings.Contains(string(page), want) {
		t.Fatalf("page lacks %s:\n%s", want, page)
	}
	href := "../../files/foobar/" + tuftest.Blake2b256(data) + "/" + fn
	if resp, body := get(t, resolveLink(t, base, href), ""); resp.StatusCode != 200 || !bytes.Equal(body, data) {
		t.Errorf("file: %d %q", resp.StatusCode, body)
	}
	w.Files.Tamper(tuftest.FilePath(fn, data), tuftest.FlipByte)
	_, base, _ = servePEP458(t, w)
	if resp, body := get(t, resolveLink(t, base, href), ""); resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), "blake2b-256 does not match") {
		t.Errorf("tampered: %d %s", resp.StatusCode, body)
	}
}

// A file signed with blake2b-256 alone is hashed once, not on every request, as a file with a
// sha256 is (TestVerifiedFileHashedOnceUntilChanged).
func TestBlake2bOnlyFileHashedOnce(t *testing.T) {
	w := tuftest.NewPEP458(t, 3)
	fn, data := "foobar-3.0-py3-none-any.whl", []byte("wheel 3.0")
	link := w.AddFile(fn, data, true)
	link.Hashes = map[string]string{} // no hash on the page: the target's blake2b-256 addresses it
	w.SetPage("foobar", link)
	w.Publish()
	ix, base, _ := servePEP458(t, w)
	href := "../../files/foobar/" + tuftest.Blake2b256(data) + "/" + fn
	for i := range 3 {
		if resp, body := get(t, resolveLink(t, base, href), ""); resp.StatusCode != http.StatusOK || !bytes.Equal(body, data) {
			t.Fatalf("request %d: %d %q", i, resp.StatusCode, body)
		}
	}
	if n := ix.verifyCalls.Load(); n != 1 {
		t.Errorf("three requests hashed the file %d times, want 1", n)
	}
}
