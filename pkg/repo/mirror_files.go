package repo

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/tufpip/tufpip/internal/atomicfile"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// The files of a mirror session: placing a verified download with its core metadata, and
// reading core metadata out of wheels and sdists.

// sweepDownloads deletes the temporary downloads (".tmp-upload-*") a killed sync left in
// the packages directory, once older than the grace period. It reads the directory in
// chunks: a large mirror holds hundreds of thousands of entries there.
func (r *Repo) sweepDownloads(now time.Time) {
	d, err := os.Open(filepath.Join(targetsDir(r.dir), packagesDir))
	if err != nil {
		return
	}
	defer d.Close()
	for {
		entries, err := d.ReadDir(1024)
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), ".tmp-upload-") {
				continue
			}
			if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > r.cfg.Grace {
				os.Remove(filepath.Join(d.Name(), e.Name()))
			}
		}
		if err != nil {
			return
		}
	}
}

// place checks one verified download and moves it, with its core metadata, into
// targets/packages/.
func (s *MirrorSession) place(project string, mf MirrorFile) (*fileState, []string, error) {
	defer os.Remove(mf.Temp) // gone once renamed; removed when refused
	var warnings []string
	d, err := parseDistFilename(mf.Filename)
	if err != nil {
		return nil, nil, err
	}
	if d.Project != project {
		return nil, nil, &DistError{File: mf.Filename, Reason: fmt.Sprintf("listed on the upstream page of %s but names project %s", project, d.Project)}
	}
	rp, err := readRequiresPython(mf.Temp, d, mf.Filename)
	if err != nil {
		return nil, nil, err
	}
	if rp == "" && mf.RequiresPython != "" && !d.Wheel {
		rp = mf.RequiresPython // an old sdist without PKG-INFO: the upstream's is all there is
	} else if mf.RequiresPython != "" && specClauses(rp) != specClauses(mf.RequiresPython) {
		warnings = append(warnings, fmt.Sprintf("%s: the upstream page gives requires-python %q, the file itself %q; the file's is used", mf.Filename, mf.RequiresPython, rp))
	}
	md := mf.CoreMetadata
	if d.Wheel {
		own, err := wheelMetadata(mf.Temp, d, mf.Filename)
		if err != nil {
			return nil, nil, err
		}
		if md != nil && sha256Hex(md) != sha256Hex(own) || mf.CoreMetadataSHA256 != "" && mf.CoreMetadataSHA256 != sha256Hex(own) {
			return nil, nil, &MetadataMismatchError{Filename: mf.Filename}
		}
		md = own
	}
	pkgDir := filepath.Join(targetsDir(s.r.dir), packagesDir)
	fs := &fileState{Filename: mf.Filename, Version: d.Version.String(), SHA256: mf.SHA256, Size: mf.Size,
		UploadTime: mf.UploadTime.UTC(), RequiresPython: rp, Yanked: mf.Yanked, YankedReason: mf.YankedReason, FirstSeen: s.now}
	if fs.UploadTime.IsZero() {
		fs.UploadTime = s.now
	}
	if md != nil {
		sum := sha256Hex(md)
		if err := s.r.step(s.ctx, "metadata "+mf.Filename); err != nil {
			return nil, warnings, err
		}
		hashed := filepath.Join(pkgDir, sum+"."+mf.Filename+".metadata")
		if err := atomicfile.WriteFileUnsynced(hashed, md, 0o644); err != nil {
			return nil, warnings, err
		}
		if err := replaceWithLink(hashed, filepath.Join(pkgDir, mf.Filename+".metadata")); err != nil {
			return nil, warnings, err
		}
		fs.CoreMetadata, fs.CoreMetadataSize = sum, int64(len(md))
		s.unsynced = append(s.unsynced, hashed, filepath.Join(pkgDir, mf.Filename+".metadata"))
	}
	if err := s.r.step(s.ctx, "copy "+mf.Filename); err != nil {
		return nil, warnings, err
	}
	hashed := filepath.Join(pkgDir, mf.SHA256+"."+mf.Filename)
	if err := os.Rename(mf.Temp, hashed); err != nil {
		return nil, warnings, err
	}
	if err := s.r.step(s.ctx, "link "+mf.Filename); err != nil {
		return nil, warnings, err
	}
	if err := replaceWithLink(hashed, filepath.Join(pkgDir, mf.Filename)); err != nil {
		return nil, warnings, err
	}
	s.unsynced = append(s.unsynced, hashed, filepath.Join(pkgDir, mf.Filename))
	return fs, warnings, nil
}

