package simpleindex

import (
	"strings"
	"testing"
)

func TestPageURL(t *testing.T) {
	const targets = "https://pypi.example/targets/"
	const h = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for _, tt := range []struct {
		template, project, hash, want string
	}{
		{"simple/{project}/{hash}.{project}.html", "Foo.Bar", h, targets + "simple/foo-bar/" + h + ".foo-bar.html"},
		{"https://files.example/simple/{project}/", "foo_bar", "", "https://files.example/simple/foo-bar/"},
		{"http://127.0.0.1:8080/p/{hash}", "x", h, "http://127.0.0.1:8080/p/" + h},
		{"simple/{project}/index.html", "x", "", targets + "simple/x/index.html"},
	} {
		got, err := PageURL(tt.template, targets, tt.project, tt.hash)
		if err != nil || got != tt.want {
			t.Errorf("PageURL(%q, %q, %q) = %q, %v; want %q", tt.template, tt.project, tt.hash, got, err, tt.want)
		}
	}
	if _, err := PageURL("simple/{hash}.html", targets, "x", "ABC"); err == nil {
		t.Error("an uppercase {hash} was accepted")
	}
	if _, err := PageURL("simple/{hash}.html", targets, "x", ""); err == nil {
		t.Error("an empty {hash} was accepted")
	}
	// A project name reaches {project} only as its PEP 503 normalised form: nothing that could
	// leave the template's folder or host.
	for _, name := range []string{"../x", "..", "a/b", "a%2fb", "x?y", "x#y", "a@b", "https://evil.example/x", "a\\b", "a b", "é"} {
		if u, err := PageURL("simple/{project}.html", targets, name, ""); err == nil {
			t.Errorf("project name %q was accepted: %s", name, u)
		}
	}
}

func TestCheckPageURLRefuses(t *testing.T) {
	for _, tt := range []struct{ template, want string }{
		{"", "is empty"},
		{"simple/{name}/{hash}.html", "unknown placeholder {name}"},
		{"simple/{Project}/index.html", "unknown placeholder {Project}"},
		{"simple/{project/x", "brace"},
		{"simple/project}/x", "brace"},
		{"simple/index.html", "must contain {project} or {hash}"},
		{"https://{project}.example/simple/", "only in the path"},
		{"https://files.example{project}", "needs a path"},
		{"https://user:pw@files.example/{project}", "user name"},
		{"ftp://files.example/{project}", "http(s)"},
		{"/simple/{project}/", "relative to the targets url"},
		{"mailto:{project}", "relative to the targets url"},
		{"simple/../{project}", `".."`},
		{"simple//{project}", "empty path segment"},
		{"simple/{project}/?x=1", "query"},
		{"simple/{project}#x", "query or a fragment"},
		{"simple/{project} x", "space"},
		{`simple\{project}`, "backslash"},
		{"simple/%zz/{project}", "%-escape"},
	} {
		err := CheckPageURL(tt.template)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("CheckPageURL(%q) = %v, want an error with %q", tt.template, err, tt.want)
		}
	}
}
