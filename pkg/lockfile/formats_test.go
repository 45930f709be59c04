package lockfile

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestPoetryLockFixture(t *testing.T) {
	lf, err := Load("testdata/poetry.lock")
	if err != nil {
		t.Fatal(err)
	}
	if lf.Format != FormatPoetry || lf.Version != "2.1" {
		t.Errorf("format %q version %q", lf.Format, lf.Version)
	}
	want := []string{
		"testdata/poetry.lock:11 wheel certifi certifi-2025.1.31-py3-none-any.whl",
		"testdata/poetry.lock:12 sdist certifi certifi-2025.1.31.tar.gz",
		"testdata/poetry.lock:24 wheel colorama colorama-0.4.6-py2.py3-none-any.whl",
		"testdata/poetry.lock:25 sdist colorama colorama-0.4.6.tar.gz",
		"testdata/poetry.lock:36 wheel internal-lib internal_lib-1.4.0-py3-none-any.whl",
		"testdata/poetry.lock:53 wheel markupsafe MarkupSafe-3.0.2-cp312-cp312-macosx_11_0_arm64.whl",
		"testdata/poetry.lock:54 wheel markupsafe MarkupSafe-3.0.2-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
		"testdata/poetry.lock:55 wheel markupsafe MarkupSafe-3.0.2-cp312-cp312-win_amd64.whl",
		"testdata/poetry.lock:56 sdist markupsafe markupsafe-3.0.2.tar.gz",
		"testdata/poetry.lock:69 directory mylib",
		"testdata/poetry.lock:82 vcs plugin",
		"testdata/poetry.lock:96 wheel vendored vendored-1.0.0-py3-none-any.whl",
		"testdata/poetry.lock:111 sdist direct direct-3.0.tar.gz",
	}
	if got := entryLines(lf); !reflect.DeepEqual(got, want) {
		t.Fatalf("entries:\n got %q\nwant %q", got, want)
	}
	for i, e := range lf.Entries[:9] {
		if e.Direct || !e.Pinned || len(e.Hashes) != 1 || e.Hashes[0].Algorithm != "sha256" || e.Size != -1 {
			t.Errorf("entry %d: %+v", i, e)
		}
	}
	if e := lf.Entries[2]; e.Marker != `sys_platform == "win32"` || e.Source != "" {
		t.Errorf("colorama %+v", e)
	}
	if e := lf.Entries[4]; e.Source != "https://pypi.example.org/simple" {
		t.Errorf("legacy source %+v", e)
	}
	if e := lf.Entries[9]; e.Path != "libs/mylib" || !e.Editable || e.Kind.Verifiable() {
		t.Errorf("directory %+v", e)
	}
	if e := lf.Entries[10]; e.URL != "https://github.com/example/plugin.git@0123456789abcdef0123456789abcdef01234567" || e.Pinned {
		t.Errorf("git %+v", e)
	}
	if e := lf.Entries[11]; e.Path != "vendor/vendored-1.0.0-py3-none-any.whl" || !e.Direct || e.URL != "" {
		t.Errorf("file source %+v", e)
	}
	if e := lf.Entries[12]; e.URL != "https://example.com/direct-3.0.tar.gz" || !e.Direct || len(e.Hashes) != 1 {
		t.Errorf("url source %+v", e)
	}
}

func TestPoetryLockVersion1(t *testing.T) {
	doc := `[[package]]
name = "six"
version = "1.16.0"
description = ""
category = "main"
optional = false
python-versions = ">=2.7"

[metadata]
lock-version = "1.1"
python-versions = "^3.8"
content-hash = "x"

[metadata.files]
six = [
    {file = "six-1.16.0-py2.py3-none-any.whl", hash = "sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254"},
    {file = "six-1.16.0.tar.gz", hash = "sha256:1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926"},
]
`
	lf, err := Parse("poetry.lock", strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"poetry.lock:16 wheel six six-1.16.0-py2.py3-none-any.whl", "poetry.lock:17 sdist six six-1.16.0.tar.gz"}
	if got := entryLines(lf); !reflect.DeepEqual(got, want) {
		t.Fatalf("entries:\n got %q\nwant %q", got, want)
	}
}

