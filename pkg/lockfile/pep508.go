package lockfile

import (
	"errors"
	"fmt"
	"strings"
)

// The requirement syntax is checked here only as far as the verifier needs it: the
// project name, the extras, the version clauses (to tell a pin from a range) or a
// direct URL. Markers are kept as text; version strings are checked for the
// characters PEP 440 allows, not parsed (pkg/pep440 does that where it matters).

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
// off) into e.
func parsePEP508(s string, e *Entry) error {
	i := 0
	for i < len(s) && (isAlnum(s[i]) || s[i] == '-' || s[i] == '_' || s[i] == '.') {
		i++
	}
	name := s[:i]
	if !isIdentifier(name) {
		if name == "" {
			return errors.New("expected a project name")
		}
		return fmt.Errorf("invalid project name %q", truncate(name, 80))
	}
	e.Name = name
	rest := strings.TrimSpace(s[i:])
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return errors.New("missing ] after extras")
		}
		extras, err := parseExtras(rest[1:end])
		if err != nil {
			return err
		}
		e.Extras = extras
		rest = strings.TrimSpace(rest[end+1:])
	}
	switch {
	case rest == "":
		return nil
	case rest[0] == '@':
		u := strings.TrimSpace(rest[1:])
		if u == "" || strings.ContainsAny(u, " \t") {
			return errors.New("expected one URL after @")
		}
		e.URL = u
		e.Filename = urlFilename(u)
		if !isArchiveName(e.Filename) {
			e.Filename = ""
		}
		return nil
	case rest[0] == '(':
		if !strings.HasSuffix(rest, ")") {
			return errors.New("missing ) after version specifier")
		}
		rest = rest[1 : len(rest)-1]
	}
	return parseSpecifier(rest, e)
}

var specOps = []string{"===", "~=", "==", "!=", "<=", ">=", "<", ">"}

// parseSpecifier checks a comma-separated specifier set and decides Pinned: exactly
// one clause, either `==V` without a wildcard or `===V`.
func parseSpecifier(s string, e *Entry) error {
	clauses := strings.Split(s, ",")
	var op, version string
	for _, c := range clauses {
		c = strings.TrimSpace(c)
		op = ""
		for _, o := range specOps {
			if strings.HasPrefix(c, o) {
				op = o
				break
			}
		}
		if op == "" {
			return fmt.Errorf("expected a version operator in %q", truncate(c, 80))
		}
		version = strings.TrimSpace(c[len(op):])
		if err := checkVersionText(op, version); err != nil {
			return err
		}
	}
	if len(clauses) == 1 && (op == "===" || op == "==" && !strings.Contains(version, "*")) {
		e.Pinned = true
		e.Version = version
	}
	return nil
}

func checkVersionText(op, v string) error {
	if v == "" {
		return fmt.Errorf("missing version after %s", op)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case op == "===":
			if c <= ' ' || c == 0x7f {
				return fmt.Errorf("invalid version %q", truncate(v, 80))
			}
		case isAlnum(c) || c == '.' || c == '-' || c == '_' || c == '+' || c == '!':
		case c == '*' && (op == "==" || op == "!=") && i == len(v)-1 && strings.HasSuffix(v, ".*"):
		default:
			return fmt.Errorf("invalid version %q", truncate(v, 80))
		}
	}
	return nil
}
