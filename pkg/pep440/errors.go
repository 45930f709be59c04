package pep440

import "fmt"

// InvalidVersionError reports a string that is not a PEP 440 version.
type InvalidVersionError struct {
	Version string // the input, as given
	Reason  string // optional detail, such as "number too large"
}

func (e *InvalidVersionError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("invalid version %q: %s", e.Version, e.Reason)
	}
	return fmt.Sprintf("invalid version %q", e.Version)
}

// InvalidSpecifierError reports a string that is not a PEP 440 specifier
// or specifier set.
type InvalidSpecifierError struct {
	Specifier string // the offending specifier (one clause of a set), as given
	Reason    string // optional detail, such as "~= needs at least two release numbers"
}

func (e *InvalidSpecifierError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("invalid specifier %q: %s", e.Specifier, e.Reason)
	}
	return fmt.Sprintf("invalid specifier %q", e.Specifier)
}
