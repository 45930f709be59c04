package simpleindex

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

const h64 = "0000000000000000000000000000000000000000000000000000000000000001"

// pep458HTML is a page as PyPI writes it for its TUF repository: api-version 1.4 with the
// additions of PEP 708 (tracks), 740 (provenance) and 792 (project status), files on
// another host pinned by sha256.
func pep458HTML(version string) string {
	return `<!DOCTYPE html>
<html>
  <head>
    <meta name="pypi:repository-version" content="` + version + `">
    <meta name="pypi:project-status" content="active">
    <meta name="pypi:tracks" content="https://other.example/simple/foobar/">
    <title>Links for foobar</title>
  </head>
  <body>
    <h1>Links for foobar</h1>
    <a href="https://files.example/packages/ab/cd/foobar-1.0-py3-none-any.whl#sha256=` + h64 + `" data-requires-python="&gt;=3.8" data-dist-info-metadata="sha256=` + h64 + `" data-core-metadata="sha256=` + h64 + `" data-provenance="https://pypi.example/integrity/foobar/1.0/foobar-1.0-py3-none-any.whl/provenance">foobar-1.0-py3-none-any.whl</a><br />
  </body>
</html>
`
}

func pep458JSON(version string) string {
	return `{"meta": {"api-version": "` + version + `", "tracks": ["https://other.example/simple/foobar/"]},
 "name": "foobar", "project-status": {"status": "quarantined", "reason": "malware"},
 "alternate-locations": ["https://mirror.example/simple/foobar/"], "versions": ["1.0"],
 "files": [{"filename": "foobar-1.0-py3-none-any.whl", "url": "https://files.example/packages/ab/cd/foobar-1.0-py3-none-any.whl",
   "hashes": {"sha256": "` + h64 + `"}, "requires-python": ">=3.8", "core-metadata": {"sha256": "` + h64 + `"},
   "provenance": "https://pypi.example/integrity/foobar/1.0/foobar-1.0-py3-none-any.whl/provenance",
   "size": 10, "upload-time": "2025-01-01T00:00:00.000000Z", "yanked": false}]}`
}

// Pages up to the version tufpip knows (1.4) are read without a warning, their additions
// ignored; the file and its hash are what they are at 1.1.
func TestKnownAPIVersionsReadQuietly(t *testing.T) {
	for _, v := range []string{"1.1", "1.2", "1.3", "1.4"} {
		for form, data := range map[string]string{"html": pep458HTML(v), "json": pep458JSON(v)} {
			newerWarned.Store(false)
			rec, log := newRecorder()
			p, err := Parse([]byte(data), "", mustURL(t, "https://pypi.example/simple/foobar/"), log)
			if err != nil {
				t.Fatalf("%s %s: %v", form, v, err)
			}
			if len(p.Files) != 1 || p.Files[0].URL != "https://files.example/packages/ab/cd/foobar-1.0-py3-none-any.whl" || p.Files[0].Hashes["sha256"] != h64 {
				t.Errorf("%s %s: files %+v", form, v, p.Files)
			}
			if w := rec.warnings(); len(w) > 0 {
				t.Errorf("%s %s: warnings %q", form, v, w)
			}
		}
	}
}

// A newer 1.x is read with one warning per run, however many pages declare it; 2.0 is an
// error.
func TestNewerMinorVersionWarnsOnce(t *testing.T) {
	newerWarned.Store(false)
	t.Cleanup(func() { newerWarned.Store(false) })
	rec, log := newRecorder()
	for i, data := range []string{pep458HTML("1.5"), pep458JSON("1.5"), pep458HTML("1.9")} {
		if _, err := Parse([]byte(data), "", mustURL(t, "https://pypi.example/simple/foobar/"), log); err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
	}
	w := rec.warnings()
	if len(w) != 1 || !strings.Contains(w[0], "declares simple api version 1.5, newer than the 1.4 tufpip knows") {
		t.Errorf("warnings %q, want one about 1.5", w)
	}
	// A quiet parse (no logger) does not spend the warning.
	newerWarned.Store(false)
	if _, err := Parse([]byte(pep458HTML("1.5")), "", nil, nil); err != nil {
		t.Fatal(err)
	}
	if newerWarned.Load() {
		t.Error("a parse without a logger spent the once-per-run warning")
	}
	for _, data := range []string{pep458HTML("2.0"), pep458JSON("2.0")} {
		_, err := Parse([]byte(data), "", nil, log)
		var ve *VersionError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), `unsupported simple api version "2.0"`) {
			t.Errorf("2.0: %v, want a *VersionError", err)
		}
	}
}

// Attack: a page's api-version is text its writer chooses. One carrying terminal escapes is
// not a version: the page is refused, and the message quotes the text rather than writing the
// escapes to the terminal; only a version that parses as digits reaches the warning.
func TestAPIVersionWithEscapes(t *testing.T) {
	newerWarned.Store(false)
	t.Cleanup(func() { newerWarned.Store(false) })
	for _, v := range []string{"1.5\x1b]0;owned\x07", "1.\x1b[2J5", "\x1b[31m1.9"} {
		rec, log := newRecorder()
		for form, data := range map[string]string{"html": pep458HTML(v), "json": strings.Replace(pep458JSON("1.5"), `"1.5"`, strconvQuote(v), 1)} {
			_, err := Parse([]byte(data), "", mustURL(t, "https://pypi.example/simple/foobar/"), log)
			var ve *VersionError
			if !errors.As(err, &ve) || strings.ContainsRune(err.Error(), 0x1b) || strings.ContainsRune(err.Error(), 0x07) {
				t.Errorf("%s %q: %v, want a *VersionError that quotes the version", form, v, err)
			}
		}
		if w := rec.warnings(); len(w) > 0 {
			t.Errorf("%q: warnings %q", v, w)
		}
	}
}

// strconvQuote writes s as a JSON string (escapes as \u00XX).
func strconvQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if r < 0x20 {
			fmt.Fprintf(&b, `\u%04x`, r)
			continue
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}
