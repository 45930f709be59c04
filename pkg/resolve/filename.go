package resolve

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tufpip/tufpip/pkg/pep440"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// Dist is what a distribution filename says about the file.
type Dist struct {
	Filename string
	Project  string // PEP 503 normalised
	Version  pep440.Version
	Wheel    bool
	BuildNum int    // the build tag's number; meaningful only when BuildTag != ""
	BuildTag string // the whole build tag as written ("1", "2abc"); "" when there is none
	Tags     []Tag  // wheels only: the compressed tag set, expanded
}

// sdistExts are the source archive formats tufpip accepts (PEP 625 names .tar.gz; .zip is
// still common on indexes).
var sdistExts = []string{".tar.gz", ".zip"}

// ParseFilename parses a wheel or sdist filename without knowing the project. For sdists the
// name/version boundary is the first "-" after which the rest is a valid version, which is
// what PEP 625 names produce; use ParseFilenameFor when the project is known, as pip does.
func ParseFilename(filename string) (Dist, error) {
	return parseFilename("", filename)
}

// ParseFilenameFor parses a filename listed on the index page of project and checks that the
// file belongs to it after PEP 503 normalisation. Sdist names are split the way pip splits
// them: at the first "-" whose prefix normalises to the project name.
func ParseFilenameFor(project, filename string) (Dist, error) {
	if project == "" {
		return Dist{}, &FilenameError{Filename: filename, Reason: "no project name to match against"}
	}
	return parseFilename(simpleindex.NormalizeName(project), filename)
}

func parseFilename(want, filename string) (Dist, error) {
	if err := checkSafeName(filename); err != nil {
		return Dist{}, err
	}
	if strings.HasSuffix(filename, ".whl") {
		d, err := parseWheel(filename)
		if err != nil {
			return Dist{}, err
		}
		if want != "" && d.Project != want {
			return Dist{}, &WrongProjectError{Filename: filename, Project: d.Project, Want: want}
		}
		return d, nil
	}
	for _, ext := range sdistExts {
		if strings.HasSuffix(filename, ext) {
			return parseSdist(want, filename, strings.TrimSuffix(filename, ext))
		}
	}
	return Dist{}, &FilenameError{Filename: filename, Reason: "unsupported archive format (want .whl, .tar.gz or .zip)"}
}

// maxFilenameLen is the longest name common file systems (ext4, APFS, NTFS) can store.
const maxFilenameLen = 255

// maxTags bounds a wheel's expanded tag set: "a.b.c-d.e.f-g.h.i" multiplies, and a hostile
// name could otherwise ask for millions of tags. Real wheels have a handful.
const maxTags = 1024

