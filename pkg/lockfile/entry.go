package lockfile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// Position is where something was written: the file as it was named (the path given
// by the caller, or joined from the including file's directory for -r/-c includes)
// and the 1-based line. Line 0 means the whole file.
type Position struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

func (p Position) String() string {
	if p.Line <= 0 {
		return p.File
	}
	return p.File + ":" + strconv.Itoa(p.Line)
}

// Hash is one pinned digest. Algorithm is kept as written (hashlib's names, such as
// "sha256" or "md5", are lowercase; pip refuses any other spelling) and Hex is
// lowercase hexadecimal.
type Hash struct {
	Algorithm string `json:"algorithm"`
	Hex       string `json:"hex"`
}

func (h Hash) String() string { return h.Algorithm + ":" + h.Hex }

// Strong reports whether pip would accept the algorithm for --hash (sha256, sha384,
// sha512). Weaker or unknown algorithms are still returned so the verifier can name
// them when it refuses them.
func (h Hash) Strong() bool { return simpleindex.IsStrongHash(h.Algorithm) }

// Kind says what an entry describes.
type Kind string

const (
	// KindRequirement is one requirement line of a requirements file. It names a
	// project and (when Pinned) a version; the file comes from whichever of its
	// Hashes matches. With URL or Path set it is a direct reference instead (a URL,
	// a local archive or directory, `-e`), which pip installs without asking an
	// index.
	KindRequirement Kind = "requirement"
	// KindWheel, KindSdist and KindArchive name one distribution file with its hashes.
	KindWheel   Kind = "wheel"
	KindSdist   Kind = "sdist"
	KindArchive Kind = "archive" // PEP 751 packages.archive: a direct reference to a file
	// KindVCS and KindDirectory are sources that have no file hash to verify:
	// pylock packages.vcs / packages.directory, uv git / directory / editable / virtual
	// sources, poetry git / directory sources, Pipfile.lock git entries.
	KindVCS       Kind = "vcs"
	KindDirectory Kind = "directory"
)

// Verifiable reports whether the entry can in principle be checked by a file hash:
// false for VCS checkouts and local directories, which the verifier must refuse.
// Requirement lines are "verifiable" by kind; whether a direct reference (URL or
// Path set) is acceptable is the verifier's decision.
func (k Kind) Verifiable() bool {
	return k != KindVCS && k != KindDirectory
}

// Entry is one thing a lockfile asks to install: a requirement line of a requirements
// file or a Pipfile.lock package, or one distribution file of a pylock.toml, uv.lock or
// poetry.lock package.
type Entry struct {
	Kind    Kind   `json:"kind"`
	Name    string `json:"name"`              // project name as written (not normalised)
	Version string `json:"version,omitempty"` // pinned version; for requirements only when Pinned
	// Filename is the distribution file's name: the lockfile's own name field, or the
	// last segment of URL (percent-decoded) or Path. Empty when not known (e.g. a
	// requirement line, a VCS source).
	Filename string `json:"filename,omitempty"`
	URL      string `json:"url,omitempty"`  // where the lockfile says the file (or VCS repository) is
	Path     string `json:"path,omitempty"` // local file or directory, as written (relative to the lockfile)
	// Source is the index the entry comes from: uv's `source = { registry = ... }`,
	// pylock's packages.index, a poetry legacy source's url, a Pipfile.lock index's url.
	// Empty when the lockfile does not say.
	Source string `json:"source,omitempty"`
	// Direct is set for a distribution file the lockfile takes from a URL or a local path
	// of its own instead of from an index: a uv.lock `url` or `path` source, a pylock.toml
	// wheel or sdist given by path (installers prefer the path to the url), a poetry.lock
	// `url` or `file` source, a Pipfile.lock `file` or `path`. No index serves it, so it
	// must never be looked up as if one did, whatever its hash.
	Direct bool     `json:"direct,omitempty"`
	Hashes []Hash   `json:"hashes,omitempty"`
	Size   int64    `json:"size"` // -1 when unknown
	Marker string   `json:"marker,omitempty"`
	Extras []string `json:"extras,omitempty"`
	// Pinned is true when the entry names exactly one version: for requirement lines
	// `==V` without a wildcard, or `===V`; for files of the TOML formats always.
	Pinned bool `json:"pinned"`
	// Editable is set for `-e` requirement lines and uv editable sources.
	Editable bool `json:"editable,omitempty"`
	// Constraint is set for entries read from a file included with -c/--constraint:
	// pip uses them to restrict versions, not to choose what to install.
	Constraint bool `json:"constraint,omitempty"`
	// Raw is the requirement as written in a requirements file (without options and
	// comments), or name and specifier of a Pipfile.lock package. Empty for the TOML formats.
	Raw string   `json:"raw,omitempty"`
	Pos Position `json:"pos"`
}

