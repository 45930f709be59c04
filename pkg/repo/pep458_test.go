package repo

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/tufpip/tufpip/pkg/simpleindex"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// pep458Repo is a PEP 458 repository with 256 bins: FooBar 1.0 and 2.0 (a wheel and an
// sdist), and Other 1.0.
func pep458Repo(t *testing.T, opts InitOptions) (*Repo, string, []string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	opts.Layout = LayoutPEP458
	if opts.Bins == 0 {
		opts.Bins = 256
	}
	r := mustInit(t, dir, opts)
	src := t.TempDir()
	files := []string{buildWheel(t, src, "FooBar", "1.0", ""), buildWheel(t, src, "FooBar", "2.0", ">=3.8"), buildSdist(t, src, "FooBar", "2.0", ">=3.8"), buildWheel(t, src, "Other", "1.0", "")}
	mustAdd(t, r, t0, files[:2]...)
	mustAdd(t, r, t0, files[2:]...)
	return r, dir, files
}

// pepClient reads a PEP 458 repository the way tufpip does: go-tuf's updater finds the
// target (and verifies every role on the way), the bytes come over HTTP from the name the
// test gives and are checked against every signed hash with pkg/tuf (go-tuf cannot check
// blake2b-256).
type pepClient struct {
	*client
}

func newPEPClient(t *testing.T, dir, url string, ref time.Time) *pepClient {
	t.Helper()
	return &pepClient{newClient(t, dir, url, ref)}
}

func (c *pepClient) info(path string) *metadata.TargetFiles {
	c.t.Helper()
	tf, err := c.up.GetTargetInfo(path)
	if err != nil {
		c.t.Fatalf("go-tuf GetTargetInfo(%s): %v", path, err)
	}
	if len(tf.Hashes) != 2 || tf.Hashes["blake2b-256"] == nil || tf.Hashes["sha256"] == nil {
		c.t.Fatalf("%s is signed with hashes %v, want blake2b-256 and sha256", path, tf.Hashes)
	}
	return tf
}

// fetch downloads rel (relative to the targets URL) and checks it against tf.
func (c *pepClient) fetch(rel string, tf *metadata.TargetFiles) ([]byte, error) {
	resp, err := http.Get(c.url + "/targets/" + rel)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%s: %s", rel, resp.Status)
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	hashes := map[string]string{}
	for alg, h := range tf.Hashes {
		hashes[alg] = hex.EncodeToString(h)
	}
	if err := tuf.CheckFile(bytes.NewReader(data), tf.Length, hashes); err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	return data, nil
}

func (c *pepClient) mustFetch(rel string, tf *metadata.TargetFiles) []byte {
	c.t.Helper()
	data, err := c.fetch(rel, tf)
	if err != nil {
		c.t.Fatal(err)
	}
	return data
}

// role names the loaded role that signs path.
func (c *pepClient) role(path string) string {
	c.t.Helper()
	by := c.signedBy(path)
	if len(by) != 1 {
		c.t.Fatalf("%s is listed by %v, want one bin", path, by)
	}
	return by[0]
}

func hexOf(tf *metadata.TargetFiles, alg string) string { return hex.EncodeToString(tf.Hashes[alg]) }

var binName = regexp.MustCompile(`^bins-[0-9a-f]{2}$`)

