package simpleindex

import "testing"

func TestNegotiate(t *testing.T) {
	const none = ""
	cases := []struct{ accept, want string }{
		// pip 22.2+ (docs/reference.md): JSON when the server can.
		{"application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01", ContentTypeJSON},
		// uv
		{"application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01", ContentTypeJSON},
		// pip before 22.2 and clients that send nothing
		{"text/html", ContentTypeLegacyHTML},
		{"", ContentTypeLegacyHTML},
		{"   ", ContentTypeLegacyHTML},
		{"application/vnd.pypi.simple.v1+html", ContentTypeHTML},
		{"application/vnd.pypi.simple.latest+html", ContentTypeHTML},
		{"application/vnd.pypi.simple.latest+json", ContentTypeJSON},
		{"TEXT/HTML", ContentTypeLegacyHTML},
		// wildcards: ties go to the server's preference
		{"*/*", ContentTypeJSON},
		{"application/*", ContentTypeJSON},
		{"text/*", ContentTypeLegacyHTML},
		{"application/vnd.pypi.simple.v1+json;q=0.5, application/vnd.pypi.simple.v1+html;q=0.5", ContentTypeJSON},
		{"text/html;q=0.5, application/vnd.pypi.simple.v1+html;q=0.5", ContentTypeHTML},
		// q-values decide before preference
		{"application/vnd.pypi.simple.v1+json;q=0.5, text/html", ContentTypeLegacyHTML},
		{"application/vnd.pypi.simple.v1+json; charset=utf-8; q=0.2, text/html;q=0.3", ContentTypeLegacyHTML},
		{"application/vnd.pypi.simple.v1+json;q=0.001, text/html;q=0.000", ContentTypeJSON},
		// a specific range overrides a wildcard, also to refuse
		{"*/*;q=0.1, application/vnd.pypi.simple.v1+json;q=0", ContentTypeHTML},
		{"application/vnd.pypi.simple.v1+json;q=0, application/*;q=0.9", ContentTypeHTML},
		{"text/html;q=0.9, */*;q=0.1", ContentTypeLegacyHTML},
		// nothing acceptable: 406
		{"application/json", none},
		{"application/vnd.pypi.simple.v2+json", none},
		{"text/html;q=0", none},
		{"*/*;q=0", none},
		{"text/html;q=abc", none},
		{"text/html;q=2", none},
		{"text/html;q=NaN", none},
		{"garbage", none},
		{"*/html", none},
		{",,,", none},
	}
	for _, c := range cases {
		got, ok := Negotiate(c.accept)
		if got != c.want || ok != (c.want != none) {
			t.Errorf("Negotiate(%q) = %q, %v; want %q, %v", c.accept, got, ok, c.want, c.want != none)
		}
	}
}
