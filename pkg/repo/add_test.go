package repo

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAddRejects(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	r := mustInit(t, dir, InitOptions{Now: t0})
	src := t.TempDir()
	noMeta := filepath.Join(src, "broken-1.0-py3-none-any.whl")
	f, _ := os.Create(noMeta)
	zw := zip.NewWriter(f)
	w, _ := zw.Create("broken/__init__.py")
	w.Write([]byte("x = 1\n"))
	zw.Close()
	f.Close()
	notZip := filepath.Join(src, "junk-1.0-py3-none-any.whl")
	os.WriteFile(notZip, []byte("not a zip"), 0o644)
	for _, name := range []string{"foo.exe", "foo-1.0.whl", "..-1.0.tar.gz", "foo-1.0-py3-none-any.whl.tmp", "fo\x01o-1.0.tar.gz", "-1.0.tar.gz"} {
		p := filepath.Join(src, name)
		os.WriteFile(p, []byte("x"), 0o644)
		if _, err := r.Add(context.Background(), []string{p}, t0); !isDistError(err) {
			t.Errorf("%q: got %v, want *DistError", name, err)
		}
	}
	// Real distributions whose project name is not one: it would become a path under
	// targets/ (and in DIR/state/pending.json) that no client can ask for.
	for _, p := range []string{buildSdist(t, src, "x+y", "1.0", ""), buildWheel(t, src, "a_", "1.0", ""), buildSdist(t, src, "_a", "1.0", "")} {
		_, err := r.Add(context.Background(), []string{p}, t0)
		if !isDistError(err) || !strings.Contains(err.Error(), "is not a valid project name") {
			t.Errorf("%s: got %v, want a *DistError saying the project name is not valid", filepath.Base(p), err)
		}
	}
	for _, p := range []string{noMeta, notZip} {
		_, err := r.Add(context.Background(), []string{p}, t0)
		if !isDistError(err) || !strings.Contains(err.Error(), filepath.Base(p)) {
			t.Errorf("%s: got %v, want a *DistError naming the file", filepath.Base(p), err)
		}
	}
	// Nothing was published by the failed adds.
	st, err := r.Status(context.Background(), t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, rs := range st.Roles {
		if rs.Files != 0 || rs.Pages != 0 {
			t.Errorf("role %s signs %d files and %d pages after failed adds", rs.Role, rs.Files, rs.Pages)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "targets", "packages"))
	for _, e := range entries {
		t.Errorf("rejected upload left %s behind", e.Name())
	}
}

func isDistError(err error) bool {
	var de *DistError
	return errors.As(err, &de)
}

func TestAddIsIdempotentAndFilesImmutable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	r := mustInit(t, dir, InitOptions{Now: t0})
	src := t.TempDir()
	w := buildWheel(t, src, "FooBar", "1.0", ">=3.8")
	mustAdd(t, r, t0, w)
	res := mustAdd(t, r, t0.Add(day), w)
	if len(res.Added) != 0 || !slices.Equal(res.Present, []string{filepath.Base(w)}) || res.Published {
		t.Fatalf("re-adding the same bytes: %+v", res)
	}
	other := t.TempDir()
	w2 := buildWheel(t, other, "FooBar", "1.0", ">=3.9") // same name, other bytes
	_, err := r.Add(context.Background(), []string{w2}, t0)
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Existing != sum(t, w) || ce.Uploaded != sum(t, w2) {
		t.Fatalf("got %v, want *ConflictError with both hashes", err)
	}
	if got := sum(t, filepath.Join(dir, "targets", "packages", filepath.Base(w))); got != sum(t, w) {
		t.Fatal("the published file was replaced")
	}
}

func TestPageContents(t *testing.T) {
	r, dir := fooBar(t, InitOptions{})
	src := t.TempDir()
	mustAdd(t, r, t0, buildSdist(t, src, "FooBar", "3.0", "<4,>=3.10"))
	c := newClient(t, dir, served(t, dir), t0)
	tf := c.loadRole("unstable").Signed.Targets["simple/foobar/index.html"]
	_, data, err := c.up.DownloadTarget(tf, filepath.Join(t.TempDir(), "p.html"), "")
	if err != nil {
		t.Fatal(err)
	}
	page := string(data)
	for _, want := range []string{
		`<a href="../../packages/FooBar-3.0.tar.gz#sha256=` + sum(t, filepath.Join(src, "FooBar-3.0.tar.gz")) + `" data-requires-python="&lt;4,&gt;=3.10">FooBar-3.0.tar.gz</a>`,
		`data-requires-python="&gt;=3.8">FooBar-2.0-py3-none-any.whl</a>`,
		`<a href="../../packages/FooBar-1.0-py3-none-any.whl#sha256=`,
		`<meta name="pypi:repository-version" content="1.1">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s\n%s", want, page)
		}
	}
	if strings.Contains(page, `1.0-py3-none-any.whl" data-requires-python`) {
		t.Error("a file without Requires-Python got the attribute")
	}
	// The unsigned copy for plain pip is unstable's page.
	if got := mustRead(t, filepath.Join(dir, "targets", "simple", "foobar", "index.html")); string(got) != page {
		t.Error("plain index.html differs from unstable's page")
	}
}

// A backfilled upload (--now in the past) dates the file, not the signatures: the
// repository stays valid without waiting for the next timestamp run.
func TestBackfillSignsWithCurrentExpiry(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	r := mustInit(t, dir, InitOptions{HashBinBits: 3})
	src := t.TempDir()
	mustAdd(t, r, t0.Add(-400*day), buildWheel(t, src, "Old", "1.0", ""))
	now := time.Now()
	c := newClient(t, dir, served(t, dir), now)
	if role, files := c.page("old"); role != "unstable" || len(files) != 1 {
		t.Fatalf("backfilled page: %s %v", role, files)
	}
	res := mustPromote(t, r, PromoteOptions{OlderThan: 365 * day, Now: now})
	if len(res.Promoted) != 1 {
		t.Fatalf("the recorded upload time is not the backfilled one: promoted %v", res.Promoted)
	}
}

// Concurrent publishes are serialised by the repository lock: both land.
func TestConcurrentAdds(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	keys := t.TempDir()
	mustInit(t, dir, InitOptions{KeysDir: keys})
	src := t.TempDir()
	errs := make(chan error, 4)
	for i := range 4 {
		w := buildWheel(t, src, fmt.Sprintf("P%d", i), "1.0", "")
		go func() {
			r, err := Open(dir, OpenOptions{KeysDir: keys})
			if err == nil {
				_, err = r.Add(context.Background(), []string{w}, time.Now())
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	c := newClient(t, dir, served(t, dir), time.Now())
	for i := range 4 {
		if _, files := c.page(fmt.Sprintf("p%d", i)); len(files) != 1 {
			t.Errorf("p%d lost by a concurrent add", i)
		}
	}
}

func TestTimestampSweepsDebris(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	r := mustInit(t, dir, InitOptions{})
	debris := filepath.Join(dir, "targets", "packages", ".tmp-upload-123")
	os.WriteFile(debris, []byte("half a wheel"), 0o644)
	if _, err := r.Timestamp(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if !exists(debris) {
		t.Fatal("fresh temporary file removed: a publish may still be writing it")
	}
	if _, err := r.Timestamp(context.Background(), time.Now().Add(DefaultGrace+time.Hour)); err != nil {
		t.Fatal(err)
	}
	if exists(debris) {
		t.Fatal("old temporary file left behind")
	}
}
