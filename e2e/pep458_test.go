package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/pyfix"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// Issue 13's acceptance: tufpip reads a repository in the layout PyPI plans, written with
// python-tuf's metadata API (testdata/pep458_repo.py): succinct hash bins bins-<hex> signed by
// one online rsassa-pss key, root keys ecdsa and ed25519, consistent snapshots, the projects'
// pages as the only targets (bare names, blake2b-256 only) stored content-addressed as
// simple/<p>/<blake2b>.<p>.html, linking files on a second host by #sha256=.

// TestPEP458 shares one repository between its subtests, which only read it.
func TestPEP458(t *testing.T) {
	t.Parallel()
	needTufpip(t)
	r := buildPEP458(t, pep458Options{})

	// What python-tuf wrote is the layout the issue describes, or the tests below prove
	// nothing about it.
	t.Run("layout", func(t *testing.T) {
		t.Parallel()
		if got := r.man.Keys; !slices.Equal(got.Root, []string{"ecdsa", "ed25519"}) || got.Targets != "ed25519" || got.Online != "rsassa-pss-sha256" {
			t.Errorf("keys %+v, want root ecdsa+ed25519, targets ed25519, online rsassa-pss-sha256", got)
		}
		var root struct {
			Signatures []json.RawMessage `json:"signatures"`
			Signed     struct {
				Consistent bool `json:"consistent_snapshot"`
				Roles      map[string]struct {
					Threshold int `json:"threshold"`
				} `json:"roles"`
			} `json:"signed"`
		}
		if b, err := os.ReadFile(r.root); err != nil || json.Unmarshal(b, &root) != nil {
			t.Fatalf("reading %s: %v", r.root, err)
		}
		if !root.Signed.Consistent || root.Signed.Roles["root"].Threshold != 2 || len(root.Signatures) != 2 {
			t.Errorf("root: consistent snapshots %v, threshold %d, %d signatures; want true, 2, 2",
				root.Signed.Consistent, root.Signed.Roles["root"].Threshold, len(root.Signatures))
		}
		if len(r.man.Roles) != 16 || r.man.Roles[0] != "bins-0" || r.man.Roles[15] != "bins-f" {
			t.Errorf("delegated roles %v, want bins-0 ... bins-f", r.man.Roles)
		}
		foobar := r.man.Projects["foobar"]
		var bin struct {
			Signed struct {
				Targets map[string]struct {
					Hashes map[string]string `json:"hashes"`
				} `json:"targets"`
			} `json:"signed"`
		}
		b, err := os.ReadFile(filepath.Join(r.dir, "metadata", "1."+foobar.Role+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &bin); err != nil {
			t.Fatal(err)
		}
		hashes := bin.Signed.Targets["foobar"].Hashes
		if len(hashes) != 1 || hashes["blake2b-256"] != foobar.Blake2b {
			t.Errorf("%s signs foobar with hashes %v, want only blake2b-256 %s", foobar.Role, hashes, foobar.Blake2b)
		}
		if s := httpStatus(t, r.targets+foobar.Stored); s != 200 {
			t.Errorf("GET %s: %d, want the page", foobar.Stored, s)
		}
		for _, p := range []string{foobar.Blake2b + ".foobar", "foobar", "simple/foobar/index.html"} {
			if s := httpStatus(t, r.targets+p); s != 404 {
				t.Errorf("GET targets/%s: %d, want 404 (the page is stored only content-addressed)", p, s)
			}
		}
		// python-tuf's own client agrees: every page is vouched for but stray's, whose page
		// a bin it does not belong to lists.
		want := map[string]string{"foobar": "found", "app": "found", "lib": "found", "stray": "absent"}
		if got := r.ngclientFinds(t, "foobar", "app", "lib", "stray"); !maps.Equal(got, want) {
			t.Errorf("ngclient finds %v, want %v", got, want)
		}
		url, _, _ := r.file(t, "foobar", "foobar-2.0-py3-none-any.whl")
		if !strings.HasPrefix(url, r.filesURL) || strings.HasPrefix(url, r.srv.URL) {
			t.Errorf("the page links %s, want a file on the files host %s", url, r.filesURL)
		}
	})

	// The right version, the file on the files host, and the bin that signed the page.
	t.Run("resolve", func(t *testing.T) {
		t.Parallel()
		stdout, _, code := r.tufpip(t, "resolve", "--format", "json", "FooBar", "FooBar<2", "lib", "zope_hub")
		if code != 0 {
			t.Fatalf("exit %d, want 0", code)
		}
		doc := parseResolve(t, stdout)
		want := []struct{ version, filename, project string }{
			{"2.0", "foobar-2.0-py3-none-any.whl", "foobar"},
			{"1.0", "foobar-1.0-py3-none-any.whl", "foobar"},
			{"1.0", "lib-1.0-py3-none-any.whl", "lib"},
			{"1.0", "zope_hub-1.0-py3-none-any.whl", "zope-hub"},
		}
		if len(doc.Results) != len(want) {
			t.Fatalf("%d results, want %d", len(doc.Results), len(want))
		}
		for i, w := range want {
			res := doc.Results[i]
			url, _, sum := r.file(t, w.project, w.filename)
			if res.Version == nil || *res.Version != w.version || res.File == nil || res.File.Filename != w.filename {
				t.Errorf("%s: got %+v, want %s %s", res.Requirement, res, w.version, w.filename)
				continue
			}
			if res.File.URL != url || res.File.SHA256 != sum {
				t.Errorf("%s: file %s (sha256 %s), want %s (sha256 %s)", res.Requirement, res.File.URL, res.File.SHA256, url, sum)
			}
			if wantRole := r.man.Projects[w.project].Role; res.Role != wantRole {
				t.Errorf("%s: vouched for by %q, want %q (the bin that lists the page)", res.Requirement, res.Role, wantRole)
			}
		}

		// --download writes the signed bytes.
		d := filepath.Join(t.TempDir(), "d")
		if _, _, code := r.tufpip(t, "resolve", "--download", d, "app"); code != 0 {
			t.Errorf("resolve --download %s app: exit %d, want 0", d, code)
		} else if b, err := os.ReadFile(filepath.Join(d, "app-1.0-py3-none-any.whl")); err != nil || !bytes.Equal(b, r.dists["app-1.0-py3-none-any.whl"]) {
			t.Errorf("resolve --download: app-1.0-py3-none-any.whl is not the built wheel (%v)", err)
		}

		// The text output names the bin too, and the sdist is there for --no-binary.
		stdout, _, code = r.tufpip(t, "resolve", "--no-binary", ":all:", "FooBar")
		role := r.man.Projects["foobar"].Role
		if code != 0 || !strings.Contains(stdout, "foobar 2.0 from foobar-2.0.tar.gz, vouched for by "+role) {
			t.Errorf("resolve --no-binary :all: FooBar: exit %d, want foobar-2.0.tar.gz vouched for by %s:\n%s", code, role, stdout)
		}

		// --require-role names a bin: foobar's own passes, another bin has no page for it.
		stdout, _, code = r.tufpip(t, "resolve", "--require-role", role, "FooBar")
		if code != 0 || !strings.Contains(stdout, "vouched for by "+role) {
			t.Errorf("resolve --require-role %s FooBar: exit %d, want 0:\n%s", role, code, stdout)
		}
		other := r.man.Projects["lib"].Role
		if stdout, _, code = r.tufpip(t, "resolve", "--require-role", other, "FooBar"); code != 4 {
			t.Errorf("resolve --require-role %s FooBar: exit %d, want 4 (that bin does not list foobar):\n%s", other, code, stdout)
		}
	})

	// The same repository selected by flags and by a configuration saved with tufpip init.
	t.Run("flags-and-init", func(t *testing.T) {
		t.Parallel()
		args := append(r.flags(t), "resolve", "FooBar<2")
		stdout, stderr, code := runTufpip(t, args...)
		if code != 0 || !strings.Contains(stdout, "foobar 1.0 from foobar-1.0-py3-none-any.whl") {
			t.Errorf("tufpip %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
		}

		cfg := []string{"TUFPIP_CONFIG_DIR=" + t.TempDir()}
		init := []string{"init", "--name", "pypi", "--root", r.root, "--metadata-url", r.metadata,
			"--targets-url", r.targets, "--index-path", "{project}", "--page-url", r.pageURL, "--files-url", r.filesURL}
		if stdout, stderr, code := runTufpipEnv(t, cfg, init...); code != 0 {
			t.Fatalf("tufpip %s: exit %d\n%s%s", strings.Join(init, " "), code, stdout, stderr)
		}
		stdout, stderr, code = runTufpipEnv(t, cfg, "--repo", "pypi", "resolve", "FooBar<2")
		if code != 0 || !strings.Contains(stdout, "foobar 1.0 from foobar-1.0-py3-none-any.whl") {
			t.Errorf("tufpip --repo pypi resolve after init: exit %d\n%s%s", code, stdout, stderr)
		}
	})

	// Real pip, in fresh venvs, installs through tufpip: app's dependency lib comes through
	// the same index, and the packages import.
	t.Run("install", func(t *testing.T) {
		t.Parallel()
		interpreters(t, func(t *testing.T, py pyfix.Interpreter) {
			t.Parallel()
			venv := pyfix.Venv(t, py.Path)
			if _, _, code := r.tufpip(t, "install", "--python", pyfix.VenvPython(venv), "FooBar", "app"); code != 0 {
				t.Fatalf("tufpip install FooBar app: exit %d, want 0", code)
			}
			if got := installed(t, venv, "foobar", "app", "lib"); got["foobar"] != "2.0" || got["app"] != "1.0" || got["lib"] != "1.0" {
				t.Fatalf("installed %v, want foobar 2.0, app 1.0, lib 1.0", got)
			}
		})
	})

	// A bin that lists a page outside its share of the hashes (as its online key could) does
	// not vouch for it: stray's page is in the bin after its own.
	t.Run("misplaced", func(t *testing.T) {
		t.Parallel()
		role := r.man.Projects["stray"].Role
		for _, args := range [][]string{{"resolve", "stray"}, {"resolve", "--require-role", role, "stray"}} {
			if stdout, _, code := r.tufpip(t, args...); code != 4 || strings.Contains(stdout, "stray-1.0") {
				t.Errorf("tufpip %s: exit %d, want 4 and no file:\n%s", strings.Join(args, " "), code, stdout)
			}
		}
	})

	// Without --page-url, tufpip fetches the signed page where TUF's consistent snapshots put
	// a target (<hash>.foobar) and finds nothing there: the hint must point at --page-url,
	// not at the URL or the connection, which are fine.
	t.Run("no-page-url", func(t *testing.T) {
		t.Parallel()
		env := append(r.env(t), "TUFPIP_PAGE_URL=")
		stdout, stderr, code := runTufpipEnv(t, env, "resolve", "FooBar")
		if code != 1 || !strings.Contains(stderr, "tufpip: hint: ") || !strings.Contains(stderr, "--page-url") {
			t.Errorf("resolve FooBar without --page-url: exit %d, want 1 and a hint naming --page-url:\n%s%s", code, stdout, stderr)
		}
	})

	// Files are trusted on the files host only under a --files-url base: without one, or with a
	// base the links do not lie under (a prefix of their path that is no folder of it), the
	// page's files are skipped and nothing satisfies the requirement (exit 4).
	t.Run("files-url-scope", func(t *testing.T) {
		t.Parallel()
		for _, files := range []string{"", r.filesURL + "pack", r.filesURL + "packages/00/"} {
			env := append(r.env(t), "TUFPIP_FILES_URL="+files)
			stdout, stderr, code := runTufpipEnv(t, env, "resolve", "--format", "json", "FooBar")
			if code != 4 {
				t.Errorf("TUFPIP_FILES_URL=%q: exit %d, want 4\n%s%s", files, code, stdout, stderr)
				continue
			}
			if doc := parseResolve(t, stdout); len(doc.Results) != 1 || doc.Results[0].File != nil {
				t.Errorf("TUFPIP_FILES_URL=%q: %+v, want no file", files, doc.Results)
			}
		}
	})

	// A pip-compile style requirements file: every pin a file the pages vouch for passes; a
	// hash no page pins fails with exit 3.
	t.Run("verify", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		_, _, foo2 := r.file(t, "foobar", "foobar-2.0-py3-none-any.whl")
		_, _, fooSdist := r.file(t, "foobar", "foobar-2.0.tar.gz")
		_, _, app := r.file(t, "app", "app-1.0-py3-none-any.whl")
		_, _, lib := r.file(t, "lib", "lib-1.0-py3-none-any.whl")
		good := filepath.Join(dir, "requirements.txt")
		writeFile(t, good, "# generated by pip-compile --generate-hashes\n"+
			"app==1.0 \\\n    --hash=sha256:"+app+"\n"+
			"foobar==2.0 \\\n    --hash=sha256:"+foo2+" \\\n    --hash=sha256:"+fooSdist+"\n"+
			"lib==1.0 \\\n    --hash=sha256:"+lib+"\n    # via app\n")
		stdout, _, code := r.tufpip(t, "verify", good)
		if code != 0 {
			t.Errorf("verify %s: exit %d, want 0", good, code)
		}
		for _, p := range []string{"foobar", "app", "lib"} {
			if role := r.man.Projects[p].Role; !strings.Contains(stdout, role) {
				t.Errorf("verify does not name %s's role %s:\n%s", p, role, stdout)
			}
		}

		bad := filepath.Join(dir, "requirements-bad.txt")
		writeFile(t, bad, "foobar==2.0 \\\n    --hash=sha256:"+sha256hex([]byte("not foobar"))+"\n")
		stdout, _, code = r.tufpip(t, "verify", "--format", "json", bad)
		var doc struct {
			Entries []struct {
				Status string `json:"status"`
			} `json:"entries"`
		}
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatalf("verify --format json: %v\n%s", err, stdout)
		}
		if code != 3 || len(doc.Entries) != 1 || doc.Entries[0].Status != "hash-not-trusted" {
			t.Errorf("verify %s: exit %d, %+v, want 3 and hash-not-trusted", bad, code, doc.Entries)
		}
	})

	// uv through tufpip: uv pip install, then uv lock, whose lock tufpip verify passes.
	t.Run("uv", func(t *testing.T) {
		t.Parallel()
		uv := pyfix.Tool(t, "uv")
		py := pyfix.Python(t, "3.11")
		venv := pyfix.Venv(t, py.Path)
		if _, _, code := r.tufpip(t, "uv", "--uv", uv, "--", "pip", "install", "--python", pyfix.VenvPython(venv), "FooBar<2", "app"); code != 0 {
			t.Fatalf("tufpip uv -- pip install: exit %d, want 0", code)
		}
		if got := installed(t, venv, "foobar", "app", "lib"); got["foobar"] != "1.0" || got["app"] != "1.0" || got["lib"] != "1.0" {
			t.Fatalf("installed %v, want foobar 1.0, app 1.0, lib 1.0", got)
		}

		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "pyproject.toml"), uvProject)
		env := r.env(t)
		if _, _, code := runTufpipIn(t, dir, env, "uv", "--uv", uv, "--", "lock", "--python", py.Path); code != 0 {
			t.Fatalf("tufpip uv -- lock: exit %d, want 0", code)
		}
		stdout, _, code := runTufpipIn(t, dir, env, "verify", "uv.lock")
		if code != 0 || !strings.Contains(stdout, r.man.Projects["foobar"].Role) {
			t.Errorf("tufpip verify uv.lock: exit %d, want 0 naming %s:\n%s", code, r.man.Projects["foobar"].Role, stdout)
		}
	})

	// pip pointed at a long-running tufpip serve.
	t.Run("serve", func(t *testing.T) {
		t.Parallel()
		py := pyfix.Python(t, "3.11")
		srv := startServeEnv(t, r.env(t))
		// The project list is the pages' target names, read from every bin.
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, p := range []string{"foobar", "app", "lib"} {
			if !strings.Contains(string(body), ">"+p+"<") {
				t.Errorf("GET %s: %d, no project %s:\n%s", srv.URL, resp.StatusCode, p, body)
			}
		}
		if strings.Contains(string(body), "stray") {
			t.Errorf("GET %s lists stray, whose page only a bin it does not belong to lists:\n%s", srv.URL, body)
		}
		venv := pyfix.Venv(t, py.Path)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := pyfix.Command(ctx, pyfix.VenvPython(venv), "-m", "pip", "install", "FooBar<2", "app")
		cmd.Env = append(cmd.Env, "PIP_INDEX_URL="+srv.URL)
		out, err := cmd.CombinedOutput()
		t.Logf("PIP_INDEX_URL=%s pip install 'FooBar<2' app:\n%s", srv.URL, out)
		if err != nil {
			t.Fatalf("pip install: %v", err)
		}
		if got := installed(t, venv, "foobar", "app", "lib"); got["foobar"] != "1.0" || got["app"] != "1.0" || got["lib"] != "1.0" {
			t.Fatalf("installed %v, want foobar 1.0, app 1.0, lib 1.0", got)
		}

		// The newest pip locks through serve; tufpip verify passes the pylock.toml.
		lock := filepath.Join(t.TempDir(), "pylock.toml")
		cmd = pyfix.Command(ctx, pyfix.Tool(t, "python-pip-latest"), "-m", "pip", "lock", "--index-url", srv.URL, "-o", lock, "FooBar<2", "app")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("pip lock: %v\n%s", err, out)
		}
		stdout, _, code := r.tufpip(t, "verify", lock)
		if code != 0 || strings.Count(stdout, "ok ") != 3 {
			t.Errorf("tufpip verify pylock.toml: exit %d, want 0 and 3 entries ok:\n%s", code, stdout)
		}
	})

	// The pages declare Simple API 1.4, as PyPI's do: a warning only if tufpip knows an older
	// 1.x, and then once per run, not once per page.
	t.Run("api-version-warning", func(t *testing.T) {
		t.Parallel()
		_, stderr, code := r.tufpip(t, "resolve", "FooBar", "app", "lib")
		if code != 0 {
			t.Fatalf("exit %d, want 0", code)
		}
		want := 0
		if minor, _ := strings.CutPrefix(simpleindex.KnownAPIVersion, "1."); len(minor) == 1 && minor < "4" {
			want = 1 // tufpip knows 1.0 to 1.3
		}
		if n := apiWarnings(stderr, "1.4"); n != want {
			t.Errorf("%d warnings about the pages' API version 1.4 (tufpip knows %s), want %d:\n%s", n, simpleindex.KnownAPIVersion, want, stderr)
		}
	})
}

