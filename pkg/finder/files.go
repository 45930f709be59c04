package finder

import (
	"fmt"
	"net/url"
	"strings"
)

// FilesURLError reports a files URL (Config.FilesURLs) that cannot be a base for trusted files.
type FilesURLError struct {
	URL    string
	Reason string
}

func (e *FilesURLError) Error() string {
	return fmt.Sprintf("files url %q: %s", e.URL, e.Reason)
}

// CheckFilesURL checks a files URL and returns it parsed, with a trailing "/": an absolute
// http(s) URL with a host, without a user, query or fragment. Files are trusted under it by
// the rules that apply under the targets URL: the same scheme (a link by http under an https
// base is outside it), host and path prefix.
func CheckFilesURL(raw string) (*url.URL, error) {
	fail := func(reason string) (*url.URL, error) { return nil, &FilesURLError{URL: raw, Reason: reason} }
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fail("not a url")
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		return fail("must be an absolute http(s) url with a host")
	case u.User != nil:
		return fail("must not carry a user name or password")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#"):
		return fail("must not have a query or a fragment")
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u, nil
}

// filesPath returns the file's path relative to the first of the files URLs it lies under
// (its TUF target path, as under the targets URL), or false.
func (f *Finder) filesPath(raw string) (string, bool) {
	for i, base := range f.files {
		if rel, ok := relativePath(f.cfg.FilesURLs[i], base, raw); ok {
			return rel, true
		}
	}
	return "", false
}
