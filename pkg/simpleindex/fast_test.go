package simpleindex

import (
	"fmt"
	"math/rand"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// renderedPage renders a page of n files with the attributes tufpip's repository writes.
func renderedPage(t testing.TB, rnd *rand.Rand, n int) []byte {
	p := &Page{Name: "Foo.Bar"}
	for i := range n {
		fn := fmt.Sprintf("foo_bar-%d.%d-py3-none-any.whl", i/10, i%10)
		f := File{Filename: fn, URL: "../../packages/" + fn, Size: -1}
		if rnd.Intn(4) > 0 {
			f.Hashes = map[string]string{"sha256": fmt.Sprintf("%064x", rnd.Int63())}
		}
		switch rnd.Intn(6) {
		case 0:
			f.RequiresPython = ">=3.8, <4"
		case 1:
			f.Yanked, f.YankedReason = true, `broken "build" & <more>`
		case 2:
			f.CoreMetadata = map[string]string{"sha256": fmt.Sprintf("%064x", rnd.Int63())}
		case 3:
			f.CoreMetadata = map[string]string{}
		case 4:
			f.URL = fn
		}
		p.Files = append(p.Files, f)
	}
	var b strings.Builder
	if err := RenderHTML(&b, p); err != nil {
		t.Fatal(err)
	}
	return []byte(b.String())
}

var fastPageURL, _ = url.Parse("https://example.org/targets/simple/foo-bar/index.html")

// The fast path answers for what RenderHTML writes, and gives what the tokenizer gives.
func TestParseRenderedMatchesTokenizer(t *testing.T) {
	rnd := rand.New(rand.NewSource(12))
	for _, n := range []int{0, 1, 7, 300} {
		data := renderedPage(t, rnd, n)
		for _, base := range []*url.URL{fastPageURL, nil} {
			fast, ok, err := parseRendered(data, base, "", orDiscard(nil))
			if !ok || err != nil {
				t.Fatalf("%d files: the fast path declined a page RenderHTML wrote (%v)\n%s", n, err, data)
			}
			slow, err := parseTokens(data, base, "", orDiscard(nil))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(fast, slow) {
				t.Fatalf("%d files: fast path\n%+v\ntokenizer\n%+v", n, fast, slow)
			}
		}
	}
}

// Pages the fast path must leave to the tokenizer.
func TestParseRenderedDeclines(t *testing.T) {
	page := string(renderedPage(t, rand.New(rand.NewSource(1)), 3))
	link := "    <a href=\"../../packages/foo_bar-0.0-py3-none-any.whl"
	for name, edit := range map[string]func(string) string{
		"base tag": func(s string) string {
			return strings.Replace(s, "<head>", "<head><base href=\"https://evil.example/\">", 1)
		},
		"absolute link": func(s string) string { return strings.Replace(s, "../../packages/", "https://evil.example/", 1) },
		"text differs": func(s string) string {
			return strings.Replace(s, ">foo_bar-0.0-py3-none-any.whl<", ">foo_bar-9.0-py3-none-any.whl<", 1)
		},
		"entity in url": func(s string) string { return strings.Replace(s, link, link+"&amp;x", 1) },
		"comment":       func(s string) string { return strings.Replace(s, link, "<!-- -->"+link, 1) },
		"query":         func(s string) string { return strings.Replace(s, "-any.whl", "-any.whl?x=1", 1) },
		"percent":       func(s string) string { return strings.Replace(s, "foo_bar-0.0", "foo%5Fbar-0.0", 1) },
		"upper hash":    func(s string) string { return strings.Replace(s, "#sha256=", "#SHA256=", 1) },
		"md5":           func(s string) string { return strings.Replace(s, "#sha256=", "#md5=", 1) },
		"unknown attr":  func(s string) string { return strings.Replace(s, "\">foo_bar", "\" rel=\"x\">foo_bar", 1) },
		"trailing":      func(s string) string { return s + "<a href=\"x.whl\">x.whl</a>" },
		"CRLF":          func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") },
	} {
		edited := edit(page)
		if edited == page {
			t.Fatalf("%s: the edit changed nothing", name)
		}
		if _, ok, _ := parseRendered([]byte(edited), fastPageURL, "", orDiscard(nil)); ok {
			t.Errorf("%s: the fast path answered for\n%s", name, edited)
		}
	}
}

// FuzzParseRendered: whenever the fast path answers, the tokenizer gives the same page.
func FuzzParseRendered(f *testing.F) {
	rnd := rand.New(rand.NewSource(3))
	for _, n := range []int{0, 1, 5} {
		f.Add(renderedPage(f, rnd, n))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok, ferr := parseRendered(data, fastPageURL, "", orDiscard(nil))
		if !ok {
			return
		}
		slow, serr := parseTokens(data, fastPageURL, "", orDiscard(nil))
		if (ferr == nil) != (serr == nil) {
			t.Fatalf("fast path error %v, tokenizer error %v\n%q", ferr, serr, data)
		}
		if ferr == nil && !reflect.DeepEqual(fast, slow) {
			t.Fatalf("fast path\n%+v\ntokenizer\n%+v\npage %q", fast, slow, data)
		}
	})
}

// A 10,000-file page as `tufpip repo` publishes it (relative links), through the fast path
// and through the tokenizer.
func BenchmarkParseRendered10k(b *testing.B) {
	data := renderedPage(b, rand.New(rand.NewSource(10)), 10000)
	b.SetBytes(int64(len(data)))
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if p, err := ParseHTML(data, fastPageURL, nil); err != nil || len(p.Files) != 10000 {
				b.Fatal(err)
			}
		}
	})
	b.Run("tokenizer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if p, err := parseTokens(data, fastPageURL, "", orDiscard(nil)); err != nil || len(p.Files) != 10000 {
				b.Fatal(err)
			}
		}
	})
}
