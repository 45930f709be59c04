package indexserver

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/tuftest"
	"github.com/tufpip/tufpip/pkg/simpleindex"
	"github.com/tufpip/tufpip/pkg/tuf"
)

type fixture struct {
	repo  *tuftest.Repo
	srv   *tuftest.Server
	index *Server
	url   string // the index's base URL
	cache string
}

func newFixture(t *testing.T, repo *tuftest.Repo) *fixture {
	t.Helper()
	srv := repo.Serve(t)
	cache := t.TempDir()
	open := opener(repo, srv, filepath.Join(cache, "tuf"), "")
	ix, err := New(context.Background(), Config{Open: open, CacheDir: filepath.Join(cache, "index")})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(ix.Handler())
	t.Cleanup(hs.Close)
	return &fixture{repo: repo, srv: srv, index: ix, url: hs.URL, cache: cache}
}

func get(t *testing.T, url, accept string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func seed(t *testing.T) *tuftest.Repo {
	repo := tuftest.New(t)
	for _, role := range []string{tuftest.Stable, tuftest.Unstable} {
		var files []tuftest.PageFile
		versions := []string{"1.0", "2.0"}
		if role == tuftest.Unstable {
			versions = append(versions, "2.0.1")
		}
		for _, v := range versions {
			fn := "foobar-" + v + "-py3-none-any.whl"
			data := []byte("wheel " + fn)
			repo.AddFile(role, fn, data)
			files = append(files, tuftest.File(fn, data))
		}
		repo.SetPage(role, "FooBar", files...)
	}
	repo.Publish()
	return repo
}

const pipAccept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"

func TestPageListsOnlyTrustedFiles(t *testing.T) {
	fx := newFixture(t, seed(t))

	resp, body := get(t, fx.url+"/simple/foobar/", "text/html")
	if resp.StatusCode != 200 || resp.Header.Get("Vary") != "Accept" {
		t.Fatalf("status %d, Vary %q", resp.StatusCode, resp.Header.Get("Vary"))
	}
	page, err := simpleindex.ParseHTML(body, mustURL(fx.url+"/simple/foobar/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range page.Files {
		names = append(names, f.Filename)
		if !strings.HasPrefix(f.URL, fx.url+"/files/foobar/") || len(f.Hashes["sha256"]) != 64 {
			t.Errorf("%s: link %s hashes %v, want a link to this server with sha256", f.Filename, f.URL, f.Hashes)
		}
	}
	if got := strings.Join(names, " "); got != "foobar-1.0-py3-none-any.whl foobar-2.0-py3-none-any.whl" {
		t.Errorf("listed %s; want stable's files only", got)
	}

	resp, body = get(t, fx.url+"/simple/foobar/", pipAccept)
	if ct := resp.Header.Get("Content-Type"); ct != simpleindex.ContentTypeJSON {
		t.Fatalf("pip's Accept got %s", ct)
	}
	if jp, err := simpleindex.ParseJSON(body, mustURL(fx.url+"/simple/foobar/"), nil); err != nil || len(jp.Files) != 2 {
		t.Fatalf("JSON page: %v, %d files", err, len(jp.Files))
	}

	if resp, _ := get(t, fx.url+"/simple/FooBar/", ""); resp.StatusCode != 301 || resp.Header.Get("Location") != "/simple/foobar/" {
		t.Errorf("non-normalised name: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := get(t, fx.url+"/simple/foobar", ""); resp.StatusCode != 301 {
		t.Errorf("no trailing slash: %d", resp.StatusCode)
	}
	if resp, body := get(t, fx.url+"/simple/nosuch/", ""); resp.StatusCode != 404 || !bytes.Contains(body, []byte("no trusted role signs")) {
		t.Errorf("unknown project: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, fx.url+"/simple/foobar/", "application/xml"); resp.StatusCode != 406 {
		t.Errorf("unacceptable Accept: %d", resp.StatusCode)
	}
}

func TestFileVerifiedOnceThenCached(t *testing.T) {
	fx := newFixture(t, seed(t))
	_, body := get(t, fx.url+"/simple/foobar/", "text/html")
	page, _ := simpleindex.ParseHTML(body, mustURL(fx.url+"/simple/foobar/"), nil)
	link := page.Files[1].URL

	fx.srv.ResetLog()
	for i := 0; i < 3; i++ {
		resp, data := get(t, link, "")
		if resp.StatusCode != 200 || string(data) != "wheel foobar-2.0-py3-none-any.whl" {
			t.Fatalf("request %d: %d %q", i, resp.StatusCode, data)
		}
	}
	if n := len(fx.srv.Requests()); n != 1 {
		t.Errorf("the repository saw %d requests for three downloads, want 1", n)
	}
}

func TestTamperedFileRefused(t *testing.T) {
	fx := newFixture(t, seed(t))
	_, body := get(t, fx.url+"/simple/foobar/", "text/html")
	page, _ := simpleindex.ParseHTML(body, mustURL(fx.url+"/simple/foobar/"), nil)
	fx.repo.Tamper("packages/foobar-1.0-py3-none-any.whl", tuftest.FlipByte)

	resp, msg := get(t, page.Files[0].URL, "")
	if resp.StatusCode != http.StatusBadGateway || !bytes.Contains(msg, []byte("foobar-1.0-py3-none-any.whl")) {
		t.Fatalf("tampered file: %d %s", resp.StatusCode, msg)
	}
	fails := fx.index.Failures()
	if len(fails) != 1 || fails[0].Filename != "foobar-1.0-py3-none-any.whl" || !tuf.IsVerification(fails[0].Err) {
		t.Fatalf("failures = %+v", fails)
	}
	if entries, _ := os.ReadDir(filepath.Join(fx.cache, "index", "files")); len(entries) != 0 {
		t.Errorf("left in the cache: %v", entries)
	}
	// a file that is not on the trusted page is not served, whatever its hash
	if resp, _ := get(t, fx.url+"/files/foobar/"+strings.Repeat("0", 64)+"/foobar-2.0.1-py3-none-any.whl", ""); resp.StatusCode != 404 {
		t.Errorf("untrusted file: %d", resp.StatusCode)
	}
}

// PEP 658: the metadata file is offered and served only when the trusted page hashes it.
func TestCoreMetadata(t *testing.T) {
	repo := tuftest.New(t)
	whl, meta := []byte("wheel bytes"), []byte("Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
	repo.AddFile(tuftest.Stable, "demo-1.0-py3-none-any.whl", whl)
	repo.AddTarget(tuftest.Stable, "packages/demo-1.0-py3-none-any.whl.metadata", meta)
	var buf bytes.Buffer
	err := simpleindex.RenderHTML(&buf, &simpleindex.Page{Name: "demo", Files: []simpleindex.File{{
		Filename: "demo-1.0-py3-none-any.whl", URL: "../../packages/demo-1.0-py3-none-any.whl",
		Hashes:       map[string]string{"sha256": sha256hex(whl)},
		CoreMetadata: map[string]string{"sha256": sha256hex(meta)}, Size: -1,
	}}})
	if err != nil {
		t.Fatal(err)
	}
	repo.AddTarget(tuftest.Stable, "simple/demo/index.html", buf.Bytes())
	repo.Publish()
	fx := newFixture(t, repo)
	fx.srv.Inject("targets/packages/demo-1.0-py3-none-any.whl.metadata", tuftest.Replace(meta))

	_, body := get(t, fx.url+"/simple/demo/", "text/html")
	page, _ := simpleindex.ParseHTML(body, mustURL(fx.url+"/simple/demo/"), nil)
	if len(page.Files) != 1 || page.Files[0].CoreMetadata["sha256"] != sha256hex(meta) {
		t.Fatalf("page: %+v", page.Files)
	}
	resp, got := get(t, page.Files[0].URL+".metadata", "")
	if resp.StatusCode != 200 || !bytes.Equal(got, meta) {
		t.Fatalf("metadata: %d %q", resp.StatusCode, got)
	}
}

// Pages are rendered once per refresh and kept (a 2 MB page rendered per request held serve
// to tens of requests a second): a refresh that brings a new release must show it, in both
// formats, and the page served twice within a refresh is the same.
func TestRenderedPageFollowsRefresh(t *testing.T) {
	repo := seed(t)
	srv := repo.Serve(t)
	cache := t.TempDir()
	open := opener(repo, srv, filepath.Join(cache, "tuf"), "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ix, err := New(ctx, Config{Open: open, CacheDir: filepath.Join(cache, "index"), RefreshEvery: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(ix.Handler())
	t.Cleanup(hs.Close)
	for _, accept := range []string{"text/html", pipAccept} {
		_, first := get(t, hs.URL+"/simple/foobar/", accept)
		if _, again := get(t, hs.URL+"/simple/foobar/", accept); !bytes.Equal(first, again) || bytes.Contains(first, []byte("foobar-3.0")) {
			t.Fatalf("%s: the page changed without a refresh, or lists 3.0 early:\n%s", accept, again)
		}
	}
	fn := "foobar-3.0-py3-none-any.whl"
	repo.AddFile(tuftest.Stable, fn, []byte("wheel "+fn))
	repo.SetPage(tuftest.Stable, "FooBar", tuftest.File("foobar-1.0-py3-none-any.whl", []byte("wheel foobar-1.0-py3-none-any.whl")),
		tuftest.File(fn, []byte("wheel "+fn)))
	repo.Publish()
	go ix.RefreshLoop(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for _, accept := range []string{"text/html", pipAccept} {
		for {
			_, body := get(t, hs.URL+"/simple/foobar/", accept)
			if bytes.Contains(body, []byte(fn)) {
				if bytes.Contains(body, []byte("foobar-2.0-py3")) {
					t.Errorf("%s: the refreshed page still lists 2.0, which stable no longer lists", accept)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: 3.0 not listed 10s after it was published:\n%s", accept, body)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}
