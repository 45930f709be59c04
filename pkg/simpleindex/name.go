package simpleindex

import (
	"fmt"
	"strings"
)

// DefaultPathTemplate is where tufpip expects a project's page among the TUF targets:
// the layout of PEP 458's prototype and of Datadog's TUF downloader.
const DefaultPathTemplate = "simple/{project}/index.html"

const projectPlaceholder = "{project}"

// NormalizeName is PEP 503's re.sub(r"[-_.]+", "-", name).lower().
func NormalizeName(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	inRun := false
	for _, r := range name {
		if r == '-' || r == '_' || r == '.' {
			if !inRun {
				b.WriteByte('-')
			}
			inRun = true
			continue
		}
		inRun = false
		b.WriteRune(r)
	}
	return strings.ToLower(b.String())
}

// PathError reports an index path template that cannot give a safe target path.
type PathError struct {
	Template string
	Reason   string
}

func (e *PathError) Error() string {
	return fmt.Sprintf("index path template %q: %s", e.Template, e.Reason)
}

// NameError reports a project name that cannot be a PEP 508 project name.
type NameError struct {
	Name string
}

func (e *NameError) Error() string {
	return fmt.Sprintf("project name %q: not a valid project name", e.Name)
}

// PagePath turns an index path template ("" means DefaultPathTemplate) and a project
// name into the TUF target path of the project's page. The name is PEP 503-normalised
// first, so "Foo.Bar" and "foo-bar" share one page; names that cannot be project names
// (empty, non-ASCII, or starting or ending with a separator) are refused rather than
// escaped, because the result names a file that a TUF role signs.
func PagePath(template, project string) (string, error) {
	if template == "" {
		template = DefaultPathTemplate
	}
	if err := checkTemplate(template); err != nil {
		return "", err
	}
	name := NormalizeName(project)
	if !validNormalizedName(name) {
		return "", &NameError{Name: project}
	}
	return strings.ReplaceAll(template, projectPlaceholder, name), nil
}

// PageAffixes returns the text of an index path template ("" means DefaultPathTemplate)
// before its first {project} and after its last: every project's page path begins with
// prefix and ends with suffix. A template PagePath refuses is a *PathError here too.
func PageAffixes(template string) (prefix, suffix string, err error) {
	if template == "" {
		template = DefaultPathTemplate
	}
	if err := checkTemplate(template); err != nil {
		return "", "", err
	}
	prefix, _, _ = strings.Cut(template, projectPlaceholder)
	return prefix, template[strings.LastIndex(template, projectPlaceholder)+len(projectPlaceholder):], nil
}

// PageProject is PagePath read backwards: the normalised name of the project whose page path
// under template is path, or false when path is no project's page path (the name it holds is
// not normalised, or the template's other placeholders differ).
func PageProject(template, path string) (string, bool) {
	if template == "" {
		template = DefaultPathTemplate
	}
	prefix, rest, ok := strings.Cut(template, projectPlaceholder)
	if !ok || !strings.HasPrefix(path, prefix) {
		return "", false
	}
	// after is the text that ends the name: up to a second placeholder, or the end.
	after, _, _ := strings.Cut(rest, projectPlaceholder)
	name := path[len(prefix):]
	if after != "" {
		i := strings.Index(name, after)
		if i < 0 {
			return "", false
		}
		name = name[:i]
	}
	if name == "" || strings.Contains(name, "/") {
		return "", false
	}
	norm := NormalizeName(name)
	if pp, err := PagePath(template, norm); err != nil || pp != path {
		return "", false
	}
	return norm, true
}

func checkTemplate(t string) error {
	fail := func(reason string) error { return &PathError{Template: t, Reason: reason} }
	if !strings.Contains(t, projectPlaceholder) {
		return fail("must contain {project}")
	}
	if strings.HasPrefix(t, "/") {
		return fail("must be relative to the targets url")
	}
	for _, r := range t {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return fail("contains a control character or backslash")
		}
	}
	// Every segment must be a real name: "..", "." and empty segments (including a
	// trailing "/") would make the page path differ from the path TUF signs.
	for _, seg := range strings.Split(t, "/") {
		switch seg {
		case "":
			return fail("has an empty path segment")
		case ".", "..":
			return fail(`must not contain "." or ".." segments`)
		}
	}
	if strings.Contains(t, "..") {
		return fail(`must not contain ".."`)
	}
	return nil
}

// validNormalizedName accepts what a PEP 508 name normalises to:
// [a-z0-9] at both ends, [a-z0-9-] between.
func validNormalizedName(n string) bool {
	if n == "" || n[0] == '-' || n[len(n)-1] == '-' {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
