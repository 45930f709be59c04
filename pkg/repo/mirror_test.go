package repo

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mirrorOnce is what one sync run does to the repository, as pkg/mirror drives it: new
// files into temporary files, Put, SetUpstream, Commit. Files already known are not
// fetched again (as after a 200 answer for a page whose files an earlier run placed).
func mirrorOnce(r *Repo, at time.Time, src map[string][]string) error {
	ctx := context.Background()
	s, err := r.BeginMirror(ctx, at)
	if err != nil {
		return err
	}
	defer s.Close()
	for _, project := range sortedKeys(src) {
		kp, err := s.Known(project)
		if err != nil {
			return err
		}
		var files []MirrorFile
		for _, path := range src[project] {
			fn := filepath.Base(path)
			if _, ok := kp.Files[fn]; ok {
				files = append(files, MirrorFile{Filename: fn, Yanked: strings.Contains(fn, "1.0"), YankedReason: "old"})
				continue
			}
			tmp, err := s.TempFile()
			if err != nil {
				return err
			}
			in, err := os.Open(path)
			if err != nil {
				return err
			}
			n, err := io.Copy(tmp, in)
			in.Close()
			tmp.Close()
			if err != nil {
				return err
			}
			files = append(files, MirrorFile{Filename: fn, Temp: tmp.Name(), SHA256: sha256Hex(mustReadFile(path)), Size: n, UploadTime: at.Add(-400 * day)})
		}
		if _, err := s.Put(project, files); err != nil {
			return err
		}
		if err := s.SetUpstream(project, UpstreamState{URL: "http://upstream/simple/" + project + "/", ETag: `"e"`}, []byte("page of "+project)); err != nil {
			return err
		}
	}
	_, err = s.Commit()
	return err
}

func mustReadFile(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return b
}

// A sync stopped before each file it writes leaves the previous state to clients and keeps
// no upstream validators for what it did not publish; the next sync completes it.
func TestMirrorCrashAtEveryStep(t *testing.T) {
	keys := t.TempDir()
	base := filepath.Join(t.TempDir(), "base")
	r := mustInit(t, base, InitOptions{KeysDir: keys})
	src := t.TempDir()
	old := []string{buildWheel(t, src, "FooBar", "1.0", ""), buildWheel(t, src, "FooBar", "2.0", ">=3.8")}
	if err := mirrorOnce(r, t0.Add(-200*day), map[string][]string{"foobar": old}); err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC()
	next := map[string][]string{
		"foobar": append(old, buildWheel(t, src, "FooBar", "3.0", ">=3.11")),
		"other":  {buildWheel(t, src, "Other", "1.0", "")},
	}

	rc, clean := openCopy(t, base, OpenOptions{KeysDir: keys})
	before := observe(t, clean, served(t, clean), t.TempDir(), at)
	rec := recordSteps(rc)
	if err := mirrorOnce(rc, at, next); err != nil {
		t.Fatal(err)
	}
	steps := *rec
	after := observe(t, clean, served(t, clean), t.TempDir(), at)
	if sameView(before, after) || !after.files["FooBar-3.0-py3-none-any.whl"] || !after.files["Other-1.0-py3-none-any.whl"] {
		t.Fatalf("sync changed nothing a client sees: %v", after)
	}
	t.Logf("%d steps: %v", len(steps), steps)
	committed := false
	for i, step := range steps {
		if step == "timestamp" {
			committed = true
			continue // the commit itself: covered by TestCrashAtEveryStep
		}
		r, dir := openCopy(t, base, OpenOptions{KeysDir: keys})
		url := served(t, dir)
		crashAtStep(r, i)
		err := mirrorOnce(r, at, next)
		var ie *InterruptedError
		if !errors.As(err, &ie) || ie.Step != step {
			t.Fatalf("crash at step %d %q: got %v", i, step, err)
		}
		want := before
		if committed {
			want = after
		}
		if got := observe(t, dir, url, t.TempDir(), at); !sameView(got, want) {
			t.Fatalf("crash before %q: client sees %v, want %v", step, got, want)
		}
		if u, err := readUpstream(dir, "other"); !committed && (err != nil || u != nil) {
			t.Fatalf("crash before %q: upstream validators of other were kept (%v, %v)", step, u, err)
		}
		r.failAt = nil
		if err := mirrorOnce(r, at, next); err != nil {
			t.Fatalf("retry after crash before %q: %v", step, err)
		}
		if got := observe(t, dir, url, t.TempDir(), at); !sameView(got, after) {
			t.Fatalf("retry after crash before %q: client sees %v, want %v", step, got, after)
		}
	}
}