// IsVCSURL reports a URL pip hands to a version control system (git+https://..., git://,
// hg+ssh://...), as a requirement line may name one.
func IsVCSURL(u string) bool {
	scheme, _, ok := strings.Cut(u, ":")
	return ok && vcsSchemes[strings.ToLower(scheme)]
}

// Option is an option line of a requirements file, such as
// `--extra-index-url https://example.org/simple`. Name is the canonical long form
// even when the file used a short form or an abbreviation pip accepts.
type Option struct {
	Name  string   `json:"name"`
	Value string   `json:"value,omitempty"`
	Pos   Position `json:"pos"`
}

func (o Option) String() string {
	if o.Value == "" {
		return o.Name
	}
	return o.Name + " " + o.Value
}

// ParseError reports a lockfile that cannot be read: a syntax error, a value of the
// wrong type, a missing required field, an include cycle or an unreadable include.
type ParseError struct {
	Pos Position
	Msg string
	Err error // underlying cause, if any (e.g. *fs.PathError for an include)
}

func (e *ParseError) Error() string {
	return e.Pos.String() + ": " + e.Msg
}

func (e *ParseError) Unwrap() error { return e.Err }

func errorf(pos Position, format string, args ...any) *ParseError {
	return &ParseError{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// lineStarts indexes the byte offsets where lines begin so offsets from the TOML
// parser map to line numbers in O(log n).
type lineStarts []int

func newLineStarts(data []byte) lineStarts {
	ls := lineStarts{0}
	for i, b := range data {
		if b == '\n' {
			ls = append(ls, i+1)
		}
	}
	return ls
}

func (ls lineStarts) line(offset int) int {
	lo, hi := 0, len(ls)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if ls[m] <= offset {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// normHex lowercases a digest and checks it is hexadecimal of the length the
// algorithm produces (when the algorithm is known).
func normHex(algo, hex string) (string, error) {
	hex = strings.ToLower(hex)
	if hex == "" {
		return "", fmt.Errorf("empty %s digest", algo)
	}
	for i := 0; i < len(hex); i++ {
		c := hex[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return "", fmt.Errorf("%s digest %q is not hexadecimal", algo, truncate(hex, 80))
		}
	}
	if want, ok := simpleindex.DigestHexLen(algo); ok && want != 0 && len(hex) != want {
		return "", fmt.Errorf("%s digest has %d hex digits, want %d", algo, len(hex), want)
	}
	return hex, nil
}

// parseHash reads "<algorithm>:<hex>", as uv.lock, poetry.lock and Pipfile.lock write a hash.
func parseHash(s string) (Hash, error) {
	algo, hex, ok := strings.Cut(s, ":")
	if !ok || algo == "" {
		return Hash{}, fmt.Errorf("hash %q must be <algorithm>:<hex>", truncate(s, 80))
	}
	hex, err := normHex(algo, hex)
	if err != nil {
		return Hash{}, err
	}
	return Hash{Algorithm: algo, Hex: hex}, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