func TestPEP458InitAddPublish(t *testing.T) {
	r, dir, _ := pep458Repo(t, InitOptions{})
	url := served(t, dir)
	c := newPEPClient(t, dir, url, t0)

	// targets delegates to 256 succinct bins on one key; nothing else exists.
	targets := c.up.GetTrustedMetadataSet().Targets[metadata.TARGETS]
	sr := targets.Signed.Delegations.SuccinctRoles
	if sr == nil || sr.NamePrefix != "bins" || sr.BitLength != 8 || len(sr.KeyIDs) != 1 || len(targets.Signed.Delegations.Roles) != 0 {
		t.Fatalf("targets delegates %+v", targets.Signed.Delegations)
	}
	snap := c.up.GetTrustedMetadataSet().Snapshot
	if len(snap.Signed.Meta) != 256+1 {
		t.Fatalf("snapshot lists %d roles, want targets and 256 bins", len(snap.Signed.Meta))
	}
	for name := range snap.Signed.Meta {
		if n := strings.TrimSuffix(name, ".json"); n != metadata.TARGETS && !binName.MatchString(n) {
			t.Fatalf("snapshot lists %s", name)
		}
	}
	if !c.up.GetTrustedMetadataSet().Root.Signed.ConsistentSnapshot {
		t.Fatal("consistent snapshots are off")
	}
	if r.Layout() != LayoutPEP458 || !slices.Equal(r.OnlineKeys(), []string{"timestamp", "snapshot", "bins"}) {
		t.Fatalf("layout %s, online keys %v", r.Layout(), r.OnlineKeys())
	}

	// The page: target path "foobar", stored content-addressed and where generic clients look.
	page := c.info("foobar")
	role := c.role("foobar")
	if !binName.MatchString(role) || role != r.lay.roleFor(keyBins, "foobar") {
		t.Fatalf("page signed by %s", role)
	}
	b2, sha := hexOf(page, "blake2b-256"), hexOf(page, "sha256")
	data := c.mustFetch("simple/foobar/"+b2+".foobar.html", page)
	for _, rel := range []string{b2 + ".foobar", sha + ".foobar", "simple/foobar/index.html"} {
		if got := c.mustFetch(rel, page); !bytes.Equal(got, data) {
			t.Fatalf("%s differs from the content-addressed page", rel)
		}
	}
	// Its links, resolved from where tufpip reads it, are the file targets, pinned by sha256.
	pageURL, _ := neturl(url + "/targets/simple/foobar/" + b2 + ".foobar.html")
	parsed, err := simpleindex.Parse(data, "", pageURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range parsed.Files {
		names = append(names, f.Filename)
		rel, ok := strings.CutPrefix(f.URL, url+"/targets/")
		if !ok || rel != "packages/"+f.Filename {
			t.Fatalf("%s links %s, want %s/targets/packages/%s", f.Filename, f.URL, url, f.Filename)
		}
		tf := c.info(rel)
		if f.Hashes["sha256"] != hexOf(tf, "sha256") {
			t.Fatalf("page pins %s with %v, the bins sign %x", f.Filename, f.Hashes, tf.Hashes["sha256"])
		}
		if bin := c.role(rel); !binName.MatchString(bin) {
			t.Fatalf("%s signed by %s", rel, bin)
		}
		plain := c.mustFetch(rel, tf)
		for _, alg := range []string{"sha256", "blake2b-256"} {
			if got := c.mustFetch("packages/"+hexOf(tf, alg)+"."+f.Filename, tf); !bytes.Equal(got, plain) {
				t.Fatalf("packages/<%s>.%s differs", alg, f.Filename)
			}
		}
	}
	if want := []string{"FooBar-1.0-py3-none-any.whl", "FooBar-2.0-py3-none-any.whl", "FooBar-2.0.tar.gz"}; !slices.Equal(names, want) {
		t.Fatalf("page lists %v, want %v", names, want)
	}
	if other := c.info("other"); hexOf(other, "sha256") == sha {
		t.Fatal("other's page is foobar's")
	}

	st, err := r.Status(context.Background(), t0)
	if err != nil {
		t.Fatal(err)
	}
	if st.Layout != "pep458/256" || st.Projects != 2 || st.Files != 4 {
		t.Fatalf("status %+v", st)
	}
	bins := st.Roles[len(st.Roles)-1]
	if bins.Role != "bins-*" || bins.Shards != 256 || bins.Files != 4 || bins.Pages != 2 || !bins.Online {
		t.Fatalf("bins status %+v", bins)
	}
}

func neturl(s string) (*url.URL, error) { return url.Parse(s) }

// Default 16,384 bins, named bins-0000 ... bins-3fff, is what Init makes without Bins; the
// checks of the option itself are cheap.
func TestPEP458InitOptions(t *testing.T) {
	for _, opts := range []InitOptions{
		{Layout: LayoutPEP458, Bins: 3},
		{Layout: LayoutPEP458, Bins: 1},
		{Layout: LayoutPEP458, Bins: 32768},
		{Layout: LayoutPEP458, HashBinBits: 4},
		{Layout: LayoutPEP458, JSONPages: true},
		{Layout: LayoutPEP458, FilesURL: "files.example.org"},
		{Layout: LayoutPEP458, FilesURL: "https://files.example.org"},
		{Bins: 16},
		{Layout: "pypi"},
	} {
		dir := filepath.Join(t.TempDir(), "repo")
		if _, err := Init(context.Background(), dir, opts); err == nil {
			t.Errorf("Init(%+v) accepted", opts)
		}
		if exists(dir) {
			t.Errorf("Init(%+v) left %s behind", opts, dir)
		}
	}
	p, err := planInit(t.TempDir(), InitOptions{Layout: LayoutPEP458})
	if err != nil || p.lay.bits != 14 || !p.lay.pep458 {
		t.Fatalf("default plan %+v, %v", p, err)
	}
	if roles := p.lay.familyRoles(keyBins); len(roles) != 16384 || roles[0] != "bins-0000" || roles[16383] != "bins-3fff" {
		t.Fatalf("bins %d: %s ... %s", len(roles), roles[0], roles[len(roles)-1])
	}
	if !slices.Equal(p.keyNames, []string{"root", "targets", "snapshot", "timestamp", "bins"}) {
		t.Fatalf("keys %v", p.keyNames)
	}
}

// A repository made before the layout field is the stable/unstable layout.
func TestConfigWithoutLayoutIsStableUnstable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	mustInit(t, dir, InitOptions{})
	data := mustRead(t, configPath(dir))
	if bytes.Contains(data, []byte(`"layout"`)) {
		t.Fatalf("stable/unstable config records a layout: %s", data)
	}
	r, err := Open(dir, OpenOptions{})
	if err != nil || r.Layout() != LayoutStableUnstable {
		t.Fatalf("open: %v, layout %s", err, r.Layout())
	}
}

