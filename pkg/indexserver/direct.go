package indexserver

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/tufpip/tufpip/pkg/resolve"
)

// A file the repository vouches for can still send pip elsewhere: a wheel whose metadata
// declares "Requires-Dist: evil @ https://..." makes pip fetch evil from that URL, with no
// index and no verification. The index reads the metadata of every wheel and PEP 658
// metadata file it serves and refuses one that declares a dependency by URL (PyPI refuses
// to publish such files too), naming the file and the dependency. The wrappers also run
// pip with every other host out of reach (see internal/cli), which covers what the index
// cannot see (the metadata an sdist produces when built).

// DirectDependencyError is a vouched-for file whose metadata declares a dependency by URL.
type DirectDependencyError struct {
	Requirement string // the Requires-Dist value, e.g. "evil @ http://example.org/evil.whl"
}

func (e *DirectDependencyError) Error() string {
	return fmt.Sprintf("declares the dependency %q, which pip would fetch from its URL without verification", e.Requirement)
}

// maxMetadataSize bounds the METADATA read from a wheel.
const maxMetadataSize = 16 << 20

// checkDirectDependencies returns a *DirectDependencyError when the wheel or metadata file
// fh declares a dependency by URL. Files it cannot read as either are passed: pip cannot
// install from them either.
func checkDirectDependencies(fh *os.File, filename string) error {
	lower := strings.ToLower(filename)
	switch {
	case strings.HasSuffix(lower, ".metadata"):
		data, err := io.ReadAll(io.LimitReader(fh, maxMetadataSize))
		if err != nil {
			return err
		}
		return scanMetadata(data)
	case strings.HasSuffix(lower, ".whl"):
		fi, err := fh.Stat()
		if err != nil {
			return err
		}
		zr, err := zip.NewReader(fh, fi.Size())
		if err != nil {
			return nil
		}
		// Every top-level *.dist-info/METADATA, duplicates included: which one pip reads
		// depends on its version and on zip details.
		for _, f := range zr.File {
			dir, base := path.Split(f.Name)
			if base != "METADATA" || strings.Count(dir, "/") != 1 || !strings.HasSuffix(strings.ToLower(dir), ".dist-info/") {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				continue
			}
			data, err := io.ReadAll(io.LimitReader(rc, maxMetadataSize))
			rc.Close()
			if err != nil && !errors.Is(err, zip.ErrChecksum) {
				continue
			}
			if err := scanMetadata(data); err != nil {
				return err
			}
		}
	}
	return nil
}

// scanMetadata looks at every Requires-Dist header of core metadata (RFC 822 headers,
// folded lines joined, up to the first empty line; Python's email parser splits lines on
// \r, \n and \r\n). A value that the PEP 508 parser reads as a direct reference, or that it
// cannot read and that contains "@", is refused.
func scanMetadata(data []byte) error {
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), maxMetadataSize)
	var headers []string
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			break
		}
		if (line[0] == ' ' || line[0] == '\t') && len(headers) > 0 {
			headers[len(headers)-1] += line
			continue
		}
		headers = append(headers, line)
	}
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "requires-dist") {
			continue
		}
		value = strings.TrimSpace(value)
		_, err := resolve.ParseRequirement(value)
		var ue *resolve.URLRequirementError
		if errors.As(err, &ue) || (err != nil && strings.Contains(value, "@")) {
			return &DirectDependencyError{Requirement: value}
		}
	}
	return nil
}
