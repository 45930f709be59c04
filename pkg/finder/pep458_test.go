package finder

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/internal/tuftest"
	"github.com/tufpip/tufpip/pkg/resolve"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// pep458World is foobar in PyPI's planned layout: 1.0 on the files host and signed by its
// bin with blake2b-256 only (trust rule a), 2.0 on the files host pinned by the page's
// sha256 alone (rule b), and 3.0 linked relatively ("../../packages/...", resolving against
// the URL the page was fetched from, under the targets URL) and signed.
func pep458World(t *testing.T) (*tuftest.PEP458, map[string][]byte) {
	t.Helper()
	w := tuftest.NewPEP458(t, 4)
	data := map[string][]byte{}
	var links []tuftest.PageFile
	for _, v := range []string{"1.0", "2.0"} {
		fn, b := whl("foobar", v)
		data[fn] = b
		links = append(links, w.AddFile(fn, b, v == "1.0"))
	}
	fn, b := whl("foobar", "3.0")
	data[fn] = b
	w.Repo.AddTarget(w.Bin("packages/"+fn), "packages/"+fn, b)
	links = append(links, tuftest.File(fn, b))
	w.SetPage("FooBar", links...)
	w.Publish()
	return w, data
}

func openPEP458(t *testing.T, w *tuftest.PEP458, cfg Config) (*Finder, *tuf.Client) {
	t.Helper()
	client, err := tuf.Open(context.Background(), tuf.Config{
		MetadataURL: w.Server.MetadataURL, TargetsURL: w.Server.TargetsURL,
		TrustedRoot: w.Repo.RootJSON(), CacheDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.TUF, cfg.TargetsURL = client, w.Server.TargetsURL
	if cfg.IndexPath == "" {
		cfg.IndexPath = "{project}"
	}
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f, client
}

func TestPEP458Layout(t *testing.T) {
	w, _ := pep458World(t)
	f, client := openPEP458(t, w, Config{PageURL: tuftest.PEP458PageURL, FilesURLs: []string{w.Files.URL}})
	p, err := f.Project(context.Background(), "FooBar")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Files) != 3 || len(p.Skipped) != 0 {
		t.Fatalf("files %v, skipped %+v", versions(p), p.Skipped)
	}
	one, two, three := p.File("foobar-1.0-py3-none-any.whl"), p.File("foobar-2.0-py3-none-any.whl"), p.File("foobar-3.0-py3-none-any.whl")
	// 1.0: its own target (blake2b-256), downloaded from the files host, checked against the
	// page's sha256 as well.
	if one.ViaPage() || !strings.HasPrefix(one.Source, w.Files.URL+"packages/") || one.Target.Hashes["blake2b-256"] == "" || one.Target.Hashes["sha256"] == "" {
		t.Errorf("1.0: via page %v, source %q, hashes %v", one.ViaPage(), one.Source, one.Target.Hashes)
	}
	// 2.0: through the page's hash, from the files host.
	if !two.ViaPage() || !strings.HasPrefix(two.Target.URL, w.Files.URL) || two.Source != "" {
		t.Errorf("2.0: via page %v, url %q, source %q", two.ViaPage(), two.Target.URL, two.Source)
	}
	// 3.0: a relative link, resolved against where the page was fetched from.
	if three.ViaPage() || three.Source != "" || three.TargetPath != "packages/foobar-3.0-py3-none-any.whl" {
		t.Errorf("3.0: via page %v, source %q, target %q", three.ViaPage(), three.Source, three.TargetPath)
	}
	dir := t.TempDir()
	for _, fl := range p.Files {
		dest := dir + "/" + fl.File.Filename
		if err := client.Download(context.Background(), fl.Target, dest, fl.DownloadOptions()...); err != nil {
			t.Errorf("%s: %v", fl.File.Filename, err)
		}
	}
	// The page was read from its content-addressed place, not the target name.
	if n := w.Server.Count(w.Pages["foobar"]); n != 1 {
		t.Errorf("page fetched %d times from %s", n, w.Pages["foobar"])
	}
}

// Without --files-url the files host is outside what the page may vouch for; without
// --page-url the page cannot be found.
func TestPEP458NeedsItsOptions(t *testing.T) {
	w, _ := pep458World(t)
	f, _ := openPEP458(t, w, Config{PageURL: tuftest.PEP458PageURL})
	p, err := f.Project(context.Background(), "foobar")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Files) != 1 || len(p.Skipped) != 2 || p.Skipped[0].Kind != resolve.SkipOutsideTargets {
		t.Fatalf("files %v, skipped %+v", versions(p), p.Skipped)
	}
	f, _ = openPEP458(t, w, Config{FilesURLs: []string{w.Files.URL}})
	_, err = f.Project(context.Background(), "foobar")
	var pe *PageError
	if !errors.As(err, &pe) || !tuf.IsNotFound(err) && !tuf.IsNetwork(err) {
		t.Fatalf("without a page url: %v", err)
	}
}