func TestPEP458ReAddIsNoOp(t *testing.T) {
	r, dir, files := pep458Repo(t, InitOptions{})
	ts := mustRead(t, filepath.Join(dir, "metadata", "timestamp.json"))
	res := mustAdd(t, r, t0.Add(time.Hour), files...)
	if res.Published || len(res.Added) != 0 || len(res.Present) != 4 || len(res.Repaired) != 0 {
		t.Fatalf("re-add: %+v", res)
	}
	if !bytes.Equal(ts, mustRead(t, filepath.Join(dir, "metadata", "timestamp.json"))) {
		t.Fatal("re-add wrote a new timestamp")
	}
}

func TestPEP458RefusesStableSide(t *testing.T) {
	r, _, _ := pep458Repo(t, InitOptions{})
	ctx := context.Background()
	for op, run := range map[string]func() error{
		"promote": func() error { _, err := r.Promote(ctx, PromoteOptions{OlderThan: day, Bootstrap: true}); return err },
		"hold":    func() error { _, err := r.Hold(ctx, "foobar>=2", DecideOptions{Reason: "r"}); return err },
		"release": func() error { _, err := r.Release(ctx, "foobar>=2", DecideOptions{}); return err },
		"sync":    func() error { _, err := r.BeginMirror(ctx, t0); return err },
		"the stable side's status": func() error {
			_, err := r.StableStatus(ctx, t0, "")
			return err
		},
	} {
		err := run()
		var le *LayoutError
		if !errors.As(err, &le) || le.Operation != op || !strings.Contains(err.Error(), "not available in the pep458 layout") {
			t.Errorf("%s: %v", op, err)
		}
	}
	if exists(filepath.Join(r.keysDir, ledgerFile)) {
		t.Fatal("a refused promote created a ledger")
	}
}

// A new version supersedes the page: the old copies stay for the grace period, then go.
func TestPEP458PageSupersededAndPruned(t *testing.T) {
	r, dir, _ := pep458Repo(t, InitOptions{})
	oldTF := newPEPClient(t, dir, served(t, dir), t0).info("foobar")
	old := pageCopies("foobar", hexOf(oldTF, "blake2b-256"), hexOf(oldTF, "sha256"))
	src := t.TempDir()
	mustAdd(t, r, t0, buildWheel(t, src, "FooBar", "3.0", ""))
	for _, p := range old {
		if !exists(filepath.Join(dir, p)) {
			t.Fatalf("%s deleted at once", p)
		}
	}
	c := newPEPClient(t, dir, served(t, dir), t0)
	tf := c.info("foobar")
	if got := pageFiles(c.mustFetch("simple/foobar/"+hexOf(tf, "blake2b-256")+".foobar.html", tf)); len(got) != 4 {
		t.Fatalf("new page lists %v", got)
	}
	if _, err := r.Timestamp(context.Background(), t0.Add(2*day)); err != nil {
		t.Fatal(err)
	}
	for _, p := range old {
		if exists(filepath.Join(dir, p)) {
			t.Fatalf("%s still there after the grace period", p)
		}
	}
	for _, p := range pageCopies("foobar", hexOf(tf, "blake2b-256"), hexOf(tf, "sha256")) {
		if !exists(filepath.Join(dir, p)) {
			t.Fatalf("current page copy %s pruned", p)
		}
	}
}

