package tuf

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/tuftest"
)

// Red-team tests: a network or mirror attacker against the TUF client, and a local user
// against its cache and download directory.

// redirector answers every request with a redirect to to+path.
func redirector(t *testing.T, to func(path string) string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, to(r.URL.Path), http.StatusFound)
	}))
	t.Cleanup(s.Close)
	return s
}

// The repository's server redirects target downloads to another host. The bytes are
// hash-checked wherever they come from, but following the redirect lets a mirror aim tufpip
// at any URL (other hosts, internal services, plain http) and makes a file trusted through a
// page hash come from outside the targets URL, which docs/design.md's trust rules exclude.
func TestRedteamRedirectToAnotherHostIsRefused(t *testing.T) {
	e := newAtkEnv(t)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("fetched from the other host: %s", r.URL)
		w.Write(atkWheelData)
	}))
	t.Cleanup(other.Close)
	redir := redirector(t, func(p string) string { return other.URL + p })
	cfg := e.config()
	cfg.TargetsURL = redir.URL + "/targets/"
	c, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	tg, err := c.Lookup(context.Background(), atkWheelPath)
	if err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(e.dest, atkWheel)
	if err := c.Download(context.Background(), tg, dest); err == nil {
		t.Fatal("download followed a redirect to another host")
	} else if !IsNetwork(err) {
		t.Errorf("got %v, want a network error", err)
	}
	e.emptyDest()

	// A file trusted through a page hash (rule b), redirected off the targets URL.
	pf := PageFile(atkWheelPath, redir.URL+"/targets/"+atkWheelPath, -1, tg.Hashes, tg)
	if err := c.Download(context.Background(), pf, dest); err == nil {
		t.Fatal("page-hash download followed a redirect to another host")
	}
	e.emptyDest()
}

// Same-host redirects (a web server adding a slash, moving a directory) still work.
func TestRedteamSameHostRedirectStillWorks(t *testing.T) {
	data := []byte("page-hash file")
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old/a.whl" {
			http.Redirect(w, r, "/new/a.whl", http.StatusMovedPermanently)
			return
		}
		w.Write(data)
	}))
	t.Cleanup(srv.Close)
	c := offlineClient(t, srv.URL, true)
	tg := PageFile("packages/a.whl", srv.URL+"/old/a.whl", -1, targetFor("x", data, "sha256").Hashes, nil)
	if err := c.Download(context.Background(), tg, filepath.Join(t.TempDir(), "a.whl")); err != nil {
		t.Fatal(err)
	}
}

// A redirect to a file:// URL never reads a local file.
func TestRedteamRedirectToFileURL(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secret, []byte("local secret"), 0o600)
	redir := redirector(t, func(string) string { return "file://" + secret })
	var f Fetcher
	if data, err := f.Get(context.Background(), redir.URL+"/x", 1<<20); err == nil || bytes.Contains(data, []byte("secret")) {
		t.Fatalf("got %q, %v", data, err)
	}
}

// A local user plants a page in the client's target cache: it is re-verified and ignored.
func TestRedteamPlantedCachedPageIsReverified(t *testing.T) {
	e := newAtkEnv(t)
	c, err := Open(context.Background(), e.config())
	if err != nil {
		t.Fatal(err)
	}
	tg, err := c.Lookup(context.Background(), tuftest.PagePath("foobar"))
	if err != nil {
		t.Fatal(err)
	}
	planted := filepath.Join(e.cache, "targets", "sha256-"+tg.Hashes["sha256"])
	if err := os.WriteFile(planted, []byte("<a href='../../packages/evil.whl'>evil</a>"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := c.Fetch(context.Background(), tg)
	if err != nil || !bytes.Equal(got, e.page) {
		t.Fatalf("Fetch = %q, %v; want the signed page", got, err)
	}
}

// A local user who can write the download directory puts a symlink where the file will go:
// the download replaces the link and never writes through it.
func TestRedteamDownloadDoesNotFollowSymlinkAtDest(t *testing.T) {
	e := newAtkEnv(t)
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(e.dest, atkWheel)
	if err := os.Symlink(victim, dest); err != nil {
		t.Skip(err)
	}
	if _, err := e.run(e.config(), atkWheelPath); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me" {
		t.Errorf("wrote through the symlink: victim now %q", b)
	}
	if fi, err := os.Lstat(dest); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("dest is not a regular file: %v %v", fi, err)
	}
}

