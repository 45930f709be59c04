package lockfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// memFiles is an opener over in-memory files, so include tests need no disk.
func memFiles(files map[string]string) opener {
	return func(path string) ([]byte, error) {
		s, ok := files[filepath.ToSlash(path)]
		if !ok {
			return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
		}
		return []byte(s), nil
	}
}

func parseReq(t *testing.T, text string) *Lockfile {
	t.Helper()
	lf, err := parseRequirements("r.txt", []byte(text), memFiles(nil))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return lf
}

func oneEntry(t *testing.T, text string) Entry {
	t.Helper()
	lf := parseReq(t, text)
	if len(lf.Entries) != 1 {
		t.Fatalf("got %d entries, want 1: %+v", len(lf.Entries), lf.Entries)
	}
	return lf.Entries[0]
}

const (
	hexA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	hexB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

func TestRequirementsFixture(t *testing.T) {
	lf, err := Load("testdata/req/requirements.txt")
	if err != nil {
		t.Fatal(err)
	}
	if lf.Format != FormatRequirements {
		t.Errorf("format %q", lf.Format)
	}
	type want struct {
		pos                string
		name, version      string
		hashes             int
		pinned, constraint bool
		marker, path, url  string
		filename           string
		editable           bool
	}
	wants := []want{
		// -r dev/tools.txt (line 11) includes ../common.txt first.
		{pos: "testdata/req/common.txt:3", name: "packaging", version: "24.1", hashes: 1, pinned: true},
		{pos: "testdata/req/dev/tools.txt:4", name: "black", version: "24.10.0", hashes: 1, pinned: true},
		{pos: "testdata/req/constraints.txt:2", name: "urllib3", version: "2.2.3", hashes: 1, pinned: true, constraint: true},
		{pos: "testdata/req/requirements.txt:14", name: "anyio", version: "4.6.2.post1", hashes: 2, pinned: true},
		{pos: "testdata/req/requirements.txt:18", name: "certifi", version: "2024.8.30", hashes: 2, pinned: true},
		{pos: "testdata/req/requirements.txt:24", name: "exceptiongroup", version: "1.2.2", hashes: 2, pinned: true, marker: `python_version < "3.11"`},
		{pos: "testdata/req/requirements.txt:28", name: "httpx", version: "0.27.2", hashes: 2, pinned: true},
		{pos: "testdata/req/requirements.txt:32", name: "idna", version: "3.10", hashes: 2, pinned: true},
		{pos: "testdata/req/requirements.txt:36", name: "sniffio", version: "1.3.1", pinned: true},
		{pos: "testdata/req/requirements.txt:37", name: "tomli", marker: `python_version < "3.11"`},
		{pos: "testdata/req/requirements.txt:38", name: "typing-extensions", hashes: 1},
		{pos: "testdata/req/requirements.txt:41", name: "localpkg", path: "./vendor/localpkg-1.0-py3-none-any.whl", filename: "localpkg-1.0-py3-none-any.whl"},
		{pos: "testdata/req/requirements.txt:42", path: "./src/myproject", editable: true},
		{pos: "testdata/req/requirements.txt:43", name: "wheelhouse", url: "https://files.example.org/wheelhouse-2.0-py3-none-any.whl#sha256=", filename: "wheelhouse-2.0-py3-none-any.whl"},
	}
	if len(lf.Entries) != len(wants) {
		t.Fatalf("got %d entries, want %d", len(lf.Entries), len(wants))
	}
	for i, w := range wants {
		e := lf.Entries[i]
		got := want{e.Pos.String(), e.Name, e.Version, len(e.Hashes), e.Pinned, e.Constraint, e.Marker, e.Path, e.URL, e.Filename, e.Editable}
		if w.url != "" && strings.HasPrefix(got.url, w.url) {
			got.url = w.url // the URL's #sha256= fragment is not part of the check
		}
		if got != w {
			t.Errorf("entry %d:\n got %+v\nwant %+v", i, got, w)
		}
		if e.Kind != KindRequirement || e.Size != -1 {
			t.Errorf("entry %d: kind %q size %d", i, e.Kind, e.Size)
		}
	}
	if got := lf.Entries[6].Extras; !reflect.DeepEqual(got, []string{"http2", "socks"}) {
		t.Errorf("httpx extras %v", got)
	}
	idna := lf.Entries[7].Hashes
	if idna[0].Algorithm != "sha256" || !idna[0].Strong() || idna[1].Algorithm != "md5" || idna[1].Strong() {
		t.Errorf("idna hashes %v: want a strong sha256 then a weak md5", idna)
	}

	wantOpts := []string{
		"testdata/req/requirements.txt:7 --index-url https://pypi.org/simple",
		"testdata/req/requirements.txt:8 --extra-index-url https://download.example.org/simple",
		"testdata/req/requirements.txt:9 --trusted-host download.example.org",
		"testdata/req/common.txt:2 --no-binary :none:",
	}
	var gotOpts []string
	for _, o := range lf.Options {
		gotOpts = append(gotOpts, o.Pos.String()+" "+o.String())
	}
	if !reflect.DeepEqual(gotOpts, wantOpts) {
		t.Errorf("options:\n got %q\nwant %q", gotOpts, wantOpts)
	}
	if !changesIndex(lf.Options[0]) || changesIndex(lf.Options[3]) {
		t.Errorf("ChangesIndex wrong for %v / %v", lf.Options[0], lf.Options[3])
	}
}

func TestRequirementLines(t *testing.T) {
	tests := []struct {
		name, text string
		want       Entry // Kind, Size, Pos.File and Raw are filled in below when zero
	}{
		{"continuation and hashes", "foo==1.0 \\\n    --hash=sha256:" + hexA + " \\\n    --hash=sha256:" + hexB + "\n",
			Entry{Name: "foo", Version: "1.0", Pinned: true, Hashes: []Hash{{"sha256", hexA}, {"sha256", hexB}}, Pos: Position{Line: 1}}},
		{"hash as a separate word", "\n\nfoo==1.0 --hash sha256:" + hexA + "\n",
			Entry{Name: "foo", Version: "1.0", Pinned: true, Hashes: []Hash{{"sha256", hexA}}, Pos: Position{Line: 3}}},
		{"quoted hash value", "foo==1.0 --hash 'sha256:" + hexA + "'\n",
			Entry{Name: "foo", Version: "1.0", Pinned: true, Hashes: []Hash{{"sha256", hexA}}, Pos: Position{Line: 1}}},
		{"uppercase hex is lowercased, duplicates dropped", "foo==1.0 --hash=sha256:" + strings.ToUpper(hexA) + " --hash=sha256:" + hexA + "\n",
			Entry{Name: "foo", Version: "1.0", Pinned: true, Hashes: []Hash{{"sha256", hexA}}, Pos: Position{Line: 1}}},
		{"weak hashes are kept", "foo==1.0 --hash=sha1:" + hexA[:40] + " --hash=sha224:" + hexA[:56] + "\n",
			Entry{Name: "foo", Version: "1.0", Pinned: true, Hashes: []Hash{{"sha1", hexA[:40]}, {"sha224", hexA[:56]}}, Pos: Position{Line: 1}}},
		{"trailing comment", "# header\nfoo==1.0  # via bar\n",
			Entry{Name: "foo", Version: "1.0", Pinned: true, Pos: Position{Line: 2}, Raw: "foo==1.0"}},
		{"comment with a tab before it", "foo==1.0\t# note\n",
			Entry{Name: "foo", Version: "1.0", Pinned: true, Pos: Position{Line: 1}, Raw: "foo==1.0"}},
		{"full-line comment ending in a backslash does not continue", "# note \\\nfoo==2\n",
			Entry{Name: "foo", Version: "2", Pinned: true, Pos: Position{Line: 2}}},
		{"continuation at end of file", "foo==1.0 \\",
			Entry{Name: "foo", Version: "1.0", Pinned: true, Pos: Position{Line: 1}, Raw: "foo==1.0"}},
		{"CRLF line ends", "\r\n\r\nfoo==1.0 \\\r\n  --hash=sha256:" + hexA + "\r\n",
			Entry{Name: "foo", Version: "1.0", Pinned: true, Hashes: []Hash{{"sha256", hexA}}, Pos: Position{Line: 3}}},
		{"form feed ends a line as in Python's splitlines", "\f\ffoo==1.0\n",
			Entry{Name: "foo", Version: "1.0", Pinned: true, Pos: Position{Line: 3}}},
		{"byte order mark", "\ufefffoo==1.0\n",
			Entry{Name: "foo", Version: "1.0", Pinned: true, Pos: Position{Line: 1}}},
		{"marker", "foo==1.0 ; python_version < \"3.12\" and sys_platform == 'linux' --hash=sha256:" + hexA + "\n",
			Entry{Name: "foo", Version: "1.0", Pinned: true, Marker: `python_version < "3.12" and sys_platform == 'linux'`, Hashes: []Hash{{"sha256", hexA}}, Pos: Position{Line: 1}, Raw: `foo==1.0 ; python_version < "3.12" and sys_platform == 'linux'`}},
		{"marker without spaces", "foo==1.0;python_version<'3.12'\n",
			Entry{Name: "foo", Version: "1.0", Pinned: true, Marker: "python_version<'3.12'", Pos: Position{Line: 1}}},
		{"extras", "Foo_Bar[security, socks]==2.31.0\n",
			Entry{Name: "Foo_Bar", Version: "2.31.0", Pinned: true, Extras: []string{"security", "socks"}, Pos: Position{Line: 1}}},
		{"arbitrary equality pins", "foo===1.0-weird\n",
			Entry{Name: "foo", Version: "1.0-weird", Pinned: true, Pos: Position{Line: 1}}},
		{"parenthesised pin", "foo (==1.0)\n",
			Entry{Name: "foo", Version: "1.0", Pinned: true, Pos: Position{Line: 1}}},
		{"wildcard is not a pin", "foo==1.*\n", Entry{Name: "foo", Pos: Position{Line: 1}}},
		{"range is not a pin", "foo>=1.0,<2\n", Entry{Name: "foo", Pos: Position{Line: 1}}},
		{"two clauses are not a pin", "foo==1.0,!=1.1\n", Entry{Name: "foo", Pos: Position{Line: 1}}},
		{"compatible release is not a pin", "foo~=1.4.2\n", Entry{Name: "foo", Pos: Position{Line: 1}}},
		{"bare name", "foo\n", Entry{Name: "foo", Pos: Position{Line: 1}}},
		{"hashless pin", "foo==1.0\n", Entry{Name: "foo", Version: "1.0", Pinned: true, Pos: Position{Line: 1}}},
		{"PEP 508 URL", "foo @ https://example.org/foo-1.0.tar.gz\n",
			Entry{Name: "foo", URL: "https://example.org/foo-1.0.tar.gz", Filename: "foo-1.0.tar.gz", Pos: Position{Line: 1}}},
		{"bare wheel URL with marker", "https://example.org/dl/foo-1.0-py3-none-any.whl ; python_version >= '3.8'\n",
			Entry{Name: "foo", URL: "https://example.org/dl/foo-1.0-py3-none-any.whl", Filename: "foo-1.0-py3-none-any.whl", Marker: "python_version >= '3.8'", Pos: Position{Line: 1}}},
		{"VCS URL with egg fragment", "git+https://github.com/example/foo.git@v1#egg=foo\n",
			Entry{Name: "foo", URL: "git+https://github.com/example/foo.git@v1#egg=foo", Pos: Position{Line: 1}}},
		{"URL fragment is not a comment", "https://example.org/foo-1.0.tar.gz#sha256=" + hexA + "\n",
			Entry{URL: "https://example.org/foo-1.0.tar.gz#sha256=" + hexA, Filename: "foo-1.0.tar.gz", Pos: Position{Line: 1}}},
		{"local directory", "./packages/foo\n", Entry{Path: "./packages/foo", Pos: Position{Line: 1}}},
		{"local archive without a slash", "foo-1.0.tar.gz\n", Entry{Path: "foo-1.0.tar.gz", Filename: "foo-1.0.tar.gz", Pos: Position{Line: 1}}},
		{"local path with extras", "./foo[bar]\n", Entry{Path: "./foo", Extras: []string{"bar"}, Pos: Position{Line: 1}}},
		{"editable directory", "-e .\n", Entry{Path: ".", Editable: true, Pos: Position{Line: 1}, Raw: "-e ."}},
		{"editable VCS URL", "--editable=git+https://github.com/example/foo.git#egg=foo\n",
			Entry{Name: "foo", URL: "git+https://github.com/example/foo.git#egg=foo", Editable: true, Pos: Position{Line: 1}, Raw: "-e git+https://github.com/example/foo.git#egg=foo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := oneEntry(t, tt.text)
			w := tt.want
			w.Kind, w.Size, w.Pos.File = KindRequirement, -1, "r.txt"
			if w.Raw == "" {
				w.Raw = got.Raw // checked separately where it matters
			}
			if !reflect.DeepEqual(got, w) {
				t.Errorf("\n got %+v\nwant %+v", got, w)
			}
		})
	}
}

// A comment line inside a continuation ends it, as in pip: the hash after it is
// then a stray option line, not a hash of foo.
func TestCommentEndsContinuation(t *testing.T) {
	lf := parseReq(t, "foo==1.0 \\\n    # via bar\n    --hash=sha256:"+hexA+"\n")
	if len(lf.Entries) != 1 || len(lf.Entries[0].Hashes) != 0 || lf.Entries[0].Pos.Line != 1 {
		t.Fatalf("entries %+v", lf.Entries)
	}
	if len(lf.Options) != 1 || lf.Options[0].Name != "--hash" || lf.Options[0].Pos.Line != 3 {
		t.Fatalf("options %+v", lf.Options)
	}
}

// A trailing comment ending in a backslash continues the line, and the comment then
// swallows the rest: pip does the same, so the hash is not foo's.
func TestTrailingCommentBackslash(t *testing.T) {
	e := oneEntry(t, "foo==1.0 # note \\\n  --hash=sha256:"+hexA+"\n")
	if len(e.Hashes) != 0 {
		t.Fatalf("hashes %v", e.Hashes)
	}
}

func TestRequirementOptions(t *testing.T) {
	tests := []struct {
		text string
		want []string // "line name value"
	}{
		{"-i https://a.example/simple\n", []string{"1 --index-url https://a.example/simple"}},
		{"--index-url=https://a.example/simple\n", []string{"1 --index-url https://a.example/simple"}},
		{"-ihttps://a.example/simple\n", []string{"1 --index-url https://a.example/simple"}},
		// optparse accepts unambiguous prefixes; pip would use these.
		{"--extra-index=https://b.example/simple\n", []string{"1 --extra-index-url https://b.example/simple"}},
		{"--ind https://a.example/simple\n", []string{"1 --index-url https://a.example/simple"}},
		{"\n-f ./wheels\n", []string{"2 --find-links ./wheels"}},
		{"--no-index\n--pre\n--prefer-binary\n--require-hashes\n", []string{"1 --no-index ", "2 --pre ", "3 --prefer-binary ", "4 --require-hashes "}},
		{"--trusted-host a.example --only-binary :all:\n", []string{"1 --trusted-host a.example", "1 --only-binary :all:"}},
		{"--use-feature=truststore\n", []string{"1 --use-feature truststore"}},
		// Options after a requirement are ignored by pip, but an index option there
		// is still reported.
		{"foo==1.0 --index-url https://evil.example/simple --global-option=x\n", []string{"1 --index-url https://evil.example/simple"}},
	}
	for _, tt := range tests {
		lf := parseReq(t, tt.text)
		var got []string
		for _, o := range lf.Options {
			got = append(got, strings.Join([]string{strconv.Itoa(o.Pos.Line), o.Name, o.Value}, " "))
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q:\n got %q\nwant %q", tt.text, got, tt.want)
		}
		for _, o := range lf.Options {
			index := o.Name == "--index-url" || o.Name == "--extra-index-url" || o.Name == "--find-links" || o.Name == "--no-index" || o.Name == "--trusted-host"
			if changesIndex(o) != index {
				t.Errorf("%s: changesIndex = %v", o.Name, changesIndex(o))
			}
		}
	}
}

func TestRequirementErrors(t *testing.T) {
	tests := []struct {
		name, text string
		line       int
		msg        string
	}{
		{"unknown option", "foo==1\n--frobnicate\n", 2, "unknown option --frobnicate"},
		{"unknown short option", "-x foo\n", 1, "unknown option -x"},
		{"ambiguous abbreviation", "--no- x\n", 1, "ambiguous option --no-"},
		{"flag given a value", "--pre=yes\n", 1, "--pre option does not take a value"},
		{"missing value", "foo==1 --hash\n", 1, "--hash option requires a value"},
		{"hash without algorithm", "foo==1 --hash=" + hexA + "\n", 1, "must be an algorithm and a digest"},
		{"hash not hex", "\nfoo==1 \\\n --hash=sha256:" + strings.Repeat("z", 64) + "\n", 2, "is not hexadecimal"},
		{"hash too short", "foo==1 --hash=sha256:abcd\n", 1, "sha256 digest has 4 hex digits, want 64"},
		{"empty digest", "foo==1 --hash=sha256:\n", 1, "empty sha256 digest"},
		{"bad name", "foo-==1.0\n", 1, "expected end or semicolon (after name and no valid version specifier)"},
		{"no operator", "foo 1.0\n", 1, "expected end or semicolon (after name and no valid version specifier)"},
		{"missing version", "foo==\n", 1, `invalid specifier "==": bad version`},
		{"bad version characters", "foo==1.0$\n", 1, "invalid version"},
		{"unclosed extras", "foo[bar==1\n", 1, "expected matching ] for [, after extras"},
		{"unclosed quote", "foo==1 --hash 'sha256:" + hexA + "\n", 1, "no closing quotation"},
		// the PEP 508 parser is the resolver's, which follows packaging 24 and 26
		{"trailing comma", "foo>=1,<2,,\n", 1, "empty clause"},
		{"compatible release needs two numbers", "foo~=1\n", 1, "invalid version specifier"},
		{"local version with >=", "foo>=1.0+local\n", 1, "invalid version specifier"},
		{"URL requirement with spaces", "foo @ https://x.example/a b\n", 1, "expected one URL after @"},
		{"remote include", "\n-r https://example.org/req.txt\n", 2, "remote requirement files are not supported"},
		{"missing include", "-c missing.txt\n", 1, "-c missing.txt: open missing.txt: file does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseRequirements("r.txt", []byte(tt.text), memFiles(nil))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T), want *ParseError", err, err)
			}
			if pe.Pos.File != "r.txt" || pe.Pos.Line != tt.line || !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("got %q, want r.txt:%d: ...%s...", err, tt.line, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), "r.txt:"+strconv.Itoa(tt.line)+": ") {
				t.Errorf("Error() = %q", err)
			}
		})
	}
}

