package simpleindex

import (
	"bytes"
	"log/slog"
	"net/url"
	"strings"
)

// parseRendered reads a page in exactly the form RenderHTML writes (what `tufpip repo`
// and PyPI-like generators publish) with plain relative links, without the HTML
// tokenizer and without a url.Parse per link: on a 10,000-file page that was most of
// the parse. Anything it does not recognise to the byte (another layout, a <base>, an
// entity other than the five RenderHTML writes, a character a URL would escape, a link
// text that differs from the URL's file name, a scheme, a query) returns ok=false, and
// ParseHTML reads the page the general way; FuzzParseRendered checks that whenever this
// path answers, the general one gives the same Page.
func parseRendered(data []byte, pageURL *url.URL, page string, log *slog.Logger) (p *Page, ok bool, err error) {
	const (
		head1 = "<!DOCTYPE html>\n<html>\n  <head>\n    <meta charset=\"utf-8\">\n" +
			"    <meta name=\"pypi:repository-version\" content=\""
		head2 = "\">\n    <title>"
		head3 = "</title>\n  </head>\n  <body>\n    <h1>"
		head4 = "</h1>\n"
		tail  = "  </body>\n</html>\n"
	)
	s := data
	cut := func(prefix string) bool {
		if !bytes.HasPrefix(s, []byte(prefix)) {
			return false
		}
		s = s[len(prefix):]
		return true
	}
	upto := func(stop byte) (string, bool) {
		i := bytes.IndexByte(s, stop)
		if i < 0 {
			return "", false
		}
		v := s[:i]
		s = s[i:]
		return string(v), true
	}
	if !cut(head1) {
		return nil, false, nil
	}
	version, ok := upto('"')
	if !ok || !plainText(version) || !cut(head2) {
		return nil, false, nil
	}
	title, ok := upto('<')
	if !ok || !plainText(title) || !cut(head3) || !cut(title) || !cut("<") || !cut(head4[1:]) {
		return nil, false, nil
	}
	name, named := strings.CutPrefix(title, "Links for ")
	if !named && title != "Links" {
		return nil, false, nil
	}
	p = &Page{Name: strings.TrimSpace(name), APIVersion: strings.TrimSpace(version),
		Files: make([]File, 0, bytes.Count(s, []byte("\n")))}
	if err := checkAPIVersion(version, page, log); err != nil {
		return nil, true, err
	}
	dirs := map[string]string{} // link directory -> its resolved URL
	var strs interner
	for !bytes.Equal(s, []byte(tail)) {
		if !cut("    <a href=\"") {
			return nil, false, nil
		}
		href, ok := upto('"')
		if !ok || !cut("\"") {
			return nil, false, nil
		}
		var f File
		f.Size = -1
		rel, frag, hasFrag := strings.Cut(href, "#")
		dir, fn := "", rel
		if i := strings.LastIndexByte(rel, '/'); i >= 0 {
			dir, fn = rel[:i+1], rel[i+1:]
		}
		if !plainName(fn) || !plainDir(dir) {
			return nil, false, nil
		}
		if hasFrag {
			v, isSHA := strings.CutPrefix(frag, "sha256=")
			if !isSHA || len(v) != 64 || !lowerHex(v) {
				return nil, false, nil
			}
			f.Hashes = map[string]string{"sha256": v}
		}
		resolved, seen := dirs[dir]
		if !seen {
			if pageURL == nil {
				resolved = dir
			} else {
				ref := dir
				if ref == "" {
					ref = "./" // the page's own directory, not the page
				}
				resolved = pageURL.ResolveReference(&url.URL{Path: ref}).String()
				if !strings.HasSuffix(resolved, "/") {
					return nil, false, nil
				}
			}
			dirs[dir] = resolved
		}
		f.URL = resolved + fn
		for !cut(">") {
			if !cut(" ") {
				return nil, false, nil
			}
			attrName, ok := upto('=')
			if !ok || !cut("=\"") {
				return nil, false, nil
			}
			raw, ok := upto('"')
			if !ok || !cut("\"") {
				return nil, false, nil
			}
			v, ok := unescapeRendered(raw)
			if !ok {
				return nil, false, nil
			}
			switch attrName {
			case "data-requires-python":
				f.RequiresPython = strs.str([]byte(v))
			case "data-yanked":
				f.Yanked, f.YankedReason = true, strs.str([]byte(v))
			case "data-core-metadata":
				if f.CoreMetadata != nil || !cut(" data-dist-info-metadata=\""+raw+"\"") {
					return nil, false, nil
				}
				f.CoreMetadata = metadataAttr(v, "data-core-metadata", page, fn, log)
			default:
				return nil, false, nil
			}
		}
		text, ok := upto('<')
		if !ok || text != fn || !cut("</a><br>\n") {
			return nil, false, nil
		}
		f.Filename = fn
		p.Files = append(p.Files, f)
	}
	return p, true, nil
}

// plainText is text without markup, entities or control characters.
func plainText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '<' || c == '>' || c == '&' || c == '"' || c == 0x7f {
			return false
		}
	}
	return true
}

// plainName is a file name that URLs, HTML and the anchor text all carry unchanged.
func plainName(s string) bool {
	if s == "" || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == '+' || c == '~') {
			return false
		}
	}
	return true
}

// plainDir is "" or a relative directory of plain segments ("../../packages/").
func plainDir(s string) bool {
	if s == "" {
		return true
	}
	for _, seg := range strings.Split(strings.TrimSuffix(s, "/"), "/") {
		if seg != ".." && seg != "." && !plainName(seg) {
			return false
		}
	}
	return true
}

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// unescapeRendered undoes escape() for the entities it writes; anything else is not a
// page RenderHTML wrote.
func unescapeRendered(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '<' || c == '>' || c == 0x7f {
			return "", false
		}
	}
	if strings.IndexByte(s, '&') < 0 {
		return s, true
	}
	var b strings.Builder
	for s != "" {
		i := strings.IndexByte(s, '&')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i:]
		found := false
		for _, e := range [...][2]string{{"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}, {"&#34;", "\""}, {"&#39;", "'"}} {
			if strings.HasPrefix(s, e[0]) {
				b.WriteString(e[1])
				s = s[len(e[0]):]
				found = true
				break
			}
		}
		if !found {
			return "", false
		}
	}
	return b.String(), true
}
