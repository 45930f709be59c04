package repo

import (
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPromoteFilters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	r := mustInit(t, dir, InitOptions{Now: t0.Add(-101 * day)})
	src := t.TempDir()
	mustAdd(t, r, t0.Add(-100*day), buildWheel(t, src, "Alpha", "1.0", ""), buildWheel(t, src, "Beta", "1.0", ""), buildWheel(t, src, "Gamma", "1.0", ""))
	res := mustPromote(t, r, PromoteOptions{OlderThan: 90 * day, Now: t0, Projects: []string{"ALPHA", "beta"}, Exclude: []string{"Beta"}})
	if !slices.Equal(res.Projects, []string{"alpha"}) {
		t.Fatalf("promoted projects %v, want alpha only", res.Projects)
	}
	res = mustPromote(t, r, PromoteOptions{OlderThan: 90 * day, Now: t0, Exclude: []string{"gamma"}})
	if !slices.Equal(res.Projects, []string{"beta"}) {
		t.Fatalf("promoted projects %v, want beta", res.Projects)
	}
	// A stricter rule later never takes back what stable signed.
	res = mustPromote(t, r, PromoteOptions{OlderThan: 365 * day, Now: t0})
	if len(res.Promoted) != 0 || len(res.Projects) != 0 {
		t.Fatalf("stricter promote changed %v", res)
	}
	if _, err := r.Timestamp(context.Background(), t0); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, dir, served(t, dir), t0)
	for p, want := range map[string]string{"alpha": "stable", "beta": "stable", "gamma": "unstable"} {
		if role, _ := c.page(p); role != want {
			t.Errorf("%s comes from %s, want %s", p, role, want)
		}
	}
	if _, err := r.Promote(context.Background(), PromoteOptions{OlderThan: day, Now: t0, Projects: []string{"nope"}}); err == nil {
		t.Error("promoting an unknown project succeeded")
	}
}

func TestPromoteNeedsStableKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	keys := t.TempDir()
	mustInit(t, dir, InitOptions{KeysDir: keys, Now: t0})
	os.Rename(filepath.Join(keys, "stable.key"), filepath.Join(t.TempDir(), "stable.key"))
	r, err := Open(dir, OpenOptions{KeysDir: keys})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Promote(context.Background(), PromoteOptions{OlderThan: day, Now: t0, Bootstrap: true})
	var ke *KeyError
	if !errors.As(err, &ke) || ke.Role != "stable" {
		t.Fatalf("got %v, want *KeyError for stable", err)
	}
	// The online operations work without it; the cron job warns when stable gets old.
	src := t.TempDir()
	mustAdd(t, r, t0, buildWheel(t, src, "FooBar", "1.0", ""))
	ts, err := r.Timestamp(context.Background(), t0.Add(20*day))
	if err != nil {
		t.Fatal(err)
	}
	if len(ts.Warnings) != 1 || !slices.Contains(ts.Renewed, "unstable") {
		t.Fatalf("timestamp run: %+v, want unstable renewed and a warning about stable", ts)
	}
}

func TestPruneAfterGrace(t *testing.T) {
	r, dir := fooBar(t, InitOptions{})
	// unstable: v1 at init, v2 and v3 superseded the previous versions just now (signing
	// time is the wall clock when the operation's time is in the past).
	old := filepath.Join(dir, "metadata", "2.unstable.json")
	if !exists(old) || !exists(filepath.Join(dir, "metadata", "1.unstable.json")) {
		t.Fatal("unstable versions pruned before the grace period")
	}
	// The next publish after the grace period deletes what was superseded before it.
	after := time.Now().Add(DefaultGrace + time.Hour)
	if _, err := r.Timestamp(context.Background(), after); err != nil {
		t.Fatal(err)
	}
	if !exists(filepath.Join(dir, "metadata", "3.unstable.json")) {
		t.Fatal("the current unstable was pruned")
	}
	if exists(old) {
		t.Error("2.unstable.json still there after the grace period")
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "targets", "simple", "foobar"))
	if len(entries) != 3 { // stable's page, unstable's page, plain copy
		t.Errorf("foobar has %d page files after pruning, want 3", len(entries))
	}
	c := newClient(t, dir, served(t, dir), after)
	if role, files := c.page("foobar"); role != "stable" || len(files) != 2 {
		t.Fatalf("after pruning: %s %v", role, files)
	}
	c.file("FooBar-2.0.1-py3-none-any.whl")
}

