package finder

import (
	"fmt"
	"strings"
)

// NoPageError means no acceptable role signed the project's page: the project is unknown to
// the repository, or (with RequireRole) only other roles signed it.
type NoPageError struct {
	Project     string
	Path        string   // the page's target path
	RequireRole string   // the role that was required, if any
	Roles       []string // the roles that did sign the page
}

func (e *NoPageError) Error() string {
	if len(e.Roles) > 0 {
		return fmt.Sprintf("project %s: page %s is signed only by %s, not by %s", e.Project, e.Path, strings.Join(e.Roles, ", "), e.RequireRole)
	}
	return fmt.Sprintf("project %s: no trusted role signs %s", e.Project, e.Path)
}

// PageError is a failure of the project's page file itself (its bytes, or its own entry in
// the metadata), as opposed to a failure of the repository's metadata: its text names the
// page's path, and so the project. It adds nothing to the text of Err.
type PageError struct {
	Project string
	Path    string // the page's target path
	Err     error
}

func (e *PageError) Error() string { return e.Err.Error() }
func (e *PageError) Unwrap() error { return e.Err }
