package repo

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"os"
	"strings"

	"github.com/tufpip/tufpip/pkg/pep440"
	"github.com/tufpip/tufpip/pkg/resolve"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// distName is what the publisher needs from a filename.
type distName struct {
	Project string // PEP 503 normalised
	Version pep440.Version
	Wheel   bool
	Ext     string // ".whl", ".tar.gz" or ".zip"
}

// parseDistFilename checks a wheel or sdist filename with pkg/resolve's parser, plus what
// a file served from disk needs beyond it: printable ASCII only (names go into URLs and
// onto terminals as they are) and no leading dot (hidden, and the publisher's own
// temporary files start with one).
func parseDistFilename(fn string) (distName, error) {
	if strings.HasPrefix(fn, ".") {
		return distName{}, &DistError{File: fn, Reason: "filename starts with a dot"}
	}
	for _, c := range fn {
		if c <= 0x20 || c >= 0x7f {
			return distName{}, &DistError{File: fn, Reason: "filename has a space, control or non-ASCII character"}
		}
	}
	d, err := resolve.ParseFilename(fn)
	if err != nil {
		return distName{}, &DistError{File: fn, Reason: "not a valid wheel or sdist filename", Err: err}
	}
	// The project name becomes a path under targets/ and state/, and no client can ask
	// for a page under a name that is not a project name.
	if p, err := simpleindex.PagePath("{project}", d.Project); err != nil || p != d.Project {
		return distName{}, &DistError{File: fn, Reason: fmt.Sprintf("project name %q is not a valid project name (letters, digits and - _ . with a letter or digit at each end)", d.Project)}
	}
	ext := ".whl"
	for _, e := range []string{".tar.gz", ".zip"} {
		if !d.Wheel && strings.HasSuffix(fn, e) {
			ext = e
		}
	}
	return distName{Project: d.Project, Version: d.Version, Wheel: d.Wheel, Ext: ext}, nil
}

// maxMetadata bounds how much of a METADATA/PKG-INFO file is read: only the headers matter.
const maxMetadata = 1 << 20

// readRequiresPython returns the Requires-Python of a distribution: from the wheel's
// NAME-VERSION.dist-info/METADATA, or from the sdist's top-level PKG-INFO. A wheel without
// METADATA is rejected; an sdist without PKG-INFO (very old ones) gets none.
func readRequiresPython(path string, d distName, display string) (string, error) {
	switch d.Ext {
	case ".whl":
		zr, err := zip.OpenReader(path)
		if err != nil {
			return "", &DistError{File: display, Reason: "not a zip archive", Err: err}
		}
		defer zr.Close()
		for _, f := range zr.File {
			dir, base, ok := strings.Cut(f.Name, "/")
			if ok && base == "METADATA" && strings.HasSuffix(dir, ".dist-info") && simpleindex.NormalizeName(strings.SplitN(dir, "-", 2)[0]) == d.Project {
				return headerFromZip(f, display)
			}
		}
		return "", &DistError{File: display, Reason: "wheel has no NAME-VERSION.dist-info/METADATA"}
	case ".zip":
		zr, err := zip.OpenReader(path)
		if err != nil {
			return "", &DistError{File: display, Reason: "not a zip archive", Err: err}
		}
		defer zr.Close()
		for _, f := range zr.File {
			if parts := strings.Split(f.Name, "/"); len(parts) == 2 && parts[1] == "PKG-INFO" {
				return headerFromZip(f, display)
			}
		}
		return "", nil
	default:
		fh, err := os.Open(path)
		if err != nil {
			return "", err
		}
		defer fh.Close()
		gz, err := gzip.NewReader(fh)
		if err != nil {
			return "", &DistError{File: display, Reason: "not a gzip archive", Err: err}
		}
		tr := tar.NewReader(gz)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				return "", nil
			}
			if err != nil {
				return "", &DistError{File: display, Reason: "corrupt tar archive", Err: err}
			}
			if parts := strings.Split(strings.TrimPrefix(h.Name, "./"), "/"); len(parts) == 2 && parts[1] == "PKG-INFO" {
				return requiresPython(tr, display)
			}
		}
	}
}

func headerFromZip(f *zip.File, display string) (string, error) {
	rc, err := f.Open()
	if err != nil {
		return "", &DistError{File: display, Reason: "cannot open " + f.Name, Err: err}
	}
	defer rc.Close()
	return requiresPython(rc, display)
}

// requiresPython reads the RFC 822 style header block of core metadata.
func requiresPython(r io.Reader, display string) (string, error) {
	tp := textproto.NewReader(bufio.NewReader(io.LimitReader(r, maxMetadata)))
	h, err := tp.ReadMIMEHeader()
	if err != nil && !errors.Is(err, io.EOF) && len(h) == 0 {
		return "", &DistError{File: display, Reason: "unreadable core metadata", Err: err}
	}
	return strings.TrimSpace(h.Get("Requires-Python")), nil
}
