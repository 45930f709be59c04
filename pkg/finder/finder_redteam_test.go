package finder

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/tufpip/tufpip/internal/tuftest"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// Red-team tests: what an attacker holding the online unstable key (and the mirror) can make
// a stable-preferring user accept.

func rtOpen(t *testing.T, repo *tuftest.Repo, srv *tuftest.Server, cfg Config) (*Finder, *tuf.Client) {
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
	return f, client
}

// Stable's page pins foobar 2.0 by sha256 but stable did not sign the wheel as a target of
// its own (trust rule b). The unstable key holder signs packages/foobar-2.0...whl with a
// sha512 hash only, of other bytes: no algorithm in common with the page, so no
// "disagree" was ever found, and the download was checked against unstable's hash alone.
func TestRedteamUnstableTargetWithOtherAlgorithmCannotReplaceStablePinnedFile(t *testing.T) {
	for _, role := range []string{"", "stable"} {
		t.Run("require-role="+role, func(t *testing.T) {
			repo := tuftest.New(t)
			fn := "foobar-2.0-py3-none-any.whl"
			good, evil := []byte("good wheel"), []byte("evil wheel from the unstable key holder")
			repo.SetPage(tuftest.Stable, "foobar", tuftest.File(fn, good))
			repo.Host("packages/"+fn, good)
			repo.Publish()

			// The attacker signs unstable with a sha512-only entry and serves the bytes at
			// the sha512-prefixed name.
			sum := sha512.Sum512(evil)
			repo.EditTargets(tuftest.Unstable, func(tt *metadata.TargetsType) {
				tt.Targets["packages/"+fn] = &metadata.TargetFiles{
					Length: int64(len(evil)),
					Hashes: metadata.Hashes{"sha512": sum[:]},
					Path:   "packages/" + fn,
				}
			})
			repo.Publish()
			srv := repo.Serve(t)
			srv.Inject(tuftest.HashedPath("packages/"+fn, hex.EncodeToString(sum[:])), tuftest.Replace(evil))

			f, client := rtOpen(t, repo, srv, Config{RequireRole: role})
			p, err := f.Project(context.Background(), "foobar")
			if err != nil {
				t.Fatal(err)
			}
			file := p.File(fn)
			if file == nil {
				return // skipped: acceptable
			}
			dest := filepath.Join(t.TempDir(), fn)
			err = client.Download(context.Background(), file.Target, dest)
			if got, rerr := os.ReadFile(dest); rerr == nil {
				t.Fatalf("downloaded %q (role %s) although stable's page pins sha256 of %q", got, file.Role, good)
			}
			if !tuf.IsVerification(err) {
				t.Errorf("download error = %v, want a verification error", err)
			}
		})
	}
}

// An attacker-chosen anchor text on a page must not relabel bytes signed under another
// name: unstable's page for a project stable never signed lists "evil-9.9" but links to a
// wheel stable signed as requests 1.0; the file came out as evil 9.9 "vouched for by stable".
func TestRedteamAnchorTextMustNameTheSignedFile(t *testing.T) {
	repo := tuftest.New(t)
	real := []byte("requests wheel")
	repo.AddFile(tuftest.Stable, "requests-1.0-py3-none-any.whl", real)
	repo.SetPage(tuftest.Unstable, "evil", tuftest.PageFile{
		Filename: "evil-9.9-py3-none-any.whl", Data: real,
		URL: "../../packages/requests-1.0-py3-none-any.whl",
	})
	repo.Publish()
	srv := repo.Serve(t)
	f, _ := rtOpen(t, repo, srv, Config{})
	p, err := f.Project(context.Background(), "evil")
	if err != nil {
		t.Fatal(err)
	}
	if fl := p.File("evil-9.9-py3-none-any.whl"); fl != nil {
		t.Errorf("evil-9.9 accepted with role %s from the bytes of %s", fl.Role, fl.TargetPath)
	}
}

