package simpleindex

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
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
	return fmt.Sprintf("%s: unsupported simple api version %q (this client reads 1.x, knowing what each version adds up to %s)",
		pageLabel(e.Page), e.Version, KnownAPIVersion)
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

// newerWarned makes the warning about a newer minor version once per process: a run reads
// many pages of one index, which all declare the same version.
var newerWarned atomic.Bool

// checkAPIVersion applies PEP 629: fail on a major version above ours, warn (once per
// process) on a newer minor version (its additions are meant to be safe to ignore).
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
	if major == supportedMajor && minor > supportedMinor && log.Enabled(context.Background(), slog.LevelWarn) && newerWarned.CompareAndSwap(false, true) {
		log.Warn(fmt.Sprintf("%s declares simple api version %s, newer than the %s tufpip knows; reading it as %s (said once per run)",
			pageLabel(page), strings.TrimSpace(v), KnownAPIVersion, KnownAPIVersion))
	}
	return nil
}

func orDiscard(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler) // not Enabled: a once-per-run warning is not spent on it
	}
	return log
}

// maxWarnings caps the warnings one page can log: a page of 10,000 odd links should
// not bury the one message that matters.
const maxWarnings = 20

// pageLogger returns the logger a parse uses, quiet after maxWarnings warnings, and a
// function to call when the parse ends, which says how many were left out.
func pageLogger(log *slog.Logger, page string) (*slog.Logger, func()) {
	if log == nil {
		return orDiscard(nil), func() {}
	}
	h := &limitHandler{Handler: log.Handler(), left: new(int)}
	*h.left = maxWarnings
	return slog.New(h), func() {
		if *h.left < 0 {
			log.Warn("more warnings about this page left out", "page", pageLabel(page), "count", -*h.left)
		}
	}
}

type limitHandler struct {
	slog.Handler
	left *int // warnings still allowed; below zero, minus the number dropped
}

func (h *limitHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		*h.left--
		if *h.left < 0 {
			return nil
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h *limitHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &limitHandler{Handler: h.Handler.WithAttrs(as), left: h.left}
}

func (h *limitHandler) WithGroup(name string) slog.Handler {
	return &limitHandler{Handler: h.Handler.WithGroup(name), left: h.left}
}