// A page whose bytes were changed where they are stored, and a file changed on the files
// host: tufpip exits 3 and neither pip nor --download gets anything.
func TestPEP458Tampered(t *testing.T) {
	t.Parallel()
	needTufpip(t)
	py := pyfix.Python(t, "3.11")
	r := buildPEP458(t, pep458Options{})

	// The page now offers foobar 9.0 under the same length: only the signed hash can tell.
	page := filepath.Join(r.dir, "targets", filepath.FromSlash(r.man.Projects["foobar"].Stored))
	tamper(t, page, func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("foobar-2.0"), []byte("foobar-9.0")) })
	_, path, _ := r.file(t, "lib", "lib-1.0-py3-none-any.whl")
	tamper(t, filepath.Join(r.dir, "files", filepath.FromSlash(path)), func(b []byte) []byte {
		b[len(b)/2] ^= 1
		return b
	})

	for _, c := range []struct {
		req  string
		want []string // what the error names
	}{
		{"FooBar", []string{"foobar", "blake2b-256", r.man.Projects["foobar"].Role}}, // the page's only signed hash, and its bin
		{"lib", []string{"lib-1.0-py3-none-any.whl", "sha256"}},                      // the page's pin
	} {
		d := filepath.Join(t.TempDir(), "d")
		stdout, stderr, code := r.tufpip(t, "resolve", "--download", d, c.req)
		named := true
		for _, w := range c.want {
			named = named && strings.Contains(stderr, w)
		}
		if code != 3 || !named || strings.Contains(stdout, "9.0") {
			t.Errorf("resolve --download %s: exit %d, want 3 and an error naming %q", c.req, code, c.want)
		}
		if entries, _ := os.ReadDir(d); len(entries) != 0 {
			t.Errorf("resolve --download %s wrote %d files after the refusal", c.req, len(entries))
		}
	}
	for _, req := range []string{"FooBar", "app"} {
		venv := pyfix.Venv(t, py.Path)
		_, _, code := r.tufpip(t, "install", "--python", pyfix.VenvPython(venv), req)
		if code != 3 {
			t.Errorf("install %s: exit %d, want 3", req, code)
		}
		if got := installed(t, venv, "foobar", "app", "lib"); len(got) != 0 {
			t.Errorf("install %s: the venv has %v after the refusal", req, got)
		}
	}

	// An endless page: read no further than the signed length.
	tamper(t, page, func(b []byte) []byte { return append(b, bytes.Repeat([]byte("<!-- -->"), 8<<20)...) })
	start := time.Now()
	_, stderr, code := r.tufpip(t, "resolve", "FooBar")
	if code != 3 || !strings.Contains(stderr, "foobar") {
		t.Errorf("resolve FooBar with a 64 MiB page: exit %d, want 3 naming foobar", code)
	}
	t.Logf("refused the 64 MiB page in %v", time.Since(start).Round(time.Millisecond))
}

