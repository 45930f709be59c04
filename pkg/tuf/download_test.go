package tuf

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fileServer serves files by escaped request path and logs the paths asked for.
type fileServer struct {
	*httptest.Server
	mu    sync.Mutex
	files map[string][]byte // by escaped path, e.g. "/targets/a%23b/x"
	log   []string
}

func newFileServer(t *testing.T) *fileServer {
	t.Helper()
	fs := &fileServer{files: map[string][]byte{}}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.EscapedPath()
		fs.mu.Lock()
		fs.log = append(fs.log, p)
		data, ok := fs.files[p]
		fs.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *fileServer) requests() []string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return append([]string(nil), fs.log...)
}

// offlineClient is a Client that has not refreshed: enough for the download
// code, which only needs the targets URL and the consistent-snapshot flag.
func offlineClient(t *testing.T, srvURL string, consistent bool) *Client {
	t.Helper()
	c, err := newClient(Config{
		MetadataURL: srvURL + "/metadata",
		TargetsURL:  srvURL + "/targets",
		TrustedRoot: []byte("{}"),
		CacheDir:    t.TempDir(),
		IdleTimeout: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	c.consistent = consistent
	return c
}

func targetFor(path string, data []byte, algs ...string) *Target {
	t := &Target{Path: path, Length: int64(len(data)), Hashes: map[string]string{}, Role: "unstable", Chain: []string{"targets", "unstable"}}
	for _, alg := range algs {
		h := hashFuncs[alg]()
		h.Write(data)
		t.Hashes[alg] = hex.EncodeToString(h.Sum(nil))
	}
	return t
}

// assertNothingLeft fails if dir holds anything: no dest, no temp file.
func assertNothingLeft(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		t.Errorf("left behind after a failed download: %s", e.Name())
	}
}

func TestDownloadRejects(t *testing.T) {
	good := bytes.Repeat([]byte("good wheel "), 1000)
	tests := []struct {
		name   string
		served []byte
		target *Target
		want   string // in the error message
	}{
		{"hash mismatch", append(bytes.Clone(good[:len(good)-1]), 'X'), targetFor("packages/a.whl", good, "sha256"), "sha256 does not match the hash signed by role unstable"},
		{"one of two hashes mismatches", good, func() *Target {
			t := targetFor("packages/a.whl", good, "sha256", "sha512")
			t.Hashes["sha512"] = strings.Repeat("0", 128)
			return t
		}(), "sha512 does not match"},
		{"longer than signed", append(bytes.Clone(good), "trailing"...), targetFor("packages/a.whl", good, "sha256"), "longer than the 11000 bytes signed by role unstable"},
		{"shorter than signed", good[:100], targetFor("packages/a.whl", good, "sha256"), "shorter than the 11000 bytes"},
		{"unknown algorithm", good, func() *Target {
			t := targetFor("packages/a.whl", good, "sha256")
			t.Hashes["md5"] = "00"
			return t
		}(), `with hash algorithm "md5" too, which tufpip cannot check`},
		{"no hashes", good, &Target{Path: "packages/a.whl", Length: int64(len(good)), Role: "stable"}, "no hashes are listed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFileServer(t)
			fs.files["/targets/packages/a.whl"] = tt.served
			c := offlineClient(t, fs.URL, false)
			dir := t.TempDir()
			err := c.Download(context.Background(), tt.target, filepath.Join(dir, "a.whl"))
			if !IsVerification(err) {
				t.Fatalf("got %v, want a *VerificationError", err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "packages/a.whl: ") {
				t.Errorf("message %q lacks the path or %q", err, tt.want)
			}
			assertNothingLeft(t, dir)
		})
	}
}

func TestDownloadAnnouncedTooLarge(t *testing.T) {
	good := []byte("small")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000000")
		w.Write(bytes.Repeat([]byte("x"), 1000000))
	}))
	defer srv.Close()
	c := offlineClient(t, srv.URL, false)
	dir := t.TempDir()
	err := c.Download(context.Background(), targetFor("a.whl", good, "sha256"), filepath.Join(dir, "a.whl"))
	if !IsVerification(err) || !strings.Contains(err.Error(), "announced 1000000 bytes") {
		t.Fatalf("got %v", err)
	}
	assertNothingLeft(t, dir)
}

