package simpleindex

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const pageBase = "https://example.org/targets/simple/foo/index.html"

// parseAnchor parses a page holding one anchor and returns its file (or nil when it was
// skipped) and the warnings logged.
func parseAnchor(t *testing.T, anchor string) (*File, *recorder) {
	t.Helper()
	rec, log := newRecorder()
	p, err := ParseHTML([]byte("<!DOCTYPE html><html><body>"+anchor+"</body></html>"), mustURL(t, pageBase), log)
	if err != nil {
		t.Fatalf("ParseHTML(%q): %v", anchor, err)
	}
	if len(p.Files) > 1 {
		t.Fatalf("ParseHTML(%q): %d files, want at most 1", anchor, len(p.Files))
	}
	if len(p.Files) == 0 {
		return nil, rec
	}
	return &p.Files[0], rec
}

func TestHTMLAnchors(t *testing.T) {
	cases := []struct {
		name, anchor string
		want         File
	}{
		{"relative href and sha256",
			`<a href="../../packages/foo-1.0.tar.gz#sha256=` + hexA + `">foo-1.0.tar.gz</a>`,
			File{Filename: "foo-1.0.tar.gz", URL: "https://example.org/targets/packages/foo-1.0.tar.gz",
				Hashes: map[string]string{"sha256": hexA}, Size: -1}},
		{"absolute href, uppercase hash normalised",
			`<a href="https://files.example/p/foo-1.0-py3-none-any.whl#SHA256=` + strings.ToUpper(hexA) + `">foo-1.0-py3-none-any.whl</a>`,
			File{Filename: "foo-1.0-py3-none-any.whl", URL: "https://files.example/p/foo-1.0-py3-none-any.whl",
				Hashes: map[string]string{"sha256": hexA}, Size: -1}},
		{"other hashlib names are kept",
			`<a href="foo-1.0.zip#md5=0123456789abcdef0123456789abcdef">foo-1.0.zip</a>`,
			File{Filename: "foo-1.0.zip", URL: "https://example.org/targets/simple/foo/foo-1.0.zip",
				Hashes: map[string]string{"md5": "0123456789abcdef0123456789abcdef"}, Size: -1}},
		{"no fragment, no hashes",
			`<a href="/x/foo-1.0.zip">foo-1.0.zip</a>`,
			File{Filename: "foo-1.0.zip", URL: "https://example.org/x/foo-1.0.zip", Size: -1}},
		{"requires-python is unescaped",
			`<a href="foo-1.0.zip" data-requires-python="&gt;=3.8,&lt;4">foo-1.0.zip</a>`,
			File{Filename: "foo-1.0.zip", URL: "https://example.org/targets/simple/foo/foo-1.0.zip",
				RequiresPython: ">=3.8,<4", Size: -1}},
		{"requires-python unescaped once, like pip",
			`<a href="foo-1.0.zip" data-requires-python="&amp;gt;=3.8">foo-1.0.zip</a>`,
			File{Filename: "foo-1.0.zip", URL: "https://example.org/targets/simple/foo/foo-1.0.zip",
				RequiresPython: "&gt;=3.8", Size: -1}},
		{"yanked without reason",
			`<a href="foo-1.0.zip" data-yanked>foo-1.0.zip</a>`,
			File{Filename: "foo-1.0.zip", URL: "https://example.org/targets/simple/foo/foo-1.0.zip",
				Yanked: true, Size: -1}},
		{"yanked with escaped reason",
			`<a href="foo-1.0.zip" data-yanked="broken &lt;b&gt; &amp; &quot;bad&quot;">foo-1.0.zip</a>`,
			File{Filename: "foo-1.0.zip", URL: "https://example.org/targets/simple/foo/foo-1.0.zip",
				Yanked: true, YankedReason: `broken <b> & "bad"`, Size: -1}},
		{"core metadata true",
			`<a href="foo-1.0.whl" data-core-metadata="true">foo-1.0.whl</a>`,
			File{Filename: "foo-1.0.whl", URL: "https://example.org/targets/simple/foo/foo-1.0.whl",
				CoreMetadata: map[string]string{}, Size: -1}},
		{"core metadata hash",
			`<a href="foo-1.0.whl" data-core-metadata="sha256=` + hexB + `">foo-1.0.whl</a>`,
			File{Filename: "foo-1.0.whl", URL: "https://example.org/targets/simple/foo/foo-1.0.whl",
				CoreMetadata: map[string]string{"sha256": hexB}, Size: -1}},
		{"legacy dist-info metadata",
			`<a href="foo-1.0.whl" data-dist-info-metadata="sha256=` + hexB + `">foo-1.0.whl</a>`,
			File{Filename: "foo-1.0.whl", URL: "https://example.org/targets/simple/foo/foo-1.0.whl",
				CoreMetadata: map[string]string{"sha256": hexB}, Size: -1}},
		{"core-metadata wins over legacy",
			`<a href="foo-1.0.whl" data-dist-info-metadata="true" data-core-metadata="sha256=` + hexB + `">foo-1.0.whl</a>`,
			File{Filename: "foo-1.0.whl", URL: "https://example.org/targets/simple/foo/foo-1.0.whl",
				CoreMetadata: map[string]string{"sha256": hexB}, Size: -1}},
		{"core metadata false means none",
			`<a href="foo-1.0.whl" data-core-metadata="false">foo-1.0.whl</a>`,
			File{Filename: "foo-1.0.whl", URL: "https://example.org/targets/simple/foo/foo-1.0.whl", Size: -1}},
		{"empty text falls back to the url",
			`<a href="foo-1.0%2Blocal.tar.gz#sha256=` + hexA + `"></a>`,
			File{Filename: "foo-1.0+local.tar.gz", URL: "https://example.org/targets/simple/foo/foo-1.0%2Blocal.tar.gz",
				Hashes: map[string]string{"sha256": hexA}, Size: -1}},
		{"self-closing anchor falls back to the url",
			`<a href="foo-1.0.zip"/>`,
			File{Filename: "foo-1.0.zip", URL: "https://example.org/targets/simple/foo/foo-1.0.zip", Size: -1}},
		{"text is trimmed and taken from nested elements",
			"<a href=\"foo-1.0.zip\">\n  <span>foo-1.0</span>.zip\n</a>",
			File{Filename: "foo-1.0.zip", URL: "https://example.org/targets/simple/foo/foo-1.0.zip", Size: -1}},
		{"entities in the text",
			`<a href="a&amp;b-1.0.zip">a&amp;b-1.0.zip</a>`,
			File{Filename: "a&b-1.0.zip", URL: "https://example.org/targets/simple/foo/a&b-1.0.zip", Size: -1}},
		{"uppercase tags and attributes",
			`<A HREF="foo-1.0.zip" DATA-YANKED="old">foo-1.0.zip</A>`,
			File{Filename: "foo-1.0.zip", URL: "https://example.org/targets/simple/foo/foo-1.0.zip",
				Yanked: true, YankedReason: "old", Size: -1}},
		{"first of duplicated attributes, as HTML says (pip takes the last)",
			`<a href="foo-1.0.zip" href="evil-1.0.zip" data-yanked="first" data-yanked="second">foo-1.0.zip</a>`,
			File{Filename: "foo-1.0.zip", URL: "https://example.org/targets/simple/foo/foo-1.0.zip",
				Yanked: true, YankedReason: "first", Size: -1}},
		{"egg fragment is not a hash and leaves the url",
			`<a href="foo-1.0.zip#egg=foo">foo-1.0.zip</a>`,
			File{Filename: "foo-1.0.zip", URL: "https://example.org/targets/simple/foo/foo-1.0.zip", Size: -1}},
		{"several hashes in one fragment",
			`<a href="foo-1.0.zip#sha256=` + hexA + `&sha1=0123456789abcdef0123456789abcdef01234567">foo-1.0.zip</a>`,
			File{Filename: "foo-1.0.zip", URL: "https://example.org/targets/simple/foo/foo-1.0.zip",
				Hashes: map[string]string{"sha256": hexA, "sha1": "0123456789abcdef0123456789abcdef01234567"}, Size: -1}},
		{"href whitespace trimmed, query kept",
			"<a href=\"  foo-1.0.zip?x=1#sha256=" + hexA + " \">foo-1.0.zip</a>",
			File{Filename: "foo-1.0.zip", URL: "https://example.org/targets/simple/foo/foo-1.0.zip?x=1",
				Hashes: map[string]string{"sha256": hexA}, Size: -1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, rec := parseAnchor(t, c.anchor)
			if got == nil {
				t.Fatalf("anchor skipped; warnings %q", rec.warnings())
			}
			if !reflect.DeepEqual(*got, c.want) {
				t.Errorf("got  %+v\nwant %+v", *got, c.want)
			}
			if w := rec.warnings(); len(w) > 0 {
				t.Errorf("unexpected warnings %q", w)
			}
		})
	}
}

