package repo

import (
	"net/url"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// With JSONPages, each role also signs a PEP 691 page carrying PEP 700's data, and stable's
// still wins.
func TestJSONPages(t *testing.T) {
	_, dir := fooBar(t, InitOptions{JSONPages: true, HashBinBits: 2})
	c := newClient(t, dir, served(t, dir), t0)
	path := "simple/foobar/index.json"
	tf, err := c.up.GetTargetInfo(path)
	if err != nil {
		t.Fatal(err)
	}
	if role := c.vouching(path, tf); role != "stable" {
		t.Fatalf("json page from %s", role)
	}
	_, data, err := c.up.DownloadTarget(tf, filepath.Join(t.TempDir(), "index.json"), "")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("https://example.org/targets/" + path)
	p, err := simpleindex.ParseJSON(data, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Versions, []string{"1.0", "2.0"}) || len(p.Files) != 2 {
		t.Fatalf("versions %v, files %d", p.Versions, len(p.Files))
	}
	f := p.Files[1]
	if f.URL != "https://example.org/targets/packages/FooBar-2.0-py3-none-any.whl" || f.Size <= 0 ||
		!f.UploadTime.Equal(t0.Add(-200*day)) || f.RequiresPython != ">=3.8" || f.Hashes["sha256"] == "" {
		t.Fatalf("file entry %+v", f)
	}
	// The HTML page is unchanged by the option.
	if role, files := c.page("foobar"); role != "stable" || len(files) != 2 {
		t.Fatalf("html page: %s %v", role, files)
	}
}