func TestIncludes(t *testing.T) {
	files := map[string]string{
		"proj/req.txt":       "# top\n-r sub/a.txt\n\n--constraint=c.txt\nzzz==1\n",
		"proj/sub/a.txt":     "aaa==1 --hash=sha256:" + hexA + "\n-r ../b.txt\n",
		"proj/b.txt":         "\n\nbbb==2\n",
		"proj/c.txt":         "ccc==3\n-r b.txt\n",
		"cycle/x.txt":        "x==1\n-r y.txt\n",
		"cycle/y.txt":        "\ny==1\n\n-r ./x.txt\n",
		"self/s.txt":         "--requirement s.txt\n",
		"diamond/top.txt":    "-r l.txt\n-r r.txt\n",
		"diamond/l.txt":      "-r shared.txt\n",
		"diamond/r.txt":      "-r shared.txt\n",
		"diamond/shared.txt": "s==1\n",
		"missing/top.txt":    "\n-r gone.txt\n",
		"nested-dir/top.txt": "-r inner\n",
	}
	open := memFiles(files)

	lf, err := loadRequirements("proj/req.txt", open)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range lf.Entries {
		s := e.Pos.String() + " " + e.Name
		if e.Constraint {
			s += " (constraint)"
		}
		got = append(got, s)
	}
	want := []string{
		"proj/sub/a.txt:1 aaa",
		"proj/b.txt:3 bbb",
		"proj/c.txt:1 ccc (constraint)",
		// pip reads -r inside a constraints file as requirements; b.txt was already read
		// as requirements, so it is not repeated.
		"proj/req.txt:5 zzz",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("entries:\n got %q\nwant %q", got, want)
	}

	lf, err = loadRequirements("diamond/top.txt", open)
	if err != nil || len(lf.Entries) != 1 || lf.Entries[0].Pos.String() != "diamond/shared.txt:1" {
		t.Errorf("diamond: %v %+v", err, lf)
	}

	for _, tt := range []struct{ file, want string }{
		{"cycle/x.txt", "cycle/y.txt:4: -r ./x.txt: include cycle: cycle/x.txt -> cycle/y.txt -> cycle/x.txt"},
		{"self/s.txt", "self/s.txt:1: -r s.txt: include cycle: self/s.txt -> self/s.txt"},
		{"missing/top.txt", "missing/top.txt:2: -r gone.txt: open missing/gone.txt: file does not exist"},
	} {
		_, err := loadRequirements(tt.file, open)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: got %v, want %s", tt.file, err, tt.want)
		}
	}
	_, err = loadRequirements("missing/top.txt", open)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing include does not unwrap to fs.ErrNotExist: %v", err)
	}
}

