package pyfix

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// WheelSpec describes a wheel to build. Only Name and Version are required.
type WheelSpec struct {
	Name    string // project name as written, e.g. "Foo.Bar"
	Version string // PEP 440 version as it will appear in the filename and METADATA
	Build   string // optional build tag, must start with a digit ("1", "2abc")
	// Tags are PEP 425 tag triples such as "py3-none-any" or "cp311-cp311-manylinux_2_17_x86_64";
	// a triple may itself be compressed ("py2.py3-none-any"). The filename carries the
	// compressed product of every interpreter, ABI and platform named, as bdist_wheel does.
	// Empty means "py3-none-any".
	Tags           []string
	RequiresPython string   // Requires-Python, omitted when empty
	RequiresDist   []string // one Requires-Dist line each
	// Module is the importable top-level package; empty means the normalised project name
	// with "-" replaced by "_". Its __init__.py sets __version__ = Version.
	Module string
	// Files are extra files (path inside the archive -> content) placed beside the module.
	Files map[string]string
}

// fixedTime keeps archives byte-for-byte reproducible: a seeded test must produce the same
// hashes on every run, or a signed repository built from it would change under the test.
var fixedTime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

var nameRE = regexp.MustCompile(`^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$`)

var sepRE = regexp.MustCompile(`[-_.]+`)

// distName is the escaped form used in archive and dist-info names (the wheel spec and PEP 625).
func distName(name string) string {
	return strings.ToLower(sepRE.ReplaceAllString(name, "_"))
}

func moduleName(s WheelSpec) string {
	if s.Module != "" {
		return s.Module
	}
	return distName(s.Name)
}

// expandTags returns the filename tag (compressed product) and the expanded tag lines.
func expandTags(tags []string) (string, []string, error) {
	if len(tags) == 0 {
		tags = []string{"py3-none-any"}
	}
	var pys, abis, plats []string
	seen := map[string]bool{}
	add := func(list *[]string, kind, v string) {
		if !seen[kind+v] {
			seen[kind+v] = true
			*list = append(*list, v)
		}
	}
	for _, t := range tags {
		parts := strings.Split(t, "-")
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			return "", nil, fmt.Errorf("tag %q is not interpreter-abi-platform", t)
		}
		for _, p := range strings.Split(parts[0], ".") {
			add(&pys, "py", p)
		}
		for _, a := range strings.Split(parts[1], ".") {
			add(&abis, "abi", a)
		}
		for _, p := range strings.Split(parts[2], ".") {
			add(&plats, "plat", p)
		}
	}
	var lines []string
	for _, p := range pys {
		for _, a := range abis {
			for _, pl := range plats {
				lines = append(lines, p+"-"+a+"-"+pl)
			}
		}
	}
	file := strings.Join(pys, ".") + "-" + strings.Join(abis, ".") + "-" + strings.Join(plats, ".")
	return file, lines, nil
}

func checkSpec(name, version string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("project name %q is not a valid distribution name", name)
	}
	if version == "" || strings.ContainsAny(version, "- /\\") {
		return fmt.Errorf("version %q cannot appear in a distribution filename", version)
	}
	return nil
}

// WheelFilename is the filename BuildWheel gives the wheel described by s.
func WheelFilename(s WheelSpec) (string, error) {
	if err := checkSpec(s.Name, s.Version); err != nil {
		return "", err
	}
	tag, _, err := expandTags(s.Tags)
	if err != nil {
		return "", err
	}
	build := ""
	if s.Build != "" {
		if s.Build[0] < '0' || s.Build[0] > '9' || strings.ContainsAny(s.Build, "- ") {
			return "", fmt.Errorf("build tag %q must start with a digit and hold no dash", s.Build)
		}
		build = "-" + s.Build
	}
	return distName(s.Name) + "-" + s.Version + build + "-" + tag + ".whl", nil
}

// metadataText renders core metadata 2.1; PKG-INFO in sdists uses the same format.
func metadataText(name, version, requiresPython string, requiresDist []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Metadata-Version: 2.1\nName: %s\nVersion: %s\n", name, version)
	b.WriteString("Summary: test fixture built by tufpip's pyfix\n")
	if requiresPython != "" {
		fmt.Fprintf(&b, "Requires-Python: %s\n", requiresPython)
	}
	for _, r := range requiresDist {
		fmt.Fprintf(&b, "Requires-Dist: %s\n", r)
	}
	return b.String()
}

func initPy(version string) string {
	return fmt.Sprintf("__version__ = %q\n", version)
}

// BuildWheel builds the wheel described by s and returns its filename and bytes. The
// archive is what a build backend would produce: the module, then the .dist-info
// directory with METADATA, WHEEL and a RECORD holding the sha256 and size of every file.
func BuildWheel(s WheelSpec) (string, []byte, error) {
	filename, err := WheelFilename(s)
	if err != nil {
		return "", nil, err
	}
	_, tagLines, _ := expandTags(s.Tags)
	mod := moduleName(s)
	distInfo := distName(s.Name) + "-" + s.Version + ".dist-info"

	var wheel strings.Builder
	wheel.WriteString("Wheel-Version: 1.0\nGenerator: tufpip-pyfix\nRoot-Is-Purelib: true\n")
	for _, t := range tagLines {
		fmt.Fprintf(&wheel, "Tag: %s\n", t)
	}
	if s.Build != "" {
		fmt.Fprintf(&wheel, "Build: %s\n", s.Build)
	}

	files := []archiveFile{{mod + "/__init__.py", initPy(s.Version)}}
	for _, p := range sortedKeys(s.Files) {
		files = append(files, archiveFile{p, s.Files[p]})
	}
	files = append(files,
		archiveFile{distInfo + "/METADATA", metadataText(s.Name, s.Version, s.RequiresPython, s.RequiresDist)},
		archiveFile{distInfo + "/WHEEL", wheel.String()},
	)
	files = append(files, archiveFile{distInfo + "/RECORD", record(files, distInfo+"/RECORD")})

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.path, Method: zip.Deflate, Modified: fixedTime})
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", filename, err)
		}
		if _, err := w.Write([]byte(f.content)); err != nil {
			return "", nil, fmt.Errorf("%s: %w", filename, err)
		}
	}
	if err := zw.Close(); err != nil {
		return "", nil, fmt.Errorf("%s: %w", filename, err)
	}
	return filename, buf.Bytes(), nil
}

// Wheel is BuildWheel for tests: it fails the test on a bad spec.
func Wheel(t testing.TB, s WheelSpec) (filename string, data []byte) {
	t.Helper()
	filename, data, err := BuildWheel(s)
	if err != nil {
		t.Fatalf("pyfix: build wheel: %v", err)
	}
	return filename, data
}

type archiveFile struct{ path, content string }

// record renders a wheel RECORD: urlsafe base64 sha256 without padding, as pip checks it.
func record(files []archiveFile, self string) string {
	var b strings.Builder
	for _, f := range files {
		sum := sha256.Sum256([]byte(f.content))
		fmt.Fprintf(&b, "%s,sha256=%s,%d\n", f.path, base64.RawURLEncoding.EncodeToString(sum[:]), len(f.content))
	}
	fmt.Fprintf(&b, "%s,,\n", self)
	return b.String()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