func TestStatus(t *testing.T) {
	r, _ := fooBar(t, InitOptions{HashBinBits: 2})
	st, err := r.Status(context.Background(), t0)
	if err != nil {
		t.Fatal(err)
	}
	if st.Projects != 1 || st.Files != 3 {
		t.Fatalf("status counts %d projects %d files", st.Projects, st.Files)
	}
	got := map[string]RoleStatus{}
	for _, rs := range st.Roles {
		got[rs.Role] = rs
	}
	if s := got["stable-*"]; s.Files != 2 || s.Pages != 1 || s.Shards != 4 || s.Online {
		t.Errorf("stable: %+v", s)
	}
	if u := got["unstable-*"]; u.Files != 3 || u.Pages != 1 || !u.Online || u.Expired {
		t.Errorf("unstable: %+v", u)
	}
	if ts := got["timestamp"]; ts.Version < 4 || !ts.Online {
		t.Errorf("timestamp: %+v", ts)
	}
	if rt := got["root"]; rt.Version != 1 || rt.Online {
		t.Errorf("root: %+v", rt)
	}

	ps, err := r.ProjectStatus(context.Background(), "FOOBAR", t0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ps.PageFrom, "stable-") || len(ps.Pages) != 2 || len(ps.Files) != 3 {
		t.Fatalf("project status %+v", ps)
	}
	for _, f := range ps.Files {
		want := 2
		if f.Version == "2.0.1" {
			want = 1
		}
		if len(f.SignedBy) != want || !strings.HasPrefix(f.SignedBy[len(f.SignedBy)-1], "unstable-") {
			t.Errorf("%s signed by %v", f.Filename, f.SignedBy)
		}
	}
}

// When stable and unstable sign byte-identical pages they share one hash-prefixed file;
// unstable moving on must not let pruning delete stable's page.
func TestPruneKeepsSharedPage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	r := mustInit(t, dir, InitOptions{Now: t0.Add(-101 * day)})
	src := t.TempDir()
	mustAdd(t, r, t0.Add(-100*day), buildWheel(t, src, "Alpha", "1.0", ""))
	mustAdd(t, r, t0.Add(-time.Hour), buildWheel(t, src, "Beta", "1.0", ""))
	mustPromote(t, r, PromoteOptions{OlderThan: 90 * day, Now: t0.Add(-time.Hour)})
	entries, _ := os.ReadDir(filepath.Join(dir, "targets", "simple", "alpha"))
	if len(entries) != 2 { // one shared signed page + the plain copy
		t.Fatalf("alpha has %d page files, want the shared page and the plain copy", len(entries))
	}
	mustAdd(t, r, t0, buildWheel(t, src, "Alpha", "2.0", ""))
	later := t0.Add(DefaultGrace + time.Hour)
	if _, err := r.Timestamp(context.Background(), later); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, dir, served(t, dir), later)
	if role, files := c.page("alpha"); role != "stable" || len(files) != 1 {
		t.Fatalf("alpha from %s listing %v, want stable's page with 1.0", role, files)
	}
}

