package simpleindex

import (
	"errors"
	"testing"
)

func TestParseDispatch(t *testing.T) {
	htmlDoc := []byte(`<html><body><a href="h-1.zip">h-1.zip</a></body></html>`)
	jsonDoc := []byte(" \n\t{\"meta\": {\"api-version\": \"1.1\"}, \"files\": [{\"filename\": \"j-1.zip\", \"url\": \"j-1.zip\", \"hashes\": {}}]}")
	cases := []struct {
		data        []byte
		contentType string
		want        string // filename of the only file; "" = error
	}{
		{htmlDoc, ContentTypeHTML, "h-1.zip"},
		{htmlDoc, "text/html; charset=utf-8", "h-1.zip"},
		{htmlDoc, "Text/HTML", "h-1.zip"},
		{htmlDoc, "application/vnd.pypi.simple.latest+html", "h-1.zip"},
		{htmlDoc, "", "h-1.zip"},
		{jsonDoc, ContentTypeJSON, "j-1.zip"},
		{jsonDoc, "application/vnd.pypi.simple.v1+json; charset=utf-8", "j-1.zip"},
		{jsonDoc, "", "j-1.zip"},
		{jsonDoc, "application/json", ""},
		{jsonDoc, "application/vnd.pypi.simple.v2+json", ""},
		{jsonDoc, "text/html;;;=", ""},
		// a JSON page announced as HTML has no anchors: parsed as the server said
		{jsonDoc, "text/html", "-"},
	}
	for _, c := range cases {
		p, err := Parse(c.data, c.contentType, mustURL(t, pageBase), nil)
		switch {
		case c.want == "":
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Errorf("Parse(%q): err %v, want a *ParseError", c.contentType, err)
			}
		case err != nil:
			t.Errorf("Parse(%q): %v", c.contentType, err)
		case c.want == "-":
			if len(p.Files) != 0 {
				t.Errorf("Parse(%q): files %+v", c.contentType, p.Files)
			}
		case len(p.Files) != 1 || p.Files[0].Filename != c.want:
			t.Errorf("Parse(%q): files %+v, want %s", c.contentType, p.Files, c.want)
		}
	}
}
