package simpleindex

import (
	"bytes"
	"log/slog"
	"net/url"
	"path"
	"strings"

	nethtml "golang.org/x/net/html"
)

// ParseHTML reads a PEP 503 page. pageURL is the page's logical URL (for tufpip,
// <targets-url><index path>), against which links are resolved; when it is nil, links
// stay as written.
//
// The filename of a file is its anchor's text, or the last segment of its URL when the
// anchor has no text. pip itself never reads the anchor text: it always takes the last
// URL segment, so a page whose anchor text and URL disagree is logged, because tufpip and
// pip would then be talking about different files.
//
// Like pip, ParseHTML honours the first <base href> anywhere in the document (resolved
// against pageURL, which pip does not do), ignores links inside comments, <script> and
// <style>, and reads markup inside <noscript>, <iframe>, <textarea> and the like, which
// Python's HTMLParser does not treat as raw text.
func ParseHTML(data []byte, pageURL *url.URL, log *slog.Logger) (*Page, error) {
	page := pageString(pageURL)
	log, done := pageLogger(log, page)
	defer done()
	if p, ok, err := parseRendered(data, pageURL, page, log); ok {
		return p, err
	}
	return parseTokens(data, pageURL, page, log)
}

// parseTokens is ParseHTML's general path: x/net/html's tokenizer and net/url.
func parseTokens(data []byte, pageURL *url.URL, page string, log *slog.Logger) (*Page, error) {
	p := &Page{APIVersion: "1.0"}
	var (
		anchors    []rawAnchor
		open       = -1 // index in anchors of the <a> whose text we are collecting
		text       bytes.Buffer
		baseHref   string
		haveBase   bool
		haveMeta   bool
		inTitle    bool
		titleFound bool
		strs       interner
	)
	closeAnchor := func() {
		if open >= 0 {
			anchors[open].text = strings.TrimSpace(text.String())
			open = -1
		}
	}
	z := nethtml.NewTokenizer(bytes.NewReader(data))
	for {
		tt := z.Next()
		switch tt {
		case nethtml.ErrorToken:
			// io.EOF or a tokenizer error: either way the document is over. The tokenizer
			// has no size limit of its own; callers cap the page length before parsing.
			closeAnchor()
			p.Files = resolveAnchors(anchors, pageURL, baseHref, haveBase, page, log)
			return p, nil
		case nethtml.TextToken:
			if open >= 0 {
				text.Write(z.Text())
			} else if inTitle && !titleFound {
				titleFound = true
				if name, ok := strings.CutPrefix(strings.TrimSpace(string(z.Text())), "Links for "); ok {
					p.Name = strings.TrimSpace(name)
				}
			}
		case nethtml.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "a":
				closeAnchor()
			case "title":
				inTitle = false
			}
		case nethtml.StartTagToken, nethtml.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "a":
				closeAnchor() // an <a> inside an <a> ends the first, as in the HTML parser
				a := readAnchorAttrs(z, hasAttr, &strs)
				anchors = append(anchors, a)
				if tt == nethtml.StartTagToken {
					open = len(anchors) - 1
					text.Reset()
				}
			case "base":
				if href, ok := attr(z, hasAttr, "href"); ok && !haveBase {
					baseHref, haveBase = href, true
				}
			case "meta":
				if err := readMeta(z, hasAttr, p, &haveMeta, page, log); err != nil {
					return nil, err
				}
			case "title":
				inTitle = tt == nethtml.StartTagToken
			case "noscript", "iframe", "noembed", "noframes", "xmp", "textarea", "plaintext":
				if tt == nethtml.StartTagToken {
					z.NextIsNotRawText()
				}
			}
		}
	}
}

// rawAnchor is an <a> as written; links are resolved once the whole document (and so
// its <base>) has been read.
type rawAnchor struct {
	href, text               string
	hasHref                  bool
	requiresPython           string
	yanked                   bool
	yankedReason             string
	coreMetadata, distInfoMD string
	hasCoreMD, hasDistInfoMD bool
}