// tamper rewrites a file on disk with f.
func tamper(t *testing.T, path string, f func([]byte) []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	nb := f(bytes.Clone(b))
	if bytes.Equal(nb, b) {
		t.Fatalf("tampering left %s unchanged", path)
	}
	writeFile(t, path, nb)
}

// The classic delegation form: targets delegates by path_hash_prefixes (hex of the SHA-256 of
// the target path) to pages-lo (0-7) and pages-hi (80-ff); the pages are PEP 691 JSON
// declaring Simple API 1.9.
// sha256("lib") starts 76, sha256("foobar") c3.
func TestPEP458PathHashPrefixes(t *testing.T) {
	t.Parallel()
	needTufpip(t)
	r := buildPEP458(t, pep458Options{hashPrefixRoles: true, pageFormat: "json", apiVersion: "1.9"})
	if got := r.man.Projects["lib"].Role + " " + r.man.Projects["foobar"].Role + " " + r.man.Projects["stray"].Role; got != "pages-lo pages-hi pages-lo" {
		t.Fatalf("python-tuf placed lib, foobar and stray in %s, want pages-lo pages-hi pages-lo", got)
	}

	stdout, stderr, code := r.tufpip(t, "resolve", "--format", "json", "FooBar<2", "lib")
	if code != 0 {
		t.Fatalf("resolve: exit %d, want 0", code)
	}
	// Both pages declare Simple API 1.9, newer than tufpip knows: one warning for the run.
	if n := apiWarnings(stderr, "1.9"); n != 1 {
		t.Errorf("%d warnings about the pages' API version 1.9, want 1 per run:\n%s", n, stderr)
	}
	doc := parseResolve(t, stdout)
	if len(doc.Results) != 2 || doc.Results[0].Role != "pages-hi" || doc.Results[1].Role != "pages-lo" ||
		doc.Results[0].Version == nil || *doc.Results[0].Version != "1.0" || doc.Results[1].Version == nil {
		t.Fatalf("resolve FooBar<2 lib: %+v, want foobar 1.0 by pages-hi and lib 1.0 by pages-lo", doc.Results)
	}

	// python-tuf's own client agrees on what is vouched for.
	want := map[string]string{"foobar": "found", "lib": "found", "stray": "absent"}
	if got := r.ngclientFinds(t, "foobar", "lib", "stray"); !maps.Equal(got, want) {
		t.Errorf("ngclient finds %v, want %v", got, want)
	}

	// pip through tufpip reads the same pages through the verifying index: one warning too.
	py := pyfix.Python(t, "3.11")
	wheels := filepath.Join(t.TempDir(), "wheels")
	_, stderr, code = r.tufpip(t, "download", "--python", py.Path, "-d", wheels, "FooBar<2", "lib")
	if code != 0 {
		t.Fatalf("tufpip download: exit %d, want 0", code)
	}
	if got := strings.Join(listDir(t, wheels), " "); got != "foobar-1.0-py3-none-any.whl lib-1.0-py3-none-any.whl" {
		t.Errorf("tufpip download wrote %s, want foobar 1.0 and lib 1.0", got)
	}
	if n := apiWarnings(stderr, "1.9"); n != 1 {
		t.Errorf("tufpip download: %d warnings about the pages' API version 1.9, want 1 per run:\n%s", n, stderr)
	}

	// pages-lo lists stray's page, but stray's hash (e2...) is pages-hi's: nobody vouches for it.
	for _, args := range [][]string{{"resolve", "stray"}, {"resolve", "--require-role", "pages-lo", "stray"}} {
		if stdout, _, code := r.tufpip(t, args...); code != 4 || strings.Contains(stdout, "stray-1.0") {
			t.Errorf("tufpip %s: exit %d, want 4 and no file:\n%s", strings.Join(args, " "), code, stdout)
		}
	}

	// --require-role names the role reached through the hash prefixes (or targets above it).
	for _, role := range []string{"pages-lo", "targets"} {
		stdout, _, code := r.tufpip(t, "resolve", "--require-role", role, "lib")
		if code != 0 || !strings.Contains(stdout, "lib 1.0 from lib-1.0-py3-none-any.whl, vouched for by pages-lo") {
			t.Errorf("resolve --require-role %s lib: exit %d, want lib 1.0 vouched for by pages-lo:\n%s", role, code, stdout)
		}
	}
	_, _, lib := r.file(t, "lib", "lib-1.0-py3-none-any.whl")
	req := filepath.Join(t.TempDir(), "requirements.txt")
	writeFile(t, req, "lib==1.0 --hash=sha256:"+lib+"\n")
	if stdout, _, code := r.tufpip(t, "verify", "--require-role", "pages-lo", req); code != 0 {
		t.Errorf("verify --require-role pages-lo: exit %d, want 0:\n%s", code, stdout)
	}
	// The other role does not list lib's page: no trusted distribution (exit 4).
	if stdout, _, code := r.tufpip(t, "resolve", "--require-role", "pages-hi", "lib"); code != 4 {
		t.Errorf("resolve --require-role pages-hi lib: exit %d, want 4:\n%s", code, stdout)
	}
	// A role the repository does not delegate to is a usage error that lists the roles it has.
	_, stderr, code = r.tufpip(t, "resolve", "--require-role", "stable", "lib")
	if code != 2 || !strings.Contains(stderr, "pages-lo") || !strings.Contains(stderr, "pages-hi") {
		t.Errorf("resolve --require-role stable: exit %d, want 2 and the roles pages-lo, pages-hi:\n%s", code, stderr)
	}
}