func TestDownloadStallLeavesNothing(t *testing.T) {
	srv := stallServer(t)
	c := offlineClient(t, srv.URL, false)
	c.fetcher.IdleTimeout = 200 * time.Millisecond
	dir := t.TempDir()
	err := c.Download(context.Background(), targetFor("a.whl", bytes.Repeat([]byte("0"), 100), "sha256"), filepath.Join(dir, "a.whl"))
	if !IsNetwork(err) {
		t.Fatalf("got %v, want *NetworkError", err)
	}
	assertNothingLeft(t, dir)
}

func TestDownloadHashPrefixedURLs(t *testing.T) {
	data := []byte("page bytes")
	t256 := sha256.Sum256(data)
	t512 := sha512.Sum512(data)
	h256, h512 := hex.EncodeToString(t256[:]), hex.EncodeToString(t512[:])

	t.Run("sha256 first, segments escaped", func(t *testing.T) {
		fs := newFileServer(t)
		want := "/targets/simple/a%23b%3Fc%25d%20e/" + h256 + ".index.html"
		fs.files[want] = data
		c := offlineClient(t, fs.URL, true)
		tg := targetFor("simple/a#b?c%d e/index.html", data, "sha512", "sha256")
		if u := c.TargetURL(tg); u != fs.URL+want {
			t.Errorf("TargetURL = %s, want %s", u, fs.URL+want)
		}
		dest := filepath.Join(t.TempDir(), "index.html")
		if err := c.Download(context.Background(), tg, dest); err != nil {
			t.Fatal(err)
		}
		if got := fs.requests(); len(got) != 1 || got[0] != want {
			t.Errorf("requests = %v, want [%s]", got, want)
		}
	})

	t.Run("404 falls back to the next hash", func(t *testing.T) {
		fs := newFileServer(t)
		fs.files["/targets/packages/"+h512+".a.whl"] = data
		c := offlineClient(t, fs.URL, true)
		dest := filepath.Join(t.TempDir(), "a.whl")
		if err := c.Download(context.Background(), targetFor("packages/a.whl", data, "sha256", "sha512"), dest); err != nil {
			t.Fatal(err)
		}
		got := fs.requests()
		want := []string{"/targets/packages/" + h256 + ".a.whl", "/targets/packages/" + h512 + ".a.whl"}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("requests = %v, want %v", got, want)
		}
		if b, _ := os.ReadFile(dest); !bytes.Equal(b, data) {
			t.Errorf("dest content wrong")
		}
	})

	t.Run("404 on every hash is a not-found network error", func(t *testing.T) {
		fs := newFileServer(t)
		c := offlineClient(t, fs.URL, true)
		dir := t.TempDir()
		err := c.Download(context.Background(), targetFor("packages/a.whl", data, "sha256", "sha512"), filepath.Join(dir, "a.whl"))
		if !is404(err) {
			t.Fatalf("got %v, want 404", err)
		}
		if len(fs.requests()) != 2 {
			t.Errorf("requests = %v", fs.requests())
		}
		assertNothingLeft(t, dir)
	})

	t.Run("without consistent snapshots the plain name", func(t *testing.T) {
		fs := newFileServer(t)
		fs.files["/targets/packages/a.whl"] = data
		c := offlineClient(t, fs.URL, false)
		if err := c.Download(context.Background(), targetFor("packages/a.whl", data, "sha256"), filepath.Join(t.TempDir(), "a")); err != nil {
			t.Fatal(err)
		}
	})
}

func TestDownloadReplacesAtomically(t *testing.T) {
	data := []byte("new contents")
	fs := newFileServer(t)
	fs.files["/targets/a.whl"] = data
	c := offlineClient(t, fs.URL, false)
	dir := t.TempDir()
	dest := filepath.Join(dir, "a.whl")
	os.WriteFile(dest, []byte("old"), 0o644)
	if err := c.Download(context.Background(), targetFor("a.whl", data, "sha256"), dest); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dest); !bytes.Equal(b, data) {
		t.Errorf("dest = %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("extra files beside dest: %v", entries)
	}
}