func TestHTMLMalformedAnchorsSkipped(t *testing.T) {
	cases := []struct{ name, anchor, warning string }{
		{"no href", `<a>foo-1.0.zip</a>`, "no href"},
		{"empty href", `<a href="">foo-1.0.zip</a>`, "no href"},
		{"unparsable url", `<a href="http://[::1">foo-1.0.zip</a>`, "unparsable url"},
		{"control character", "<a href=\"foo\x7f-1.0.zip\">foo-1.0.zip</a>", "unparsable url"},
		{"no filename anywhere", `<a href="/dir/"></a>`, "no filename"},
		{"javascript url", `<a href="javascript:alert(1)">foo-1.0.zip</a>`, "not an http(s) or file url"},
		{"mailto", `<a href="mailto:a@b">foo-1.0.zip</a>`, "not an http(s) or file url"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, rec := parseAnchor(t, c.anchor)
			if got != nil {
				t.Fatalf("anchor kept as %+v", *got)
			}
			if !rec.has(c.warning) {
				t.Errorf("warnings %q, want one containing %q", rec.warnings(), c.warning)
			}
		})
	}
}

func TestHTMLMalformedHashesWarned(t *testing.T) {
	for _, frag := range []string{
		"sha256=" + hexA[:63],        // short
		"sha256=" + hexA[:62] + "zz", // not hex
		"sha256",                     // no value
		"sha256=",                    // empty value
		"md5=" + hexA,                // wrong length for md5
	} {
		got, rec := parseAnchor(t, `<a href="foo-1.0.zip#`+frag+`">foo-1.0.zip</a>`)
		if got == nil {
			t.Fatalf("#%s: anchor skipped, want it kept without a hash", frag)
		}
		if len(got.Hashes) != 0 {
			t.Errorf("#%s: hashes %v, want none", frag, got.Hashes)
		}
		if got.URL != "https://example.org/targets/simple/foo/foo-1.0.zip" {
			t.Errorf("#%s: url %q keeps the fragment", frag, got.URL)
		}
		if !rec.has("malformed hash") {
			t.Errorf("#%s: warnings %q, want a malformed hash warning", frag, rec.warnings())
		}
	}
}