// apiWarnings counts the warnings on stderr about a page's Simple API version.
func apiWarnings(stderr, version string) int {
	n := 0
	for _, line := range strings.Split(stderr, "\n") {
		l := strings.ToLower(line)
		if strings.Contains(l, "warning") && strings.Contains(l, "version") && strings.Contains(l, version) {
			n++
		}
	}
	return n
}

// PEP 458 as accepted also signs the files: each is a target (its path under the files host's
// base URL, blake2b-256 only) in the bin of its own path, and tufpip checks it against that
// (trust rule a) as well as against the page's sha256. 256 bins, named bins-00 to bins-ff.
func TestPEP458SignedFiles(t *testing.T) {
	t.Parallel()
	needTufpip(t)
	r := buildPEP458(t, pep458Options{signFiles: true, binBits: 8}) // bins-00 ... bins-ff
	fn := "lib-1.0-py3-none-any.whl"
	libFile := r.man.Projects["lib"].Files[fn]
	if libFile.Role == "" || libFile.Role == r.man.Projects["lib"].Role {
		t.Fatalf("lib's file is in %q, want another bin than its page's %s", libFile.Role, r.man.Projects["lib"].Role)
	}

	d := filepath.Join(t.TempDir(), "d")
	stdout, _, code := r.tufpip(t, "resolve", "--format", "json", "--download", d, "lib")
	if code != 0 {
		t.Fatalf("resolve --download lib: exit %d, want 0", code)
	}
	doc := parseResolve(t, stdout)
	if len(doc.Results) != 1 || doc.Results[0].File == nil || doc.Results[0].File.Filename != fn || doc.Results[0].Role != libFile.Role {
		t.Fatalf("resolve lib: %+v, want %s vouched for by %s (the bin that lists the file)", doc.Results, fn, libFile.Role)
	}
	if b, err := os.ReadFile(filepath.Join(d, fn)); err != nil || !bytes.Equal(b, r.dists[fn]) {
		t.Fatalf("resolve --download: %s is not the built wheel (%v)", fn, err)
	}

	req := filepath.Join(t.TempDir(), "requirements.txt")
	writeFile(t, req, "lib==1.0 --hash=sha256:"+libFile.SHA256+"\n")
	if stdout, _, code := r.tufpip(t, "verify", req); code != 0 || !strings.Contains(stdout, libFile.Role) {
		t.Errorf("verify: exit %d, want 0 and the role %s:\n%s", code, libFile.Role, stdout)
	}

	tamper(t, filepath.Join(r.dir, "files", filepath.FromSlash(libFile.Path)), func(b []byte) []byte {
		b[len(b)/2] ^= 1
		return b
	})
	d = filepath.Join(t.TempDir(), "d")
	_, stderr, code := r.tufpip(t, "resolve", "--download", d, "lib")
	if code != 3 || !strings.Contains(stderr, fn) {
		t.Errorf("resolve --download lib after tampering with the file: exit %d, want 3 and an error naming %s", code, fn)
	}
	if entries, _ := os.ReadDir(d); len(entries) != 0 {
		t.Errorf("resolve --download wrote %d files after the refusal", len(entries))
	}
}

