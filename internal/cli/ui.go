package cli

// Every user-facing message of tufpip goes through this file. The rules:
//   - errors print as "tufpip: error: ..." and, when there is something to do about them,
//     "tufpip: hint: ..." on the next line;
//   - lowercase initials, no period at the end;
//   - name the file, the role and the reason; flags are written as -d/--dest;
//   - data goes to stdout, everything else (logs, progress, errors) to stderr.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/term"
)

// IOStreams are the three standard streams and whether they are terminals.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	OutTTY bool
	ErrTTY bool
}

// colorOn reports whether stderr's labels ("error:", "warning:", "hint:") are coloured: only
// on a terminal, and never with NO_COLOR set (https://no-color.org) or TERM=dumb.
func colorOn(io *IOStreams, getenv func(string) string) bool {
	return io.ErrTTY && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}

// label is a message's kind as printed: "error:", coloured as pip and uv colour it on a
// terminal (red errors, yellow warnings, cyan hints).
func label(kind string, color bool) string {
	if !color {
		return kind + ":"
	}
	code := map[string]string{"error": "1;31", "warning": "1;33", "hint": "1;36", "debug": "2"}[kind]
	if code == "" {
		return kind + ":"
	}
	return "\x1b[" + code + "m" + kind + ":\x1b[0m"
}

// report prints a confirmation of what a command did ("added ...", "saved ..."), which -q
// silences: a cron job stays quiet unless something fails.
func (a *App) report(format string, args ...any) {
	if !a.flags.quiet {
		fmt.Fprintf(a.IO.Out, format, args...)
	}
}

// status tells the user, on stderr, what a long-running command is doing ("serving ...");
// -q silences it.
func (a *App) status(format string, args ...any) {
	if !a.flags.quiet {
		fmt.Fprintf(a.IO.ErrOut, "tufpip: "+format+"\n", args...)
	}
}

// plural returns "1 project", "2 projects".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// SystemIO returns the process's real streams.
func SystemIO() *IOStreams {
	return &IOStreams{
		In:     os.Stdin,
		Out:    os.Stdout,
		ErrOut: os.Stderr,
		OutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		ErrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// writeError writes err (and its hint) in tufpip's style. An error already reported in full
// (see reportedError) gets only its hint.
func writeError(w io.Writer, err error, color bool) {
	if errors.Is(err, context.Canceled) {
		fmt.Fprintf(w, "tufpip: %s interrupted\n", label("error", color))
		return
	}
	var rep *reportedError
	if !errors.As(err, &rep) {
		writeErrorLine(w, err.Error(), color)
	}
	if h := hintFor(err); h != "" {
		fmt.Fprintf(w, "tufpip: %s %s\n", label("hint", color), safeText(h, true))
	}
}

// hint writes one "tufpip: hint: ..." line on stderr, for advice that belongs to no error
// (a wrapper's child has failed and passed on its exit code).
func (a *App) hint(format string, args ...any) {
	fmt.Fprintf(a.IO.ErrOut, "tufpip: %s %s\n", label("hint", a.color), safeText(fmt.Sprintf(format, args...), false))
}

// writeErrorLine writes one "tufpip: error: ..." message (multi-line messages keep their
// line breaks).
func writeErrorLine(w io.Writer, msg string, color bool) {
	fmt.Fprintf(w, "tufpip: %s %s\n", label("error", color), safeText(strings.TrimSpace(msg), true))
}

// reportedError is a failure whose message the command has already printed, next to the
// details that belong to it (resolve prints a failed requirement with its skipped files):
// only its hint and exit code are left to report.
type reportedError struct{ err error }

func (e *reportedError) Error() string { return e.err.Error() }
func (e *reportedError) Unwrap() error { return e.err }

// newColorLogger returns the slog logger every library gets: warnings by default, debug
// with -v, errors only with -q; the labels are coloured when color is set.
func newColorLogger(w io.Writer, verbose, quiet, color bool) *slog.Logger {
	level := slog.LevelWarn
	switch {
	case verbose:
		level = slog.LevelDebug
	case quiet:
		level = slog.LevelError
	}
	return slog.New(&lineHandler{w: w, level: level, color: color, mu: &sync.Mutex{}})
}

// lineHandler prints records as "tufpip: warning: message key=value", the same voice as errors.
type lineHandler struct {
	w     io.Writer
	level slog.Level
	attrs []slog.Attr
	color bool
	mu    *sync.Mutex
}

func (h *lineHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *lineHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString("tufpip: ")
	switch {
	case r.Level >= slog.LevelError:
		b.WriteString(label("error", h.color) + " ")
	case r.Level >= slog.LevelWarn:
		b.WriteString(label("warning", h.color) + " ")
	case r.Level >= slog.LevelInfo:
	default:
		b.WriteString(label("debug", h.color) + " ")
	}
	b.WriteString(safeText(r.Message, false))
	write := func(a slog.Attr) bool {
		if a.Equal(slog.Attr{}) {
			return true
		}
		fmt.Fprintf(&b, " %s=%s", a.Key, quoteIfNeeded(a.Value.String()))
		return true
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(write)
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}

func (h *lineHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	n := *h
	n.attrs = append(append([]slog.Attr{}, h.attrs...), attrs...)
	return &n
}

// WithGroup is not used by tufpip's libraries; groups are flattened.
func (h *lineHandler) WithGroup(string) slog.Handler { return h }

func quoteIfNeeded(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\n\"=") || strings.IndexFunc(s, notPrintable) >= 0 {
		return strconv.Quote(s)
	}
	return s
}

func notPrintable(r rune) bool { return !unicode.IsPrint(r) }

// safeText escapes what a terminal would act on instead of showing: control characters
// (escape sequences can retitle the window, clear the screen or hide text) and invisible
// formatting such as U+202E, which reverses the text after it. Filenames, project names and
// reasons come from signed pages and lockfiles that an attacker may have written.
// newlines keeps line breaks (multi-line errors).
func safeText(s string, newlines bool) string {
	if strings.IndexFunc(s, func(r rune) bool { return notPrintable(r) && !(newlines && r == '\n') }) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if notPrintable(r) && !(newlines && r == '\n') {
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
