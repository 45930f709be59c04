// Package lockfile reads the lockfile formats that `tufpip verify` checks: pip-tools
// requirements files (`--generate-hashes`), PEP 751 pylock.toml, uv.lock, poetry.lock and
// Pipfile.lock files. It turns each into a flat list of entries, one per distribution file
// (or per requirement, for requirements files), each carrying the hashes the lockfile
// pins and the file and line it came from, so the verifier can point at the exact line
// that names an untrusted file.
//
// The package only reads: it never touches the network, never evaluates markers and
// never decides whether an entry is acceptable. Entries the verifier must refuse
// (unpinned or hashless requirements, URL and path requirements, VCS and directory
// sources, weak hash algorithms) are returned like any other entry, with enough
// detail for the verifier to say why.
package lockfile

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// MaxFileSize bounds how much of a single lockfile is read, so a hostile or mistaken
// path (a device, a huge log) cannot exhaust memory. Real lockfiles are far smaller.
const MaxFileSize = 64 << 20

// Format names a lockfile format.
type Format string

const (
	FormatRequirements Format = "requirements" // pip requirements file, as pip-tools writes it
	FormatPylock       Format = "pylock"       // PEP 751 pylock.toml
	FormatUvLock       Format = "uv.lock"      // uv's native lockfile
	FormatPoetry       Format = "poetry.lock"  // Poetry's lockfile, lock-version 1.x and 2.x
	FormatPipfile      Format = "Pipfile.lock" // pipenv's lockfile
)

// UnsupportedError reports a file whose name says it is a lockfile or a project file of a
// format tufpip does not read. Hint says how to get one it reads.
type UnsupportedError struct {
	Path, Format, Hint string
}

func (e *UnsupportedError) Error() string {
	return e.Path + ": " + e.Format + " is not a lockfile format tufpip reads"
}

// unsupported maps file names to what they are and how to turn them into a format
// tufpip reads; without this they would be read as requirements files and fail on their
// first line with a confusing message.
var unsupported = map[string][2]string{
	"pdm.lock":        {"pdm.lock (PDM)", "export hashed requirements: pdm export -o requirements.txt, then verify requirements.txt"},
	"Pipfile":         {"a Pipfile (pipenv's input, not its lock)", "verify Pipfile.lock (pipenv lock writes it), or pipenv requirements --hash > requirements.txt"},
	"pyproject.toml":  {"pyproject.toml (a project's input, not a lock)", "verify the lockfile your tool writes: uv.lock, poetry.lock, pylock.toml, or a pip-compile --generate-hashes requirements file"},
	"conda-lock.yml":  {"conda-lock.yml (conda)", "tufpip checks PyPI distributions: lock them with pip-compile --generate-hashes or uv lock"},
	"environment.yml": {"environment.yml (conda)", "tufpip checks PyPI distributions: lock them with pip-compile --generate-hashes or uv lock"},
	"setup.py":        {"setup.py (a build script, not a lock)", "lock the dependencies with pip-compile --generate-hashes and verify the result"},
	"setup.cfg":       {"setup.cfg (a project's input, not a lock)", "lock the dependencies with pip-compile --generate-hashes and verify the result"},
}

// DetectFormat picks the format from the file's base name the way the tools name
// their files: "pylock.toml" and "pylock.<name>.toml" (PEP 751), "uv.lock",
// "poetry.lock", "Pipfile.lock", and anything else is read as a requirements file.
func DetectFormat(path string) Format {
	base := filepath.Base(path)
	switch {
	case base == "uv.lock":
		return FormatUvLock
	case base == "poetry.lock":
		return FormatPoetry
	case base == "Pipfile.lock":
		return FormatPipfile
	case base == "pylock.toml":
		return FormatPylock
	case strings.HasPrefix(base, "pylock.") && strings.HasSuffix(base, ".toml") &&
		len(base) > len("pylock..toml") && !strings.Contains(strings.TrimSuffix(strings.TrimPrefix(base, "pylock."), ".toml"), "."):
		return FormatPylock
	}
	return FormatRequirements
}

