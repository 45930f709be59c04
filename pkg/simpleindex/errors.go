package simpleindex

import (
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
)

// ParseError is a page that cannot be read: broken JSON, a field of the wrong type, or
// an unknown content type. Page is the page's logical URL ("" when none was given) and
// Field names the offending JSON field, such as "files[3].size".
type ParseError struct {
	Page  string
	Field string
	Msg   string
	Err   error
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(pageLabel(e.Page))
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

// VersionError is a page whose declared API version this client cannot read safely: a
// newer major version, or a version string that is not "MAJOR.MINOR".
type VersionError struct {
	Page    string
	Version string
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("%s: unsupported simple api version %q (this client reads 1.x up to %s)",
		pageLabel(e.Page), e.Version, APIVersion)
}

func pageLabel(p string) string {
	if p == "" {
		return "simple index page"
	}
	return p
}

func pageString(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.Redacted()
}

// checkAPIVersion applies PEP 629: fail on a major version above ours, warn on a newer
// minor version (its additions are meant to be safe to ignore).
func checkAPIVersion(v, page string, log *slog.Logger) error {
	majorS, minorS, ok := strings.Cut(strings.TrimSpace(v), ".")
	major, err1 := strconv.Atoi(majorS)
	minor, err2 := strconv.Atoi(minorS)
	if !ok || err1 != nil || err2 != nil || major < 0 || minor < 0 {
		return &VersionError{Page: page, Version: v}
	}
	if major > supportedMajor {
		return &VersionError{Page: page, Version: v}
	}
	if major == supportedMajor && minor > supportedMinor {
		log.Warn("simple api page declares a newer minor version; reading it as "+APIVersion,
			"page", pageLabel(page), "version", v)
	}
	return nil
}

func orDiscard(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return log
}
