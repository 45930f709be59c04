package repo

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/tufpip/tufpip/internal/atomicfile"
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
	rp, own, err := distFacts(mf.Temp, d, mf.Filename)
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
	data, err = readCoreMetadata(filepath.Join(pkgDir, filename), d, filename)
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

// specClauses is a specifier's clauses without spaces, sorted: PyPI reorders them.
func specClauses(s string) string {
	parts := strings.Split(strings.Join(strings.Fields(s), ""), ",")
	sort.Strings(parts)
	return strings.Join(parts, ",")
}