// A lookup cancelled by its first caller (pip disconnecting from the index) must not be
// remembered: every later request for the project would fail until the next refresh.
func TestRedteamCancelledLookupIsNotCached(t *testing.T) {
	repo := seed(t)
	srv := repo.Serve(t)
	f, _ := rtOpen(t, repo, srv, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.Project(ctx, "foobar"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled lookup: %v", err)
	}
	if _, err := f.Project(context.Background(), "foobar"); err != nil {
		t.Fatalf("lookup after a cancelled one: %v", err)
	}
}

// Link tricks that must not leave the targets URL or climb out of it.
func TestRedteamTargetPathTricks(t *testing.T) {
	f, err := New(Config{TUF: nopTUF{}, TargetsURL: "https://repo.example/t/"})
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{
		"https://repo.example/t/packages/%2e%2e/%2e%2e/x.whl",
		"https://repo.example/t/packages/..%2f..%2fx.whl",
		"https://repo.example/t/%2e%2e/metadata/root.json",
		"https://repo.example/t/packages/./x.whl",
		"https://repo.example/t//x.whl",
		"https://repo.example/t/../t2/x.whl",
		"https://repo.example/t2/x.whl",
		"https://repo.example/tx.whl",
		"https://repo.example:8443/t/x.whl",
		"http://repo.example/t/x.whl",
		"https://user@repo.example/t/x.whl",
		"https://repo.example/t/x.whl?y=1",
		"https://other.example/t/x.whl",
		"file:///t/x.whl",
		"https://repo.example/t/packages/%zz.whl",
	} {
		if p, ok := f.targetPath(raw); ok {
			t.Errorf("targetPath(%q) = %q, want outside", raw, p)
		}
	}
	if p, ok := f.targetPath("HTTPS://REPO.EXAMPLE/t/packages/x%2By.whl"); !ok || p != "packages/x+y.whl" {
		t.Errorf("case-insensitive host: %q %v", p, ok)
	}
}

type nopTUF struct{}

func (nopTUF) Find(context.Context, string, tuf.Query) ([]*tuf.Target, error) { return nil, nil }
func (nopTUF) Lookup(context.Context, string) (*tuf.Target, error)            { return nil, nil }
func (nopTUF) Fetch(context.Context, *tuf.Target) ([]byte, error)             { return nil, nil }

// The honest case of the rule above: under --require-role stable a wheel that stable's page
// pins by sha256 and only unstable signed as a target is still downloaded, checked against
// stable's hash, and attributed to stable.
func TestRedteamRequireRoleStablePageEvidenceDownloads(t *testing.T) {
	repo := tuftest.New(t)
	fn := "foobar-2.0-py3-none-any.whl"
	good := []byte("good wheel")
	repo.SetPage(tuftest.Stable, "foobar", tuftest.File(fn, good))
	repo.AddFile(tuftest.Unstable, fn, good)
	repo.Publish()
	srv := repo.Serve(t)
	f, client := rtOpen(t, repo, srv, Config{RequireRole: "stable"})
	p, err := f.Project(context.Background(), "foobar")
	if err != nil {
		t.Fatal(err)
	}
	file := p.File(fn)
	if file == nil || file.Role != "stable" || !file.Target.VouchedBy("stable") {
		t.Fatalf("file = %+v", file)
	}
	dest := filepath.Join(t.TempDir(), fn)
	if err := client.Download(context.Background(), file.Target, dest); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dest); string(got) != string(good) {
		t.Errorf("downloaded %q", got)
	}
}

// A long-running index remembered every name it was asked for: a client requesting endless
// made-up project names grew it without bound.
func TestRedteamUnknownNamesAreNotKept(t *testing.T) {
	repo := seed(t)
	srv := repo.Serve(t)
	f, _ := rtOpen(t, repo, srv, Config{})
	for i := range 200 {
		var np *NoPageError
		if _, err := f.Project(context.Background(), fmt.Sprintf("nothing-%d", i)); !errors.As(err, &np) {
			t.Fatalf("unknown project: %v", err)
		}
	}
	if _, err := f.Project(context.Background(), "foobar"); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	n := len(f.projects)
	f.mu.Unlock()
	if n > 1 {
		t.Errorf("%d projects remembered, want only foobar", n)
	}
}