func TestFetchCachesVerifiedTargets(t *testing.T) {
	data := []byte("<html>page</html>")
	fs := newFileServer(t)
	fs.files["/targets/simple/x/index.html"] = data
	c := offlineClient(t, fs.URL, false)
	tg := targetFor("simple/x/index.html", data, "sha256")
	for i := range 2 {
		got, err := c.Fetch(context.Background(), tg)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("fetch %d: %q, %v", i, got, err)
		}
	}
	if n := len(fs.requests()); n != 1 {
		t.Errorf("%d requests for two fetches, want 1 (cached)", n)
	}
	// A damaged cache entry is not trusted: it is fetched again.
	os.WriteFile(filepath.Join(c.l.targetsDir, "sha256-"+tg.Hashes["sha256"]), []byte("<html>evil</html>"), 0o600)
	got, err := c.Fetch(context.Background(), tg)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("after cache damage: %q, %v", got, err)
	}
	if n := len(fs.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestFetchRejects(t *testing.T) {
	data := []byte("<html>page</html>")
	fs := newFileServer(t)
	fs.files["/targets/p"] = append(bytes.Clone(data), bytes.Repeat([]byte("!"), 1<<20)...)
	c := offlineClient(t, fs.URL, false)
	_, err := c.Fetch(context.Background(), targetFor("p", data, "sha256"))
	if !IsVerification(err) {
		t.Fatalf("oversized page: got %v, want *VerificationError", err)
	}
	fs.files["/targets/q"] = []byte("<html>PAGE</html>")
	_, err = c.Fetch(context.Background(), targetFor("q", data, "sha256"))
	if !IsVerification(err) || !strings.Contains(err.Error(), "q: sha256 does not match") {
		t.Fatalf("tampered page: got %v", err)
	}
}

func TestCheckFile(t *testing.T) {
	data := []byte("distribution")
	tg := targetFor("x", data, "sha256", "sha384", "sha512")
	upper := map[string]string{"SHA256": strings.ToUpper(tg.Hashes["sha256"])}
	tests := []struct {
		name    string
		data    []byte
		length  int64
		hashes  map[string]string
		wantErr bool
	}{
		{"all three algorithms", data, int64(len(data)), tg.Hashes, false},
		{"unknown length", data, -1, tg.Hashes, false},
		{"case-insensitive input", data, -1, upper, false},
		{"wrong bytes", []byte("distributioN"), -1, tg.Hashes, true},
		{"wrong length", data, 3, tg.Hashes, true},
		{"unsupported algorithm", data, -1, map[string]string{"sha1": "00"}, true},
		{"malformed hex", data, -1, map[string]string{"sha256": "zz"}, true},
		{"no hashes", data, -1, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckFile(bytes.NewReader(tt.data), tt.length, tt.hashes)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil && !IsVerification(err) {
				t.Errorf("%v is not a *VerificationError", err)
			}
		})
	}
}

// Files trusted through a page's hashes (PageFile) come from their own URL
// and may have no signed length: the hashes decide, in Download and Fetch.
func TestPageFileTargets(t *testing.T) {
	data := []byte("wheel listed by a trusted page")
	fs := newFileServer(t)
	fs.files["/elsewhere/a.whl"] = data
	c := offlineClient(t, fs.URL, true)
	page := &Target{Path: "simple/a/index.html", Role: "stable", Chain: []string{"targets", "stable"}}
	hashes := targetFor("x", data, "sha256").Hashes

	tg := PageFile("packages/a.whl", fs.URL+"/elsewhere/a.whl", -1, hashes, page)
	if tg.Role != "stable" || !tg.VouchedBy("stable") {
		t.Errorf("page file does not inherit the page's role: %+v", tg)
	}
	dest := filepath.Join(t.TempDir(), "a.whl")
	if err := c.Download(context.Background(), tg, dest); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Fetch(context.Background(), tg); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Fetch of an unsized page file: %q, %v", got, err)
	}

	// The page promises other bytes than the server sends. (Not the same
	// hashes as above: verified bytes are cached by hash and would be reused.)
	fs.files["/elsewhere/b.whl"] = []byte("something else")
	bad := PageFile("packages/b.whl", fs.URL+"/elsewhere/b.whl", -1, targetFor("x", []byte("promised"), "sha256").Hashes, page)
	dir := t.TempDir()
	if err := c.Download(context.Background(), bad, filepath.Join(dir, "b.whl")); !IsVerification(err) ||
		!strings.Contains(err.Error(), "sha256 does not match the hash signed by role stable") {
		t.Fatalf("got %v", err)
	}
	assertNothingLeft(t, dir)
	if _, err := c.Fetch(context.Background(), bad); !IsVerification(err) {
		t.Fatalf("Fetch: got %v", err)
	}
}