// MetadataMismatchError reports an upstream whose PEP 658 metadata file is not the
// METADATA inside the wheel it describes.
type MetadataMismatchError struct{ Filename string }

func (e *MetadataMismatchError) Error() string {
	return fmt.Sprintf("%s: the upstream's core metadata (.metadata) is not the wheel's own METADATA", e.Filename)
}

// wheelMetadata returns the wheel's NAME-VERSION.dist-info/METADATA.
func wheelMetadata(path string, d distName, display string) ([]byte, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, &DistError{File: display, Reason: "not a zip archive", Err: err}
	}
	defer zr.Close()
	for _, f := range zr.File {
		dir, base, ok := strings.Cut(f.Name, "/")
		if ok && base == "METADATA" && strings.HasSuffix(dir, ".dist-info") && simpleindex.NormalizeName(strings.SplitN(dir, "-", 2)[0]) == d.Project {
			rc, err := f.Open()
			if err != nil {
				return nil, &DistError{File: display, Reason: "cannot open " + f.Name, Err: err}
			}
			defer rc.Close()
			data, err := io.ReadAll(io.LimitReader(rc, maxMetadata+1))
			if err != nil || len(data) > maxMetadata {
				return nil, &DistError{File: display, Reason: "unreadable or oversized " + f.Name, Err: err}
			}
			return data, nil
		}
	}
	return nil, &DistError{File: display, Reason: "wheel has no NAME-VERSION.dist-info/METADATA"}
}

// CoreMetadata returns the core metadata sync can read dependencies from for a placed
// file: the served .metadata when there is one, else an sdist's PKG-INFO. ok is false when
// there is neither.
func (s *MirrorSession) CoreMetadata(filename string) (data []byte, fromSdist bool, err error) {
	pkgDir := filepath.Join(targetsDir(s.r.dir), packagesDir)
	data, err = readCapped(filepath.Join(pkgDir, filename+".metadata"), maxMetadata)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return data, false, err
	}
	d, err := parseDistFilename(filename)
	if err != nil || d.Wheel {
		return nil, false, err
	}
	data, err = sdistPKGInfo(filepath.Join(pkgDir, filename), d, filename)
	return data, true, err
}

func readCapped(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(data)) > limit {
		err = fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	return data, err
}

// sdistPKGInfo returns the top-level PKG-INFO of an sdist (.tar.gz or .zip).
func sdistPKGInfo(path string, d distName, display string) ([]byte, error) {
	if d.Ext == ".zip" {
		zr, err := zip.OpenReader(path)
		if err != nil {
			return nil, &DistError{File: display, Reason: "not a zip archive", Err: err}
		}
		defer zr.Close()
		for _, f := range zr.File {
			if parts := strings.Split(f.Name, "/"); len(parts) == 2 && parts[1] == "PKG-INFO" {
				rc, err := f.Open()
				if err != nil {
					return nil, &DistError{File: display, Reason: "cannot open " + f.Name, Err: err}
				}
				defer rc.Close()
				return readLimit(rc, display)
			}
		}
		return nil, &DistError{File: display, Reason: "sdist has no PKG-INFO"}
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	gz, err := gzip.NewReader(fh)
	if err != nil {
		return nil, &DistError{File: display, Reason: "not a gzip archive", Err: err}
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, &DistError{File: display, Reason: "sdist has no PKG-INFO"}
		}
		if err != nil {
			return nil, &DistError{File: display, Reason: "corrupt tar archive", Err: err}
		}
		if parts := strings.Split(strings.TrimPrefix(h.Name, "./"), "/"); len(parts) == 2 && parts[1] == "PKG-INFO" {
			return readLimit(tr, display)
		}
	}
}

func readLimit(r io.Reader, display string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxMetadata+1))
	if err != nil || len(data) > maxMetadata {
		return nil, &DistError{File: display, Reason: "unreadable or oversized core metadata", Err: err}
	}
	return data, nil
}

// specClauses is a specifier's clauses without spaces, sorted: PyPI reorders them.
func specClauses(s string) string {
	parts := strings.Split(strings.Join(strings.Fields(s), ""), ",")
	sort.Strings(parts)
	return strings.Join(parts, ",")
}
