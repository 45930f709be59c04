package simpleindex

import (
	"fmt"
	"net/url"
	"strings"
)

// Placeholders of a page URL template (CheckPageURL).
const (
	hashPlaceholder = "{hash}"
)

// PageURLError reports a page URL template that cannot name a project's page bytes.
type PageURLError struct {
	Template string
	Reason   string
}

func (e *PageURLError) Error() string {
	return fmt.Sprintf("page url template %q: %s", e.Template, e.Reason)
}

// CheckPageURL checks a page URL template: where a project's page bytes are fetched from
// when that differs from the page's target path, as in PyPI's PEP 458 layout, where the
// target "foobar" is stored as "simple/foobar/<blake2b-256>.foobar.html". It is relative to
// the targets URL unless absolute (http or https), and may hold {project} (the PEP 503
// normalised name) and {hash} (the hex digest of the page target's strongest signed hash,
// tuf.StrongestHash), in its path only: the host, a query or a fragment cannot come from
// them, and a template with neither would fetch every project's page from one URL.
func CheckPageURL(t string) error {
	fail := func(reason string) error { return &PageURLError{Template: t, Reason: reason} }
	if t == "" {
		return fail("is empty")
	}
	for _, r := range t {
		if r <= 0x20 || r == 0x7f || r == '\\' {
			return fail("contains a space, a control character or a backslash")
		}
	}
	if strings.ContainsAny(t, "?#") {
		return fail("must not have a query or a fragment")
	}
	// Every brace must belong to a known placeholder.
	for rest := t; rest != ""; {
		i := strings.IndexAny(rest, "{}")
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if rest[i] == '}' || j < 0 {
			return fail("has a brace that is not part of {project} or {hash}")
		}
		if p := rest[i : i+j+1]; p != projectPlaceholder && p != hashPlaceholder {
			return fail(fmt.Sprintf("unknown placeholder %s (use {project} and {hash})", p))
		}
		rest = rest[i+j+1:]
	}
	if !strings.Contains(t, projectPlaceholder) && !strings.Contains(t, hashPlaceholder) {
		return fail("must contain {project} or {hash}")
	}
	pathPart := t
	if i := strings.Index(t, "://"); i >= 0 {
		u, err := url.Parse(strings.NewReplacer(projectPlaceholder, "p", hashPlaceholder, "0").Replace(t))
		if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			return fail("an absolute url must be http(s) with a host")
		}
		if u.User != nil {
			return fail("must not carry a user name or password")
		}
		hostEnd := strings.IndexByte(t[i+3:], '/')
		if hostEnd < 0 {
			return fail("an absolute url needs a path with {project} or {hash}")
		}
		if strings.Contains(t[:i+3+hostEnd], "{") {
			return fail("{project} and {hash} are allowed only in the path, not in the scheme or host")
		}
		pathPart = t[i+3+hostEnd+1:]
	} else if first, _, _ := strings.Cut(t, "/"); first == "" || strings.Contains(first, ":") {
		return fail("must be relative to the targets url (no leading /) or an absolute http(s) url")
	}
	// A trailing "/" is a directory URL, as PEP 503's pages have.
	for _, seg := range strings.Split(strings.TrimSuffix(pathPart, "/"), "/") {
		switch seg {
		case "":
			return fail("has an empty path segment")
		case ".", "..":
			return fail(`must not contain "." or ".." segments`)
		}
	}
	if _, err := url.PathUnescape(pathPart); err != nil {
		return fail("has a malformed %-escape")
	}
	return nil
}

// PageURL expands a page URL template (see CheckPageURL) for a project and the hex digest
// that stands for its page target, against the targets URL (which ends with "/"). hexHash
// may be "" only when the template has no {hash}.
func PageURL(template, targetsURL, project, hexHash string) (string, error) {
	if err := CheckPageURL(template); err != nil {
		return "", err
	}
	name := NormalizeName(project)
	if !validNormalizedName(name) {
		return "", &NameError{Name: project}
	}
	if strings.Contains(template, hashPlaceholder) {
		if hexHash == "" || !lowerHex(hexHash) {
			return "", &PageURLError{Template: template, Reason: fmt.Sprintf("{hash}: %q is not a lowercase hex digest", hexHash)}
		}
	}
	s := strings.NewReplacer(projectPlaceholder, name, hashPlaceholder, hexHash).Replace(template)
	if !strings.Contains(template, "://") {
		s = targetsURL + s
	}
	return s, nil
}
