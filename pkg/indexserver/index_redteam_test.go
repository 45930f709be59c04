package indexserver

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/tufpip/tufpip/internal/tuftest"
)

// Red-team tests of the verifying index.

// A file already in the index cache was sent as it was, unchecked: whoever can write the
// cache directory (a --cache-dir another local user created, a disk error) chose the bytes
// pip installs.
func TestRedteamPlantedCacheFileIsNotServed(t *testing.T) {
	fx := newFixture(t, seed(t))
	fn := "foobar-2.0-py3-none-any.whl"
	good := []byte("wheel " + fn)
	hash := sha256hex(good)
	evil := []byte("planted by a local user")
	if err := os.WriteFile(filepath.Join(fx.cache, "index", "files", "file-"+hash), evil, 0o644); err != nil {
		t.Fatal(err)
	}
	resp, body := get(t, fx.url+"/files/foobar/"+hash+"/"+fn, "")
	if bytes.Equal(body, evil) {
		t.Fatalf("status %d: the index served the planted bytes", resp.StatusCode)
	}
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, good) {
		t.Errorf("status %d, body %q: want the verified wheel again", resp.StatusCode, body)
	}
}

// A tampered file is answered with 502 and nothing is left in the cache for a later request.
func TestRedteamTamperedFileLeavesNothing(t *testing.T) {
	repo := seed(t)
	fx := newFixture(t, repo)
	fn := "foobar-2.0-py3-none-any.whl"
	hash := sha256hex([]byte("wheel " + fn))
	fx.srv.Inject(tuftest.HashedPath("packages/"+fn, hash), tuftest.Replace([]byte("wheel foobar-2.0-py3-none-any.whX")))
	resp, _ := get(t, fx.url+"/files/foobar/"+hash+"/"+fn, "")
	if resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("status %d, want 502", resp.StatusCode)
	}
	entries, _ := os.ReadDir(filepath.Join(fx.cache, "index", "files"))
	for _, e := range entries {
		t.Errorf("left in the cache after a failure: %s", e.Name())
	}
	if len(fx.index.Failures()) != 1 {
		t.Errorf("failures = %v", fx.index.Failures())
	}
}

// pip giving up on a slow page (a network attacker delaying it) made every later request
// for the project fail: the finder remembered the cancelled lookup.
func TestRedteamClientTimeoutDoesNotPoisonProject(t *testing.T) {
	fx := newFixture(t, seed(t))
	fx.srv.Inject(tuftest.HashedPath("simple/foobar/index.html", "*"), tuftest.Delay(500*time.Millisecond).Times(1))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", fx.url+"/simple/foobar/", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the slow page came back: %d", resp.StatusCode)
	}
	time.Sleep(600 * time.Millisecond)
	resp, body := get(t, fx.url+"/simple/foobar/", pipAccept)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("after one client timed out: %d %s", resp.StatusCode, body)
	}
}

// Requests that try to name something else than a trusted file.
func TestRedteamFileRouteTricks(t *testing.T) {
	fx := newFixture(t, seed(t))
	fn := "foobar-2.0-py3-none-any.whl"
	hash := sha256hex([]byte("wheel " + fn))
	for _, p := range []string{
		"/files/foobar/" + hash + "/..%2F..%2Ftuf%2Fmetadata%2Froot.json",
		"/files/foobar/" + hash + "/foobar-1.0-py3-none-any.whl",   // right file, wrong hash
		"/files/foobar/" + hash[:63] + "/" + fn,                    // short hash
		"/files/foobar/" + hash + "/" + fn + "%00",                 // NUL
		"/files/FooBar/" + hash + "/foobar-2.0.1-py3-none-any.whl", // unstable-only: stable page wins
		"/files/foobar/" + hash + "/" + fn + ".metadata",           // no metadata hash on the page
		"/files/foobar/%2e%2e/" + fn,
	} {
		resp, body := get(t, fx.url+p, "")
		if resp.StatusCode == http.StatusOK {
			t.Errorf("%s: 200 %q", p, body)
		}
	}
}

