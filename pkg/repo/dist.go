package repo

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"compress/gzip"
	"errors"
	"io"
	"net/textproto"
	"os"
	"regexp"
	"strings"
)

// distName is what the publisher needs from a filename.
type distName struct {
	Project string // PEP 503 normalised
	Version string
	Wheel   bool
	Ext     string // ".whl", ".tar.gz" or ".zip"
}

var (
	nameRe    = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._]*[A-Za-z0-9])?$`)
	sdistName = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`)
	versionRe = regexp.MustCompile(`^[vV]?[0-9][0-9A-Za-z.!+_]*$`)
	normRe    = regexp.MustCompile(`[-_.]+`)
)

func normalize(name string) string { return strings.ToLower(normRe.ReplaceAllString(name, "-")) }

// parseDistFilename checks a wheel or sdist filename. It is deliberately strict about
// what may reach a URL or a path on disk ("/", "\", "..", control characters).
// TODO(repo): switch to resolve.ParseFilename once pkg/resolve lands.
func parseDistFilename(fn string) (distName, error) {
	bad := func(reason string) (distName, error) { return distName{}, &DistError{File: fn, Reason: reason} }
	if fn == "" || strings.ContainsAny(fn, "/\\") || strings.Contains(fn, "..") || strings.HasPrefix(fn, ".") {
		return bad("not a plain filename")
	}
	for _, c := range fn {
		if c < 0x20 || c == 0x7f || c > 0x7e {
			return bad("filename has a control or non-ASCII character")
		}
	}
	switch {
	case strings.HasSuffix(fn, ".whl"):
		parts := strings.Split(strings.TrimSuffix(fn, ".whl"), "-")
		if len(parts) != 5 && len(parts) != 6 {
			return bad("wheel filename must be NAME-VERSION[-BUILD]-PYTHON-ABI-PLATFORM.whl")
		}
		if !nameRe.MatchString(parts[0]) || !versionRe.MatchString(parts[1]) {
			return bad("wheel filename has an invalid name or version")
		}
		for _, p := range parts[2:] {
			if p == "" {
				return bad("wheel filename has an empty tag")
			}
		}
		return distName{Project: normalize(parts[0]), Version: parts[1], Wheel: true, Ext: ".whl"}, nil
	case strings.HasSuffix(fn, ".tar.gz"), strings.HasSuffix(fn, ".zip"):
		ext := ".zip"
		if strings.HasSuffix(fn, ".tar.gz") {
			ext = ".tar.gz"
		}
		stem := strings.TrimSuffix(fn, ext)
		i := strings.LastIndexByte(stem, '-')
		if i <= 0 || !sdistName.MatchString(stem[:i]) || !versionRe.MatchString(stem[i+1:]) {
			return bad("sdist filename must be NAME-VERSION.tar.gz or NAME-VERSION.zip")
		}
		return distName{Project: normalize(stem[:i]), Version: stem[i+1:], Ext: ext}, nil
	}
	return bad("not a wheel (.whl) or sdist (.tar.gz, .zip)")
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
			if ok && base == "METADATA" && strings.HasSuffix(dir, ".dist-info") && normalize(strings.SplitN(dir, "-", 2)[0]) == d.Project {
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