// A stored page whose bytes someone changed fails every client's hash check; the next add
// of the project notices and rewrites it from the state, and clients read it again.
func TestPEP458TamperedPage(t *testing.T) {
	r, dir, files := pep458Repo(t, InitOptions{})
	url := served(t, dir)
	c := newPEPClient(t, dir, url, t0)
	tf := c.info("foobar")
	copies := pageCopies("foobar", hexOf(tf, "blake2b-256"), hexOf(tf, "sha256"))
	good := mustRead(t, filepath.Join(dir, copies[0]))
	evil := bytes.Replace(good, []byte("FooBar-1.0-py3-none-any.whl#sha256="), []byte("FooBar-1.0-py3-none-any.whl#sha256=0"), 1)
	evil = evil[:len(good)] // same length: only the hashes can tell
	// In place, as an attacker with write access would: every hard link sees it.
	if err := os.WriteFile(filepath.Join(dir, copies[0]), evil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range copies {
		rel := strings.TrimPrefix(filepath.ToSlash(p), "targets/")
		var ve *tuf.VerificationError
		if _, err := c.fetch(rel, tf); !errors.As(err, &ve) {
			t.Fatalf("tampered %s: got %v, want a hash mismatch", rel, err)
		}
	}
	res := mustAdd(t, r, t0, files[0])
	if res.Published || len(res.Repaired) != 3 {
		t.Fatalf("add after tampering: %+v, want the three copies rewritten and no new metadata", res)
	}
	for _, p := range copies {
		c.mustFetch(strings.TrimPrefix(filepath.ToSlash(p), "targets/"), tf)
	}
}

// --files-url: links are absolute and resolve the same from the generic names.
func TestPEP458FilesURL(t *testing.T) {
	_, dir, _ := pep458Repo(t, InitOptions{Bins: 16, FilesURL: "https://files.example.org/pypi/"})
	c := newPEPClient(t, dir, served(t, dir), t0)
	tf := c.info("foobar")
	data := c.mustFetch(hexOf(tf, "sha256")+".foobar", tf)
	base, _ := url.Parse("https://pages.example.org/elsewhere/")
	parsed, err := simpleindex.Parse(data, "", base, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range parsed.Files {
		if f.URL != "https://files.example.org/pypi/packages/"+f.Filename {
			t.Fatalf("%s links %s", f.Filename, f.URL)
		}
	}
}

// pepView is what a client of a PEP 458 repository sees: each project's page (read from
// every name it is stored under) and which files are targets it can download.
func pepView(t *testing.T, dir, url, cache string, ref time.Time) string {
	t.Helper()
	root := mustRead(t, filepath.Join(dir, "metadata", "1.root.json"))
	c := &pepClient{newClientCache(t, url, root, cache, ref)}
	var out []string
	for _, p := range []string{"foobar", "other"} {
		tf, err := c.up.GetTargetInfo(p)
		if err != nil {
			out = append(out, p+": none")
			continue
		}
		data := c.mustFetch("simple/"+p+"/"+hexOf(tf, "blake2b-256")+"."+p+".html", tf)
		for _, alg := range []string{"sha256", "blake2b-256"} {
			c.mustFetch(hexOf(tf, alg)+"."+p, tf)
		}
		out = append(out, fmt.Sprintf("%s: %v", p, pageFiles(data)))
	}
	for _, f := range []string{"FooBar-1.0-py3-none-any.whl", "FooBar-2.0-py3-none-any.whl", "Other-1.0-py3-none-any.whl"} {
		if tf, err := c.up.GetTargetInfo("packages/" + f); err == nil {
			c.mustFetch("packages/"+f, tf)
			c.mustFetch("packages/"+hexOf(tf, "blake2b-256")+"."+f, tf)
			out = append(out, f)
		}
	}
	return strings.Join(out, "; ")
}

// An add or timestamp run stopped before any file it writes leaves clients on the previous
// state, and running it again completes it (TestCrashAtEveryStep, for this layout).
func TestPEP458CrashAtEveryStep(t *testing.T) {
	keys := t.TempDir()
	base := filepath.Join(t.TempDir(), "base")
	exp := DefaultExpiries
	exp.Snapshot, exp.Unstable = 90*time.Minute, 90*time.Minute // bins live as long as unstable
	r := mustInit(t, base, InitOptions{KeysDir: keys, Layout: LayoutPEP458, Bins: 4, Expiries: &exp})
	src := t.TempDir()
	mustAdd(t, r, t0, buildWheel(t, src, "FooBar", "1.0", ""))
	at := time.Now().UTC().Add(time.Hour)
	newFiles := []string{buildWheel(t, src, "FooBar", "2.0", ""), buildWheel(t, src, "Other", "1.0", "")}
	for _, op := range []struct {
		name string
		run  func(r *Repo) error
	}{
		{"add", func(r *Repo) error { _, err := r.Add(context.Background(), newFiles, at); return err }},
		{"timestamp", func(r *Repo) error { _, err := r.Timestamp(context.Background(), at); return err }},
	} {
		t.Run(op.name, func(t *testing.T) {
			rc, clean := openCopy(t, base, OpenOptions{KeysDir: keys, Expiries: &exp})
			before := pepView(t, clean, served(t, clean), t.TempDir(), at)
			rec := recordSteps(rc)
			if err := op.run(rc); err != nil {
				t.Fatal(err)
			}
			steps := *rec
			after := pepView(t, clean, served(t, clean), t.TempDir(), at)
			if op.name == "add" && after == before {
				t.Fatalf("add changed nothing: %s", after)
			}
			if op.name == "timestamp" && !slices.Contains(steps, "role bins-0") {
				t.Fatalf("timestamp steps %v: want the bins re-signed", steps)
			}
			for i, step := range steps {
				r, dir := openCopy(t, base, OpenOptions{KeysDir: keys, Expiries: &exp})
				url := served(t, dir)
				returning := t.TempDir()
				pepView(t, dir, url, returning, at)
				crashAtStep(r, i)
				var ie *InterruptedError
				if err := op.run(r); !errors.As(err, &ie) || ie.Step != step {
					t.Fatalf("crash at %q: %v", step, err)
				}
				if got := pepView(t, dir, url, t.TempDir(), at); got != before {
					t.Fatalf("crash before %q: fresh client sees %s, want %s", step, got, before)
				}
				if got := pepView(t, dir, url, returning, at); got != before {
					t.Fatalf("crash before %q: returning client sees %s, want %s", step, got, before)
				}
				r.failAt = nil
				if err := op.run(r); err != nil {
					t.Fatalf("retry after crash before %q: %v", step, err)
				}
				if got := pepView(t, dir, url, returning, at); got != after {
					t.Fatalf("retry after crash before %q: %s, want %s", step, got, after)
				}
			}
		})
	}
}

// The default: 16,384 bins (PEP 458's recommendation), bins-0000 ... bins-3fff, which
// go-tuf's walk reaches. A few seconds: skipped with -short.
func TestPEP458DefaultBins(t *testing.T) {
	if testing.Short() {
		t.Skip("signs 16,384 bins")
	}
	dir := filepath.Join(t.TempDir(), "repo")
	start := time.Now()
	r := mustInit(t, dir, InitOptions{Layout: LayoutPEP458})
	t.Logf("init with 16,384 bins: %v", time.Since(start).Round(time.Millisecond))
	mustAdd(t, r, t0, buildWheel(t, t.TempDir(), "FooBar", "1.0", ""))
	t.Logf("add: %v", time.Since(start).Round(time.Millisecond))
	c := newPEPClient(t, dir, served(t, dir), t0)
	t.Logf("client: %v", time.Since(start).Round(time.Millisecond))
	if n := len(c.up.GetTrustedMetadataSet().Snapshot.Signed.Meta); n != 16384+1 {
		t.Fatalf("snapshot lists %d roles", n)
	}
	for _, p := range []string{"foobar", "packages/FooBar-1.0-py3-none-any.whl"} {
		c.info(p)
		if role := c.role(p); !regexp.MustCompile(`^bins-[0-3][0-9a-f]{3}$`).MatchString(role) || role != r.lay.roleFor(keyBins, p) {
			t.Fatalf("%s signed by %s", p, role)
		}
	}
	for _, name := range []string{"1.bins-0000.json", "1.bins-3fff.json"} {
		if !exists(filepath.Join(dir, "metadata", name)) {
			t.Fatalf("no %s", name)
		}
	}
}
