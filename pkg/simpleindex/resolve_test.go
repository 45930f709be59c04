package simpleindex

import (
	"net/url"
	"testing"
)

// resolve skips ResolveReference for clean absolute URLs; it must never give a
// different answer, or a "../" could escape the targets URL unnoticed.
func TestResolveMatchesResolveReference(t *testing.T) {
	base := mustURL(t, "https://example.org/targets/simple/foo/index.html")
	for _, ref := range []string{
		"https://files.example/a/b.whl", "https://files.example", "https://files.example/",
		"https://files.example/a//b.whl", "https://files.example/a/../b.whl", "https://files.example/./b.whl",
		"https://files.example/a/..", "https://files.example/.well-known/x.whl", "https://files.example/a/%2e%2e/b.whl",
		"https://u:p@files.example/a.whl", "https://files.example/a%2Fb.whl", "https://files.example/a+b%2B.whl",
		"https://files.example/a b.whl", "https://files.example/a.whl?x=../y", "HTTPS://Files.Example/A.whl",
		"//files.example/a.whl", "/abs/a.whl", "rel/a.whl", "../../a.whl", "", "?q=1", "file:///tmp/a.whl",
		"http://[::1]:8080/a.whl",
	} {
		u, err := url.Parse(ref)
		if err != nil {
			t.Fatalf("%q: %v", ref, err)
		}
		want := base.ResolveReference(u).String()
		u2, _ := url.Parse(ref)
		if got := resolve(base, u2).String(); got != want {
			t.Errorf("resolve(%q) = %q, ResolveReference gives %q", ref, got, want)
		}
	}
}

func FuzzResolve(f *testing.F) {
	for _, s := range []string{"https://files.example/a/b.whl", "https://files.example/a/../b.whl", "../a.whl", "//h/a"} {
		f.Add(s)
	}
	base := mustURL(f, "https://example.org/targets/simple/foo/index.html")
	f.Fuzz(func(t *testing.T, ref string) {
		u, err := url.Parse(ref)
		if err != nil {
			return
		}
		want := base.ResolveReference(u).String()
		u2, _ := url.Parse(ref)
		if got := resolve(base, u2).String(); got != want {
			t.Fatalf("resolve(%q) = %q, ResolveReference gives %q", ref, got, want)
		}
	})
}
