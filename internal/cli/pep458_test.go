package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/tuftest"
)

// pep458Repo is foobar in PyPI's planned layout: 1.0 signed by its bin with blake2b-256 only
// and 2.0 pinned by the page alone, both on a files host on another port.
func pep458Repo(t *testing.T) (*tuftest.PEP458, map[string][]byte) {
	t.Helper()
	w := tuftest.NewPEP458(t, 4)
	wheels := map[string][]byte{}
	var links []tuftest.PageFile
	for _, v := range []string{"1.0", "2.0"} {
		fn, data := wheel("foobar", v)
		wheels[fn] = data
		links = append(links, w.AddFile(fn, data, v == "1.0"))
	}
	w.SetPage("FooBar", links...)
	w.Publish()
	return w, wheels
}

// pep458Env selects the repository by environment variables, the layout's options included
// (TUFPIP_PAGE_URL, TUFPIP_FILES_URL) unless flags is set, in which case it returns them as
// flags instead.
func pep458Env(t *testing.T, w *tuftest.PEP458, flags bool) (map[string]string, []string) {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join(dir, "root.json")
	if err := os.WriteFile(root, w.Repo.RootJSON(), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"TUFPIP_METADATA_URL": w.Server.MetadataURL,
		"TUFPIP_TARGETS_URL":  w.Server.TargetsURL,
		"TUFPIP_ROOT":         root,
		"TUFPIP_CACHE_DIR":    filepath.Join(dir, "cache"),
		"TUFPIP_CONFIG_DIR":   filepath.Join(dir, "config"),
		"PATH":                os.Getenv("PATH"),
		"HOME":                dir,
	}
	layout := []string{"--index-path", "{project}", "--page-url", tuftest.PEP458PageURL, "--files-url", "http://127.0.0.1:1/unused/", "--files-url", w.Files.URL}
	if flags {
		return env, layout
	}
	env["TUFPIP_INDEX_PATH"] = "{project}"
	env["TUFPIP_PAGE_URL"] = tuftest.PEP458PageURL
	env["TUFPIP_FILES_URL"] = "http://127.0.0.1:1/unused/ " + w.Files.URL
	return env, nil
}

func TestPEP458Resolve(t *testing.T) {
	w, wheels := pep458Repo(t)
	for _, byFlags := range []bool{true, false} {
		env, flags := pep458Env(t, w, byFlags)
		dir := t.TempDir()
		r := runCLI(t, env, append(flags, "resolve", "--format", "json", "--download", dir, "FooBar==1.0", "foobar==2.0")...)
		if r.code != 0 {
			t.Fatalf("flags %v: exit %d\n%s", byFlags, r.code, r.stderr)
		}
		var doc struct {
			Results []struct {
				Version string
				File    struct{ URL, TargetPath string }
			}
		}
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc.Results) != 2 {
			t.Fatalf("%v\n%s", err, r.stdout)
		}
		for _, res := range doc.Results {
			if !strings.HasPrefix(res.File.URL, w.Files.URL+"packages/") || !strings.HasPrefix(res.File.TargetPath, "packages/") {
				t.Errorf("%s: url %q, target %q", res.Version, res.File.URL, res.File.TargetPath)
			}
		}
		for fn, data := range wheels {
			if got, err := os.ReadFile(filepath.Join(dir, fn)); err != nil || string(got) != string(data) {
				t.Errorf("flags %v: %s downloaded: %v", byFlags, fn, err)
			}
		}
		if strings.Contains(r.stderr, "warning") {
			t.Errorf("a page declaring api 1.4 warned:\n%s", r.stderr)
		}
	}
}