func TestHTMLMalformedCoreMetadataStillExists(t *testing.T) {
	got, rec := parseAnchor(t, `<a href="foo-1.0.whl" data-core-metadata="sha256:abc">foo-1.0.whl</a>`)
	if got == nil || got.CoreMetadata == nil || len(got.CoreMetadata) != 0 {
		t.Fatalf("got %+v, want metadata present without hashes", got)
	}
	if !rec.has("malformed data-core-metadata") {
		t.Errorf("warnings %q", rec.warnings())
	}
}

func TestHTMLTextDiffersFromURLWarns(t *testing.T) {
	got, rec := parseAnchor(t, `<a href="evil-9.9.zip">foo-1.0.zip</a>`)
	if got == nil || got.Filename != "foo-1.0.zip" {
		t.Fatalf("got %+v", got)
	}
	if !rec.has("pip uses the url's") {
		t.Errorf("warnings %q, want a text/url mismatch warning", rec.warnings())
	}
}

func TestHTMLBaseHref(t *testing.T) {
	doc := `<html><head><base href="/mirror/"></head><body>
<a href="foo-1.0.zip">foo-1.0.zip</a></body></html>
<base href="https://ignored.example/">`
	p, err := ParseHTML([]byte(doc), mustURL(t, pageBase), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Files) != 1 || p.Files[0].URL != "https://example.org/mirror/foo-1.0.zip" {
		t.Errorf("files %+v, want the first base applied", p.Files)
	}
}

