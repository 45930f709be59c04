package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/pyfix"
	"github.com/tufpip/tufpip/internal/upstreamtest"
)

// Issue 11's acceptance: "tufpip repo sync" mirrors a fake upstream (PEP 691 JSON and
// PEP 503 HTML, upload times, yanks, Requires-Python, .metadata files, real wheels and
// sdists) into a signed repository, which real pip then installs from through tufpip.

// mirrorRepo is a repository made by "tufpip repo init", served on 127.0.0.1.
type mirrorRepo struct {
	t     *testing.T
	dir   string
	keys  string
	cache string
	srv   *httptest.Server
}

func newMirrorRepo(t *testing.T, initFlags ...string) *mirrorRepo {
	t.Helper()
	needTufpip(t)
	base := t.TempDir()
	m := &mirrorRepo{t: t, dir: filepath.Join(base, "repo"), keys: filepath.Join(base, "keys"), cache: filepath.Join(base, "cache")}
	if _, stderr, code := runTufpip(t, append([]string{"repo", "init", m.dir, "--keys", m.keys}, initFlags...)...); code != 0 {
		t.Fatalf("repo init: exit %d\n%s", code, stderr)
	}
	mux := http.NewServeMux()
	mux.Handle("/metadata/", http.StripPrefix("/metadata/", http.FileServer(http.Dir(filepath.Join(m.dir, "metadata")))))
	mux.Handle("/targets/", http.StripPrefix("/targets/", http.FileServer(http.Dir(filepath.Join(m.dir, "targets")))))
	m.srv = httptest.NewServer(mux)
	t.Cleanup(m.srv.Close)
	return m
}

func (m *mirrorRepo) env() []string {
	return repoEnv(m.srv.URL+"/metadata/", m.srv.URL+"/targets/", filepath.Join(m.dir, "metadata", "1.root.json"), m.cache)
}

func (m *mirrorRepo) tufpip(args ...string) (stdout, stderr string, code int) {
	m.t.Helper()
	return runTufpipLogged(m.t, m.env(), args...)
}

// syncJSON runs repo sync with --format json and decodes its summary.
func (m *mirrorRepo) syncJSON(up *upstreamtest.Server, args ...string) (*syncSummary, string, int) {
	m.t.Helper()
	full := append([]string{"--format", "json", "repo", "sync", m.dir, "--upstream", up.URL, "--keys", m.keys}, args...)
	stdout, stderr, code := m.tufpip(full...)
	var s syncSummary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		m.t.Fatalf("sync summary is not JSON: %v\n%s", err, stdout)
	}
	if s.Version != 1 {
		m.t.Errorf("summary version %d, want 1", s.Version)
	}
	return &s, stderr, code
}

type syncSummary struct {
	Version     int      `json:"version"`
	Projects    []string `json:"projects"`
	NotModified int      `json:"notModified"`
	Added       []string `json:"added"`
	Yanks       []string `json:"yankChanges"`
	Published   bool     `json:"published"`
	Requests    int      `json:"requests"`
	Failures    []struct {
		Project, File, Kind, Message string
	} `json:"failures"`
}

func (m *mirrorRepo) timestampVersion() int {
	m.t.Helper()
	data, err := os.ReadFile(filepath.Join(m.dir, "metadata", "timestamp.json"))
	if err != nil {
		m.t.Fatal(err)
	}
	var ts struct {
		Signed struct{ Version int } `json:"signed"`
	}
	if err := json.Unmarshal(data, &ts); err != nil {
		m.t.Fatal(err)
	}
	return ts.Signed.Version
}

func upWheel(t *testing.T, name, version string, uploaded time.Time, deps ...string) *upstreamtest.File {
	fn, data := pyfix.Wheel(t, pyfix.WheelSpec{Name: name, Version: version, RequiresPython: ">=3.8", RequiresDist: deps})
	return &upstreamtest.File{Filename: fn, Data: data, UploadTime: uploaded}
}

func upSdist(t *testing.T, name, version string, uploaded time.Time, deps ...string) *upstreamtest.File {
	fn, data := pyfix.Sdist(t, pyfix.SdistSpec{Name: name, Version: version, RequiresPython: ">=3.8", RequiresDist: deps})
	return &upstreamtest.File{Filename: fn, Data: data, UploadTime: uploaded}
}

