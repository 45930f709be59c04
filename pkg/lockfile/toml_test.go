package lockfile

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// entryLine is the short form fixture tests compare: position, kind, name, file.
func entryLines(lf *Lockfile) []string {
	var out []string
	for _, e := range lf.Entries {
		s := e.Pos.String() + " " + string(e.Kind) + " " + e.Name
		if e.Filename != "" {
			s += " " + e.Filename
		}
		out = append(out, s)
	}
	return out
}

func TestPylockFixture(t *testing.T) {
	lf, err := Load("testdata/pylock.toml")
	if err != nil {
		t.Fatal(err)
	}
	if lf.Format != FormatPylock || lf.Version != "1.0" || len(lf.Options) != 0 {
		t.Errorf("format %q version %q options %v", lf.Format, lf.Version, lf.Options)
	}
	want := []string{
		"testdata/pylock.toml:12 wheel attrs attrs-25.1.0-py3-none-any.whl",         // inline array element
		"testdata/pylock.toml:28 wheel cattrs cattrs-24.1.2-py3-none-any.whl",       // [[packages.wheels]]
		"testdata/pylock.toml:40 sdist numpy numpy-2.2.3.tar.gz",                    // sdist = {...}, name from the URL
		"testdata/pylock.toml:42 wheel numpy numpy-2.2.3-cp312-cp312-win_amd64.whl", // no name: from the URL
		"testdata/pylock.toml:43 wheel numpy numpy-2.2.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
		"testdata/pylock.toml:50 sdist local-wheel local_wheel-0.3.0.tar.gz", // [packages.sdist] with a path
		"testdata/pylock.toml:57 archive vendored vendored-1.0.zip",
		"testdata/pylock.toml:61 vcs from-git",
		"testdata/pylock.toml:69 directory myproject",
	}
	if got := entryLines(lf); !reflect.DeepEqual(got, want) {
		t.Fatalf("entries:\n got %q\nwant %q", got, want)
	}
	attrs := lf.Entries[0]
	if attrs.Version != "25.1.0" || attrs.Size != 63152 || !attrs.Pinned || len(attrs.Hashes) != 1 ||
		attrs.Hashes[0].Algorithm != "sha256" || len(attrs.Hashes[0].Hex) != 64 ||
		!strings.HasPrefix(attrs.URL, "https://files.pythonhosted.org/packages/fc/30/") {
		t.Errorf("attrs %+v", attrs)
	}
	if lf.Entries[1].Source != "https://pypi.org/simple" {
		t.Errorf("cattrs source %q, want packages.index", lf.Entries[1].Source)
	}
	if m := lf.Entries[3].Marker; m != "python_version >= '3.10'" {
		t.Errorf("numpy marker %q", m)
	}
	if h := lf.Entries[4].Hashes; len(h) != 2 || h[0].Algorithm != "sha256" || h[1].Algorithm != "sha512" || len(h[1].Hex) != 128 {
		t.Errorf("numpy manylinux hashes %v", h)
	}
	for i, e := range lf.Entries[:5] {
		if e.Direct {
			t.Errorf("entry %d is an index file, not direct: %+v", i, e)
		}
	}
	if !lf.Entries[6].Direct {
		t.Errorf("archive is not direct: %+v", lf.Entries[6])
	}
	if e := lf.Entries[5]; e.Path != "dist/local_wheel-0.3.0.tar.gz" || e.URL != "" || e.Size != -1 || !e.Direct {
		t.Errorf("local sdist %+v", e)
	}
	if e := lf.Entries[7]; e.URL != "https://github.com/example/from-git.git" || e.Kind.Verifiable() || e.Pinned {
		t.Errorf("vcs %+v", e)
	}
	if e := lf.Entries[8]; e.Path != "." || !e.Editable || e.Kind.Verifiable() {
		t.Errorf("directory %+v", e)
	}
}