// An attacker holding the upload server (online keys, DIR/state) backdates a new file's
// upload time; promote counts from its own ledger and does not sign the file until it has
// been published for the full period.
func TestPromoteIgnoresBackdatedUploads(t *testing.T) {
	r, _ := fooBar(t, InitOptions{}) // the first promote wrote the ledger
	src := t.TempDir()
	mustAdd(t, r, t0, buildWheel(t, src, "FooBar", "6.6.6", ""))
	st, err := r.readProject("foobar")
	if err != nil {
		t.Fatal(err)
	}
	for i := range st.Files {
		if st.Files[i].Version == "6.6.6" {
			st.Files[i].UploadTime = t0.Add(-1000 * day)
		}
	}
	if err := r.writeProject(st); err != nil {
		t.Fatal(err)
	}
	res := mustPromote(t, r, PromoteOptions{OlderThan: 90 * day, Now: t0.Add(time.Hour)})
	if len(res.Promoted) != 0 || res.Bootstrapped {
		t.Fatalf("backdated file promoted: %+v", res)
	}
	res = mustPromote(t, r, PromoteOptions{OlderThan: 90 * day, Now: t0.Add(91 * day)})
	if !slices.Equal(res.Promoted, []string{"FooBar-2.0.1-py3-none-any.whl", "FooBar-6.6.6-py3-none-any.whl"}) {
		t.Fatalf("after 91 days promoted %v", res.Promoted)
	}
}

// Item 11 of issue 10: stable and unstable sign one shared page file; unstable drops it
// first (an add), stable later (a promote). A client that read the timestamp between the
// two still needs the file for the whole grace period after stable dropped it.
func TestPruneSharedPageGraceFromLastDrop(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	r := mustInit(t, dir, InitOptions{Now: t0.Add(-101 * day)})
	src := t.TempDir()
	mustAdd(t, r, t0.Add(-100*day), buildWheel(t, src, "Alpha", "1.0", ""))
	mustPromote(t, r, PromoteOptions{OlderThan: 90 * day, Now: t0})
	shared := r.pageFile(t, "stable", "alpha")
	if shared != r.pageFile(t, "unstable", "alpha") {
		t.Fatal("stable and unstable do not share alpha's page")
	}
	at := time.Now().UTC()
	mustAdd(t, r, at.Add(time.Hour), buildWheel(t, src, "Alpha", "2.0", "")) // unstable drops it
	url := served(t, dir)
	reader := newClient(t, dir, url, at.Add(2*time.Hour)) // reads the timestamp naming it for stable
	// Stable drops it 3 hours later (and signs the same page as unstable now).
	mustPromote(t, r, PromoteOptions{OlderThan: 0, Now: at.Add(5 * time.Hour)})
	if r.pageFile(t, "stable", "alpha") == shared {
		t.Fatal("stable still signs the old page")
	}
	// A publish a grace period after unstable's drop, but within stable's.
	if _, err := r.Timestamp(context.Background(), at.Add(time.Hour+DefaultGrace+time.Minute)); err != nil {
		t.Fatal(err)
	}
	if !exists(filepath.Join(dir, shared)) {
		t.Fatalf("%s pruned less than a grace period after stable stopped signing it", shared)
	}
	if role, files := reader.page("alpha"); role != "stable" || !slices.Equal(files, []string{"Alpha-1.0-py3-none-any.whl"}) {
		t.Fatalf("the reader of the previous timestamp got %s's page %v", role, files)
	}
	// After the grace period from stable's drop it goes.
	if _, err := r.Timestamp(context.Background(), at.Add(5*time.Hour+DefaultGrace+time.Minute)); err != nil {
		t.Fatal(err)
	}
	if exists(filepath.Join(dir, shared)) {
		t.Fatalf("%s never pruned", shared)
	}
}

// pageFile is the repository-relative hash-prefixed file of the page family signs.
func (r *Repo) pageFile(t *testing.T, family, project string) string {
	t.Helper()
	tx, err := r.begin(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tf, err := tx.target(family, pagePath(project))
	if err != nil || tf == nil {
		t.Fatalf("%s signs no page for %s: %v", family, project, err)
	}
	return filepath.Join("targets", "simple", project, hex.EncodeToString(tf.Hashes["sha256"])+".index.html")
}
