package repo_test

import (
	"archive/zip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tufpip/tufpip/pkg/repo"
)

// writeWheel writes a minimal wheel (the dist-info files are what the publisher reads).
func writeWheel(dir, name, version string) string {
	p := filepath.Join(dir, fmt.Sprintf("%s-%s-py3-none-any.whl", name, version))
	f, _ := os.Create(p)
	zw := zip.NewWriter(f)
	w, _ := zw.Create(fmt.Sprintf("%s-%s.dist-info/METADATA", name, version))
	fmt.Fprintf(w, "Metadata-Version: 2.1\nName: %s\nVersion: %s\nRequires-Python: >=3.9\n", name, version)
	zw.Create(fmt.Sprintf("%s-%s.dist-info/WHEEL", name, version))
	zw.Create(fmt.Sprintf("%s-%s.dist-info/RECORD", name, version))
	zw.Close()
	f.Close()
	return p
}

// The 2013 design in four calls: unstable signs every upload at once, stable signs what
// has been public for 90 days.
func Example() {
	ctx := context.Background()
	tmp, _ := os.MkdirTemp("", "tufpip-repo-example")
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "pypi")

	r, err := repo.Init(ctx, dir, repo.InitOptions{KeysDir: filepath.Join(tmp, "keys")})
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Now()
	r.Add(ctx, []string{writeWheel(tmp, "FooBar", "1.0"), writeWheel(tmp, "FooBar", "2.0")}, now.AddDate(0, -6, 0))
	r.Add(ctx, []string{writeWheel(tmp, "FooBar", "2.0.1")}, now)
	res, err := r.Promote(ctx, repo.PromoteOptions{OlderThan: 90 * 24 * time.Hour, Now: now, Bootstrap: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range res.Promoted {
		fmt.Println("stable signs", f)
	}
	ps, _ := r.ProjectStatus(ctx, "FooBar", now)
	fmt.Println("clients get the page of", ps.PageFrom)
	// Output:
	// stable signs FooBar-1.0-py3-none-any.whl
	// stable signs FooBar-2.0-py3-none-any.whl
	// clients get the page of stable
}
