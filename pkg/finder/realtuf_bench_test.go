package finder

import (
	"context"
	"fmt"
	"testing"

	"github.com/tufpip/tufpip/internal/tuftest"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// BenchmarkProjectRealTUF10000 is the same page with the real client: a fresh refresh, stable's
// 10,000-target metadata loaded and verified, and one Lookup per file (trust rule a).
func BenchmarkProjectRealTUF10000(b *testing.B) {
	repo := tuftest.New(b)
	var files []tuftest.PageFile
	for i := 0; i < 10000; i++ {
		fn := fmt.Sprintf("bigproj-%d.%d.%d-py3-none-any.whl", i/100, (i/10)%10, i%10)
		data := []byte(fn)
		repo.AddFile(tuftest.Stable, fn, data)
		files = append(files, tuftest.File(fn, data))
	}
	repo.SetPage(tuftest.Stable, "bigproj", files...)
	repo.Publish()
	srv := repo.Serve(b)
	cache := b.TempDir()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		client, err := tuf.Open(context.Background(), tuf.Config{MetadataURL: srv.MetadataURL, TargetsURL: srv.TargetsURL, TrustedRoot: repo.RootJSON(), CacheDir: cache})
		if err != nil {
			b.Fatal(err)
		}
		f, _ := New(Config{TUF: client, TargetsURL: srv.TargetsURL})
		p, err := f.Project(context.Background(), "bigproj")
		if err != nil || len(p.Files) != 10000 {
			b.Fatal(err, len(p.Files))
		}
	}
}
