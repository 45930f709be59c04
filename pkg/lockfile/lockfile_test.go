package lockfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDetectFormat(t *testing.T) {
	for path, want := range map[string]Format{
		"pylock.toml":              FormatPylock,
		"dir/pylock.toml":          FormatPylock,
		"pylock.dev.toml":          FormatPylock,
		"/x/pylock.spam-eggs.toml": FormatPylock,
		"pylock.a.b.toml":          FormatRequirements, // PEP 751: one name segment only
		"pylock..toml":             FormatRequirements,
		"mypylock.toml":            FormatRequirements,
		"uv.lock":                  FormatUvLock,
		"sub/uv.lock":              FormatUvLock,
		"requirements.txt":         FormatRequirements,
		"requirements.in":          FormatRequirements,
		"constraints":              FormatRequirements,
		"poetry.lock":              FormatPoetry,
		"app/poetry.lock":          FormatPoetry,
		"Pipfile.lock":             FormatPipfile,
		"pipfile.lock":             FormatRequirements, // pipenv writes Pipfile.lock only
	} {
		if got := DetectFormat(path); got != want {
			t.Errorf("DetectFormat(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestParseFileDispatch(t *testing.T) {
	for path, n := range map[string]int{
		"testdata/req/requirements.txt": 14,
		"testdata/pylock.toml":          9,
		"testdata/uv.lock":              13,
		"testdata/poetry.lock":          13,
		"testdata/Pipfile.lock":         8,
	} {
		entries, err := ParseFile(path)
		if err != nil || len(entries) != n {
			t.Errorf("ParseFile(%s): %d entries, %v; want %d", path, len(entries), err, n)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		lf, err := Parse(path, f)
		f.Close()
		if err != nil || len(lf.Entries) != n || lf.Path != path || lf.Entries[len(lf.Entries)-1].Pos.File != path {
			t.Errorf("Parse(%s): %v", path, err)
		}
	}
	// The format-specific functions read whatever the file is called.
	dir := t.TempDir()
	copyTo := func(src, name string) string {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, name)
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return dst
	}
	if e, err := ParsePylock(copyTo("testdata/pylock.toml", "locked.toml")); err != nil || len(e) != 9 {
		t.Errorf("ParsePylock: %d %v", len(e), err)
	}
	if e, err := ParseUvLock(copyTo("testdata/uv.lock", "old-uv.lock")); err != nil || len(e) != 13 {
		t.Errorf("ParseUvLock: %d %v", len(e), err)
	}
	if e, err := ParseRequirements(copyTo("testdata/req/constraints.txt", "pylock.toml")); err != nil || len(e) != 1 {
		t.Errorf("ParseRequirements: %d %v", len(e), err)
	}
}

func TestFileErrors(t *testing.T) {
	_, err := ParseFile("testdata/does-not-exist.txt")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	_, err = ParseFile("testdata")
	var pe *ParseError
	if !errors.As(err, &pe) || err.Error() != "testdata: is a directory, not a lockfile" {
		t.Errorf("directory: %v", err)
	}
	_, err = readLimited("big.txt", strings.NewReader(strings.Repeat("x", 101)), 100)
	if !errors.As(err, &pe) || err.Error() != "big.txt: file is larger than 100 bytes" {
		t.Errorf("limit: %v", err)
	}
	if data, err := readLimited("ok.txt", strings.NewReader(strings.Repeat("x", 100)), 100); err != nil || len(data) != 100 {
		t.Errorf("at the limit: %d %v", len(data), err)
	}
}

func TestHashStrong(t *testing.T) {
	for algo, strong := range map[string]bool{
		"sha256": true, "sha384": true, "sha512": true,
		"md5": false, "sha1": false, "sha224": false, "SHA256": false, "blake2b": false,
	} {
		if got := (Hash{Algorithm: algo}).Strong(); got != strong {
			t.Errorf("%s: Strong() = %v", algo, got)
		}
	}
}
