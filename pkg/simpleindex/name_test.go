package simpleindex

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeName(t *testing.T) {
	// The cases of PEP 503 and packaging's canonicalize_name tests.
	cases := map[string]string{
		"FooBar":          "foobar",
		"foo.bar":         "foo-bar",
		"foo_bar":         "foo-bar",
		"Foo-_.Bar":       "foo-bar",
		"foo--bar":        "foo-bar",
		"friendly-bard":   "friendly-bard",
		"Friendly_Bard":   "friendly-bard",
		"FRIENDLY.-_BARD": "friendly-bard",
		"a":               "a",
		"zope.interface":  "zope-interface",
		"":                "",
		"-":               "-",
		"_foo_":           "-foo-",
	}
	for in, want := range cases {
		if got := NormalizeName(in); got != want {
			t.Errorf("NormalizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPagePath(t *testing.T) {
	cases := []struct {
		template, project, want string
		badTemplate, badName    bool
	}{
		{"", "FooBar", "simple/foobar/index.html", false, false},
		{"", "Foo.Bar_baz", "simple/foo-bar-baz/index.html", false, false},
		{"simple/{project}/index.html", "requests", "simple/requests/index.html", false, false},
		{"pages/{project}.json", "Django", "pages/django.json", false, false},
		{"{project}/{project}.html", "x", "x/x.html", false, false},
		{"simple/index.html", "foo", "", true, false},
		{"simple/{project}/../index.html", "foo", "", true, false},
		{"../{project}/index.html", "foo", "", true, false},
		{"simple/{project}..x/index.html", "foo", "", true, false},
		{"/simple/{project}/index.html", "foo", "", true, false},
		{"simple//{project}/index.html", "foo", "", true, false},
		{"simple/{project}/", "foo", "", true, false},
		{"simple/./{project}/index.html", "foo", "", true, false},
		{"simple\\{project}\\index.html", "foo", "", true, false},
		{"simple/{project}\n/index.html", "foo", "", true, false},
		{"", "", "", false, true},
		{"", "..", "", false, true},
		{"", "../etc", "", false, true},
		{"", "foo/bar", "", false, true},
		{"", "-foo", "", false, true},
		{"", "foo.", "", false, true},
		{"", "fóo", "", false, true},
		{"", "foo bar", "", false, true},
	}
	for _, c := range cases {
		got, err := PagePath(c.template, c.project)
		var pe *PathError
		var ne *NameError
		if c.badTemplate && !errors.As(err, &pe) {
			t.Errorf("PagePath(%q, %q) = %q, %v; want a *PathError", c.template, c.project, got, err)
		}
		if c.badName && !errors.As(err, &ne) {
			t.Errorf("PagePath(%q, %q) = %q, %v; want a *NameError", c.template, c.project, got, err)
		}
		if c.badTemplate || c.badName {
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("PagePath(%q, %q) = %q, %v; want %q", c.template, c.project, got, err, c.want)
		}
	}
}

func TestPathErrorMessage(t *testing.T) {
	_, err := PagePath("simple/index.html", "foo")
	if got, want := err.Error(), `index path template "simple/index.html": must contain {project}`; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	_, err = PagePath("", "../x")
	if got, want := err.Error(), `project name "../x": not a valid project name`; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
}

// PageProject reads PagePath backwards, and PageAffixes bounds every page path.
func TestPageProject(t *testing.T) {
	for _, c := range []struct {
		template, path, want string
	}{
		{"", "simple/foo-bar/index.html", "foo-bar"},
		{"{project}", "foo-bar", "foo-bar"},
		{"p/{project}/{project}.html", "p/foo/foo.html", "foo"},
		{"", "simple/Foo_Bar/index.html", ""}, // not a normalised name's page
		{"", "simple/a/b/index.html", ""},
		{"p/{project}/{project}.html", "p/foo/bar.html", ""},
		{"", "other/foo/index.html", ""},
	} {
		got, ok := PageProject(c.template, c.path)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("PageProject(%q, %q) = %q, %v; want %q", c.template, c.path, got, ok, c.want)
		}
		if ok {
			prefix, suffix, err := PageAffixes(c.template)
			if err != nil || !strings.HasPrefix(c.path, prefix) || !strings.HasSuffix(c.path, suffix) {
				t.Errorf("PageAffixes(%q) = %q, %q, %v", c.template, prefix, suffix, err)
			}
		}
	}
	var pe *PathError
	if _, _, err := PageAffixes("simple/index.html"); !errors.As(err, &pe) {
		t.Errorf("a template without {project}: %v", err)
	}
}
