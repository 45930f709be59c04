package finder

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/tufpip/tufpip/internal/tuftest"
	"github.com/tufpip/tufpip/pkg/tuf"
)

func open(t *testing.T, repo *tuftest.Repo, srv *tuftest.Server, cfg Config) *Finder {
	t.Helper()
	client, err := tuf.Open(context.Background(), tuf.Config{
		MetadataURL: srv.MetadataURL, TargetsURL: srv.TargetsURL,
		TrustedRoot: repo.RootJSON(), CacheDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.TUF, cfg.TargetsURL = client, srv.TargetsURL
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func whl(name, version string) (string, []byte) {
	fn := name + "-" + version + "-py3-none-any.whl"
	return fn, []byte("wheel " + fn)
}

// seed builds the 2013 design's example: stable signed FooBar 1.0 and 2.0, unstable signed
// 1.0, 2.0 and 2.0.1.
func seed(t *testing.T) *tuftest.Repo {
	repo := tuftest.New(t)
	var stable, unstable []tuftest.PageFile
	for _, v := range []string{"1.0", "2.0", "2.0.1"} {
		fn, data := whl("foobar", v)
		repo.AddFile(tuftest.Unstable, fn, data)
		unstable = append(unstable, tuftest.File(fn, data))
		if v != "2.0.1" {
			repo.AddFile(tuftest.Stable, fn, data)
			stable = append(stable, tuftest.File(fn, data))
		}
	}
	repo.SetPage(tuftest.Stable, "FooBar", stable...)
	repo.SetPage(tuftest.Unstable, "FooBar", unstable...)
	repo.Publish()
	return repo
}

func versions(p *Project) []string {
	var out []string
	for _, f := range p.Files {
		out = append(out, f.Dist.Version.String()+"@"+f.Role)
	}
	sort.Strings(out)
	return out
}

func TestStablePageWins(t *testing.T) {
	repo := seed(t)
	srv := repo.Serve(t)
	f := open(t, repo, srv, Config{Explain: true})
	p, err := f.Project(context.Background(), "FooBar")
	if err != nil {
		t.Fatal(err)
	}
	if p.Page.Role != "stable" {
		t.Errorf("page role = %s, want stable", p.Page.Role)
	}
	if got := strings.Join(versions(p), " "); got != "1.0@stable 2.0@stable" {
		t.Errorf("trusted files = %s", got)
	}
	if len(p.Skipped) != 1 || p.Skipped[0].Version != "2.0.1" || p.Skipped[0].Reason != "signed only by unstable" {
		t.Errorf("skipped = %+v, want 2.0.1 signed only by unstable", p.Skipped)
	}

	// once stable signs 2.0.1, a new run sees it
	fn, data := whl("foobar", "2.0.1")
	repo.AddFile(tuftest.Stable, fn, data)
	var files []tuftest.PageFile
	for _, v := range []string{"1.0", "2.0", "2.0.1"} {
		fn, data := whl("foobar", v)
		files = append(files, tuftest.File(fn, data))
	}
	repo.SetPage(tuftest.Stable, "foobar", files...)
	repo.Publish()
	f = open(t, repo, srv, Config{Explain: true})
	p, err = f.Project(context.Background(), "foobar")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(versions(p), " "); got != "1.0@stable 2.0.1@stable 2.0@stable" {
		t.Errorf("after promotion: trusted files = %s", got)
	}
	if len(p.Skipped) != 0 {
		t.Errorf("after promotion: skipped = %+v", p.Skipped)
	}
}

func TestUnstableOnlyProject(t *testing.T) {
	repo := tuftest.New(t)
	fn, data := whl("newpkg", "0.1")
	repo.AddFile(tuftest.Unstable, fn, data)
	repo.SetPage(tuftest.Unstable, "newpkg", tuftest.File(fn, data))
	repo.Publish()
	srv := repo.Serve(t)

	p, err := open(t, repo, srv, Config{}).Project(context.Background(), "NewPkg")
	if err != nil {
		t.Fatal(err)
	}
	if p.Page.Role != "unstable" || len(p.Files) != 1 || p.Files[0].Role != "unstable" {
		t.Fatalf("got page role %s, files %v", p.Page.Role, versions(p))
	}

	_, err = open(t, repo, srv, Config{RequireRole: "stable"}).Project(context.Background(), "newpkg")
	var np *NoPageError
	if !errors.As(err, &np) || len(np.Roles) != 1 || np.Roles[0] != "unstable" {
		t.Fatalf("--require-role stable: err = %v, want NoPageError naming unstable", err)
	}
	if !strings.Contains(err.Error(), "signed only by unstable, not by stable") {
		t.Errorf("message = %q", err)
	}

	_, err = open(t, repo, srv, Config{}).Project(context.Background(), "nosuch")
	if !errors.As(err, &np) || !strings.Contains(err.Error(), "no trusted role signs simple/nosuch/index.html") {
		t.Fatalf("unknown project: err = %v", err)
	}
}

func TestTrustRules(t *testing.T) {
	repo := tuftest.New(t)
	srv := repo.Serve(t)
	good, goodData := whl("demo", "1.0")
	repo.AddFile(tuftest.Stable, good, goodData)
	wrong, wrongData := whl("demo", "1.1")
	repo.AddFile(tuftest.Stable, wrong, wrongData)
	nohash, nohashData := whl("demo", "1.2")
	byPage, byPageData := whl("demo", "1.3")
	weak, _ := whl("demo", "1.4")
	away, awayData := whl("demo", "1.5")
	repo.SetPage(tuftest.Stable, "demo",
		tuftest.File(good, goodData),
		tuftest.PageFile{Filename: wrong, SHA256: strings.Repeat("ab", 32)},
		tuftest.PageFile{Filename: nohash},
		tuftest.File(byPage, byPageData),
		tuftest.PageFile{Filename: weak, Hashes: map[string]string{"md5": strings.Repeat("0", 32)}},
		tuftest.PageFile{Filename: away, Data: awayData, URL: "https://elsewhere.example/" + away},
		tuftest.PageFile{Filename: "../../demo-1.6-py3-none-any.whl", SHA256: strings.Repeat("cd", 32)},
		tuftest.PageFile{Filename: "other-1.0-py3-none-any.whl", SHA256: strings.Repeat("ef", 32)},
	)
	_ = nohashData
	repo.Publish()

	p, err := open(t, repo, srv, Config{}).Project(context.Background(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	if f := p.File(good); f == nil || f.ViaPage() || f.Role != "stable" {
		t.Errorf("%s: want trusted as a TUF target of stable, got %+v", good, f)
	}
	if f := p.File(byPage); f == nil || !f.ViaPage() || f.Role != "stable" || f.Target.Hashes["sha256"] == "" {
		t.Errorf("%s: want trusted through the page's sha256, got %+v", byPage, f)
	}
	reasons := map[string]string{}
	for _, s := range p.Skipped {
		reasons[s.Filename] = s.Reason
	}
	for fn, want := range map[string]string{
		wrong:                             "sha256 on the page (role stable) disagrees with the hash signed by role stable",
		nohash:                            "no hash on the page and not a TUF target",
		weak:                              "only a weak hash (md5) on the page and not a TUF target",
		away:                              "outside the targets URL",
		"../../demo-1.6-py3-none-any.whl": "",
		"other-1.0-py3-none-any.whl":      "",
	} {
		got, ok := reasons[fn]
		if !ok {
			t.Errorf("%s: not skipped", fn)
			continue
		}
		if !strings.Contains(got, want) {
			t.Errorf("%s: reason %q, want %q", fn, got, want)
		}
	}
	if len(p.Files) != 2 {
		t.Errorf("trusted files: %v", versions(p))
	}
}

func TestTamperedPageFails(t *testing.T) {
	repo := seed(t)
	srv := repo.Serve(t)
	f := open(t, repo, srv, Config{})
	repo.Tamper("simple/foobar/index.html", tuftest.FlipByte)
	_, err := f.Project(context.Background(), "foobar")
	if !tuf.IsVerification(err) {
		t.Fatalf("err = %v, want a verification error", err)
	}
}

func TestEachProjectFetchedOnce(t *testing.T) {
	repo := seed(t)
	srv := repo.Serve(t)
	f := open(t, repo, srv, Config{Explain: true})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.Project(context.Background(), "FOOBAR"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if err := f.Prefetch(context.Background(), []string{"foobar", "FooBar"}, 4); err != nil {
		t.Fatal(err)
	}
	if r := srv.Repeated(); len(r) > 0 {
		t.Errorf("fetched more than once: %v", r)
	}
}

// A file trusted through the page's sha256 (not a TUF target) downloads when its bytes match
// and is refused, leaving nothing behind, when they do not.
func TestDownloadPageFile(t *testing.T) {
	repo := tuftest.New(t)
	srv := repo.Serve(t)
	fn, data := whl("demo", "1.0")
	repo.SetPage(tuftest.Stable, "demo", tuftest.File(fn, data))
	repo.Publish()
	srv.Inject("targets/packages/"+fn, tuftest.Replace(data))

	client, err := tuf.Open(context.Background(), tuf.Config{
		MetadataURL: srv.MetadataURL, TargetsURL: srv.TargetsURL, TrustedRoot: repo.RootJSON(), CacheDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := New(Config{TUF: client, TargetsURL: srv.TargetsURL})
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.Project(context.Background(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	file := p.File(fn)
	if file == nil || !file.ViaPage() {
		t.Fatalf("%s: want a file trusted through the page, got %+v", fn, file)
	}
	dir := t.TempDir()
	dest := filepath.Join(dir, fn)
	if err := client.Download(context.Background(), file.Target, dest); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dest); !bytes.Equal(got, data) {
		t.Fatalf("downloaded bytes differ")
	}

	srv.ClearFaults()
	srv.Inject("targets/packages/"+fn, tuftest.Replace(append([]byte("evil "), data...)))
	dest2 := filepath.Join(t.TempDir(), fn)
	err = client.Download(context.Background(), file.Target, dest2)
	if !tuf.IsVerification(err) || !strings.Contains(err.Error(), "sha256 does not match") {
		t.Fatalf("tampered page file: err = %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(dest2)); len(entries) != 0 {
		t.Fatalf("files left after a failed download: %v", entries)
	}
}