func TestUvLockFixture(t *testing.T) {
	lf, err := Load("testdata/uv.lock")
	if err != nil {
		t.Fatal(err)
	}
	if lf.Format != FormatUvLock || lf.Version != "1" {
		t.Errorf("format %q version %q", lf.Format, lf.Version)
	}
	want := []string{
		"testdata/uv.lock:17 sdist anyio anyio-4.6.2.post1.tar.gz",
		"testdata/uv.lock:19 wheel anyio anyio-4.6.2.post1-py3-none-any.whl",
		"testdata/uv.lock:26 sdist idna idna-3.10.tar.gz",
		"testdata/uv.lock:28 wheel idna idna-3.10-py3-none-any.whl",
		"testdata/uv.lock:31 directory myproject",
		"testdata/uv.lock:46 vcs plugin",
		"testdata/uv.lock:55 sdist sniffio sniffio-1.3.1.tar.gz",
		"testdata/uv.lock:56 wheel sniffio sniffio-1.3.1-py3-none-any.whl",             // wheels = [{...}] on one line
		"testdata/uv.lock:63 wheel torch torch-2.5.1+cpu-cp311-cp311-linux_x86_64.whl", // %2B decoded
		"testdata/uv.lock:64 wheel torch torch-2.5.1+cpu-cp312-cp312-linux_x86_64.whl",
		"testdata/uv.lock:72 wheel vendored vendored-1.0.0-py3-none-any.whl",
		"testdata/uv.lock:79 sdist direct direct-3.0.tar.gz",
		"testdata/uv.lock:81 directory workspace-root",
	}
	if got := entryLines(lf); !reflect.DeepEqual(got, want) {
		t.Fatalf("entries:\n got %q\nwant %q", got, want)
	}
	anyio := lf.Entries[0]
	if anyio.Version != "4.6.2.post1" || anyio.Source != "https://pypi.org/simple" || anyio.Size != 173422 ||
		len(anyio.Hashes) != 1 || anyio.Hashes[0].Algorithm != "sha256" || !anyio.Pinned {
		t.Errorf("anyio sdist %+v", anyio)
	}
	if e := lf.Entries[4]; !e.Editable || e.Path != "." || e.Kind.Verifiable() {
		t.Errorf("editable %+v", e)
	}
	if e := lf.Entries[5]; !strings.HasPrefix(e.URL, "https://github.com/example/plugin?rev=v0.2.0#") || e.Pinned {
		t.Errorf("git %+v", e)
	}
	if e := lf.Entries[8]; e.Source != "https://download.pytorch.org/whl/cpu" || e.Size != -1 || e.Version != "2.5.1+cpu" {
		t.Errorf("torch %+v", e)
	}
	for i, e := range lf.Entries[:10] {
		if e.Direct {
			t.Errorf("entry %d is not direct: %+v", i, e)
		}
	}
	if e := lf.Entries[10]; e.Path != "vendor/vendored-1.0.0-py3-none-any.whl" || e.URL != "" || e.Source != "" || !e.Direct {
		t.Errorf("path source %+v", e)
	}
	if e := lf.Entries[11]; e.URL != "https://example.com/direct-3.0.tar.gz" || e.Source != "" || len(e.Hashes) != 1 || !e.Direct {
		t.Errorf("url source %+v", e)
	}
	if e := lf.Entries[12]; e.Editable || e.Kind != KindDirectory {
		t.Errorf("virtual %+v", e)
	}
}

const sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// The same package written in each shape TOML allows must give the same lines: the
// line of the table header or of the inline table's opening brace.
func TestPylockShapes(t *testing.T) {
	tests := []struct {
		name, doc string
		lines     []int
	}{
		{"array of tables", `lock-version = "1.0"
[[packages]]
name = "a"
[[packages.wheels]]
url = "https://x/a-1-py3-none-any.whl"
hashes = {sha256 = "` + sha + `"}

[[packages.wheels]]
url = "https://x/a-1-py2-none-any.whl"
hashes.sha256 = "` + sha + `"
[packages.sdist]
path = "a-1.tar.gz"
[packages.sdist.hashes]
sha256 = "` + sha + `"
`, []int{11, 4, 8}},
		{"inline tables over several lines", `lock-version = "1.0"

[[packages]]
name = "a"
sdist = { path = "a-1.tar.gz", hashes = { sha256 = "` + sha + `" } }
wheels = [
    # a comment inside the array
    { url = "https://x/a-1-py3-none-any.whl", hashes = { sha256 = "` + sha + `" } },

    { url = "https://x/a-1-py2-none-any.whl", hashes = { sha256 = "` + sha + `" } }]
`, []int{5, 8, 10}},
		{"packages as an inline array", `lock-version = "1.0"
packages = [
  { name = "a", sdist = { path = "a-1.tar.gz", hashes = { sha256 = "` + sha + `" } }, wheels = [
    { url = "https://x/a-1-py3-none-any.whl", hashes = { sha256 = "` + sha + `" } },
    { url = "https://x/a-1-py2-none-any.whl", hashes = { sha256 = "` + sha + `" } },
  ] },
]
`, []int{3, 4, 5}},
		{"dotted keys", `lock-version = "1.0"
[[packages]]
name = "a"
sdist.path = "a-1.tar.gz"
sdist.hashes.sha256 = "` + sha + `"
wheels = [{ url = "https://x/a-1-py3-none-any.whl", hashes = { sha256 = "` + sha + `" } },
  { url = "https://x/a-1-py2-none-any.whl", hashes = { sha256 = "` + sha + `" } }]
`, []int{4, 6, 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lf, err := parsePylock("pylock.toml", []byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			var lines []int
			for _, e := range lf.Entries {
				lines = append(lines, e.Pos.Line)
			}
			if !reflect.DeepEqual(lines, tt.lines) {
				t.Errorf("lines %v, want %v (entries %v)", lines, tt.lines, entryLines(lf))
			}
			if lf.Entries[0].Kind != KindSdist || lf.Entries[1].Filename != "a-1-py3-none-any.whl" {
				t.Errorf("entries %v", entryLines(lf))
			}
		})
	}
}

// Several [[packages]] each with their own [[packages.wheels]]: the second package's
// wheels count from zero again.
func TestPylockNestedArraysRestart(t *testing.T) {
	doc := `lock-version = "1.0"
[[packages]]
name = "a"
[[packages.wheels]]
url = "https://x/a-1-py3-none-any.whl"
hashes = {sha256 = "` + sha + `"}
[[packages]]
name = "b"
[[packages.wheels]]
url = "https://x/b-1-py3-none-any.whl"
hashes = {sha256 = "` + sha + `"}
[[packages.wheels]]
url = "https://x/b-1-py2-none-any.whl"
hashes = {sha256 = "` + sha + `"}
`
	lf, err := parsePylock("pylock.toml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"pylock.toml:4 wheel a a-1-py3-none-any.whl",
		"pylock.toml:9 wheel b b-1-py3-none-any.whl",
		"pylock.toml:12 wheel b b-1-py2-none-any.whl",
	}
	if got := entryLines(lf); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestPylockVersions(t *testing.T) {
	for _, v := range []string{"1.0", "1.1", "1.10"} {
		lf, err := parsePylock("pylock.toml", []byte(`lock-version = "`+v+`"`+"\npackages = []\n"))
		if err != nil || lf.Version != v || len(lf.Entries) != 0 {
			t.Errorf("lock-version %s: %v %+v", v, err, lf)
		}
	}
}

func TestTOMLErrors(t *testing.T) {
	wheel := `[[packages.wheels]]
url = "https://x/a-1-py3-none-any.whl"
`
	tests := []struct {
		name  string
		parse func(string, []byte) (*Lockfile, error)
		doc   string
		line  int
		msg   string
	}{
		{"pylock syntax", parsePylock, "lock-version = \"1.0\"\n\n[[packages]\nname = \"a\"\n", 3, "expected ']]'"},
		{"pylock wrong type", parsePylock, "lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\nversion = 3\n", 4, "packages.version must be a string, not an integer"},
		{"pylock wrong hash type", parsePylock, "lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\n" + wheel + "hashes = {sha256 = 1}\n", 6, "must be a string, not an integer"},
		{"pylock packages not an array", parsePylock, "lock-version = \"1.0\"\npackages = 3\n", 2, "packages must be an array of tables, not an integer"},
		{"pylock redefined key", parsePylock, "lock-version = \"1.0\"\nlock-version = \"1.0\"\n", 2, "already defined"},
		{"pylock major version", parsePylock, "# a future lockfile\nlock-version = \"2.0\"\npackages = []\n", 2, "lock-version 2.0 is not supported"},
		{"pylock invalid version", parsePylock, "lock-version = \"one\"\npackages = []\n", 1, `invalid lock-version "one"`},
		{"pylock version without minor", parsePylock, "lock-version = \"1.\"\npackages = []\n", 1, `invalid lock-version "1."`},
		{"pylock leading zero", parsePylock, "lock-version = \"01.0\"\npackages = []\n", 1, `invalid lock-version "01.0"`},
		{"pylock zero major", parsePylock, "lock-version = \"0.9\"\npackages = []\n", 1, `invalid lock-version "0.9"`},
		{"pylock lock-version not a string", parsePylock, "lock-version = 1.0\npackages = []\n", 1, "lock-version must be a string, not a float"},
		{"pylock no lock-version", parsePylock, "[[packages]]\nname = \"a\"\n", 0, "missing lock-version"},
		{"pylock no packages", parsePylock, "lock-version = \"1.0\"\n", 0, "missing [[packages]]"},
		{"pylock no name", parsePylock, "lock-version = \"1.0\"\n\n[[packages]]\nversion = \"1\"\n", 3, "package without a name"},
		{"pylock no source", parsePylock, "lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\n", 2, "package a has no wheels, sdist, archive, vcs or directory"},
		{"pylock exclusive sources", parsePylock, "lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\ndirectory = {path = \".\"}\n" + wheel, 2, "mutually exclusive"},
		{"pylock no url or path", parsePylock, "lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\n[packages.sdist]\nname = \"a-1.tar.gz\"\n", 4, "sdist a has neither url nor path"},
		{"pylock bad hex", parsePylock, "lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\nwheels = [\n {url = \"https://x/a-1-py3-none-any.whl\", hashes = {sha256 = \"xyz\"}},\n]\n", 5, `a-1-py3-none-any.whl: sha256 digest "xyz" is not hexadecimal`},
		{"pylock negative size", parsePylock, "lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\n" + wheel + "size = -1\n", 6, "a-1-py3-none-any.whl: negative size -1"},
		{"pylock name with a slash", parsePylock, "lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\n" + wheel + "name = \"../a-1-py3-none-any.whl\"\n", 4, "is not a plain file name"},
		{"pylock URL ending in a slash", parsePylock, "lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\n[[packages.wheels]]\nurl = \"https://x/dir/\"\n", 4, `file name "" is not a plain file name`},

		{"uv syntax", parseUvLock, "version = 1\n[[package]]\nname = \"a\"\nsource = { registry = \"https://x\" \n", 4, ""},
		{"uv wrong type", parseUvLock, "version = 1\n[[package]]\nname = \"a\"\nsource = { registry = \"https://x\" }\nwheels = { url = \"https://x/a-1-py3-none-any.whl\" }\n", 5, "package.wheels must be an array of tables, not a table"},
		{"uv version as string", parseUvLock, "version = \"1\"\n", 1, "version must be an integer, not a string"},
		{"uv future version", parseUvLock, "\nversion = 2\nrevision = 0\n", 2, "uv.lock version 2 is not supported"},
		{"uv invalid version", parseUvLock, "version = 0\n", 1, "invalid uv.lock version 0"},
		{"uv no version", parseUvLock, "[[package]]\nname = \"a\"\n", 0, "missing version: not a uv.lock file"},
		{"uv no name", parseUvLock, "version = 1\n[[package]]\nversion = \"1\"\n", 2, "package without a name"},
		{"uv no source", parseUvLock, "version = 1\n[[package]]\nname = \"a\"\n", 2, "package a has no source"},
		{"uv unknown source", parseUvLock, "version = 1\n[[package]]\nname = \"a\"\nsource = { svn = \"x\" }\n", 4, "unknown source kind"},
		{"uv registry without files", parseUvLock, "version = 1\n[[package]]\nname = \"a\"\nsource = { registry = \"https://x\" }\n", 2, "package a lists no sdist or wheels"},
		{"uv hash without algorithm", parseUvLock, "version = 1\n[[package]]\nname = \"a\"\nsource = { registry = \"https://x\" }\nwheels = [\n  { url = \"https://x/a-1-py3-none-any.whl\" },\n  { url = \"https://x/a-1-py2-none-any.whl\", hash = \"" + sha + "\" },\n]\n", 7, "must be <algorithm>:<hex>"},
		{"uv short digest", parseUvLock, "version = 1\n[[package]]\nname = \"a\"\nsource = { registry = \"https://x\" }\nsdist = { url = \"https://x/a-1.tar.gz\", hash = \"sha256:abc\" }\n", 5, "sha256 digest has 3 hex digits, want 64"},
		{"uv negative size", parseUvLock, "version = 1\n[[package]]\nname = \"a\"\nsource = { registry = \"https://x\" }\nsdist = { url = \"https://x/a-1.tar.gz\", size = -5 }\n", 5, "negative size -5"},
		{"uv no url", parseUvLock, "version = 1\n[[package]]\nname = \"a\"\nsource = { registry = \"https://x\" }\nsdist = { hash = \"sha256:" + sha + "\" }\n", 5, "sdist a has neither url nor path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.parse("lock.toml", []byte(tt.doc))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T), want *ParseError", err, err)
			}
			if pe.Pos.File != "lock.toml" || pe.Pos.Line != tt.line || !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("got %q, want lock.toml:%d: ...%s...", err, tt.line, tt.msg)
			}
			if strings.Contains(pe.Msg, "main.") || strings.Contains(pe.Msg, "lockfile.") || strings.Contains(pe.Msg, "toml: ") {
				t.Errorf("message leaks Go internals: %q", pe.Msg)
			}
		})
	}
}

