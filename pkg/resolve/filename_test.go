package resolve

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/pkg/simpleindex"
)

func tagStrings(tags []Tag) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.String()
	}
	return out
}

func TestParseFilenameWheels(t *testing.T) {
	tests := []struct {
		filename, project, version, build string
		buildNum                          int
		tags                              []string
	}{
		{"foobar-2.0-py3-none-any.whl", "foobar", "2.0", "", 0, []string{"py3-none-any"}},
		{"FooBar-2.0.1-cp311-cp311-manylinux_2_17_x86_64.whl", "foobar", "2.0.1", "", 0,
			[]string{"cp311-cp311-manylinux_2_17_x86_64"}},
		{"six-1.16.0-py2.py3-none-any.whl", "six", "1.16.0", "", 0, []string{"py2-none-any", "py3-none-any"}},
		{"numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "numpy", "1.26.4", "", 0,
			[]string{"cp312-cp312-manylinux_2_17_x86_64", "cp312-cp312-manylinux2014_x86_64"}},
		{"pkg-1.0-12-py3-none-any.whl", "pkg", "1.0", "12", 12, []string{"py3-none-any"}},
		{"pkg-1.0-1abc-py3-none-any.whl", "pkg", "1.0", "1abc", 1, []string{"py3-none-any"}},
		{"zope.interface-6.0-cp311-cp311-win_amd64.whl", "zope-interface", "6.0", "", 0, []string{"cp311-cp311-win_amd64"}},
		{"my_pkg-1.0rc1-py3-none-any.whl", "my-pkg", "1.0rc1", "", 0, []string{"py3-none-any"}},
		// "_" escapes "-" in versions: 1.0_post1 is not valid as written but 1.0-post1 is
		{"pkg-1.0_post1-py3-none-any.whl", "pkg", "1.0.post1", "", 0, []string{"py3-none-any"}},
		{"pkg-1.0-py2.py3-none.abi3-any.whl", "pkg", "1.0", "", 0,
			[]string{"py2-none-any", "py2-abi3-any", "py3-none-any", "py3-abi3-any"}},
	}
	for _, tt := range tests {
		t.Run(tt.filename, func(t *testing.T) {
			d, err := ParseFilename(tt.filename)
			if err != nil {
				t.Fatal(err)
			}
			if !d.Wheel || d.Project != tt.project || d.Version.String() != tt.version ||
				d.BuildTag != tt.build || d.BuildNum != tt.buildNum || d.Filename != tt.filename {
				t.Errorf("got %+v (version %s)", d, d.Version)
			}
			if got := tagStrings(d.Tags); !slices.Equal(got, tt.tags) {
				t.Errorf("tags %v, want %v", got, tt.tags)
			}
		})
	}
}

func TestParseFilenameSdists(t *testing.T) {
	tests := []struct {
		project, filename, wantProject, version string
	}{
		{"", "foobar-2.0.tar.gz", "foobar", "2.0"},
		{"", "FooBar-2.0.1.zip", "foobar", "2.0.1"},
		{"", "foo-bar-1.0.tar.gz", "foo-bar", "1.0"},
		{"", "foo_bar-1.0rc2.tar.gz", "foo-bar", "1.0rc2"},
		{"Foo.Bar", "foo_bar-1.0.tar.gz", "foo-bar", "1.0"},
		{"foo-bar", "Foo__Bar-1.0.post1.tar.gz", "foo-bar", "1.0.post1"},
		// pip splits at the first dash whose prefix is the project: project "foo" of a
		// "foo-2-1.0" file has version "2-1.0"... which is not valid, see the error table.
		{"foo-2", "foo-2-1.0.tar.gz", "foo-2", "1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.filename, func(t *testing.T) {
			var d Dist
			var err error
			if tt.project == "" {
				d, err = ParseFilename(tt.filename)
			} else {
				d, err = ParseFilenameFor(tt.project, tt.filename)
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Wheel || d.Project != tt.wantProject || d.Version.String() != tt.version || len(d.Tags) != 0 {
				t.Errorf("got %+v (version %s)", d, d.Version)
			}
		})
	}
}