// init saves the layout's options; config shows them; later runs need no flags.
func TestPEP458Init(t *testing.T) {
	w, _ := pep458Repo(t)
	env, flags := pep458Env(t, w, true)
	root := env["TUFPIP_ROOT"]
	for _, k := range []string{"TUFPIP_METADATA_URL", "TUFPIP_TARGETS_URL", "TUFPIP_ROOT"} {
		delete(env, k)
	}
	r := runCLI(t, env, append([]string{"init", "--name", "pypi", "--root", root, "--metadata-url", w.Server.MetadataURL}, flags...)...)
	if r.code != 0 {
		t.Fatalf("init: exit %d\n%s", r.code, r.stderr)
	}
	r = runCLI(t, env, "config", "--format", "json")
	var l configListing
	if err := json.Unmarshal([]byte(r.stdout), &l); err != nil || len(l.Repositories) != 1 {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	got := l.Repositories[0]
	if got.IndexPath != "{project}" || got.PageURL != tuftest.PEP458PageURL || strings.Join(got.FilesURLs, " ") != "http://127.0.0.1:1/unused/ "+w.Files.URL {
		t.Errorf("saved %+v", got)
	}
	r = runCLI(t, env, "config")
	for _, want := range []string{"pypi page url: " + tuftest.PEP458PageURL, "pypi files urls: http://127.0.0.1:1/unused/ " + w.Files.URL, "pypi index path: {project}"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("config lacks %q:\n%s", want, r.stdout)
		}
	}
	r = runCLI(t, env, "resolve", "foobar==2.0")
	if r.code != 0 || !strings.Contains(r.stdout, "foobar 2.0 from foobar-2.0-py3-none-any.whl") {
		t.Errorf("resolve with the saved repository: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The verified page is cached by its hash: the next run does not fetch it again.
	if r := runCLI(t, env, "resolve", "foobar==1.0"); r.code != 0 {
		t.Errorf("second resolve: exit %d\n%s", r.code, r.stderr)
	}
	if n := w.Server.Count(w.Pages["foobar"]); n != 1 {
		t.Errorf("page fetched %d times over two runs with one cache, want 1", n)
	}
}

// A mistyped layout option is a usage error naming the flag, before any network use.
func TestPEP458OptionErrors(t *testing.T) {
	w, _ := pep458Repo(t)
	env, _ := pep458Env(t, w, true)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--page-url", "simple/{name}/{hash}.html"}, `--page-url "simple/{name}/{hash}.html": unknown placeholder {name}`},
		{[]string{"--page-url", "https://{project}.example/x"}, "only in the path"},
		{[]string{"--page-url", "simple/index.html"}, "must contain {project} or {hash}"},
		{[]string{"--page-url", "simple/{project}/?v={hash}"}, "query"},
		{[]string{"--files-url", "ftp://files.example/"}, `--files-url "ftp://files.example/": must be an absolute http(s) url`},
		{[]string{"--files-url", "https://files.example/?a=b"}, "must not have a query"},
		{[]string{"--index-path", "../{project}"}, `--index-path "../{project}"`},
	} {
		r := runCLI(t, env, append(tt.args, "resolve", "foobar")...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, tt.want) || !strings.Contains(r.stderr, "tufpip: hint: ") {
			t.Errorf("%q: exit %d, want 2 and %q\n%s", tt.args, r.code, tt.want, r.stderr)
		}
		if len(w.Server.Requests()) != 0 {
			t.Errorf("%q: the repository was contacted: %v", tt.args, w.Server.Requests())
			w.Server.ResetLog()
		}
	}
	// init refuses them too, saving nothing.
	r := runCLI(t, env, "init", "--name", "x", "--root", env["TUFPIP_ROOT"], "--metadata-url", w.Server.MetadataURL, "--page-url", "{hash")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "--page-url") {
		t.Errorf("init: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(env["TUFPIP_CONFIG_DIR"], "config.json")); err == nil {
		t.Error("init saved a configuration")
	}
	// The environment variables are checked the same way.
	env["TUFPIP_FILES_URL"] = "https://files.example/ file:///etc/"
	if r := runCLI(t, env, "resolve", "foobar"); r.code != ExitUsage || !strings.Contains(r.stderr, `--files-url "file:///etc/"`) {
		t.Errorf("TUFPIP_FILES_URL: exit %d\n%s", r.code, r.stderr)
	}
}

// A tampered page, and a tampered file on the files host (signed or pinned by the page
// only): exit 3, nothing written.
func TestPEP458Tampered(t *testing.T) {
	w, wheels := pep458Repo(t)
	env, flags := pep458Env(t, w, true)
	w.Repo.Tamper(w.Pages["foobar"], tuftest.FlipByte)
	dir := t.TempDir()
	r := runCLI(t, env, append(flags, "resolve", "--download", dir, "foobar")...)
	if r.code != ExitVerification || !strings.Contains(r.stderr, "blake2b-256 does not match") {
		t.Errorf("tampered page: exit %d\n%s", r.code, r.stderr)
	}
	w.Repo.Restore()
	for fn, data := range wheels {
		w.Files.Tamper(tuftest.FilePath(fn, data), tuftest.FlipByte)
		v := strings.Split(fn, "-")[1]
		r := runCLI(t, env, append(flags, "resolve", "--download", dir, "foobar=="+v)...)
		if r.code != ExitVerification || !strings.Contains(r.stderr, fn) || !strings.Contains(r.stderr, "not match") {
			t.Errorf("tampered %s: exit %d\n%s", fn, r.code, r.stderr)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("written after refusals: %v", entries)
	}
}

// verify: a lock pins the sha256 the page gives; the signed target of 1.0 has only
// blake2b-256, and 2.0 is vouched for by the page alone.
func TestPEP458Verify(t *testing.T) {
	w, wheels := pep458Repo(t)
	env, _ := pep458Env(t, w, false)
	sum := func(fn string) string {
		h := sha256.Sum256(wheels[fn])
		return hex.EncodeToString(h[:])
	}
	dir := t.TempDir()
	good := writeFile(t, dir, "requirements.txt", fmt.Sprintf("foobar==1.0 --hash=sha256:%s\n", sum("foobar-1.0-py3-none-any.whl")))
	r := runCLI(t, env, "verify", good)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	good2 := writeFile(t, dir, "r2.txt", fmt.Sprintf("foobar==2.0 --hash=sha256:%s\n", sum("foobar-2.0-py3-none-any.whl")))
	if r := runCLI(t, env, "verify", good2); r.code != 0 {
		t.Fatalf("2.0: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	bad := writeFile(t, dir, "bad.txt", fmt.Sprintf("foobar==1.0 --hash=sha256:%s\n", strings.Repeat("0", 64)))
	if r := runCLI(t, env, "verify", bad); r.code != ExitVerification || !strings.Contains(r.stdout, "is not a trusted file of foobar 1.0") {
		t.Errorf("wrong hash: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// install through the pip wrapper: pip (a fake that fetches what pip would) gets both files
// through the verifying index; a tampered file on the files host makes tufpip exit 3.
func TestPEP458PipWrapper(t *testing.T) {
	w, wheels := pep458Repo(t)
	env, flags := pep458Env(t, w, true)
	fake := newFakePip(t, "fetch")
	r := runPip(t, env, append(append([]string{"install"}, flags...), "--python", fake.python, "--", "--no-deps", "foobar")...)
	if r.code != 0 || !strings.Contains(r.stdout, "foobar-2.0-py3-none-any.whl") || !strings.Contains(r.stdout, "foobar-1.0-py3-none-any.whl") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := len(w.Files.Requests()); n != 2 {
		t.Errorf("files host asked %d times: %v", n, w.Files.Requests())
	}
	fn := "foobar-1.0-py3-none-any.whl"
	w.Files.Tamper(tuftest.FilePath(fn, wheels[fn]), tuftest.FlipByte)
	env2, _ := pep458Env(t, w, true) // a fresh cache
	r = runPip(t, env2, append(append([]string{"install"}, flags...), "--python", fake.python, "--", "--no-deps", "foobar")...)
	if r.code != ExitVerification || !strings.Contains(r.stderr, "tufpip: error: "+fn+": ") {
		t.Errorf("tampered: exit %d\n%s", r.code, r.stderr)
	}
}

// A file signed with blake2b-256 alone on a page with no hash for it: resolve downloads it,
// checked by that hash; a lock pinning sha256 cannot be checked against it, and says why.
func TestPEP458Blake2bOnly(t *testing.T) {
	w := tuftest.NewPEP458(t, 4)
	fn, data := wheel("foobar", "1.0")
	link := w.AddFile(fn, data, true)
	link.Hashes = map[string]string{}
	w.SetPage("foobar", link)
	w.Publish()
	env, _ := pep458Env(t, w, false)
	dir := t.TempDir()
	if r := runCLI(t, env, "resolve", "--download", dir, "foobar"); r.code != 0 {
		t.Fatalf("resolve: exit %d\n%s", r.code, r.stderr)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, fn)); string(got) != string(data) {
		t.Errorf("downloaded %q", got)
	}
	h := sha256.Sum256(data)
	lock := writeFile(t, t.TempDir(), "requirements.txt", "foobar==1.0 --hash=sha256:"+hex.EncodeToString(h[:])+"\n")
	r := runCLI(t, env, "verify", lock)
	if r.code != ExitVerification || !strings.Contains(r.stdout, "record only blake2b-256, which no lockfile pins") {
		t.Errorf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// Pages declaring a simple api version newer than the 1.4 tufpip knows: one warning per run,
// however many pages declare it; 2.0 is refused.
func TestNewerAPIVersionWarnsOncePerRun(t *testing.T) {
	w := tuftest.NewPEP458(t, 2)
	for _, p := range []string{"foobar", "bazqux"} {
		fn, data := wheel(p, "1.0")
		page := tuftest.RenderPage(p, w.AddFile(fn, data, false))
		page = []byte(strings.Replace(string(page), `content="1.1"`, `content="1.7"`, 1))
		w.Repo.SignTarget(w.Bin(p), p, page, "blake2b-256")
		w.Repo.HostAt("targets/simple/"+p+"/"+tuftest.Blake2b256(page)+"."+p+".html", p, page)
	}
	w.Publish()
	env, _ := pep458Env(t, w, false)
	for range 2 {
		r := runCLI(t, env, "resolve", "foobar", "bazqux")
		if r.code != 0 || strings.Count(r.stderr, "tufpip: warning: ") != 1 ||
			!strings.Contains(r.stderr, "declares simple api version 1.7, newer than the 1.4 tufpip knows") {
			t.Errorf("exit %d, want 0 and one warning\n%s", r.code, r.stderr)
		}
	}
}

// tufpip serve with the layout's flags serves the page and both files from the files host.
func TestPEP458Serve(t *testing.T) {
	w, wheels := pep458Repo(t)
	env, flags := pep458Env(t, w, true)
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	code := make(chan int, 1)
	go func() {
		streams := &IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: &stderr}
		code <- Run(ctx, append(flags, "serve", "--addr", addr), streams, func(k string) string { return env[k] })
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), "serving the verifying index at") {
		if time.Now().After(deadline) {
			t.Fatalf("server did not start: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	get := func(u string) (int, []byte) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body
	}
	status, page := get("http://" + addr + "/simple/foobar/")
	if status != 200 {
		t.Fatalf("page: %d %s", status, page)
	}
	for fn, data := range wheels {
		h := sha256.Sum256(data)
		if status, body := get("http://" + addr + "/files/foobar/" + hex.EncodeToString(h[:]) + "/" + fn); status != 200 || string(body) != string(data) {
			t.Errorf("%s: %d %q", fn, status, body)
		}
	}
	cancel()
	select {
	case <-code:
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}