// checkSafeName refuses names that could escape a download directory or corrupt a terminal.
// Filenames come from index pages, which are attacker-controlled input until verified.
func checkSafeName(filename string) error {
	bad := func(reason string) error { return &FilenameError{Filename: filename, Reason: reason} }
	switch {
	case filename == "":
		return bad("empty filename")
	case len(filename) > maxFilenameLen:
		return bad("filename longer than 255 bytes")
	case filename == "." || filename == "..":
		return bad("filename is a relative path segment")
	case strings.ContainsAny(filename, `/\`):
		return bad("filename contains a path separator")
	case !utf8.ValidString(filename):
		return bad("filename is not valid UTF-8")
	}
	for _, r := range filename {
		if unicode.IsControl(r) {
			return bad("filename contains a control character")
		}
		if unicode.IsSpace(r) {
			return bad("filename contains white space")
		}
	}
	return nil
}

// parseWheel follows the wheel filename convention (PEP 427 and the binary distribution
// format spec): name-version(-build)?-python-abi-platform.whl, where no part contains "-".
func parseWheel(filename string) (Dist, error) {
	bad := func(reason string, err error) (Dist, error) {
		return Dist{}, &FilenameError{Filename: filename, Reason: reason, Err: err}
	}
	parts := strings.Split(strings.TrimSuffix(filename, ".whl"), "-")
	if len(parts) != 5 && len(parts) != 6 {
		return bad("not a valid wheel filename: want name-version(-build)?-python-abi-platform.whl", nil)
	}
	for _, p := range parts {
		if p == "" {
			return bad("not a valid wheel filename: empty part", nil)
		}
	}
	d := Dist{Filename: filename, Wheel: true, Project: simpleindex.NormalizeName(parts[0])}
	v, err := parseDistVersion(parts[1])
	if err != nil {
		return bad("invalid version "+strconv.Quote(parts[1]), err)
	}
	d.Version = v
	if len(parts) == 6 {
		d.BuildTag = parts[2]
		n, ok := buildNumber(d.BuildTag)
		if !ok || !isTag(d.BuildTag) {
			return bad("invalid build tag "+strconv.Quote(d.BuildTag)+": must start with a number", nil)
		}
		d.BuildNum = n
		parts = append(parts[:2], parts[3:]...)
	}
	for _, set := range parts[2:] {
		for _, t := range strings.Split(set, ".") {
			if t == "" {
				return bad("not a valid wheel filename: empty tag", nil)
			}
			if !isTag(t) {
				// PEP 425 tags are letters, digits and "_"; anything else is a name made
				// to be shown (bidi controls) or to misbehave on disk (":" on NTFS).
				return bad("invalid compatibility tag "+strconv.Quote(t), nil)
			}
		}
	}
	n := 1
	for _, set := range parts[2:] {
		n *= strings.Count(set, ".") + 1
	}
	if n > maxTags {
		return bad("too many compatibility tags", nil)
	}
	d.Tags = expandTags(parts[2], parts[3], parts[4])
	return d, nil
}

// isTag reports whether s uses only the characters of PEP 425 tags and build tags.
func isTag(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// buildNumber returns the leading decimal number of a build tag.
func buildNumber(tag string) (int, bool) {
	i := 0
	for i < len(tag) && tag[i] >= '0' && tag[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, false
	}
	n, err := strconv.Atoi(tag[:i])
	if err != nil {
		return 0, false // out of range: refuse rather than compare wrongly
	}
	return n, true
}

// parseDistVersion parses a filename's version. Wheel tools escape "-" in versions as "_",
// and pip undoes that when the escaped form is not itself valid.
func parseDistVersion(s string) (pep440.Version, error) {
	v, err := pep440.Parse(s)
	if err != nil && strings.Contains(s, "_") {
		if v2, err2 := pep440.Parse(strings.ReplaceAll(s, "_", "-")); err2 == nil {
			return v2, nil
		}
	}
	return v, err
}

func parseSdist(want, filename, stem string) (Dist, error) {
	d := Dist{Filename: filename}
	var verr error
	found := false
	for i := 0; i < len(stem); i++ {
		if stem[i] != '-' || i == 0 {
			continue
		}
		name, ver := stem[:i], stem[i+1:]
		if want != "" {
			// pip: the first dash whose prefix is the project name separates the parts.
			if simpleindex.NormalizeName(name) != want {
				continue
			}
			v, err := pep440.Parse(ver)
			if err != nil {
				return Dist{}, &FilenameError{Filename: filename, Reason: "invalid version " + strconv.Quote(ver), Err: err}
			}
			d.Project, d.Version, found = want, v, true
			break
		}
		v, err := pep440.Parse(ver)
		if err != nil {
			verr = err
			continue
		}
		d.Project, d.Version, found = simpleindex.NormalizeName(name), v, true
		break
	}
	if !found {
		if want != "" {
			return Dist{}, &WrongProjectError{Filename: filename, Want: want}
		}
		if verr == nil {
			verr = errors.New("no name-version separator")
		}
		return Dist{}, &FilenameError{Filename: filename, Reason: "not a valid sdist filename: want name-version.tar.gz", Err: verr}
	}
	if d.Project == "" || d.Project == "-" {
		return Dist{}, &FilenameError{Filename: filename, Reason: "not a valid sdist filename: empty project name"}
	}
	return d, nil
}
