package lockfile

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// hiddenLines are requirements files that read as one harmless requirement and a comment
// to anyone reading the bytes as UTF-8, while pip, decoding them by their declared
// encoding, reads an extra index and a direct URL requirement too.
var hiddenLines = map[string]string{
	"utf-7":          "# -*- coding: utf-7 -*-\nfoo==1.0 # +AAo---extra-index-url http://127.0.0.1:9/simple+AAo-evil +AEA- http://127.0.0.1:9/evil-1.0-py3-none-any.whl\n",
	"unicode_escape": "# vim: set fileencoding=unicode_escape :\nfoo==1.0 # \\x0a--extra-index-url http://127.0.0.1:9/simple\\x0aevil @ http://127.0.0.1:9/evil-1.0-py3-none-any.whl\n",
	"utf-16":         string([]byte{0xff, 0xfe}) + utf16le("foo==1.0\n--extra-index-url http://127.0.0.1:9/simple\n"),
	"second line":    "foo==1.0\n# coding=UTF_7\n# +AAo-evil +AEA- http://127.0.0.1:9/evil-1.0-py3-none-any.whl\n",
}

func utf16le(s string) string {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return string(b)
}

// TestEncodingAttack: every such file is refused with its name, the line of the
// declaration and the reason, and pip really does read the hidden lines.
func TestEncodingAttack(t *testing.T) {
	py := pythons(t)[0]
	for name, content := range hiddenLines {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "requirements.txt")
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			// pip's view: the hidden lines are real.
			out, err := exec.Command(py, "-c", pipDump, path).Output()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(out), "evil") && !strings.Contains(string(out), "127.0.0.1:9/simple") {
				t.Fatalf("pip does not see the hidden line, the test proves nothing: %s", out)
			}
			lf, err := Load(path)
			var pe *ParseError
			var ee *EncodingError
			if !errors.As(err, &pe) || !errors.As(err, &ee) {
				t.Fatalf("Load = %+v, %v; want a *ParseError wrapping an *EncodingError", lf, err)
			}
			if pe.Pos.File != path || !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name %s", err, path)
			}
			if !strings.Contains(err.Error(), "pip would decode") && !strings.Contains(err.Error(), "not UTF-8") {
				t.Errorf("error %q does not give the reason", err)
			}
			// Included through -r, the included file is named.
			top := filepath.Join(dir, "top.txt")
			os.WriteFile(top, []byte("-r requirements.txt\n"), 0o644)
			if _, err := Load(top); !errors.As(err, &ee) || !strings.Contains(err.Error(), path) {
				t.Errorf("through -r: %v", err)
			}
		})
	}
}

// TestEncodingAccepted: what pip decodes exactly as UTF-8 is read.
func TestEncodingAccepted(t *testing.T) {
	for _, content := range []string{
		"foo==1.0  # caf\u00e9\n",
		"\ufeff# -*- coding: utf-7 -*-\nfoo==1.0\n", // a UTF-8 BOM wins over the declaration
		"# -*- coding: utf-8 -*-\nfoo==1.0  # caf\u00e9\n",
		"# coding: UTF8\nfoo==1.0\n",
		"# coding=latin-1\nfoo==1.0\n",
		"#!/x\n# vim: fileencoding=us-ascii\nfoo==1.0\n",
		"foo==1.0\n\n# coding: utf-7 on the third line is not read by pip\n",
		" # coding: utf-7 (pip looks only at lines starting with '#')\nfoo==1.0\n",
	} {
		lf, err := Parse("requirements.txt", strings.NewReader(content))
		if err != nil {
			t.Errorf("%q: %v", content, err)
			continue
		}
		if len(lf.Entries) != 1 || lf.Entries[0].Name != "foo" {
			t.Errorf("%q: entries %+v", content, lf.Entries)
		}
	}
	for _, content := range []string{
		"# coding: latin-1\nfoo==1.0  # caf\xe9\n",
		"foo==1.0  # caf\xe9\n",
		"\xef\xbb\xbffoo==1.0  # \xff\n",
		"# coding: ascii\nfoo==1.0 # \u00e9\n",
		"# coding: utf_16\nfoo==1.0\n",
		"# coding: cp1252\nfoo==1.0\n",
		"\x00\x00\xfe\xfffoo",
	} {
		if _, err := Parse("requirements.txt", strings.NewReader(content)); err == nil {
			t.Errorf("%q: accepted", content)
		}
	}
}