// Page hashes: case does not matter, weak algorithms never count.
func TestRedteamCheckFileHashRules(t *testing.T) {
	data := []byte("bytes")
	h := targetFor("x", data, "sha256").Hashes["sha256"]
	if err := CheckFile(bytes.NewReader(data), -1, map[string]string{"SHA256": strings.ToUpper(h)}); err != nil {
		t.Errorf("upper-case sha256 refused: %v", err)
	}
	for _, hs := range []map[string]string{
		{"md5": "1b2cf535f27731c974343645a3985328"},
		{"sha1": "4c9a2bd0e8a4ee5e26f0e56ad6a0fb9ba0f2e3f2"},
		{"sha256": h, "md5": "00000000000000000000000000000000"},
		{},
		{"sha256": h[:62]},
	} {
		if err := CheckFile(bytes.NewReader(data), -1, hs); !IsVerification(err) {
			t.Errorf("CheckFile with %v = %v, want a verification error", hs, err)
		}
	}
}

// A cache directory every local user can write (a --cache-dir another user pre-created in
// /tmp, or left 0777) lets them delete the cached timestamp and snapshot, which undoes
// rollback protection: a mirror can then serve older, still unexpired metadata. Open
// refuses such a directory rather than trusting its contents.
func TestRedteamWorldWritableCacheDirRefused(t *testing.T) {
	e := newAtkEnv(t)
	e.ok() // the user has trusted timestamp v2+ ...
	e.repo.Bump(tuftest.Timestamp)
	e.repo.Publish()
	e.ok()
	// ... a local user with write access to the cache removes the trusted state and the
	// mirror serves the old timestamp.
	if err := os.Chmod(e.cache, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(e.cache, "metadata", "timestamp.json"))
	e.repo.Rollback(tuftest.Timestamp)
	_, err := e.run(e.config(), atkWheelPath)
	if err == nil {
		t.Fatal("a world-writable cache directory was used: rollback protection is gone")
	}
	if !strings.Contains(err.Error(), "writable by every user") {
		t.Errorf("error %q does not say why", err)
	}
	e.emptyDest()
}

// Expires is the earliest expiry of the view, so a server can stop using it (freeze attack).
func TestRedteamExpiresIsEarliest(t *testing.T) {
	repo := tuftest.New(t, tuftest.WithExpiry(tuftest.Timestamp, time.Hour))
	repo.Publish()
	srv := repo.Serve(t)
	c := &Client{}
	if !c.Expires().IsZero() {
		t.Error("a client without a view has an expiry")
	}
	c, err := Open(context.Background(), Config{MetadataURL: srv.MetadataURL, TargetsURL: srv.TargetsURL,
		TrustedRoot: repo.RootJSON(), CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(c.Expires()); d <= 0 || d > time.Hour {
		t.Errorf("expires in %v, want the timestamp's hour", d)
	}
}

// The length go-tuf passes for a delegated role comes from the snapshot (an online key):
// a body of any size under an announced length of 1 TiB was read whole into memory.
func TestRedteamMetadataLengthIsCapped(t *testing.T) {
	chunk := bytes.Repeat([]byte{' '}, 1<<20)
	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Just past the cap, so that without it the test ends (with the bytes read) instead
		// of exhausting memory.
		for n := 0; n <= MaxMetadataLength>>20 && r.Context().Err() == nil; n++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(endless.Close)
	tf := &tufFetcher{f: &Fetcher{}, ctx: context.Background()}
	data, err := tf.DownloadFile(endless.URL+"/3.unstable.json", 1<<40, 0)
	if err == nil || int64(len(data)) > MaxMetadataLength {
		t.Fatalf("read %d bytes, err %v", len(data), err)
	}
}
