package resolve

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// Seeds live in testdata/fuzz/<FuzzName>/; run each for a while with
//   go test -run '^$' -fuzz '^FuzzParseFilename$' -fuzztime 60s -parallel 1 ./pkg/resolve

func noControl(t *testing.T, s string) {
	t.Helper()
	for _, r := range s {
		if unicode.IsControl(r) {
			t.Fatalf("message carries a control character: %q", s)
		}
	}
}

func FuzzParseFilename(f *testing.F) {
	f.Add("foobar-2.0-py3-none-any.whl")
	f.Add("foo_bar-1.0.tar.gz")
	f.Fuzz(func(t *testing.T, name string) {
		for _, project := range []string{"", "foo-bar"} {
			var d Dist
			var err error
			if project == "" {
				d, err = ParseFilename(name)
			} else {
				d, err = ParseFilenameFor(project, name)
			}
			if err != nil {
				var fe *FilenameError
				var wp *WrongProjectError
				if !errors.As(err, &fe) && !errors.As(err, &wp) {
					t.Fatalf("%q: untyped error %T %v", name, err, err)
				}
				noControl(t, err.Error())
				continue
			}
			if strings.ContainsAny(name, `/\`) || name == ".." || strings.ContainsFunc(name, unicode.IsControl) {
				t.Fatalf("%q: unsafe name accepted", name)
			}
			if d.Filename != name || d.Project == "" || simpleindex.NormalizeName(d.Project) != d.Project {
				t.Fatalf("%q: bad Dist %+v", name, d)
			}
			if project != "" && d.Project != project {
				t.Fatalf("%q: project %q accepted for %q", name, d.Project, project)
			}
			if d.Wheel != strings.HasSuffix(name, ".whl") || d.Wheel == (len(d.Tags) == 0) {
				t.Fatalf("%q: wheel %v with %d tags", name, d.Wheel, len(d.Tags))
			}
			if d.BuildTag != "" && (d.BuildNum < 0 || d.BuildTag[0] < '0' || d.BuildTag[0] > '9') {
				t.Fatalf("%q: bad build tag %q/%d", name, d.BuildTag, d.BuildNum)
			}
			for _, tag := range d.Tags {
				if tag.Interpreter == "" || tag.ABI == "" || tag.Platform == "" {
					t.Fatalf("%q: empty tag part in %v", name, d.Tags)
				}
			}
			// the normal form of the version parses back to an equal version
			v2, err := parseDistVersion(d.Version.String())
			if err != nil || v2.Compare(d.Version) != 0 {
				t.Fatalf("%q: version %s does not round-trip: %v", name, d.Version, err)
			}
		}
	})
}

var fuzzEnv = map[string]string{
	"implementation_name": "cpython", "implementation_version": "3.11.7", "os_name": "posix",
	"platform_machine": "x86_64", "platform_release": "6.1.0", "platform_system": "Linux",
	"platform_version": "#1 SMP", "python_full_version": "3.11.7",
	"platform_python_implementation": "CPython", "python_version": "3.11", "sys_platform": "linux",
}

func FuzzParseRequirement(f *testing.F) {
	f.Add(`requests[security]>=2.8.1,==2.8.* ; python_version < "2.7" or extra == "x"`)
	f.Add("foo @ https://example.com/foo.tgz")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRequirement(s)
		if err != nil {
			var re *RequirementError
			var ue *URLRequirementError
			if !errors.As(err, &re) && !errors.As(err, &ue) {
				t.Fatalf("%q: untyped error %T %v", s, err, err)
			}
			if re != nil && (re.Pos < 0 || re.Pos > len(s)) {
				t.Fatalf("%q: error offset %d out of range", s, re.Pos)
			}
			return
		}
		if r.Name == "" || r.Project != simpleindex.NormalizeName(r.Name) || r.Raw != s {
			t.Fatalf("%q: bad requirement %+v", s, r)
		}
		// the normal form parses back to the same requirement
		again, err := ParseRequirement(r.String())
		if err != nil {
			t.Fatalf("%q: normal form %q does not parse: %v", s, r.String(), err)
		}
		if again.Name != r.Name || again.Specifier.String() != r.Specifier.String() ||
			!slices.Equal(again.Extras, r.Extras) || again.Marker != r.Marker {
			t.Fatalf("%q: normal form %q parses differently: %+v", s, r.String(), again)
		}
		if r.Marker != "" {
			for _, extras := range [][]string{nil, {"x", "Test"}} {
				if _, err := r.Applies(fuzzEnv, extras); err != nil {
					var me *MarkerError
					if !errors.As(err, &me) {
						t.Fatalf("%q: untyped marker error %T %v", s, err, err)
					}
				}
			}
		}
	})
}