// Lockfile is everything read from one lockfile (and, for requirements files, the
// files it includes).
type Lockfile struct {
	Path    string  `json:"path"`
	Format  Format  `json:"format"`
	Version string  `json:"version,omitempty"` // pylock lock-version or uv.lock version
	Entries []Entry `json:"entries"`
	// Options holds the option lines of requirements files (--index-url,
	// --extra-index-url, --find-links, --trusted-host, --no-binary ...), in file order.
	// Empty for the TOML formats.
	Options []Option `json:"options,omitempty"`
}

// Load reads the lockfile at path, choosing the reader with DetectFormat.
func Load(path string) (*Lockfile, error) {
	if parse := wholeFileParser(DetectFormat(path)); parse != nil {
		return loadTOML(path, parse)
	}
	return loadRequirements(path, osOpener)
}

// CheckSupported returns an *UnsupportedError when path is named as a lockfile or project
// file of a format this package does not read (pdm.lock, Pipfile, pyproject.toml ...),
// which Load would otherwise read as a requirements file, as pip -r would.
func CheckSupported(path string) error {
	if u, ok := unsupported[filepath.Base(path)]; ok {
		return &UnsupportedError{Path: path, Format: u[0], Hint: u[1]}
	}
	return nil
}

// wholeFileParser returns the reader of a one-file format, nil for requirements files.
func wholeFileParser(f Format) func(string, []byte) (*Lockfile, error) {
	switch f {
	case FormatPylock:
		return parsePylock
	case FormatUvLock:
		return parseUvLock
	case FormatPoetry:
		return parsePoetryLock
	case FormatPipfile:
		return parsePipfileLock
	}
	return nil
}

// Parse reads a lockfile from r; name chooses the format (as in DetectFormat) and is
// the file name used in positions and errors. Files included by a requirements file
// (-r, -c) are read from disk relative to name's directory.
func Parse(name string, r io.Reader) (*Lockfile, error) {
	data, err := readLimited(name, r, MaxFileSize)
	if err != nil {
		return nil, err
	}
	if parse := wholeFileParser(DetectFormat(name)); parse != nil {
		return parse(name, data)
	}
	return parseRequirements(name, data, osOpener)
}

// ParseFile reads the lockfile at path and returns its entries: pylock.toml and
// pylock.*.toml as PEP 751, uv.lock, poetry.lock and Pipfile.lock in their tools'
// formats, anything else as a requirements file.
func ParseFile(path string) ([]Entry, error) {
	lf, err := Load(path)
	if err != nil {
		return nil, err
	}
	return lf.Entries, nil
}

// ParseRequirements reads a requirements file and the files it includes.
func ParseRequirements(path string) ([]Entry, error) {
	lf, err := loadRequirements(path, osOpener)
	if err != nil {
		return nil, err
	}
	return lf.Entries, nil
}

// ParsePylock reads a PEP 751 lockfile whatever its name.
func ParsePylock(path string) ([]Entry, error) {
	lf, err := loadTOML(path, parsePylock)
	if err != nil {
		return nil, err
	}
	return lf.Entries, nil
}

// ParseUvLock reads a uv.lock file whatever its name.
func ParseUvLock(path string) ([]Entry, error) {
	lf, err := loadTOML(path, parseUvLock)
	if err != nil {
		return nil, err
	}
	return lf.Entries, nil
}

// loadTOML reads a one-file format (the TOML ones, and Pipfile.lock's JSON).
func loadTOML(path string, parse func(string, []byte) (*Lockfile, error)) (*Lockfile, error) {
	data, err := osOpener(path)
	if err != nil {
		return nil, err
	}
	return parse(path, data)
}

// osOpener reads a whole file from disk, refusing directories and anything larger
// than MaxFileSize.
func osOpener(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, &ParseError{Pos: Position{File: path}, Msg: "is a directory, not a lockfile"}
	}
	return readLimited(path, f, MaxFileSize)
}

func readLimited(name string, r io.Reader, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if n > limit {
		return nil, &ParseError{Pos: Position{File: name}, Msg: fmt.Sprintf("file is larger than %d bytes", limit)}
	}
	return buf.Bytes(), nil
}