// Warehouse re-signs a project's page on every upload: the new page is stored under its new
// hash and its bin's version goes up. A client with a warm cache sees the new release, also
// after the online key was replaced.
func TestPEP458Update(t *testing.T) {
	t.Parallel()
	needTufpip(t)
	r := buildPEP458(t, pep458Options{})
	env := r.env(t) // one cache for every run
	run := func(args ...string) (string, int) {
		stdout, stderr, code := runTufpipEnv(t, env, args...)
		t.Logf("tufpip %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
		return stdout, code
	}
	if stdout, code := run("resolve", "FooBar"); code != 0 || !strings.Contains(stdout, "foobar 2.0 from") {
		t.Fatalf("before the upload: exit %d, want foobar 2.0", code)
	}
	old := r.man.Projects["foobar"].Stored
	r.update(t, false, pyfix.WheelSpec{Name: "FooBar", Version: "3.0"})
	foobar := r.man.Projects["foobar"]
	if foobar.Stored == old {
		t.Fatalf("the update stored foobar's page at the same path %s", old)
	}
	role := foobar.Role
	stdout, code := run("resolve", "FooBar")
	if code != 0 || !strings.Contains(stdout, "foobar 3.0 from foobar-3.0-py3-none-any.whl, vouched for by "+role) {
		t.Fatalf("after the upload: exit %d, want foobar 3.0 vouched for by %s", code, role)
	}
	if stdout, code := run("resolve", "FooBar<3", "lib"); code != 0 || !strings.Contains(stdout, "foobar 2.0 from") || !strings.Contains(stdout, "lib 1.0 from") {
		t.Errorf("after the upload: exit %d, want foobar 2.0 and lib 1.0 still", code)
	}

	// The online key is replaced (root 2, targets 2, every bin re-signed) with the next
	// upload: the warm cache follows, and so does a fresh one that trusts only root 1.
	r.update(t, true, pyfix.WheelSpec{Name: "FooBar", Version: "3.1"})
	if got := r.ngclientFinds(t, "foobar")["foobar"]; got != "found" {
		t.Fatalf("ngclient does not follow the rotation: %s", got)
	}
	want := "foobar 3.1 from foobar-3.1-py3-none-any.whl, vouched for by " + role
	if stdout, code := run("resolve", "FooBar"); code != 0 || !strings.Contains(stdout, want) {
		t.Errorf("after the rotation, warm cache: exit %d, want %q", code, want)
	}
	warm := env
	env = r.env(t)
	if stdout, code := run("resolve", "FooBar"); code != 0 || !strings.Contains(stdout, want) {
		t.Errorf("after the rotation, fresh cache and root 1: exit %d, want %q", code, want)
	}

	// The revoked key's holder relists foobar's first page (2.0 the newest) in the bin's
	// current metadata: no client may accept it, with or without that bin cached.
	r.forgeRollback(t, "foobar")
	if got := r.ngclientFinds(t, "foobar")["foobar"]; got != "UnsignedMetadataError" {
		t.Errorf("ngclient on the forged %s: %s, want UnsignedMetadataError", role, got)
	}
	for _, e := range [][]string{r.env(t), warm} {
		env = e
		if stdout, code := run("resolve", "FooBar"); code == 0 && !strings.Contains(stdout, want) || code != 0 && code != 3 {
			t.Errorf("after the forgery: exit %d, want 3 (or the genuine 3.1 from a cache)\n%s", code, stdout)
		}
	}
}