// Core metadata is a target at the file's path + ".metadata", advertised on the page with
// its hash; a yank is carried onto the page; a re-run with nothing new signs nothing.
func TestMirrorPageAndNoChange(t *testing.T) {
	keys := t.TempDir()
	dir := filepath.Join(t.TempDir(), "repo")
	r := mustInit(t, dir, InitOptions{KeysDir: keys})
	src := t.TempDir()
	files := map[string][]string{"foobar": {buildWheel(t, src, "FooBar", "1.0", ">=3.8"), buildWheel(t, src, "FooBar", "2.0", "")}}
	if err := mirrorOnce(r, t0, files); err != nil {
		t.Fatal(err)
	}
	if err := mirrorOnce(r, t0, files); err != nil { // yanks 1.0
		t.Fatal(err)
	}
	ts := mustRead(t, filepath.Join(dir, "metadata", "timestamp.json"))
	if err := mirrorOnce(r, t0, files); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, filepath.Join(dir, "metadata", "timestamp.json")); string(got) != string(ts) {
		t.Error("a sync with nothing new re-signed the timestamp")
	}
	c := newClient(t, dir, served(t, dir), t0)
	md := c.file("FooBar-1.0-py3-none-any.whl.metadata")
	if md == nil || md.Length == 0 {
		t.Fatal("core metadata is not a target")
	}
	page := string(mustRead(t, filepath.Join(dir, "targets", "simple", "foobar", "index.html")))
	if !strings.Contains(page, `data-core-metadata="sha256=`) || !strings.Contains(page, `data-yanked="old"`) || !strings.Contains(page, `data-requires-python="&gt;=3.8"`) {
		t.Errorf("page lacks metadata, yank or requires-python:\n%s", page)
	}
}

// A sync completes an add that crashed before its commit (the commit clears the add's
// pending journal, so it must publish those projects too).
func TestMirrorCompletesCrashedAdd(t *testing.T) {
	keys := t.TempDir()
	dir := filepath.Join(t.TempDir(), "repo")
	r := mustInit(t, dir, InitOptions{KeysDir: keys})
	src := t.TempDir()
	r.failAt = func(s string) error {
		if s == "timestamp" {
			return errors.New("simulated crash")
		}
		return nil
	}
	if _, err := r.Add(context.Background(), []string{buildWheel(t, src, "Added", "1.0", "")}, t0); err == nil {
		t.Fatal("no crash")
	}
	r.failAt = nil
	if err := mirrorOnce(r, t0, map[string][]string{"other": {buildWheel(t, src, "Other", "1.0", "")}}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, dir, served(t, dir), t0)
	if _, files := c.page("added"); len(files) != 1 {
		t.Fatalf("the crashed add's project is not published after a sync: %v", files)
	}
}

// Two syncs (or a sync and an add) never publish at once: the second waits for the lock.
func TestMirrorHoldsTheLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	r := mustInit(t, dir, InitOptions{KeysDir: t.TempDir()})
	s, err := r.BeginMirror(context.Background(), t0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := r.BeginMirror(ctx, t0); err == nil || !strings.Contains(err.Error(), "repository lock") {
		t.Fatalf("second sync: %v, want a lock error", err)
	}
	if _, err := r.Add(ctx, []string{buildWheel(t, t.TempDir(), "FooBar", "1.0", "")}, t0); err == nil {
		t.Fatal("an add ran during a sync")
	}
	s.Close()
	if _, err := r.BeginMirror(context.Background(), t0); err != nil {
		t.Fatalf("after the first sync closed: %v", err)
	}
}

// Downloads a killed sync left behind are removed by a later sync, after the grace period.
func TestMirrorSweepsLeftoverDownloads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	r := mustInit(t, dir, InitOptions{KeysDir: t.TempDir()})
	s, err := r.BeginMirror(context.Background(), t0)
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.TempFile()
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	s.Close()
	if s, err = r.BeginMirror(context.Background(), t0); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(f.Name()); err != nil {
		t.Fatalf("a fresh download was swept: %v", err)
	}
	if s, err = r.BeginMirror(context.Background(), time.Now().Add(2*DefaultGrace)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(f.Name()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a leftover download older than the grace period is still there: %v", err)
	}
}
