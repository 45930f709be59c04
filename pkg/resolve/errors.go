package resolve

import "fmt"

// FilenameError reports a distribution filename that cannot be used. Filenames come from
// index pages that an attacker may have written, so the message quotes the name (%q) to keep
// control characters out of terminals and logs.
type FilenameError struct {
	Filename string
	Reason   string
	Err      error // underlying cause, for example a version parse error
}

func (e *FilenameError) Error() string {
	return fmt.Sprintf("%q: %s", e.Filename, e.Reason)
}

func (e *FilenameError) Unwrap() error { return e.Err }

// WrongProjectError reports a file whose name belongs to a different project than the one
// whose page listed it.
type WrongProjectError struct {
	Filename string
	Project  string // the project named by the file, normalised (empty when undecidable)
	Want     string // the project asked for, normalised
}

func (e *WrongProjectError) Error() string {
	if e.Project == "" {
		return fmt.Sprintf("%q: does not belong to project %s", e.Filename, e.Want)
	}
	return fmt.Sprintf("%q: belongs to project %s, not %s", e.Filename, e.Project, e.Want)
}

// RequirementError reports a requirement string that is not valid PEP 508 or that tufpip
// refuses. Pos is the byte offset where parsing stopped.
type RequirementError struct {
	Requirement string
	Pos         int
	Reason      string
}

func (e *RequirementError) Error() string {
	return fmt.Sprintf("requirement %q: %s (at offset %d)", e.Requirement, e.Reason, e.Pos)
}

// URLRequirementError reports a direct URL requirement (`name @ https://...`). Such a file
// is not listed on any signed index page, so tufpip cannot vouch for it.
type URLRequirementError struct {
	Requirement string
	Name        string
	URL         string
}

func (e *URLRequirementError) Error() string {
	return fmt.Sprintf("requirement %q: direct URL requirements are not supported: %s @ %s is not listed on a signed index page; require %s by version instead",
		e.Requirement, e.Name, e.URL, e.Name)
}

// MarkerError reports an environment marker that cannot be parsed or evaluated.
type MarkerError struct {
	Marker string
	Pos    int // byte offset of the problem, -1 when it is not a syntax error
	Reason string
}

func (e *MarkerError) Error() string {
	if e.Pos < 0 {
		return fmt.Sprintf("marker %q: %s", e.Marker, e.Reason)
	}
	return fmt.Sprintf("marker %q: %s (at offset %d)", e.Marker, e.Reason, e.Pos)
}

// EnvironmentError reports a failure to learn the target environment: an interpreter that
// does not run or prints something unexpected, or target options pip would refuse.
type EnvironmentError struct {
	Python string // interpreter path, empty for NewEnvironment
	Reason string
	Err    error
}

func (e *EnvironmentError) Error() string {
	msg := e.Reason
	if e.Python != "" {
		msg = e.Python + ": " + msg
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *EnvironmentError) Unwrap() error { return e.Err }