// Every refused request was remembered forever: a client of a long-running `tufpip serve`
// repeating a request for a file that does not verify grew the server's memory without
// bound.
func TestRedteamFailuresAreBounded(t *testing.T) {
	repo := seed(t)
	fx := newFixture(t, repo)
	fn := "foobar-2.0-py3-none-any.whl"
	hash := sha256hex([]byte("wheel " + fn))
	repo.Tamper("packages/"+fn, tuftest.FlipByte)
	for range maxFailures + 50 {
		if resp, _ := get(t, fx.url+"/files/foobar/"+hash+"/"+fn, ""); resp.StatusCode != http.StatusBadGateway {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	if n := len(fx.index.Failures()); n > maxFailures {
		t.Errorf("%d failures remembered", n)
	}
}

// --require-role stable holds in the index: unstable's newer file is neither listed nor
// sent, whatever URL a client builds for it.
func TestRedteamIndexRequireRoleStable(t *testing.T) {
	repo := seed(t)
	srv := repo.Serve(t)
	cache := t.TempDir()
	open := opener(repo, srv, filepath.Join(cache, "tuf"), "stable")
	ix, err := New(context.Background(), Config{Open: open, CacheDir: filepath.Join(cache, "index")})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(ix.Handler())
	t.Cleanup(hs.Close)
	for _, accept := range []string{pipAccept, "text/html"} {
		resp, body := get(t, hs.URL+"/simple/foobar/", accept)
		if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("foobar-2.0-py3")) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		if bytes.Contains(body, []byte("2.0.1")) {
			t.Errorf("unstable's 2.0.1 listed under --require-role stable:\n%s", body)
		}
	}
	fn := "foobar-2.0.1-py3-none-any.whl"
	if resp, _ := get(t, hs.URL+"/files/foobar/"+sha256hex([]byte("wheel "+fn))+"/"+fn, ""); resp.StatusCode == http.StatusOK {
		t.Errorf("unstable's file sent under --require-role stable")
	}
	// A project only unstable signed does not exist for this index.
	repo.SetPage(tuftest.Unstable, "newpkg", tuftest.File("newpkg-1.0-py3-none-any.whl", []byte("x")))
	repo.AddFile(tuftest.Unstable, "newpkg-1.0-py3-none-any.whl", []byte("x"))
	repo.Publish()
	src, err := open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ix.src.Store(src)
	if resp, body := get(t, hs.URL+"/simple/newpkg/", pipAccept); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unstable-only project: %d %s", resp.StatusCode, body)
	}
}

// The unstable key holder signs stable's pinned wheel under sha512 only, with other bytes,
// and serves them at every name: the index must not send them (pip would install them).
func TestRedteamIndexUnstableReplacesStablePinnedWheel(t *testing.T) {
	repo := tuftest.New(t)
	fn := "foobar-2.0-py3-none-any.whl"
	good, evil := []byte("good wheel"), []byte("evil wheel")
	repo.SetPage(tuftest.Stable, "foobar", tuftest.File(fn, good))
	repo.Publish()
	s512 := sha512.Sum512(evil)
	repo.EditTargets(tuftest.Unstable, func(tt *metadata.TargetsType) {
		tt.Targets["packages/"+fn] = &metadata.TargetFiles{
			Length: int64(len(evil)), Hashes: metadata.Hashes{"sha512": s512[:]}, Path: "packages/" + fn,
		}
	})
	repo.Publish()
	fx := newFixture(t, repo)
	for _, h := range []string{sha256hex(good), hex.EncodeToString(s512[:])} {
		fx.srv.Inject(tuftest.HashedPath("packages/"+fn, h), tuftest.Replace(evil))
	}
	fx.srv.Inject("targets/packages/"+fn, tuftest.Replace(evil))
	_, page := get(t, fx.url+"/simple/foobar/", "text/html")
	for _, h := range []string{sha256hex(good), hex.EncodeToString(s512[:])} {
		if resp, body := get(t, fx.url+"/files/foobar/"+h+"/"+fn, ""); bytes.Equal(body, evil) {
			t.Fatalf("status %d: the index sent unstable's bytes for a wheel stable's page pins (page:\n%s)", resp.StatusCode, page)
		}
	}
}

