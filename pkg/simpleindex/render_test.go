package simpleindex

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	nethtml "golang.org/x/net/html"
)

const roundTripURL = "https://example.org/targets/simple/awkward-name/index.html"

// awkwardPage holds what a page can carry that an HTML or JSON writer could get wrong.
func awkwardPage() *Page {
	return &Page{
		Name:       "Awkward.Name",
		APIVersion: APIVersion,
		Versions:   []string{"1.0", "2.0rc1"},
		Files: []File{
			{Filename: "awkward_name-1.0.tar.gz", URL: "https://example.org/targets/packages/awkward_name-1.0.tar.gz",
				Hashes: map[string]string{"sha256": hexA}, RequiresPython: ">=3.8,<4", Size: 1234,
				UploadTime: time.Date(2023, 5, 1, 12, 34, 56, 123456000, time.UTC)},
			{Filename: "awkward_name-2.0rc1-py3-none-any.whl",
				URL:            "https://example.org/targets/packages/awkward_name-2.0rc1-py3-none-any.whl",
				Hashes:         map[string]string{"sha256": hexB},
				RequiresPython: `!=3.0.*, >= 2.7 & "quoted" 'single' <tag>`,
				Yanked:         true, YankedReason: "broken <script>alert(\"x\")</script> & 'y'\r\nsecond line é",
				CoreMetadata: map[string]string{"sha256": hexA}, Size: 0},
			{Filename: "awkward_name-0.9.zip", URL: "https://example.org/targets/packages/awkward_name-0.9.zip?a=1&b=2",
				Yanked: true, CoreMetadata: map[string]string{}, Size: -1},
			{Filename: "a&b<c>-1.0.zip", URL: "https://example.org/targets/packages/a&b%3Cc%3E-1.0.zip",
				Hashes: map[string]string{"sha256": hexA}, Size: -1},
		},
	}
}

// htmlView is what an HTML page can carry of a file: one hash, no size or time.
func htmlView(f File) File {
	if algo, hex, ok := pickHash(f.Hashes); ok {
		f.Hashes = map[string]string{algo: hex}
	}
	if f.CoreMetadata != nil {
		if algo, hex, ok := pickHash(f.CoreMetadata); ok {
			f.CoreMetadata = map[string]string{algo: hex}
		}
	}
	f.Size, f.UploadTime = -1, time.Time{}
	return f
}

func TestRoundTripHTML(t *testing.T) {
	in := awkwardPage()
	var buf bytes.Buffer
	if err := RenderHTML(&buf, in); err != nil {
		t.Fatal(err)
	}
	rec, log := newRecorder()
	out, err := ParseHTML(buf.Bytes(), mustURL(t, roundTripURL), log)
	if err != nil {
		t.Fatal(err)
	}
	if w := rec.warnings(); len(w) > 0 {
		t.Errorf("warnings parsing our own page: %q\n%s", w, buf.String())
	}
	if out.Name != in.Name || out.APIVersion != APIVersion {
		t.Errorf("name %q version %q", out.Name, out.APIVersion)
	}
	if len(out.Files) != len(in.Files) {
		t.Fatalf("%d files, want %d\n%s", len(out.Files), len(in.Files), buf.String())
	}
	for i := range in.Files {
		if want := htmlView(in.Files[i]); !reflect.DeepEqual(out.Files[i], want) {
			t.Errorf("file %d:\n got  %+v\n want %+v", i, out.Files[i], want)
		}
	}
}

func TestRoundTripJSON(t *testing.T) {
	in := awkwardPage()
	in.Files[0].Hashes["sha512"] = strings.Repeat("c", 128)
	var buf bytes.Buffer
	if err := RenderJSON(&buf, in); err != nil {
		t.Fatal(err)
	}
	rec, log := newRecorder()
	out, err := ParseJSON(buf.Bytes(), mustURL(t, roundTripURL), log)
	if err != nil {
		t.Fatal(err)
	}
	if w := rec.warnings(); len(w) > 0 {
		t.Errorf("warnings parsing our own page: %q", w)
	}
	if !reflect.DeepEqual(out, in) {
		t.Errorf("round trip changed the page:\n got  %+v\n want %+v\n%s", out, in, buf.String())
	}
}

func TestRenderHTMLIsWellFormed(t *testing.T) {
	var buf bytes.Buffer
	if err := RenderHTML(&buf, awkwardPage()); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	for _, want := range []string{
		"<!DOCTYPE html>\n",
		`<meta charset="utf-8">`,
		`<meta name="pypi:repository-version" content="1.1">`,
		`<title>Links for Awkward.Name</title>`,
		`href="https://example.org/targets/packages/awkward_name-1.0.tar.gz#sha256=` + hexA + `"`,
		`data-requires-python="&gt;=3.8,&lt;4"`,
		`data-core-metadata="sha256=` + hexA + `" data-dist-info-metadata="sha256=` + hexA + `"`,
		`data-yanked=""`,
		`data-core-metadata="true"`,
		`href="https://example.org/targets/packages/awkward_name-0.9.zip?a=1&amp;b=2"`,
		`>a&amp;b&lt;c&gt;-1.0.zip</a>`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("rendered page lacks %s\n%s", want, s)
		}
	}
	// The HTML5 tree builder must find every element where we meant it, with nothing
	// reparented (a stray character in an attribute would move the anchors).
	doc, err := nethtml.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	var anchorsInBody int
	var walk func(n *nethtml.Node, inBody bool)
	walk = func(n *nethtml.Node, inBody bool) {
		if n.Type == nethtml.ElementNode && n.Data == "a" && inBody && n.Parent.Data == "body" {
			anchorsInBody++
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inBody || (n.Type == nethtml.ElementNode && n.Data == "body"))
		}
	}
	walk(doc, false)
	if anchorsInBody != len(awkwardPage().Files) {
		t.Errorf("%d anchors directly in <body>, want %d", anchorsInBody, len(awkwardPage().Files))
	}
}

func TestRenderJSONShape(t *testing.T) {
	var buf bytes.Buffer
	p := &Page{Name: "x", Files: []File{{Filename: "x-1.zip", URL: "x-1.zip", Size: -1}}}
	if err := RenderJSON(&buf, p); err != nil {
		t.Fatal(err)
	}
	want := `{"meta":{"api-version":"1.1"},"name":"x","files":[{"filename":"x-1.zip","url":"x-1.zip","hashes":{},` +
		`"yanked":false}],"versions":[]}` + "\n"
	if buf.String() != want {
		t.Errorf("got  %s\nwant %s", buf.String(), want)
	}
}

func TestRenderRejectsIncompleteFiles(t *testing.T) {
	for _, f := range []File{
		{URL: "https://x/a-1.zip"},
		{Filename: "a-1.zip"},
		{Filename: "a-1.zip", URL: "https://x/a-1.zip#sha256=" + hexA},
	} {
		p := &Page{Files: []File{{Filename: "ok-1.zip", URL: "ok-1.zip"}, f}}
		for name, render := range map[string]func(*bytes.Buffer, *Page) error{
			"html": func(b *bytes.Buffer, p *Page) error { return RenderHTML(b, p) },
			"json": func(b *bytes.Buffer, p *Page) error { return RenderJSON(b, p) },
		} {
			var buf bytes.Buffer
			err := render(&buf, p)
			var re *RenderError
			if !errors.As(err, &re) || re.Index != 1 {
				t.Errorf("%s %+v: err %v, want a *RenderError for files[1]", name, f, err)
			}
			if buf.Len() != 0 {
				t.Errorf("%s %+v: wrote %d bytes before failing", name, f, buf.Len())
			}
		}
	}
}