func TestTOMLTypeMessages(t *testing.T) {
	for _, tt := range []struct{ doc, want string }{
		{"lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\n[packages.name]\nx = 1\n", "lock.toml:4: key name should be a table, not a value"},
		{"lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\n[[packages.sdist]]\nurl = \"x\"\n", "lock.toml:4: packages.sdist must be a table, not an array"},
		{"lock-version = [\"1.0\"]\n", "lock.toml:1: lock-version must be a string, not an array"},
		{"lock-version = \"1.0\"\n\n[packages]\nname = \"a\"\n", "lock.toml:3: packages must be an array of tables, not a table"},
		{"lock-version = \"1.0\"\npackages = [1]\n", "lock.toml:2: packages must be an array of tables, not of an integer"},
		{"lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\n[packages.sdist]\nurl = \"https://x/a-1.tar.gz\"\nhashes = {sha256 = true}\n", "lock.toml:6: packages.sdist.hashes.sha256 must be a string, not a boolean"},
		{"lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\ndirectory = {path = \".\", editable = \"yes\"}\n", "lock.toml:4: packages.directory.editable must be a boolean, not a string"},
		{"lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\n[packages.sdist]\nurl = \"https://x/a-1.tar.gz\"\nsize = 1.5\n", "lock.toml:6: packages.sdist.size must be an integer, not a float"},
		{"lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\n[packages.sdist]\nurl = \"https://x/a-1.tar.gz\"\nupload-time = \"not checked\"\n\"we\\u0000ird\" = 1\nsize = \"big\"\n", "lock.toml:8: packages.sdist.size must be an integer, not a string"},
	} {
		_, err := parsePylock("lock.toml", []byte(tt.doc))
		if err == nil || err.Error() != tt.want {
			t.Errorf("got %v\nwant %s", err, tt.want)
		}
	}
}

