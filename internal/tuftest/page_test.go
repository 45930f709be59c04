package tuftest

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/pkg/simpleindex"
)

var (
	sha64  = strings.Repeat("ab", 32)
	md5hex = strings.Repeat("cd", 16)
)

func TestRenderPageParses(t *testing.T) {
	whl := []byte("wheel")
	page := RenderPage("Foo_Bar",
		File("foo_bar-1.0-py3-none-any.whl", whl),
		PageFile{Filename: "foo_bar-0.9.tar.gz", SHA256: sha64, RequiresPython: ">=3.8,<4", Yanked: true, YankedReason: "broken"},
		PageFile{Filename: "foo_bar-0.8.tar.gz", Hashes: map[string]string{"md5": md5hex}},
	)
	base, _ := url.Parse("http://127.0.0.1:1/targets/" + PagePath("Foo_Bar"))
	if got := PagePath("Foo_Bar"); got != "simple/foo-bar/index.html" {
		t.Fatalf("PagePath = %s", got)
	}
	p, err := simpleindex.ParseHTML(page, base, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Files) != 3 {
		t.Fatalf("parsed %d files: %s", len(p.Files), page)
	}
	f := p.Files[0]
	sum := sha256.Sum256(whl)
	if f.URL != "http://127.0.0.1:1/targets/packages/foo_bar-1.0-py3-none-any.whl" ||
		f.Hashes["sha256"] != hex.EncodeToString(sum[:]) {
		t.Errorf("file 0: %+v", f)
	}
	if g := p.Files[1]; g.RequiresPython != ">=3.8,<4" || !g.Yanked || g.YankedReason != "broken" || g.Hashes["sha256"] != sha64 {
		t.Errorf("file 1: %+v", g)
	}
	if g := p.Files[2]; g.Hashes["md5"] != md5hex || g.Hashes["sha256"] != "" {
		t.Errorf("file 2: %+v", g)
	}
}