// A page or a files-host file whose bytes differ from what was signed is refused.
func TestPEP458Tampered(t *testing.T) {
	w, data := pep458World(t)
	w.Repo.Tamper(w.Pages["foobar"], tuftest.FlipByte)
	f, _ := openPEP458(t, w, Config{PageURL: tuftest.PEP458PageURL, FilesURLs: []string{w.Files.URL}})
	_, err := f.Project(context.Background(), "foobar")
	if !tuf.IsVerification(err) || !strings.Contains(err.Error(), "blake2b-256 does not match") {
		t.Fatalf("tampered page: %v", err)
	}

	w.Repo.Restore()
	f, client := openPEP458(t, w, Config{PageURL: tuftest.PEP458PageURL, FilesURLs: []string{w.Files.URL}})
	p, err := f.Project(context.Background(), "foobar")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"1.0", "2.0"} {
		fn := "foobar-" + v + "-py3-none-any.whl"
		w.Files.Tamper(tuftest.FilePath(fn, data[fn]), tuftest.FlipByte)
		fl := p.File(fn)
		dir := t.TempDir()
		err := client.Download(context.Background(), fl.Target, dir+"/"+fn, fl.DownloadOptions()...)
		if !tuf.IsVerification(err) {
			t.Errorf("%s tampered on the files host: %v", fn, err)
		}
	}
}

func TestFilesURLRules(t *testing.T) {
	for _, raw := range []string{"ftp://files.example/", "files.example/", "https://u:p@files.example/", "https://files.example/?x=1", "https://files.example/#x", "https:///x"} {
		if _, err := CheckFilesURL(raw); err == nil {
			t.Errorf("CheckFilesURL(%q) accepted", raw)
		}
	}
	f, err := New(Config{TUF: nopTUF{}, TargetsURL: "https://pypi.example/targets/", FilesURLs: []string{"https://files.example/base"}})
	if err != nil {
		t.Fatal(err)
	}
	for raw, want := range map[string]string{
		"https://files.example/base/packages/a/x.whl":  "packages/a/x.whl",
		"https://FILES.example/base/packages/x.whl":    "packages/x.whl",
		"http://files.example/base/packages/x.whl":     "", // http under an https base
		"https://files.example/other/packages/x.whl":   "",
		"https://files.example/base/../x.whl":          "",
		"https://files.example/base/packages/x.whl?a=": "",
		"https://files.example:444/base/x.whl":         "",
		// A signed page's links must not aim tufpip beyond the base: a longer folder name,
		// dot segments once unescaped, a user or another host before the base's, an empty
		// segment.
		"https://files.example/basement/x.whl":                  "",
		"https://files.example/base/%2e%2e/x.whl":               "",
		"https://files.example/base/a%2F..%2F..%2Fx.whl":        "",
		"https://u@files.example/base/x.whl":                    "",
		"https://files.example@evil.example/base/x.whl":         "",
		"https://evil.example/https://files.example/base/x.whl": "",
		"https://files.example/base//x.whl":                     "",
	} {
		got, _ := f.filesPath(raw)
		if got != want {
			t.Errorf("filesPath(%q) = %q, want %q", raw, got, want)
		}
	}
}

// An absolute --page-url may name another host than the targets URL's: the bytes are still
// checked against the signed page target.
func TestPEP458AbsolutePageURL(t *testing.T) {
	w, _ := pep458World(t)
	page, _ := w.Repo.Served(w.Pages["foobar"])
	w.Files.Add(strings.TrimPrefix(w.Pages["foobar"], "targets/"), page)
	f, _ := openPEP458(t, w, Config{PageURL: w.Files.URL + "simple/{project}/{hash}.{project}.html", FilesURLs: []string{w.Files.URL}})
	p, err := f.Project(context.Background(), "foobar")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Files) < 2 {
		t.Errorf("files %v, skipped %+v", versions(p), p.Skipped)
	}
	if n := w.Server.Count(w.Pages["foobar"]); n != 0 {
		t.Errorf("the page was fetched from the repository %d times", n)
	}
	w.Files.Tamper(strings.TrimPrefix(w.Pages["foobar"], "targets/"), tuftest.FlipByte)
	f, _ = openPEP458(t, w, Config{PageURL: w.Files.URL + "simple/{project}/{hash}.{project}.html", FilesURLs: []string{w.Files.URL}})
	if _, err := f.Project(context.Background(), "foobar"); !tuf.IsVerification(err) {
		t.Errorf("tampered page on another host: %v", err)
	}
}
