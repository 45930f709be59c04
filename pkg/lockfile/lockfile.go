// Package lockfile reads the three lockfile formats that `tufpip verify` checks:
// pip-tools requirements files (`--generate-hashes`), PEP 751 pylock.toml files and
// uv.lock files. It turns each into a flat list of entries, one per distribution file
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
)

// DetectFormat picks the format from the file's base name the way the tools name
// their files: "pylock.toml" and "pylock.<name>.toml" (PEP 751), "uv.lock", and
// anything else is read as a requirements file.
func DetectFormat(path string) Format {
	base := filepath.Base(path)
	switch {
	case base == "uv.lock":
		return FormatUvLock
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
	switch DetectFormat(path) {
	case FormatPylock:
		return loadTOML(path, parsePylock)
	case FormatUvLock:
		return loadTOML(path, parseUvLock)
	default:
		return loadRequirements(path, osOpener)
	}
}

// Parse reads a lockfile from r; name chooses the format (as in DetectFormat) and is
// the file name used in positions and errors. Files included by a requirements file
// (-r, -c) are read from disk relative to name's directory.
func Parse(name string, r io.Reader) (*Lockfile, error) {
	data, err := readLimited(name, r, MaxFileSize)
	if err != nil {
		return nil, err
	}
	switch DetectFormat(name) {
	case FormatPylock:
		return parsePylock(name, data)
	case FormatUvLock:
		return parseUvLock(name, data)
	default:
		return parseRequirements(name, data, osOpener)
	}
}

// ParseFile reads the lockfile at path and returns its entries: pylock.toml and
// pylock.*.toml as PEP 751, uv.lock as uv's format, anything else as a
// requirements file.
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
