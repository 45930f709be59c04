package tuf

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A page stored apart from its target name (PyPI's content-addressed
// "simple/<p>/<blake2b>.<p>.html" for the target "<p>") is fetched from the URL given, checked
// against the signed length and blake2b-256 hash, and cached by hash like any target.
func TestFetchFromSourceURL(t *testing.T) {
	page := []byte("<html>foobar's page</html>")
	tg := targetFor("foobar", page, "blake2b-256")
	fs := newFileServer(t)
	stored := "/targets/simple/foobar/" + tg.Hashes["blake2b-256"] + ".foobar.html"
	fs.files[stored] = page
	c := offlineClient(t, fs.URL, true)
	if _, err := c.Fetch(context.Background(), tg); !IsNotFound(err) && !IsNetwork(err) {
		t.Fatalf("generic download of the bare name: %v, want not found", err)
	}
	for i := range 2 {
		got, err := c.FetchFrom(context.Background(), tg, fs.URL+stored)
		if err != nil || !bytes.Equal(got, page) {
			t.Fatalf("fetch %d: %q, %v", i, got, err)
		}
	}
	if n := strings.Count(strings.Join(fs.requests(), " "), stored); n != 1 {
		t.Errorf("%d requests for the stored page over two fetches, want 1 (cached by hash)", n)
	}
	if tg.URL != "" {
		t.Errorf("FetchFrom set Target.URL (which marks page-hash files): %q", tg.URL)
	}

	// Tampered bytes at the source, and a source serving more than the signed length.
	fs.files["/other"] = []byte("<html>foobar's PAGE</html>")
	fs.files["/long"] = append(bytes.Clone(page), bytes.Repeat([]byte("!"), 1<<20)...)
	other := targetFor("bazqux", page, "blake2b-256")
	other.Hashes["blake2b-256"] = strings.Repeat("ab", 32)
	for _, src := range []string{"/other", "/long"} {
		_, err := c.FetchFrom(context.Background(), other, fs.URL+src)
		if !IsVerification(err) || !strings.HasPrefix(err.Error(), "bazqux: ") {
			t.Errorf("%s: got %v, want a verification error naming the target", src, err)
		}
	}
	if _, err := c.FetchFrom(context.Background(), tg, ""); err == nil {
		t.Error("FetchFrom with no url succeeded")
	}
}

// Download's From option fetches a signed file from the files host, checking it as any target.
func TestDownloadFromSourceURL(t *testing.T) {
	whl := bytes.Repeat([]byte("wheel "), 500)
	tg := targetFor("packages/ab/cd/a-1.0-py3-none-any.whl", whl, "blake2b-256", "sha256")
	files := newFileServer(t)
	files.files["/packages/ab/cd/a-1.0-py3-none-any.whl"] = whl
	files.files["/bad.whl"] = append(bytes.Clone(whl[:len(whl)-1]), 'X')
	repo := newFileServer(t)
	c := offlineClient(t, repo.URL, true)
	dir := t.TempDir()
	dest := filepath.Join(dir, "a.whl")
	if err := c.Download(context.Background(), tg, dest, From(files.URL+"/packages/ab/cd/a-1.0-py3-none-any.whl")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dest); !bytes.Equal(got, whl) {
		t.Fatal("downloaded bytes differ")
	}
	if r := repo.requests(); len(r) != 0 {
		t.Errorf("the repository's targets were asked for %v", r)
	}
	os.Remove(dest)
	err := c.Download(context.Background(), tg, dest, From(files.URL+"/bad.whl"))
	if !IsVerification(err) || !strings.Contains(err.Error(), "do not match the hashes signed by role unstable") {
		t.Fatalf("tampered file on the files host: %v", err)
	}
	assertNothingLeft(t, dir)
}