// A mirror that hides stable's page (404, or garbage) must not make the finder fall back to
// unstable's page: that would be a downgrade to what only the online key signed.
func TestRedteamHiddenStablePageIsNoFallback(t *testing.T) {
	for name, fault := range map[string]tuftest.Fault{
		"404":      tuftest.NotFound(),
		"500":      tuftest.Status(500),
		"tampered": tuftest.Replace([]byte("<html></html>")),
	} {
		t.Run(name, func(t *testing.T) {
			repo := seed(t)
			srv := repo.Serve(t)
			stablePage := repo.TargetInfo(tuftest.Stable, tuftest.PagePath("foobar"))
			srv.Inject(tuftest.HashedPath(tuftest.PagePath("foobar"), hex.EncodeToString(stablePage.Hashes["sha256"])), fault)
			f, _ := rtOpen(t, repo, srv, Config{Explain: true})
			p, err := f.Project(context.Background(), "foobar")
			if err == nil {
				t.Fatalf("page role %s, files %v: a hidden stable page fell back to another role", p.Page.Role, versions(p))
			}
		})
	}
}

// Page tricks by the role that signs the page: a <base href> to another host, a JSON page
// where HTML is usual, scheme-relative and file: links. Every file must end up outside the
// targets URL (skipped), never fetched from elsewhere.
func TestRedteamPageTricks(t *testing.T) {
	fn := "evil-1.0-py3-none-any.whl"
	sum := sha256.Sum256([]byte("x"))
	h := hex.EncodeToString(sum[:])
	pages := map[string]string{
		"base href": `<!DOCTYPE html><html><head><base href="http://evil.example/targets/simple/evil/"></head><body>` +
			`<a href="../../packages/` + fn + `#sha256=` + h + `">` + fn + `</a></body></html>`,
		"json": `{"meta":{"api-version":"1.0"},"name":"evil","files":[` +
			`{"filename":"` + fn + `","url":"//evil.example/targets/packages/` + fn + `","hashes":{"sha256":"` + h + `"}},` +
			`{"filename":"` + fn + `","url":"file:///etc/` + fn + `","hashes":{"sha256":"` + h + `"}}]}`,
	}
	for name, page := range pages {
		t.Run(name, func(t *testing.T) {
			repo := tuftest.New(t)
			repo.AddTarget(tuftest.Unstable, tuftest.PagePath("evil"), []byte(page))
			repo.Publish()
			srv := repo.Serve(t)
			f, _ := rtOpen(t, repo, srv, Config{})
			p, err := f.Project(context.Background(), "evil")
			if err != nil {
				t.Fatal(err)
			}
			for _, fl := range p.Files {
				t.Errorf("trusted %s from %s", fl.File.Filename, fl.File.URL)
			}
			if len(p.Skipped) == 0 {
				t.Error("nothing reported as skipped")
			}
		})
	}
}

// Under --require-role stable the unstable key holder could take away a wheel stable's page
// pins by sha256 (and stable did not sign as a target), by signing other bytes under the
// same path: the conflict made the finder skip the file. Stable's own evidence (the page
// hash, trust rule b) is enough, and is what must decide.
func TestRedteamUnstableCannotWithdrawStablePinnedFile(t *testing.T) {
	repo := tuftest.New(t)
	fn := "foobar-2.0-py3-none-any.whl"
	good, evil := []byte("good wheel"), []byte("evil wheel")
	repo.SetPage(tuftest.Stable, "foobar", tuftest.File(fn, good))
	repo.AddFile(tuftest.Unstable, fn, evil)
	repo.Publish()
	srv := repo.Serve(t)
	srv.Inject("targets/packages/"+fn, tuftest.Replace(good)) // the page's own link
	f, client := rtOpen(t, repo, srv, Config{RequireRole: "stable"})
	p, err := f.Project(context.Background(), "foobar")
	if err != nil {
		t.Fatal(err)
	}
	file := p.File(fn)
	if file == nil {
		t.Fatalf("stable's pinned wheel was withdrawn by unstable: skipped %v", p.Skipped)
	}
	dest := filepath.Join(t.TempDir(), fn)
	if err := client.Download(context.Background(), file.Target, dest); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dest); string(got) != string(good) {
		t.Errorf("downloaded %q", got)
	}
	// Without a required role the conflict is still reported, not resolved.
	f, _ = rtOpen(t, repo, srv, Config{})
	if p, err := f.Project(context.Background(), "foobar"); err != nil || p.File(fn) != nil {
		t.Errorf("default policy: %v, %+v", err, p)
	}
}
