package tuf_test

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/tufpip/tufpip/pkg/repo"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// One run: refresh once, find who vouches for a page and a wheel, fetch the
// page into memory and stream the wheel to disk. Nothing unverified is ever
// left at the destination. The repository is one tufpip repo publishes, served
// on loopback.
func Example() {
	ctx := context.Background()
	tmp, srvURL, cleanup := exampleRepository()
	defer cleanup()

	root, err := os.ReadFile(filepath.Join(tmp, "pypi", "metadata", "1.root.json")) // given by the user: never fetched on first use
	if err != nil {
		log.Fatal(err)
	}
	c, err := tuf.Open(ctx, tuf.Config{
		MetadataURL: srvURL + "/metadata/",
		TargetsURL:  srvURL + "/targets/",
		TrustedRoot: root,
		CacheDir:    filepath.Join(tmp, "cache"),
		UserAgent:   "tufpip/1.0.0",
		Retries:     2,
	})
	if err != nil {
		log.Fatal(err)
	}

	page, err := c.Lookup(ctx, "simple/foobar/index.html")
	var nf *tuf.NotFoundError
	switch {
	case errors.As(err, &nf):
		log.Fatalf("no trusted role lists %s", nf.Path)
	case err != nil:
		log.Fatal(err)
	}
	if _, err := c.Fetch(ctx, page); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: signed by %s\n", page.Path, page.Role)

	wheel, err := c.Lookup(ctx, "packages/FooBar-1.0-py3-none-any.whl")
	if err != nil {
		log.Fatal(err)
	}
	if !wheel.VouchedBy("stable") { // --require-role stable
		log.Fatalf("%s: signed only by %s", wheel.Path, wheel.Role)
	}
	dest := filepath.Join(tmp, "FooBar-1.0-py3-none-any.whl")
	if err := c.Download(ctx, wheel, dest); tuf.IsVerification(err) {
		log.Fatalf("refusing %s: %v", wheel.Path, err)
	} else if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: signed by %s, downloaded\n", wheel.Path, wheel.Role)
	// Output:
	// simple/foobar/index.html: signed by stable
	// packages/FooBar-1.0-py3-none-any.whl: signed by stable, downloaded
}

// Every role that lists a path, in the order the delegation walk prefers them.
func ExampleClient_LookupAll() {
	ctx := context.Background()
	tmp, srvURL, cleanup := exampleRepository()
	defer cleanup()
	root, err := os.ReadFile(filepath.Join(tmp, "pypi", "metadata", "1.root.json"))
	if err != nil {
		log.Fatal(err)
	}
	c, err := tuf.Open(ctx, tuf.Config{MetadataURL: srvURL + "/metadata/", TrustedRoot: root, CacheDir: filepath.Join(tmp, "cache")})
	if err != nil {
		log.Fatal(err)
	}
	all, err := c.LookupAll(ctx, "packages/FooBar-1.0-py3-none-any.whl")
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range all {
		fmt.Println(t.Role, len(t.Hashes["sha256"]))
	}
	// Output:
	// stable 64
	// unstable 64
}

// exampleRepository publishes FooBar 1.0 (six months old, so stable signs it) and 2.0
// (new: unstable only) with tufpip repo, and serves the repository on loopback.
func exampleRepository() (dir, url string, cleanup func()) {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "tufpip-verify-example")
	if err != nil {
		log.Fatal(err)
	}
	r, err := repo.Init(ctx, filepath.Join(tmp, "pypi"), repo.InitOptions{KeysDir: filepath.Join(tmp, "keys")})
	if err != nil {
		log.Fatal(err)
	}
	now := time.Now()
	if _, err := r.Add(ctx, []string{exampleWheel(tmp, "FooBar", "1.0")}, now.AddDate(0, -6, 0)); err != nil {
		log.Fatal(err)
	}
	if _, err := r.Add(ctx, []string{exampleWheel(tmp, "FooBar", "2.0")}, now); err != nil {
		log.Fatal(err)
	}
	if _, err := r.Promote(ctx, repo.PromoteOptions{OlderThan: 90 * 24 * time.Hour, Now: now, Bootstrap: true}); err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Join(tmp, "pypi"))))
	return tmp, srv.URL, func() { srv.Close(); os.RemoveAll(tmp) }
}

// exampleWheel writes a minimal wheel: the dist-info files are what the publisher reads.
func exampleWheel(dir, name, version string) string {
	p := filepath.Join(dir, fmt.Sprintf("%s-%s-py3-none-any.whl", name, version))
	f, err := os.Create(p)
	if err != nil {
		log.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, _ := zw.Create(fmt.Sprintf("%s-%s.dist-info/METADATA", name, version))
	fmt.Fprintf(w, "Metadata-Version: 2.1\nName: %s\nVersion: %s\n", name, version)
	zw.Create(fmt.Sprintf("%s-%s.dist-info/WHEEL", name, version))
	zw.Create(fmt.Sprintf("%s-%s.dist-info/RECORD", name, version))
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	return p
}