// Cycles are found through the file system too, where the same file can be reached
// by different names.
func TestIncludeCycleOnDisk(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a==1\n-r sub/../sub/b.txt\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "sub", "b.txt"), []byte("b==1\n-r ../link.txt\n"), 0o644))
	if err := os.Symlink("a.txt", filepath.Join(dir, "link.txt")); err != nil {
		t.Skipf("symlinks unavailable: %v", err)
	}
	_, err := ParseRequirements(filepath.Join(dir, "a.txt"))
	var pe *ParseError
	if !errors.As(err, &pe) || !strings.Contains(pe.Msg, "include cycle") || pe.Pos.Line != 2 ||
		pe.Pos.File != filepath.Join(dir, "sub", "b.txt") {
		t.Fatalf("got %v", err)
	}
}

func TestIncludeDepthLimit(t *testing.T) {
	files := map[string]string{}
	for i := 0; i <= maxIncludeDepth; i++ {
		files["d/"+strconv.Itoa(i)+".txt"] = "-r " + strconv.Itoa(i+1) + ".txt\n"
	}
	_, err := loadRequirements("d/0.txt", memFiles(files))
	if err == nil || !strings.Contains(err.Error(), "nested deeper than") {
		t.Fatalf("got %v", err)
	}
}

// changesIndex is whether an option points pip at other sources: the tests check that the
// parser names such options as pip does (internal/guard holds the policy that refuses them).
func changesIndex(o Option) bool {
	switch o.Name {
	case "--index-url", "--extra-index-url", "--no-index", "--find-links", "--trusted-host":
		return true
	}
	return false
}
