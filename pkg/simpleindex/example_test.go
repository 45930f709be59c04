package simpleindex_test

import (
	"fmt"
	"net/url"
	"os"

	"github.com/tufpip/tufpip/pkg/simpleindex"
)

func ExamplePagePath() {
	p, err := simpleindex.PagePath("", "Foo.Bar_baz")
	fmt.Println(p, err)
	_, err = simpleindex.PagePath("simple/{project}/../index.html", "foo")
	fmt.Println(err)
	// Output:
	// simple/foo-bar-baz/index.html <nil>
	// index path template "simple/{project}/../index.html": must not contain "." or ".." segments
}

func ExampleParse() {
	page := []byte(`<!DOCTYPE html><html><body>
<a href="../../packages/foobar-2.0.tar.gz#sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
   data-requires-python="&gt;=3.8">foobar-2.0.tar.gz</a>
</body></html>`)
	pageURL, _ := url.Parse("https://example.org/targets/simple/foobar/index.html")
	p, err := simpleindex.Parse(page, "", pageURL, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	f := p.Files[0]
	fmt.Println(f.Filename)
	fmt.Println(f.URL)
	fmt.Println(f.Hashes["sha256"][:12], f.RequiresPython)
	// Output:
	// foobar-2.0.tar.gz
	// https://example.org/targets/packages/foobar-2.0.tar.gz
	// 9f86d081884c >=3.8
}

func ExampleNegotiate() {
	// The Accept header pip sends.
	ct, ok := simpleindex.Negotiate("application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01")
	fmt.Println(ct, ok)
	ct, ok = simpleindex.Negotiate("application/json")
	fmt.Printf("%q %v\n", ct, ok)
	// Output:
	// application/vnd.pypi.simple.v1+json true
	// "" false
}

func ExampleRenderJSON() {
	p := &simpleindex.Page{Name: "foobar", Versions: []string{"2.0"}, Files: []simpleindex.File{{
		Filename: "foobar-2.0.tar.gz", URL: "https://example.org/targets/packages/foobar-2.0.tar.gz",
		Hashes:         map[string]string{"sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
		RequiresPython: ">=3.8", Size: 1234,
	}}}
	if err := simpleindex.RenderJSON(os.Stdout, p); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"meta":{"api-version":"1.1"},"name":"foobar","files":[{"filename":"foobar-2.0.tar.gz","url":"https://example.org/targets/packages/foobar-2.0.tar.gz","hashes":{"sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},"requires-python":">=3.8","yanked":false,"size":1234}],"versions":["2.0"]}
}