// TestCodecNamesAgainstPython: the names tufpip accepts are the ones Python's codec registry
// maps to utf-8, ascii and latin-1, after Python's own normalisation of what was written.
func TestCodecNamesAgainstPython(t *testing.T) {
	py := pythons(t)[0]
	written := []string{"UTF-8", "utf8", "U8", "Utf_8", "utf-8-sig", "CP65001", "us-ascii", "ASCII", "646",
		"Latin-1", "iso-8859-1", "ISO8859-1", "l1", "iso_8859_1:1987", "utf 8", "utf--8", "utf-7", "cp1252", "x"}
	for _, codec := range append(append([]string{}, utf8Codecs...), asciiCodecs...) {
		written = append(written, codec)
	}
	script := `import codecs, json, sys
out = {}
for n in json.loads(sys.argv[1]):
    try: out[n] = codecs.lookup(n).name
    except LookupError: out[n] = None
print(json.dumps(out))`
	arg, _ := json.Marshal(written)
	raw, err := exec.Command(py, "-c", script, string(arg)).Output()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]*string
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	for _, n := range written {
		py := ""
		if got[n] != nil {
			py = *got[n]
		}
		norm := normalizeCodec(n)
		isUTF8, isASCII := slices.Contains(utf8Codecs, norm), slices.Contains(asciiCodecs, norm)
		switch {
		case isUTF8 && py != "utf-8" && py != "utf-8-sig":
			t.Errorf("%q is accepted as UTF-8, Python says %q", n, py)
		case isASCII && py != "ascii" && py != "iso8859-1":
			t.Errorf("%q is accepted as ASCII-compatible, Python says %q", n, py)
		}
	}
}

// TestIsPySpaceMatchesPython asks Python for every character str.isspace() holds for, the
// set str.strip() removes from a requirement.
func TestIsPySpaceMatchesPython(t *testing.T) {
	py := pythons(t)[0]
	out, err := exec.Command(py, "-c", "import sys; print(' '.join(str(c) for c in range(sys.maxunicode+1) if chr(c).isspace()))").Output()
	if err != nil {
		t.Fatal(err)
	}
	want := map[rune]bool{}
	for _, f := range strings.Fields(string(out)) {
		n, _ := strconv.Atoi(f)
		want[rune(n)] = true
	}
	if len(want) < 20 {
		t.Fatalf("Python listed only %d whitespace characters", len(want))
	}
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if IsPySpace(r) != want[r] {
			t.Errorf("IsPySpace(%U) = %v, Python's isspace = %v", r, IsPySpace(r), want[r])
		}
	}
}

// TestPySpaceHidesNoPath: a local wheel with any of Python's whitespace characters around
// it is still a path, on its own line and before a marker.
func TestPySpaceHidesNoPath(t *testing.T) {
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if !IsPySpace(r) || strings.ContainsRune("\n\r\v\f\x1c\x1d\x1e\u0085\u2028\u2029", r) {
			continue // these end the line instead
		}
		for _, line := range []string{"evil-1.0-py3-none-any.whl" + string(r), string(r) + "evil-1.0-py3-none-any.whl",
			"evil-1.0-py3-none-any.whl" + string(r) + "; python_version > '3'"} {
			lf, err := Parse("requirements.txt", strings.NewReader(line+"\n"))
			if err != nil {
				t.Errorf("%q: %v", line, err)
				continue
			}
			if len(lf.Entries) != 1 || lf.Entries[0].Path != "evil-1.0-py3-none-any.whl" {
				t.Errorf("%q: read as %+v, want the local wheel", line, lf.Entries)
			}
		}
	}
}
