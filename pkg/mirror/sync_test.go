package mirror_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/pyfix"
	"github.com/tufpip/tufpip/internal/upstreamtest"
	"github.com/tufpip/tufpip/pkg/mirror"
	"github.com/tufpip/tufpip/pkg/repo"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

func wheel(t *testing.T, name, version string, deps ...string) *upstreamtest.File {
	fn, data := pyfix.Wheel(t, pyfix.WheelSpec{Name: name, Version: version, RequiresPython: ">=3.8", RequiresDist: deps})
	return &upstreamtest.File{Filename: fn, Data: data}
}

func sdist(t *testing.T, name, version string) *upstreamtest.File {
	fn, data := pyfix.Sdist(t, pyfix.SdistSpec{Name: name, Version: version})
	return &upstreamtest.File{Filename: fn, Data: data}
}

func newRepo(t *testing.T) *repo.Repo {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	r, err := repo.Init(context.Background(), dir, repo.InitOptions{KeysDir: filepath.Join(t.TempDir(), "keys")})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// resyncRequests syncs alpha and beta from up into a new repository (both added), syncs
// again (nothing published, both pages not modified) and returns the re-sync's requests.
func resyncRequests(t *testing.T, up *upstreamtest.Server) []upstreamtest.Request {
	t.Helper()
	r := newRepo(t)
	opts := mirror.Options{Requirements: []string{"alpha", "beta"}}
	if res, err := runSync(t, r, up, opts); err != nil || len(res.Added) != 2 {
		t.Fatalf("sync: %v %+v", err, res)
	}
	up.Requests()
	res, err := runSync(t, r, up, opts)
	if err != nil || res.Published || res.NotModified != 2 {
		t.Fatalf("re-sync: %v %+v", err, res)
	}
	return up.Requests()
}

func runSync(t *testing.T, r *repo.Repo, up *upstreamtest.Server, opts mirror.Options) (*mirror.Result, error) {
	t.Helper()
	u, err := mirror.NewUpstream(up.URL, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return mirror.Sync(context.Background(), r, u, opts)
}

func timestampVersion(t *testing.T, r *repo.Repo) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(r.Dir(), "metadata", "timestamp.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ts struct {
		Signed struct {
			Version int `json:"version"`
		} `json:"signed"`
	}
	if err := json.Unmarshal(data, &ts); err != nil {
		t.Fatal(err)
	}
	return ts.Signed.Version
}

func plainPage(t *testing.T, r *repo.Repo, project string) *simpleindex.Page {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(r.Dir(), "targets", "simple", project, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := simpleindex.ParseHTML(data, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSyncIncremental(t *testing.T) {
	up := upstreamtest.New(t)
	up.Add(wheel(t, "alpha", "1.0", "beta>=1"), wheel(t, "alpha", "2.0", "beta>=2"), sdist(t, "alpha", "2.0"),
		wheel(t, "beta", "1.0"), wheel(t, "beta", "2.0"), wheel(t, "gamma", "1.0"))
	r := newRepo(t)
	res, err := runSync(t, r, up, mirror.Options{Requirements: []string{"alpha"}, WithDeps: true})
	if err != nil {
		t.Fatalf("sync: %v (%+v)", err, res)
	}
	if want := []string{"alpha", "beta"}; !slices.Equal(res.Projects, want) {
		t.Errorf("projects %v, want %v", res.Projects, want)
	}
	if len(res.Added) != 5 || !res.Published || res.Bootstrap != 5 {
		t.Errorf("first sync: %+v", res)
	}
	page := plainPage(t, r, "alpha")
	if len(page.Files) != 3 {
		t.Fatalf("alpha page: %+v", page.Files)
	}
	for _, f := range page.Files {
		if strings.HasSuffix(f.Filename, ".whl") && f.CoreMetadata["sha256"] == "" {
			t.Errorf("%s: no core metadata advertised", f.Filename)
		}
		if f.RequiresPython != ">=3.8" && strings.HasSuffix(f.Filename, ".whl") {
			t.Errorf("%s: requires-python %q", f.Filename, f.RequiresPython)
		}
	}
	if _, err := os.Stat(filepath.Join(r.Dir(), "targets", "packages", "alpha-2.0-py3-none-any.whl.metadata")); err != nil {
		t.Errorf("metadata not served: %v", err)
	}
	v := timestampVersion(t, r)
	up.Requests()

	// No change upstream: one conditional request per project, nothing signed.
	res, err = runSync(t, r, up, mirror.Options{Requirements: []string{"alpha"}, WithDeps: true})
	if err != nil {
		t.Fatal(err)
	}
	reqs := up.Requests()
	if len(reqs) != 2 || reqs[0].Status != 304 || reqs[1].Status != 304 {
		t.Errorf("no-change sync made requests %+v, want two 304s", reqs)
	}
	if res.Published || len(res.Added) != 0 || timestampVersion(t, r) != v {
		t.Errorf("no-change sync published: %+v", res)
	}

	// A yank upstream reaches the mirror's page.
	up.Update("alpha-1.0-py3-none-any.whl", func(f *upstreamtest.File) { f.Yanked, f.YankedReason = true, "broken" })
	res, err = runSync(t, r, up, mirror.Options{Requirements: []string{"alpha"}, WithDeps: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Yanks, []string{"alpha-1.0-py3-none-any.whl"}) || !res.Published {
		t.Errorf("yank sync: %+v", res)
	}
	for _, f := range plainPage(t, r, "alpha").Files {
		if f.Filename == "alpha-1.0-py3-none-any.whl" && (!f.Yanked || f.YankedReason != "broken") {
			t.Errorf("yank not on the mirror's page: %+v", f)
		}
	}
}

func TestSyncHashMismatch(t *testing.T) {
	up := upstreamtest.New(t)
	bad := wheel(t, "alpha", "2.0")
	bad.Corrupt = true
	up.Add(wheel(t, "alpha", "1.0"), bad, wheel(t, "beta", "1.0"))
	r := newRepo(t)
	res, err := runSync(t, r, up, mirror.Options{Requirements: []string{"alpha", "beta"}})
	var se *mirror.SyncError
	if !errors.As(err, &se) || !se.Verification {
		t.Fatalf("err = %v, want a verification SyncError", err)
	}
	if len(res.Failures) != 1 || res.Failures[0].File != bad.Filename || res.Failures[0].Kind != "hash" {
		t.Errorf("failures %+v", res.Failures)
	}
	if want := []string{"alpha-1.0-py3-none-any.whl", "beta-1.0-py3-none-any.whl"}; !slices.Equal(res.Added, want) {
		t.Errorf("added %v, want %v", res.Added, want)
	}
	if _, err := os.Stat(filepath.Join(r.Dir(), "targets", "packages", bad.Filename)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("refused file is on disk: %v", err)
	}
	// The next sync asks again in full (no validators were kept for alpha) and, once the
	// upstream serves the right bytes, completes.
	up.Update(bad.Filename, func(f *upstreamtest.File) { f.Corrupt = false })
	res, err = runSync(t, r, up, mirror.Options{Requirements: []string{"alpha", "beta"}})
	if err != nil || !slices.Equal(res.Added, []string{bad.Filename}) {
		t.Fatalf("second sync: %v %+v", err, res)
	}
}

func TestSyncSelection(t *testing.T) {
	up := upstreamtest.New(t)
	up.Add(wheel(t, "alpha", "1.0"), wheel(t, "alpha", "2.0"), wheel(t, "alpha", "3.0b1"), sdist(t, "alpha", "2.0"))
	fn, data := pyfix.Wheel(t, pyfix.WheelSpec{Name: "alpha", Version: "2.0", Tags: []string{"cp311-cp311-win_amd64"}})
	up.Add(&upstreamtest.File{Filename: fn, Data: data})
	fn, data = pyfix.Wheel(t, pyfix.WheelSpec{Name: "alpha", Version: "2.0", Tags: []string{"cp312-cp312-manylinux_2_17_x86_64"}})
	up.Add(&upstreamtest.File{Filename: fn, Data: data})
	r := newRepo(t)
	res, err := runSync(t, r, up, mirror.Options{Requirements: []string{"alpha"}, Latest: 1, OnlyBinary: true, Pythons: []string{"3.12"}, Platforms: []string{"manylinux_2_17_x86_64"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"alpha-2.0-cp312-cp312-manylinux_2_17_x86_64.whl", "alpha-2.0-py3-none-any.whl"}
	if !slices.Equal(res.Added, want) {
		t.Errorf("added %v, want %v", res.Added, want)
	}
}

func TestSyncCrashThenComplete(t *testing.T) {
	up := upstreamtest.New(t)
	stall := make(chan struct{})
	slow := wheel(t, "beta", "1.0")
	slow.Stall = stall
	up.Add(wheel(t, "alpha", "1.0"), slow)
	r := newRepo(t)
	v := timestampVersion(t, r)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-up.Stalled(); cancel() }()
	u, _ := mirror.NewUpstream(up.URL, nil, nil)
	_, err := mirror.Sync(ctx, r, u, mirror.Options{Requirements: []string{"alpha", "beta"}, Jobs: 1, Now: time.Now()})
	if err == nil {
		t.Fatal("interrupted sync succeeded")
	}
	if timestampVersion(t, r) != v {
		t.Fatal("an interrupted sync published")
	}
	close(stall)
	res, err := runSync(t, r, up, mirror.Options{Requirements: []string{"alpha", "beta"}})
	if err != nil || !res.Published || !slices.Contains(res.Signed, "alpha") || !slices.Contains(res.Signed, "beta") {
		t.Fatalf("next sync: %v %+v", err, res)
	}
}

// A project found again through another dependency with another specifier gets a second
// pass from the page already fetched: still one request per project, also on re-sync.
func TestSyncSecondPass(t *testing.T) {
	up := upstreamtest.New(t)
	up.Add(wheel(t, "alpha", "1.0", "beta<2"), wheel(t, "delta", "1.0", "gamma"), wheel(t, "gamma", "1.0", "beta>=2"),
		wheel(t, "beta", "1.0"), wheel(t, "beta", "1.5"), wheel(t, "beta", "2.0"), wheel(t, "beta", "2.5"))
	r := newRepo(t)
	opts := mirror.Options{Requirements: []string{"alpha", "delta"}, WithDeps: true, Latest: 1, Jobs: 1}
	res, err := runSync(t, r, up, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"alpha-1.0-py3-none-any.whl", "beta-1.5-py3-none-any.whl", "beta-2.5-py3-none-any.whl", "delta-1.0-py3-none-any.whl", "gamma-1.0-py3-none-any.whl"}
	if !slices.Equal(res.Added, want) {
		t.Errorf("added %v, want %v", res.Added, want)
	}
	if n := len(up.Requests()); n != 4+len(want) {
		t.Errorf("%d requests, want one per project and file (%d)", n, 4+len(want))
	}
	res, err = runSync(t, r, up, opts)
	if err != nil || res.Published || len(res.Added) != 0 {
		t.Fatalf("re-sync: %v %+v", err, res)
	}
	if reqs := up.Requests(); len(reqs) != 4 {
		t.Errorf("re-sync made requests %+v, want 4", reqs)
	}
}

// A page cannot aim the mirror at a plain-http service on another host.
func TestSyncRefusesFileURLOnOtherHost(t *testing.T) {
	u, err := mirror.NewUpstream("http://127.0.0.1:1/simple/", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tmp, err := os.CreateTemp(t.TempDir(), "f")
	if err != nil {
		t.Fatal(err)
	}
	defer tmp.Close()
	f := simpleindex.File{Filename: "a-1.0-py3-none-any.whl", URL: "http://10.0.0.1/a-1.0-py3-none-any.whl", Hashes: map[string]string{"sha256": strings.Repeat("0", 64)}, Size: -1}
	_, _, err = u.Download(context.Background(), "a", f, tmp, nil)
	var ue *mirror.UpstreamError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "neither https nor on the upstream's host") {
		t.Fatalf("err = %v", err)
	}
	if u.Requests() != 0 {
		t.Errorf("%d requests made", u.Requests())
	}
}

// A project the upstream does not serve fails alone: the others are published, and the
// error is an upstream failure (exit 1), not a verification one.
func TestSyncUpstreamFailureKeepsOthers(t *testing.T) {
	up := upstreamtest.New(t)
	up.Add(wheel(t, "alpha", "1.0"))
	r := newRepo(t)
	res, err := runSync(t, r, up, mirror.Options{Requirements: []string{"missing", "alpha"}})
	var se *mirror.SyncError
	if !errors.As(err, &se) || se.Verification {
		t.Fatalf("err = %v, want an upstream SyncError", err)
	}
	if len(res.Failures) != 1 || res.Failures[0].Project != "missing" || res.Failures[0].Kind != "upstream" {
		t.Errorf("failures %+v", res.Failures)
	}
	if !res.Published || !slices.Equal(res.Added, []string{"alpha-1.0-py3-none-any.whl"}) {
		t.Errorf("alpha not published: %+v", res)
	}
}

// A wheel whose upstream core metadata is not its own METADATA is refused (pip would
// resolve with one and install the other).
func TestSyncWrongCoreMetadata(t *testing.T) {
	up := upstreamtest.New(t)
	bad := wheel(t, "alpha", "2.0")
	bad.WrongMetadata = true
	up.Add(wheel(t, "alpha", "1.0"), bad)
	r := newRepo(t)
	res, err := runSync(t, r, up, mirror.Options{Requirements: []string{"alpha"}})
	var se *mirror.SyncError
	if !errors.As(err, &se) || !se.Verification || len(res.Failures) != 1 || res.Failures[0].File != bad.Filename {
		t.Fatalf("err %v, failures %+v", err, res.Failures)
	}
	if !slices.Equal(res.Added, []string{"alpha-1.0-py3-none-any.whl"}) {
		t.Errorf("added %v", res.Added)
	}
}

// An sdist's dependencies are read only from metadata 2.2+ without dynamic Requires-Dist;
// the others are named.
func TestSyncSdistDepsUnreadable(t *testing.T) {
	up := upstreamtest.New(t)
	fn, data := pyfix.Sdist(t, pyfix.SdistSpec{Name: "alpha", Version: "1.0", RequiresDist: []string{"beta"}})
	up.Add(&upstreamtest.File{Filename: fn, Data: data}, wheel(t, "beta", "1.0"))
	r := newRepo(t)
	res, err := runSync(t, r, up, mirror.Options{Requirements: []string{"alpha"}, WithDeps: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.DepsUnreadable, []string{fn}) || !slices.Equal(res.Projects, []string{"alpha"}) {
		t.Errorf("deps unreadable %v, projects %v", res.DepsUnreadable, res.Projects)
	}
}

// An index URL with credentials works (relative and same-host file URLs get them), and
// the credentials are not written into the repository's state.
func TestSyncCredentialsStayOutOfState(t *testing.T) {
	up := upstreamtest.New(t)
	up.Add(wheel(t, "alpha", "1.0"))
	up.RequireAuth("mirror", "s3cret")
	r := newRepo(t)
	u, err := mirror.NewUpstream(strings.Replace(up.URL, "http://", "http://mirror:s3cret@", 1), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := mirror.Sync(context.Background(), r, u, mirror.Options{Requirements: []string{"alpha"}})
	if err != nil || len(res.Added) != 1 {
		t.Fatalf("sync: %v %+v", err, res)
	}
	if strings.Contains(res.Upstream, "s3cret") {
		t.Errorf("summary shows the password: %s", res.Upstream)
	}
	err = filepath.WalkDir(filepath.Join(r.Dir(), "state"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if data, _ := os.ReadFile(path); strings.Contains(string(data), "s3cret") {
				t.Errorf("%s holds the password", path)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A failure message never shows the index URL's password.
func TestSyncFailureHidesPassword(t *testing.T) {
	up := upstreamtest.New(t)
	up.Add(wheel(t, "alpha", "1.0"))
	up.RequireAuth("mirror", "other")
	r := newRepo(t)
	u, _ := mirror.NewUpstream(strings.Replace(up.URL, "http://", "http://mirror:s3cret@", 1), nil, nil)
	res, err := mirror.Sync(context.Background(), r, u, mirror.Options{Requirements: []string{"alpha"}})
	if err == nil || len(res.Failures) != 1 {
		t.Fatalf("sync: %v %+v", err, res)
	}
	if msg := res.Failures[0].Message; strings.Contains(msg, "s3cret") || !strings.Contains(msg, "401") {
		t.Errorf("failure message %q", msg)
	}
}

// An upstream that replaces a published file with other bytes under the same name is
// refused (published files never change) and reported as a verification failure.
func TestSyncUpstreamReplacesFile(t *testing.T) {
	up := upstreamtest.New(t)
	orig := wheel(t, "alpha", "1.0")
	up.Add(orig)
	r := newRepo(t)
	if _, err := runSync(t, r, up, mirror.Options{Requirements: []string{"alpha"}}); err != nil {
		t.Fatal(err)
	}
	_, other := pyfix.Wheel(t, pyfix.WheelSpec{Name: "alpha", Version: "1.0", Files: map[string]string{"evil.py": "x = 1\n"}})
	up.Update(orig.Filename, func(f *upstreamtest.File) { f.Data = other })
	res, err := runSync(t, r, up, mirror.Options{Requirements: []string{"alpha"}})
	var se *mirror.SyncError
	if !errors.As(err, &se) || !se.Verification || len(res.Failures) != 1 || res.Failures[0].Kind != "conflict" {
		t.Fatalf("err %v, failures %+v", err, res.Failures)
	}
	if res.Published {
		t.Error("a replaced file was published")
	}
}

// A large project is placed in batches; every file of its first sync is a bootstrap file.
func TestSyncBatches(t *testing.T) {
	up := upstreamtest.New(t)
	for i := range 40 {
		up.Add(wheel(t, "alpha", fmt.Sprintf("1.%d", i)))
	}
	r := newRepo(t)
	res, err := runSync(t, r, up, mirror.Options{Requirements: []string{"alpha"}})
	if err != nil || len(res.Added) != 40 || res.Bootstrap != 40 {
		t.Fatalf("sync: %v, added %d, bootstrap %d", err, len(res.Added), res.Bootstrap)
	}
	data, err := os.ReadFile(filepath.Join(r.Dir(), "state", "projects", "alpha.json"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), `"bootstrap": true`); n != 40 {
		t.Errorf("%d files recorded as bootstrap, want 40", n)
	}
	if n := len(plainPage(t, r, "alpha").Files); n != 40 {
		t.Errorf("page lists %d files", n)
	}
}

// A long sync commits as it goes (here after every project): each commit publishes what
// was placed, and the run's summary adds them up.
func TestSyncCommitsAsItGoes(t *testing.T) {
	up := upstreamtest.New(t)
	up.Add(wheel(t, "alpha", "1.0"), wheel(t, "beta", "1.0"), wheel(t, "gamma", "1.0"))
	r := newRepo(t)
	v := timestampVersion(t, r)
	res, err := runSync(t, r, up, mirror.Options{Requirements: []string{"alpha", "beta", "gamma"}, Jobs: 1, CommitEvery: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if got := timestampVersion(t, r); got != v+3 {
		t.Errorf("timestamp version %d, want %d (one commit per project)", got, v+3)
	}
	if !res.Published || !slices.Equal(res.Signed, []string{"alpha", "beta", "gamma"}) {
		t.Errorf("summary %+v", res)
	}
	v = timestampVersion(t, r)
	if res, err := runSync(t, r, up, mirror.Options{Requirements: []string{"alpha", "beta", "gamma"}, Jobs: 1, CommitEvery: time.Nanosecond}); err != nil || res.Published || timestampVersion(t, r) != v {
		t.Errorf("no-change re-sync with intermediate commits published: %v %+v", err, res)
	}
}

// An upstream that gives only Last-Modified (and HTML pages) still gets one conditional
// request per project on a re-sync.
func TestSyncLastModifiedOnly(t *testing.T) {
	up := upstreamtest.New(t)
	up.NoETag(true)
	up.HTMLOnly(true)
	up.Add(wheel(t, "alpha", "1.0"), wheel(t, "beta", "1.0"))
	if reqs := resyncRequests(t, up); len(reqs) != 2 || reqs[0].Status != 304 {
		t.Errorf("re-sync requests %+v", reqs)
	}
}

// An upstream that redirects its pages (same host): relative file links resolve against
// the URL that answered, and a re-sync asks that URL directly, one request per project.
func TestSyncFollowsPageRedirect(t *testing.T) {
	up := upstreamtest.New(t)
	up.RedirectPages(true)
	up.Add(wheel(t, "alpha", "1.0"), wheel(t, "beta", "1.0"))
	for _, q := range resyncRequests(t, up) {
		if q.Status != 304 || !strings.HasPrefix(q.Path, "/deep/er/") {
			t.Errorf("re-sync asked %s (%d), want only 304s at the redirected URL", q.Path, q.Status)
		}
	}
}