func TestParseFilenameRejects(t *testing.T) {
	tests := []struct {
		project, filename, reason string
		wrongProject              bool
	}{
		{"", "../foobar-1.0.tar.gz", "path separator", false},
		{"", "foobar-1.0-py3-none-any.whl/", "path separator", false},
		{"", `..\foobar-1.0.tar.gz`, "path separator", false},
		{"", "..", "relative path segment", false},
		{"", ".", "relative path segment", false},
		{"", "", "empty filename", false},
		{"", "foobar-1.0\x1b[31m.tar.gz", "control character", false},
		{"", "foobar-1.0\n-py3-none-any.whl", "control character", false},
		{"", "foo bar-1.0.tar.gz", "white space", false},
		{"", "foobar-1.0\xff.tar.gz", "UTF-8", false},
		{"", "foobar-notaversion-py3-none-any.whl", "invalid version", false},
		{"", "foobar-1.0-py3-none.whl", "not a valid wheel filename", false},
		{"", "foobar-1.0-x1-py3-none-any.whl", "invalid build tag", false},
		{"", "foobar-1.0-99999999999999999999999-py3-none-any.whl", "invalid build tag", false},
		{"", "foobar-1.0-py3--any.whl", "not a valid wheel filename", false},
		{"", "foobar-1.0-py3.-none-any.whl", "empty tag", false},
		{"", "foobar-1.0.tar.bz2", "unsupported archive format", false},
		{"", "foobar.tar.gz", "not a valid sdist filename", false},
		{"", "foobar-.tar.gz", "not a valid sdist filename", false},
		{"", "-1.0.tar.gz", "not a valid sdist filename", false},
		{"foobar", "foobar-1.0.x.tar.gz", "invalid version", false},
		{"foobar", "other-1.0-py3-none-any.whl", "", true},
		{"foobar", "other-1.0.tar.gz", "", true},
		{"foo", "foo-2-1.0.tar.gz", "invalid version", false},
		{"", "foobar-1.0-py3-none-any.whl.exe", "unsupported archive format", false},
		{"", "foobar-1.0-" + strings.Repeat("a.", 11) + "b-" + strings.Repeat("c.", 11) + "d-" + strings.Repeat("e.", 11) + "f.whl", "too many compatibility tags", false},
		{"", "foobar-1.0" + strings.Repeat("0", 250) + ".tar.gz", "longer than 255 bytes", false},
	}
	for _, tt := range tests {
		t.Run(tt.filename, func(t *testing.T) {
			var err error
			if tt.project == "" {
				_, err = ParseFilename(tt.filename)
			} else {
				_, err = ParseFilenameFor(tt.project, tt.filename)
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if tt.wrongProject {
				var wp *WrongProjectError
				if !errors.As(err, &wp) || wp.Want != simpleindex.NormalizeName(tt.project) {
					t.Fatalf("got %v, want *WrongProjectError", err)
				}
				return
			}
			var fe *FilenameError
			if !errors.As(err, &fe) || fe.Filename != tt.filename {
				t.Fatalf("got %T %v, want *FilenameError", err, err)
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q does not mention %q", err, tt.reason)
			}
			for _, r := range err.Error() {
				if r < 0x20 || r == 0x7f {
					t.Fatalf("error message carries a control character: %q", err)
				}
			}
		})
	}
}

func TestNormalizeName(t *testing.T) {
	for in, want := range map[string]string{
		"FooBar": "foobar", "foo_bar": "foo-bar", "Foo.-_Bar": "foo-bar", "a--b": "a-b", "x-": "x-",
	} {
		if got := simpleindex.NormalizeName(in); got != want {
			t.Errorf("simpleindex.NormalizeName(%q) = %q, want %q", in, got, want)
		}
	}
}
