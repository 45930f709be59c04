package simpleindex

import (
	"bytes"
	"fmt"
	"log/slog"
	"mime"
	"net/url"
	"strings"
)

// Parse reads a page in the form its Content-Type names: PEP 691 JSON, or PEP 503 HTML
// (the v1+html type or text/html). An empty content type is sniffed: JSON when the
// first non-space byte is "{", HTML otherwise. TUF targets carry no content type, so
// tufpip parses verified pages this way.
func Parse(data []byte, contentType string, pageURL *url.URL, log *slog.Logger) (*Page, error) {
	if strings.TrimSpace(contentType) == "" {
		if t := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(t) > 0 && t[0] == '{' {
			return ParseJSON(data, pageURL, log)
		}
		return ParseHTML(data, pageURL, log)
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, &ParseError{Page: pageString(pageURL), Msg: fmt.Sprintf("unreadable content type %q", contentType), Err: err}
	}
	switch mt {
	case ContentTypeJSON, "application/vnd.pypi.simple.latest+json":
		return ParseJSON(data, pageURL, log)
	case ContentTypeHTML, "application/vnd.pypi.simple.latest+html", ContentTypeLegacyHTML:
		return ParseHTML(data, pageURL, log)
	}
	if strings.HasPrefix(mt, "application/vnd.pypi.simple.") {
		return nil, &ParseError{Page: pageString(pageURL), Msg: fmt.Sprintf("unsupported simple api content type %q", mt)}
	}
	return nil, &ParseError{Page: pageString(pageURL), Msg: fmt.Sprintf("content type %q is not a simple api page", mt)}
}