// The whole cooldown: sync three projects and their dependencies, promote what is old
// enough, install the stable versions with real pip, see newer ones signed only by
// unstable; an upstream that backdates a later release does not get it into stable early;
// a second sync with no upstream change signs nothing and costs one request per project.
func TestSyncCooldownInstall(t *testing.T) {
	t.Parallel()
	needTufpip(t)
	py := pyfix.Python(t, "3.11")
	now := time.Now().UTC()
	old := now.AddDate(-1, 0, 0)
	recent := now.AddDate(0, 0, -2)
	up := upstreamtest.New(t)
	up.Add(
		upWheel(t, "app", "1.0", old, "lib>=1.0"), upWheel(t, "app", "2.0", recent, "lib>=2.0"),
		upWheel(t, "lib", "1.0", old), upWheel(t, "lib", "2.0", recent),
		upWheel(t, "tool", "1.0", old, "helper"), upSdist(t, "tool", "1.0", old, "helper"),
		upWheel(t, "helper", "1.0", old),
		upWheel(t, "extra", "1.0", old),
	)
	up.HTMLOnly(false)
	m := newMirrorRepo(t)

	s, stderr, code := m.syncJSON(up, "app", "tool", "extra", "--with-deps")
	if code != 0 {
		t.Fatalf("first sync: exit %d\n%s", code, stderr)
	}
	if want := []string{"app", "extra", "helper", "lib", "tool"}; !slices.Equal(s.Projects, want) {
		t.Errorf("synced %v, want %v", s.Projects, want)
	}
	if len(s.Added) != 8 || !s.Published {
		t.Errorf("first sync added %v (published %v), want all 8 files", s.Added, s.Published)
	}

	// The first promote: files present at their project's first sync are aged from the
	// upstream's upload time, this once.
	future := now.Add(30 * 24 * time.Hour).Format(time.RFC3339)
	first := []string{"repo", "promote", m.dir, "--keys", m.keys, "--older-than", "90d", "--now", future}
	if help, _, _ := m.tufpip("repo", "promote", "--help"); strings.Contains(help, "--bootstrap") {
		first = append(first, "--bootstrap") // the ledger is created only when asked
	}
	if _, stderr, code := m.tufpip(first...); code != 0 {
		t.Fatalf("promote: exit %d\n%s", code, stderr)
	}

	venv := pyfix.Venv(t, py.Path)
	if _, stderr, code := m.tufpip("install", "--python", pyfix.VenvPython(venv), "app", "tool"); code != 0 {
		t.Fatalf("install: exit %d\n%s", code, stderr)
	}
	got := installed(t, venv, "app", "lib", "tool", "helper")
	if want := map[string]string{"app": "1.0", "lib": "1.0", "tool": "1.0", "helper": "1.0"}; !mapsEqual(got, want) {
		t.Errorf("installed %v, want the stable versions %v", got, want)
	}
	out, _, code := m.tufpip("resolve", "app")
	if code != 0 || !strings.Contains(out, "app 1.0") || !strings.Contains(out, "app-2.0-py3-none-any.whl: signed only by unstable") {
		t.Errorf("resolve app: exit %d, want 1.0 from stable and 2.0 signed only by unstable:\n%s", code, out)
	}

	// No change upstream: one conditional request per project, no new metadata version.
	v := m.timestampVersion()
	up.Requests()
	s, stderr, code = m.syncJSON(up, "app", "tool", "extra", "--with-deps")
	if code != 0 || s.Published || len(s.Added) != 0 || m.timestampVersion() != v {
		t.Fatalf("no-change sync: exit %d, %+v\n%s", code, s, stderr)
	}
	reqs := up.Requests()
	if len(reqs) != 5 || s.Requests != 5 {
		t.Errorf("no-change sync made %d requests (summary %d), want 5: %+v", len(reqs), s.Requests, reqs)
	}
	for _, r := range reqs {
		if r.Status != http.StatusNotModified || !strings.HasPrefix(r.Path, "/simple/") {
			t.Errorf("no-change sync asked %s (%d), want only 304 page requests", r.Path, r.Status)
		}
	}

	// A compromised upstream backdates a new release by years: it is signed by unstable
	// at once, but not by stable before the ledger has seen it for 90 days.
	up.Add(upWheel(t, "app", "3.0", now.AddDate(-3, 0, 0), "lib>=1.0"))
	if _, stderr, code := m.syncJSON(up, "app", "tool", "extra", "--with-deps"); code != 0 {
		t.Fatalf("sync of app 3.0: exit %d\n%s", code, stderr)
	}
	later := now.Add(60 * 24 * time.Hour).Format(time.RFC3339)
	if _, stderr, code := m.tufpip("repo", "promote", m.dir, "--keys", m.keys, "--older-than", "90d", "--now", later); code != 0 {
		t.Fatalf("promote: exit %d\n%s", code, stderr)
	}
	out, _, _ = m.tufpip("resolve", "app")
	if !strings.Contains(out, "app 1.0") || !strings.Contains(out, "app-3.0-py3-none-any.whl: signed only by unstable") {
		t.Errorf("a backdated release reached stable before its ledger age:\n%s", out)
	}

	// An upstream yank reaches the mirror's page at the next sync.
	up.Update("lib-2.0-py3-none-any.whl", func(f *upstreamtest.File) { f.Yanked, f.YankedReason = true, "bad build" })
	s, stderr, code = m.syncJSON(up, "app", "tool", "extra", "--with-deps")
	if code != 0 || !slices.Equal(s.Yanks, []string{"lib-2.0-py3-none-any.whl"}) || !s.Published {
		t.Fatalf("yank sync: exit %d %+v\n%s", code, s, stderr)
	}
	page, err := os.ReadFile(filepath.Join(m.dir, "targets", "simple", "lib", "index.html"))
	if err != nil || !strings.Contains(string(page), `lib-2.0-py3-none-any.whl#sha256=`) || !strings.Contains(string(page), `data-yanked="bad build"`) {
		t.Errorf("lib's page does not show the yank:\n%s", page)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A file whose bytes do not match the upstream page's hash is refused and signed by no
// one; the other projects are published; sync exits 3 and names the file.
func TestSyncHashMismatch(t *testing.T) {
	t.Parallel()
	up := upstreamtest.New(t)
	bad := upWheel(t, "evil", "1.0", time.Now())
	bad.Corrupt = true
	up.Add(bad, upWheel(t, "good", "1.0", time.Now()))
	up.HTMLOnly(true) // and the HTML form of the simple API
	m := newMirrorRepo(t)
	s, stderr, code := m.syncJSON(up, "evil", "good")
	if code != 3 {
		t.Fatalf("exit %d, want 3\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "tufpip: error: ") || !strings.Contains(stderr, "evil-1.0-py3-none-any.whl") {
		t.Errorf("stderr does not name the refused file:\n%s", stderr)
	}
	if !slices.Equal(s.Added, []string{"good-1.0-py3-none-any.whl"}) || len(s.Failures) != 1 || s.Failures[0].Kind != "hash" {
		t.Errorf("summary %+v", s)
	}
	if _, err := os.Stat(filepath.Join(m.dir, "targets", "packages", "evil-1.0-py3-none-any.whl")); err == nil {
		t.Error("the refused file was stored")
	}
	if out, _, code := m.tufpip("resolve", "good"); code != 0 || !strings.Contains(out, "good 1.0") {
		t.Errorf("good is not published: exit %d\n%s", code, out)
	}
	if _, _, code := m.tufpip("resolve", "evil"); code != 4 {
		t.Errorf("resolve evil: exit %d, want 4 (nothing signed)", code)
	}
}

// A sync killed during a download leaves the previous state verifiable, and the next
// sync completes.
func TestSyncKilledMidway(t *testing.T) {
	t.Parallel()
	up := upstreamtest.New(t)
	stall := make(chan struct{})
	slow := upWheel(t, "slow", "1.0", time.Now())
	slow.Stall = stall
	up.Add(upWheel(t, "first", "1.0", time.Now()), slow)
	m := newMirrorRepo(t)
	if _, stderr, code := m.syncJSON(up, "first"); code != 0 {
		t.Fatalf("first sync: exit %d\n%s", code, stderr)
	}
	up.Add(upWheel(t, "first", "2.0", time.Now()))
	v := m.timestampVersion()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tufpipBin, "repo", "sync", m.dir, "--upstream", up.URL, "--keys", m.keys, "first", "slow", "--jobs", "1")
	cmd.Env = append(pyfix.Env(), "XDG_CONFIG_HOME="+t.TempDir(), "XDG_CACHE_HOME="+t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-up.Stalled():
	case <-ctx.Done():
		t.Fatal("the download never started")
	}
	time.Sleep(200 * time.Millisecond) // let first-2.0 be placed too
	cmd.Process.Kill()
	cmd.Wait()

	if m.timestampVersion() != v {
		t.Error("the killed sync published")
	}
	if _, err := os.Stat(filepath.Join(m.dir, "targets", "packages", "first-2.0-py3-none-any.whl")); err != nil {
		t.Errorf("the killed sync had not placed first 2.0 yet, the test does not test what it says: %v", err)
	}
	if out, _, code := m.tufpip("resolve", "first"); code != 0 || !strings.Contains(out, "first 1.0") {
		t.Errorf("after the kill, the previous state does not verify: exit %d\n%s", code, out)
	}
	close(stall)
	s, stderr, code := m.syncJSON(up, "first", "slow")
	if code != 0 || !s.Published {
		t.Fatalf("next sync: exit %d %+v\n%s", code, s, stderr)
	}
	if out, _, code := m.tufpip("resolve", "first", "slow"); code != 0 || !strings.Contains(out, "first 2.0") || !strings.Contains(out, "slow 1.0") {
		t.Errorf("next sync did not complete: exit %d\n%s", code, out)
	}
}

// --with-deps for a requirements file mirrors a set from which "tufpip install -r" of the
// same file succeeds with pip, for the given Python version.
func TestSyncRequirementsInstall(t *testing.T) {
	t.Parallel()
	needTufpip(t)
	py := pyfix.Python(t, "3.13")
	old := time.Now().AddDate(-1, 0, 0)
	up := upstreamtest.New(t)
	up.Add(
		upWheel(t, "web", "1.0", old, "router>=1", "colors; python_version < '3.12'", "fast[speed]; python_version >= '3.12'"),
		upWheel(t, "router", "1.0", old), upWheel(t, "router", "1.5", old),
		upWheel(t, "colors", "1.0", old),
		upWheel(t, "fast", "1.0", old, "turbo; extra == 'speed'"),
		upWheel(t, "turbo", "1.0", old),
		upSdist(t, "cli", "2.0", old, "router"),
	)
	reqs := filepath.Join(t.TempDir(), "requirements.txt")
	writeFile(t, reqs, "web==1.0\ncli\n")
	m := newMirrorRepo(t, "--hash-bins", "3", "--json-pages") // and the layout for large mirrors
	s, stderr, code := m.syncJSON(up, "-r", reqs, "--with-deps", "--python-version", "3.13", "--latest", "1")
	if code != 0 {
		t.Fatalf("sync: exit %d\n%s", code, stderr)
	}
	if want := []string{"cli", "fast", "router", "turbo", "web"}; !slices.Equal(s.Projects, want) {
		t.Errorf("synced %v, want %v (colors only applies before 3.12)", s.Projects, want)
	}
	venv := pyfix.Venv(t, py.Path)
	if _, stderr, code := m.tufpip("install", "--python", pyfix.VenvPython(venv), "-r", reqs); code != 0 {
		t.Fatalf("install -r: exit %d\n%s", code, stderr)
	}
	// turbo is mirrored for fast[speed], but pip does not install it: pyfix's wheels do
	// not declare Provides-Extra, so pip ignores the extra.
	got := installed(t, venv, "web", "router", "fast", "cli")
	if want := map[string]string{"web": "1.0", "router": "1.5", "fast": "1.0", "cli": "2.0"}; !mapsEqual(got, want) {
		t.Errorf("installed %v, want %v", got, want)
	}
}

// Bad invocations are usage errors (exit 2) with a hint, and change nothing.
func TestSyncUsage(t *testing.T) {
	t.Parallel()
	m := newMirrorRepo(t)
	v := m.timestampVersion()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"repo", "sync", m.dir, "foo"}, "--upstream is required"},
		{[]string{"repo", "sync", m.dir, "--upstream", "ftp://example.org/simple/", "foo"}, "not an http(s) simple index URL"},
		{[]string{"repo", "sync", m.dir, "--upstream", "http://127.0.0.1:1/simple/"}, "nothing to mirror"},
		{[]string{"repo", "sync", m.dir, "--upstream", "http://127.0.0.1:1/simple/", "--only-binary", "foo", "foo"}, "only :all:"},
		{[]string{"repo", "sync", m.dir, "--upstream", "http://127.0.0.1:1/simple/", "--python-version", "three", "foo"}, "--python-version"},
	} {
		_, stderr, code := m.tufpip(tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, want 2 with %q\n%s", tc.args, code, tc.want, stderr)
		}
	}
	if m.timestampVersion() != v {
		t.Error("a refused sync published")
	}
}
