package simpleindex

import (
	"errors"
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
