package lockfile

import (
	"errors"
	"strings"

	"github.com/tufpip/tufpip/pkg/pep440"
	"github.com/tufpip/tufpip/pkg/resolve"
)

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isIdentifier is PEP 508's identifier: letters and digits, with - _ . inside.
func isIdentifier(s string) bool {
	if s == "" || !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// parsePEP508 parses `name [extras] (specifier | @ url)` (the marker is already split
// off) into e with resolve.ParseRequirement, the one PEP 508 parser: a line the
// resolver would refuse is refused here too. A direct URL, which the resolver refuses
// to install, is a valid line: it is kept in e.URL.
func parsePEP508(s string, e *Entry) error {
	r, err := resolve.ParseRequirement(s)
	var ue *resolve.URLRequirementError
	if errors.As(err, &ue) {
		// the parser stops the URL at white space; the whole rest must be the URL
		if u := strings.TrimSpace(s[strings.IndexByte(s, '@')+1:]); u == "" || u != ue.URL {
			return errors.New("expected one URL after @")
		}
		e.Name, e.Extras, e.URL = r.Name, r.Extras, ue.URL
		e.Filename = urlFilename(ue.URL)
		if !IsArchiveName(e.Filename) {
			e.Filename = ""
		}
		return nil
	}
	if err != nil {
		var re *resolve.RequirementError
		if errors.As(err, &re) {
			return errors.New(re.Reason)
		}
		return err
	}
	e.Name, e.Extras = r.Name, r.Extras
	setPin(e, r.Specifier)
	return nil
}

// setPin decides Pinned: the specifier admits one version only.
func setPin(e *Entry, spec pep440.Specifiers) {
	if v, ok := spec.Pin(); ok {
		e.Pinned, e.Version = true, v
	}
}