// go-toml matches struct fields without regard to case; the readers must not, or a
// lockfile could show tufpip a NAME or HASHES that pip and uv never read.
func TestTOMLKeysAreCaseSensitive(t *testing.T) {
	_, err := parsePylock("lock.toml", []byte("lock-version = \"1.0\"\n[[packages]]\nNAME = \"a\"\n"))
	if err == nil || err.Error() != "lock.toml:2: package without a name" {
		t.Errorf("NAME taken as name: %v", err)
	}
	_, err = parsePylock("lock.toml", []byte("LOCK-VERSION = \"1.0\"\npackages = []\n"))
	if err == nil || !strings.Contains(err.Error(), "missing lock-version") {
		t.Errorf("LOCK-VERSION taken as lock-version: %v", err)
	}
	lf, err := parsePylock("lock.toml", []byte("lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\n[packages.sdist]\nurl = \"https://x/a-1.tar.gz\"\nHashes = {sha256 = \""+sha+"\"}\nURL = \"https://evil/b-1.tar.gz\"\n"))
	if err != nil || len(lf.Entries) != 1 || len(lf.Entries[0].Hashes) != 0 || lf.Entries[0].Filename != "a-1.tar.gz" {
		t.Errorf("differently cased keys were read: %v %+v", err, lf)
	}
	lf, err = parseUvLock("uv.lock", []byte("version = 1\n[[PACKAGE]]\nname = \"a\"\n"))
	if err != nil || len(lf.Entries) != 0 {
		t.Errorf("PACKAGE read as package: %v %+v", err, lf)
	}
}