func readAnchorAttrs(z *nethtml.Tokenizer, more bool, in *interner) rawAnchor {
	var a rawAnchor
	// The values stay valid until the next call to z.Next, so the metadata attributes
	// (PyPI writes both names with the same value) become strings only once we know
	// which one counts.
	var coreMD, distInfoMD []byte
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		// x/net/html keeps only the first of repeated attributes, as the HTML standard
		// does. pip reads attributes into a dict and so uses the last: a page that
		// repeats href means different things to the two (tufpip serves pip its own
		// rendering, so pip never sees such a page through tufpip).
		switch string(k) {
		case "href":
			a.href, a.hasHref = strings.TrimSpace(string(v)), true
		case "data-requires-python":
			a.requiresPython = in.str(v)
		case "data-yanked":
			a.yanked, a.yankedReason = true, in.str(v)
		case "data-core-metadata":
			coreMD, a.hasCoreMD = v, true
		case "data-dist-info-metadata":
			distInfoMD, a.hasDistInfoMD = v, true
		}
	}
	if a.hasCoreMD {
		a.coreMetadata = in.str(coreMD)
	} else if a.hasDistInfoMD {
		a.distInfoMD = in.str(distInfoMD)
	}
	return a
}

// interner shares the strings that repeat across a page's links (requires-python,
// "true" metadata, yank reasons), so a 10,000-file page holds each once.
type interner map[string]string

func (in *interner) str(b []byte) string {
	if s, ok := (*in)[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(*in) < 1024 && len(s) <= 256 {
		if *in == nil {
			*in = make(interner)
		}
		(*in)[s] = s
	}
	return s
}

func attr(z *nethtml.Tokenizer, more bool, want string) (string, bool) {
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		if string(k) == want {
			return string(v), true
		}
	}
	return "", false
}

func readMeta(z *nethtml.Tokenizer, more bool, p *Page, haveMeta *bool, page string, log *slog.Logger) error {
	var name, content string
	var hasContent bool
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		switch string(k) {
		case "name":
			name = string(v)
		case "content":
			content, hasContent = string(v), true
		}
	}
	if !strings.EqualFold(name, "pypi:repository-version") || !hasContent {
		return nil
	}
	// Every declaration is checked, so a second meta tag cannot hide a major version
	// this client does not understand; the first one is the page's version.
	if err := checkAPIVersion(content, page, log); err != nil {
		return err
	}
	if !*haveMeta {
		*haveMeta = true
		p.APIVersion = strings.TrimSpace(content)
	}
	return nil
}

func resolveAnchors(anchors []rawAnchor, pageURL *url.URL, baseHref string, haveBase bool, page string, log *slog.Logger) []File {
	base := pageURL
	if haveBase {
		if b, err := url.Parse(baseHref); err != nil {
			log.Warn("ignoring unparsable <base href>", "page", pageLabel(page), "href", baseHref, "err", err)
		} else if base != nil {
			base = base.ResolveReference(b)
		} else {
			base = b
		}
	}
	files := make([]File, 0, len(anchors))
	for i := range anchors {
		if f, ok := anchorFile(&anchors[i], base, page, log); ok {
			files = append(files, f)
		}
	}
	return files
}