func TestHTMLNilPageURLKeepsLinksAsWritten(t *testing.T) {
	p, err := ParseHTML([]byte(`<a href="../pkg/foo-1.0.zip#sha256=`+hexA+`">foo-1.0.zip</a>`), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Files) != 1 || p.Files[0].URL != "../pkg/foo-1.0.zip" {
		t.Errorf("files %+v", p.Files)
	}
}

func TestHTMLPageFields(t *testing.T) {
	doc := `<!DOCTYPE html><html><head><title>Links for Foo.Bar</title>
<meta name="pypi:repository-version" content="1.0"></head><body><h1>Links for Foo.Bar</h1>
<a href="a-1.zip">a-1.zip</a><a href="b-1.zip">b-1.zip</a>
<!-- <a href="c-1.zip">c-1.zip</a> -->
<script>var s = '<a href="d-1.zip">d-1.zip</a>';</script>
<style>/* <a href="d-2.zip">d-2.zip</a> */</style>
<noscript><a href="n-1.zip">n-1.zip</a></noscript>
<a href="e-1.zip">e-1.zip<a href="f-1.zip">f-1.zip</a></body></html>`
	p, err := ParseHTML([]byte(doc), mustURL(t, pageBase), nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Foo.Bar" || p.APIVersion != "1.0" {
		t.Errorf("name %q, api version %q", p.Name, p.APIVersion)
	}
	var names []string
	for _, f := range p.Files {
		names = append(names, f.Filename)
	}
	if want := []string{"a-1.zip", "b-1.zip", "n-1.zip", "e-1.zip", "f-1.zip"}; !reflect.DeepEqual(names, want) {
		t.Errorf("files %q, want %q (comments and scripts hold no links)", names, want)
	}
}

func TestHTMLRepositoryVersion(t *testing.T) {
	cases := []struct {
		meta, wantVersion string
		fail, warn        bool
	}{
		{"", "1.0", false, false},
		{`<meta name="pypi:repository-version" content="1.0">`, "1.0", false, false},
		{`<meta name="pypi:repository-version" content="1.1">`, "1.1", false, false},
		{`<meta name="pypi:repository-version" content="1.4">`, "1.4", false, false},
		{`<meta name="pypi:repository-version" content="1.5">`, "1.5", false, true},
		{`<meta name="pypi:repository-version" content="2.0">`, "", true, false},
		{`<meta name="pypi:repository-version" content="10.0">`, "", true, false},
		{`<meta name="pypi:repository-version" content="one">`, "", true, false},
		{`<meta name="pypi:repository-version" content="1">`, "", true, false},
		{`<meta name="pypi:repository-version" content="1.0"><meta name="pypi:repository-version" content="2.0">`, "", true, false},
		{`<meta name="other" content="9.0">`, "1.0", false, false},
	}
	for _, c := range cases {
		newerWarned.Store(false)
		rec, log := newRecorder()
		p, err := ParseHTML([]byte("<html><head>"+c.meta+"</head><body></body></html>"), mustURL(t, pageBase), log)
		if c.fail {
			var ve *VersionError
			if !errors.As(err, &ve) {
				t.Errorf("%s: err %v, want a *VersionError", c.meta, err)
			} else if !strings.Contains(err.Error(), pageBase) || strings.ToLower(err.Error()) != err.Error() {
				t.Errorf("%s: message %q should be lowercase and name the page", c.meta, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.meta, err)
			continue
		}
		if p.APIVersion != c.wantVersion {
			t.Errorf("%s: version %q, want %q", c.meta, p.APIVersion, c.wantVersion)
		}
		if got := rec.has("newer than the"); got != c.warn {
			t.Errorf("%s: warned %v, want %v", c.meta, got, c.warn)
		}
	}
}

func TestHTMLWarningsAreCapped(t *testing.T) {
	rec, log := newRecorder()
	page := strings.Repeat(`<a>no href</a>`, 1000)
	if _, err := ParseHTML([]byte(page), mustURL(t, pageBase), log); err != nil {
		t.Fatal(err)
	}
	w := rec.warnings()
	if len(w) != maxWarnings+1 || !strings.Contains(w[len(w)-1], "more warnings") {
		t.Errorf("%d warnings, want %d and a summary; last %q", len(w), maxWarnings+1, w[len(w)-1])
	}
}
