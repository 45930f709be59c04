package pyfix

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxMetadata bounds what CoreMetadata reads: fixtures are small, and an index file of
// unknown origin must not make a test allocate without limit.
const maxMetadata = 1 << 20

// CoreMetadata returns the core metadata inside a wheel (NAME-VER.dist-info/METADATA) or
// an sdist (.tar.gz: the top directory's PKG-INFO), the bytes PEP 658 serves beside it.
func CoreMetadata(filename string, data []byte) ([]byte, error) {
	switch {
	case strings.HasSuffix(filename, ".whl"):
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filename, err)
		}
		for _, f := range zr.File {
			dir, base, ok := strings.Cut(f.Name, "/")
			if ok && base == "METADATA" && strings.HasSuffix(dir, ".dist-info") {
				rc, err := f.Open()
				if err != nil {
					return nil, fmt.Errorf("%s: %w", filename, err)
				}
				defer rc.Close()
				return readCapped(filename, rc)
			}
		}
		return nil, fmt.Errorf("%s: no .dist-info/METADATA", filename)
	case strings.HasSuffix(filename, ".tar.gz"):
		gz, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filename, err)
		}
		tr := tar.NewReader(gz)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("%s: no PKG-INFO", filename)
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", filename, err)
			}
			if _, base, ok := strings.Cut(h.Name, "/"); ok && base == "PKG-INFO" {
				return readCapped(filename, tr)
			}
		}
	}
	return nil, fmt.Errorf("%s: not a wheel or .tar.gz sdist", filename)
}

func readCapped(filename string, r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxMetadata+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filename, err)
	}
	if len(b) > maxMetadata {
		return nil, fmt.Errorf("%s: metadata larger than %d bytes", filename, maxMetadata)
	}
	return b, nil
}