func anchorFile(a *rawAnchor, base *url.URL, page string, log *slog.Logger) (File, bool) {
	skip := func(reason string, args ...any) (File, bool) {
		log.Warn("skipping link: "+reason,
			append([]any{"page", pageLabel(page), "href", a.href, "text", a.text}, args...)...)
		return File{}, false
	}
	if !a.hasHref || a.href == "" {
		return skip("no href")
	}
	// The fragment is split off by hand: it is ours to read (hashes), never part of
	// File.URL, and url.Parse would unescape it for nothing.
	rawURL, frag, _ := strings.Cut(a.href, "#")
	u, err := url.Parse(rawURL)
	if err != nil {
		return skip("unparsable url", "err", err)
	}
	u = resolve(base, u)
	if u.Opaque != "" || (u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "file") {
		return skip("not an http(s) or file url")
	}
	if strings.IndexByte(frag, '%') >= 0 {
		if unescaped, err := url.PathUnescape(frag); err == nil {
			frag = unescaped
		}
	}
	f := File{
		Filename:       a.text,
		Hashes:         fragmentHashes(frag, page, a.href, log),
		RequiresPython: a.requiresPython,
		Yanked:         a.yanked,
		YankedReason:   a.yankedReason,
		Size:           -1,
	}
	f.URL = u.String()
	urlName := ""
	if u.Path != "" && !strings.HasSuffix(u.Path, "/") {
		urlName = path.Base(u.Path)
	}
	if f.Filename == "" {
		// Trimmed like anchor text, so that the file reads the same once rendered.
		f.Filename = strings.TrimSpace(urlName)
		if f.Filename == "" {
			return skip("no filename in the anchor text or the url")
		}
	} else if f.Filename != urlName {
		log.Warn("link text differs from the url's file name; pip uses the url's",
			"page", pageLabel(page), "text", f.Filename, "url", f.URL)
	}
	if a.hasCoreMD {
		f.CoreMetadata = metadataAttr(a.coreMetadata, "data-core-metadata", page, f.Filename, log)
	} else if a.hasDistInfoMD {
		f.CoreMetadata = metadataAttr(a.distInfoMD, "data-dist-info-metadata", page, f.Filename, log)
	}
	return f, true
}

// fragmentHashes reads "#sha256=<hex>" (several joined by "&" are accepted). Fragments
// that are link options rather than hashes ("#egg=", "#subdirectory=") are ignored.
func fragmentHashes(frag, page, href string, log *slog.Logger) map[string]string {
	if frag == "" {
		return nil
	}
	// The form nearly every page uses, without the general loop's allocations.
	if v, ok := strings.CutPrefix(frag, "sha256="); ok && len(v) == 64 {
		if hex, good := checkDigest("sha256", v); good {
			return map[string]string{"sha256": hex}
		}
	}
	h := make(map[string]string, 1)
	for part := range strings.SplitSeq(frag, "&") {
		name, value, ok := strings.Cut(part, "=")
		algo, known := canonicalAlgo(name)
		if !known {
			continue
		}
		hex, good := checkDigest(algo, value)
		if !ok || !good {
			log.Warn("ignoring malformed hash in link fragment", "page", pageLabel(page), "href", href)
			continue
		}
		if old, dup := h[algo]; dup && old != hex {
			log.Warn("ignoring second, different "+algo+" in link fragment", "page", pageLabel(page), "href", href)
			continue
		}
		h[algo] = hex
	}
	if len(h) == 0 {
		return nil
	}
	return h
}

// metadataAttr reads PEP 658/714's "true" or "<algo>=<hex>". Like pip, a value it cannot
// read still means the metadata file exists, only without a usable hash.
func metadataAttr(v, attrName, page, filename string, log *slog.Logger) map[string]string {
	v = strings.TrimSpace(v)
	switch strings.ToLower(v) {
	case "true":
		return map[string]string{}
	case "false":
		return nil
	}
	name, value, _ := strings.Cut(v, "=")
	if algo, known := canonicalAlgo(name); known {
		if hex, ok := checkDigest(algo, value); ok {
			return map[string]string{algo: hex}
		}
	}
	log.Warn("malformed "+attrName+"; assuming the metadata file exists without a hash",
		"page", pageLabel(page), "file", filename, "value", v)
	return map[string]string{}
}

// resolve is base.ResolveReference(ref) without its copying when ref is already an
// absolute URL with no "." or ".." segments to remove, the usual case on a large page.
func resolve(base, ref *url.URL) *url.URL {
	if base == nil {
		return ref
	}
	if ref.Scheme != "" && ref.Host != "" && !strings.Contains(ref.Path, "/.") && ref.RawPath == "" {
		return ref
	}
	return base.ResolveReference(ref)
}
