package repo

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
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
	rc, err := openCoreMetadata(path, d, display)
	if err != nil || rc == nil {
		return "", err
	}
	defer rc.Close()
	return requiresPython(rc, display)
}

// readCoreMetadata returns a distribution's core metadata (see openCoreMetadata), at most
// maxMetadata bytes; an sdist without PKG-INFO is a *DistError here.
func readCoreMetadata(path string, d distName, display string) ([]byte, error) {
	rc, err := openCoreMetadata(path, d, display)
	if err != nil {
		return nil, err
	}
	if rc == nil {
		return nil, &DistError{File: display, Reason: "sdist has no PKG-INFO"}
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxMetadata+1))
	if err != nil || len(data) > maxMetadata {
		return nil, &DistError{File: display, Reason: "unreadable or oversized core metadata", Err: err}
	}
	return data, nil
}

// distFacts returns a distribution's Requires-Python and, for a wheel, its METADATA,
// opening the archive once.
func distFacts(path string, d distName, display string) (rp string, md []byte, err error) {
	if !d.Wheel {
		rp, err = readRequiresPython(path, d, display)
		return rp, nil, err
	}
	if md, err = readCoreMetadata(path, d, display); err != nil {
		return "", nil, err
	}
	rp, err = requiresPython(bytes.NewReader(md), display)
	return rp, md, err
}

// openCoreMetadata opens the core metadata inside a distribution: a wheel's
// NAME-VERSION.dist-info/METADATA (a wheel without one is a *DistError), an sdist's
// top-level PKG-INFO (nil, nil when it has none). The caller closes it.
func openCoreMetadata(path string, d distName, display string) (io.ReadCloser, error) {
	if d.Ext != ".whl" && d.Ext != ".zip" {
		return openTarPKGInfo(path, display)
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, &DistError{File: display, Reason: "not a zip archive", Err: err}
	}
	for _, f := range zr.File {
		if isCoreMetadata(f.Name, d) {
			rc, err := f.Open()
			if err != nil {
				zr.Close()
				return nil, &DistError{File: display, Reason: "cannot open " + f.Name, Err: err}
			}
			return readCloser{rc, func() error { rc.Close(); return zr.Close() }}, nil
		}
	}
	zr.Close()
	if d.Wheel {
		return nil, &DistError{File: display, Reason: "wheel has no NAME-VERSION.dist-info/METADATA"}
	}
	return nil, nil
}

func openTarPKGInfo(path, display string) (io.ReadCloser, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	gz, err := gzip.NewReader(fh)
	if err != nil {
		fh.Close()
		return nil, &DistError{File: display, Reason: "not a gzip archive", Err: err}
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			fh.Close()
			return nil, nil
		}
		if err != nil {
			fh.Close()
			return nil, &DistError{File: display, Reason: "corrupt tar archive", Err: err}
		}
		if isCoreMetadata(strings.TrimPrefix(h.Name, "./"), distName{}) {
			return readCloser{tr, fh.Close}, nil
		}
	}
}

// isCoreMetadata reports whether an archive member is the core metadata of d: a wheel's
// NAME-VERSION.dist-info/METADATA for its project, else an sdist's top-level PKG-INFO.
func isCoreMetadata(name string, d distName) bool {
	if d.Wheel {
		dir, base, ok := strings.Cut(name, "/")
		return ok && base == "METADATA" && strings.HasSuffix(dir, ".dist-info") && simpleindex.NormalizeName(strings.SplitN(dir, "-", 2)[0]) == d.Project
	}
	parts := strings.Split(name, "/")
	return len(parts) == 2 && parts[1] == "PKG-INFO"
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }

// requiresPython reads the RFC 822 style header block of core metadata.
func requiresPython(r io.Reader, display string) (string, error) {
	tp := textproto.NewReader(bufio.NewReader(io.LimitReader(r, maxMetadata)))
	h, err := tp.ReadMIMEHeader()
	if err != nil && !errors.Is(err, io.EOF) && len(h) == 0 {
		return "", &DistError{File: display, Reason: "unreadable core metadata", Err: err}
	}
	return strings.TrimSpace(h.Get("Requires-Python")), nil
}