// Freeze attack on a long-running `tufpip serve`: the attacker stops every refresh from
// succeeding (here the metadata server answers 503), and the index went on serving its last
// view long after that view's timestamp expired, so clients never learnt of newer releases.
// TUF forbids using expired metadata: once the view has expired the index must refuse.
func TestRedteamServeFreezeAfterExpiry(t *testing.T) {
	repo := tuftest.New(t, tuftest.WithExpiry(tuftest.Timestamp, 2*time.Second))
	fn := "foobar-1.0-py3-none-any.whl"
	repo.AddFile(tuftest.Stable, fn, []byte("wheel"))
	repo.SetPage(tuftest.Stable, "foobar", tuftest.File(fn, []byte("wheel")))
	repo.Publish()
	srv := repo.Serve(t)
	cache := t.TempDir()
	open := opener(repo, srv, filepath.Join(cache, "tuf"), "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ix, err := New(ctx, Config{Open: open, CacheDir: filepath.Join(cache, "index"), RefreshEvery: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	go ix.RefreshLoop(ctx)
	hs := httptest.NewServer(ix.Handler())
	t.Cleanup(hs.Close)
	if resp, body := get(t, hs.URL+"/simple/foobar/", pipAccept); resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	srv.Inject("metadata/*", tuftest.Status(http.StatusServiceUnavailable))
	time.Sleep(2500 * time.Millisecond)
	if resp, body := get(t, hs.URL+"/simple/foobar/", pipAccept); resp.StatusCode == http.StatusOK {
		t.Errorf("still serving a view whose timestamp expired: %d %s", resp.StatusCode, body)
	}
	hash := sha256hex([]byte("wheel"))
	if resp, _ := get(t, hs.URL+"/files/foobar/"+hash+"/"+fn, ""); resp.StatusCode == http.StatusOK {
		t.Errorf("still sending files from a view whose timestamp expired")
	}
}

// A verified file is hashed once, not on every request; a cached file changed after it was
// verified (same size, mtime set back, as a local user could) is hashed again and the
// changed bytes are never served.
func TestVerifiedFileHashedOnceUntilChanged(t *testing.T) {
	fx := newFixture(t, seed(t))
	fn := "foobar-2.0-py3-none-any.whl"
	good := []byte("wheel " + fn)
	hash := sha256hex(good)
	url := fx.url + "/files/foobar/" + hash + "/" + fn
	for i := range 3 {
		if resp, body := get(t, url, ""); resp.StatusCode != http.StatusOK || !bytes.Equal(body, good) {
			t.Fatalf("request %d: status %d, %q", i, resp.StatusCode, body)
		}
	}
	if n := fx.index.verifyCalls.Load(); n != 1 {
		t.Errorf("three requests hashed the file %d times, want 1", n)
	}

	cached := filepath.Join(fx.cache, "index", "files", "file-"+hash)
	fi, err := os.Stat(cached)
	if err != nil {
		t.Fatal(err)
	}
	evil := bytes.Repeat([]byte("x"), len(good))
	if err := os.WriteFile(cached, evil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(cached, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	resp, body := get(t, url, "")
	if bytes.Equal(body, evil) {
		t.Fatalf("status %d: served the bytes changed after verification", resp.StatusCode)
	}
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, good) {
		t.Errorf("status %d, body %q: want the verified wheel again", resp.StatusCode, body)
	}
	if n := fx.index.verifyCalls.Load(); n < 2 {
		t.Errorf("a changed file was not hashed again (%d verifications)", n)
	}
}