func TestPipfileLockFixture(t *testing.T) {
	lf, err := Load("testdata/Pipfile.lock")
	if err != nil {
		t.Fatal(err)
	}
	if lf.Format != FormatPipfile || lf.Version != "6" {
		t.Errorf("format %q version %q", lf.Format, lf.Version)
	}
	want := []string{
		"testdata/Pipfile.lock:24 requirement certifi",
		"testdata/Pipfile.lock:33 requirement internal-lib",
		"testdata/Pipfile.lock:40 requirement mylib",
		"testdata/Pipfile.lock:44 vcs plugin",
		"testdata/Pipfile.lock:48 requirement vendored vendored-1.0.0-py3-none-any.whl",
		"testdata/Pipfile.lock:54 requirement local-archive local_archive-2.0.tar.gz",
		"testdata/Pipfile.lock:59 requirement colorama",
		"testdata/Pipfile.lock:67 requirement pytest",
	}
	if got := entryLines(lf); !reflect.DeepEqual(got, want) {
		t.Fatalf("entries:\n got %q\nwant %q", got, want)
	}
	certifi := lf.Entries[0]
	if !certifi.Pinned || certifi.Version != "2025.1.31" || len(certifi.Hashes) != 2 || certifi.Source != "https://pypi.org/simple" ||
		certifi.Marker != "python_version >= '3.6'" || certifi.Raw != "certifi==2025.1.31" {
		t.Errorf("certifi %+v", certifi)
	}
	if e := lf.Entries[1]; e.Source != "https://pypi.example.org/simple" {
		t.Errorf("internal %+v", e)
	}
	if e := lf.Entries[2]; e.Path != "./libs/mylib" || !e.Editable || e.Filename != "" {
		t.Errorf("editable path %+v", e)
	}
	if e := lf.Entries[4]; e.URL != "https://example.com/vendored-1.0.0-py3-none-any.whl" || len(e.Hashes) != 1 {
		t.Errorf("file %+v", e)
	}
	if e := lf.Entries[5]; e.Path != "vendor/local_archive-2.0.tar.gz" {
		t.Errorf("path %+v", e)
	}
	if e := lf.Entries[7]; !e.Pinned || len(e.Hashes) != 0 {
		t.Errorf("hashless %+v", e)
	}
}

func TestJSONAndPoetryErrors(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"Pipfile.lock", "{\n  \"_meta\": {},\n  \"default\": {\n    \"a\": {\"version\": \"==1\"},\n    \"a\": {}\n  }\n}", "Pipfile.lock:5: key \"a\" is written twice"},
		{"Pipfile.lock", "{\n  \"_meta\": {},\n  \"default\": {\n    \"a\": {\"version\": \"==1\",}\n  }\n}", "Pipfile.lock:4: invalid JSON: invalid character '}'"},
		{"Pipfile.lock", "{\n  \"_meta\": {},\n  \"default\": {\n", "Pipfile.lock:3: invalid JSON: unexpected end of file"},
		{"Pipfile.lock", "[]", "Pipfile.lock:1: the top-level value must be an object, not an array"},
		{"Pipfile.lock", "{\"a\": 1}", "Pipfile.lock:1: missing _meta, default or develop: not a Pipfile.lock file"},
		{"Pipfile.lock", "{\"_meta\": {},\n\"default\": {\"a\": {\"version\": \"==1\", \"hashes\": [\"sha256:zz\"]}}}", "Pipfile.lock:2: a: sha256 digest \"zz\" is not hexadecimal"},
		{"Pipfile.lock", "{\"_meta\": {},\n\"default\": {\"a\": {\"version\": 1}}}", "Pipfile.lock:2: default.a.version must be a string, not a number"},
		{"Pipfile.lock", "{\"_meta\": {},\n\"default\": {\"a\": {\"version\": \">=1\"}}}" + " x", "Pipfile.lock:2: unexpected data after the top-level value"},
		{"Pipfile.lock", strings.Repeat("[", 100) + strings.Repeat("]", 100), "Pipfile.lock:1: nested more than 64 levels deep"},
		{"poetry.lock", "[[package]]\nname = \"a\"\n", "poetry.lock: missing [metadata] lock-version: not a poetry.lock file"},
		{"poetry.lock", "[metadata]\nlock-version = \"3.0\"\n", "poetry.lock:2: poetry.lock lock-version \"3.0\" is not supported"},
		{"poetry.lock", "[[package]]\nname = \"a\"\nversion = \"1\"\n[package.source]\ntype = \"hg\"\nurl = \"x\"\n[metadata]\nlock-version = \"2.0\"\n", "poetry.lock:5: package a: unknown source type \"hg\""},
		{"poetry.lock", "[[package]]\nname = \"a\"\nversion = \"1\"\nfiles = [\n {file = \"../a-1.tar.gz\", hash = \"sha256:00\"},\n]\n[metadata]\nlock-version = \"2.0\"\n", "poetry.lock:5: sdist a: file name \"../a-1.tar.gz\" is not a plain file name"},
		{"poetry.lock", "[[package]]\nname = \"a\"\nversion = \"1\"\nfiles = [\n {file = \"a-1.tar.gz\", hash = \"00\"},\n]\n[metadata]\nlock-version = \"2.0\"\n", "poetry.lock:5: a-1.tar.gz: hash \"00\" must be <algorithm>:<hex>"},
	} {
		_, err := Parse(tc.name, strings.NewReader(tc.doc))
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s %q:\n got %v\nwant %s", tc.name, tc.doc, err, tc.want)
		}
	}
}

func TestUnsupportedFormats(t *testing.T) {
	for _, name := range []string{"pdm.lock", "sub/Pipfile", "pyproject.toml", "conda-lock.yml"} {
		err := CheckSupported(name)
		var ue *UnsupportedError
		if !errors.As(err, &ue) || ue.Hint == "" || !strings.Contains(err.Error(), "is not a lockfile format tufpip reads") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
