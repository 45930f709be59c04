package resolve

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseRequirement(t *testing.T) {
	tests := []struct {
		in, name, project, spec, marker string
		extras                          []string
	}{
		{"FooBar==2.0.*", "FooBar", "foobar", "==2.0.*", "", nil},
		{"  foo_bar  ", "foo_bar", "foo-bar", "", "", nil},
		{"requests[security,socks]>=2.8.1,==2.8.*", "requests", "requests", "==2.8.*,>=2.8.1", "", []string{"security", "socks"}},
		{"requests [ security , socks ] ( >=2.8.1 , ==2.8.* ) ; python_version < \"2.7\"", "requests", "requests",
			"==2.8.*,>=2.8.1", "python_version < \"2.7\"", []string{"security", "socks"}},
		{"name>=3,<2", "name", "name", "<2,>=3", "", nil},
		{"name[]", "name", "name", "", "", nil},
		{"name (>=1.0)", "name", "name", ">=1.0", "", nil},
		{"name; os_name=='a' or (os_name=='b' and extra == 'x')", "name", "name", "",
			"os_name=='a' or (os_name=='b' and extra == 'x')", nil},
		{"zope.interface~=6.0", "zope.interface", "zope-interface", "~=6.0", "", nil},
		{"pkg===1.0+weird", "pkg", "pkg", "===1.0+weird", "", nil},
		{"pkg >= 1.0 ;python_version>='3'", "pkg", "pkg", ">=1.0", "python_version>='3'", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseRequirement(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if r.Name != tt.name || r.Project != tt.project || r.Specifier.String() != tt.spec ||
				r.Marker != tt.marker || !slices.Equal(r.Extras, tt.extras) || r.Raw != tt.in {
				t.Errorf("got %+v (spec %q)", r, r.Specifier.String())
			}
		})
	}
}

func TestParseRequirementErrors(t *testing.T) {
	tests := []struct{ in, reason string }{
		{"", "expected package name"},
		{"-foo", "expected package name"},
		{"foo bar", "expected end or semicolon"},
		{"foo==1.0 bar", "invalid version specifier"},
		{"foo[bar", "expected matching ]"},
		{"foo[bar baz]", "expected comma between extra names"},
		{"foo[bar,]", "expected extra name after comma"},
		{"foo (>=1.0", "expected matching )"},
		{"foo>=1.0.*", "invalid version specifier"},
		{"foo==1.0;", "invalid marker"},
		{"foo; os_name =! 'x'", "invalid marker"},
		{"foo; bogus_var == '1'", "invalid marker"},
		{"foo; os_name == 'x", "unterminated quoted string"},
		{"foo; (os_name == 'x'", "expected matching )"},
		{"foo; os_name notin 'x'", "invalid marker"},
		{"foo; os_name not  'x'", "expected 'in' after 'not'"},
		{"foo-", "expected end or semicolon"},
		{`foo; os_name == "pos\x69x"`, "backslash escapes"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseRequirement(tt.in)
			var re *RequirementError
			if !errors.As(err, &re) {
				t.Fatalf("got %v, want *RequirementError", err)
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q does not mention %q", err, tt.reason)
			}
		})
	}
}

func TestParseRequirementRefusesURLs(t *testing.T) {
	for _, in := range []string{
		"foo @ https://example.com/foo-1.0.tar.gz",
		"foo[bar]@ file:///tmp/foo-1.0-py3-none-any.whl ; python_version > '3'",
		"foo@git+https://github.com/x/foo",
	} {
		_, err := ParseRequirement(in)
		var ue *URLRequirementError
		if !errors.As(err, &ue) {
			t.Fatalf("%q: got %v, want *URLRequirementError", in, err)
		}
		if ue.Name != "foo" || !strings.Contains(ue.URL, ":") || !strings.Contains(err.Error(), "direct URL requirements are not supported") {
			t.Errorf("%q: %+v: %v", in, ue, err)
		}
	}
}

func TestRequirementApplies(t *testing.T) {
	env := map[string]string{"python_version": "3.11", "sys_platform": "linux"}
	r, err := ParseRequirement(`foo; sys_platform == "win32" or extra == "Full_Set"`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		extras []string
		want   bool
	}{{nil, false}, {[]string{"other"}, false}, {[]string{"other", "full-set"}, true}, {[]string{"FULL.set"}, true}} {
		got, err := r.Applies(env, tt.extras)
		if err != nil || got != tt.want {
			t.Errorf("extras %v: got %v, %v; want %v", tt.extras, got, err, tt.want)
		}
	}
	plain, _ := ParseRequirement("foo")
	if ok, err := plain.Applies(nil, nil); !ok || err != nil {
		t.Errorf("no marker: got %v, %v", ok, err)
	}
}

// packaging 24 raises InvalidVersion when a marker compares a non-version value such as
// platform_release "6.1.0-13-amd64" with a version operator; tufpip compares such values as
// strings (packaging's behaviour before version 22), so that one odd marker does not make a
// whole requirement unusable. This table pins that deliberate difference.
func TestMarkerStringFallback(t *testing.T) {
	env := map[string]string{"platform_release": "6.1.0-13-amd64", "os_name": "posix"}
	for _, tt := range []struct {
		marker string
		want   bool
	}{
		{`platform_release >= "5"`, true},
		{`platform_release < "6.1.0-14"`, true},
		{`platform_release == "6.1.0-13-amd64"`, true},
		{`os_name > "nt"`, true},
	} {
		got, err := EvaluateMarker(tt.marker, env, nil)
		if err != nil || got != tt.want {
			t.Errorf("%s: got %v, %v; want %v", tt.marker, got, err, tt.want)
		}
	}
	if _, err := EvaluateMarker(`os_name ~= "posix"`, env, nil); err == nil {
		t.Error("~= on strings: want an error, as packaging gives")
	}
	if _, err := EvaluateMarker(`python_version == "3"`, env, nil); err == nil {
		t.Error("undefined variable: want an error")
	}
}
