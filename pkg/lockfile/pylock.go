package lockfile

import (
	"strconv"
	"strings"
)

// PEP 751 (pylock.toml), the parts that name files. Keys this reader does not need
// (requires-python, dependencies, attestation-identities, tool ...) are ignored.

type pylockDoc struct {
	LockVersion *string          `toml:"lock-version"`
	Packages    *[]pylockPackage `toml:"packages"`
}

type pylockPackage struct {
	Name      *string       `toml:"name"`
	Version   string        `toml:"version"`
	Marker    string        `toml:"marker"`
	Index     string        `toml:"index"`
	VCS       *pylockVCS    `toml:"vcs"`
	Directory *pylockDir    `toml:"directory"`
	Archive   *pylockFile   `toml:"archive"`
	Sdist     *pylockFile   `toml:"sdist"`
	Wheels    *[]pylockFile `toml:"wheels"`
}

type pylockFile struct {
	Name   string            `toml:"name"`
	URL    string            `toml:"url"`
	Path   string            `toml:"path"`
	Size   *int64            `toml:"size"`
	Hashes map[string]string `toml:"hashes"`
}

type pylockVCS struct {
	Type     string `toml:"type"`
	URL      string `toml:"url"`
	Path     string `toml:"path"`
	CommitID string `toml:"commit-id"`
}

type pylockDir struct {
	Path     string `toml:"path"`
	Editable bool   `toml:"editable"`
}

// pylockMajor is the lock-version major this reader understands. PEP 751: a tool
// MUST NOT proceed with a major version it does not support; a newer minor version
// is readable (the caller may warn, Lockfile.Version carries it).
const pylockMajor = 1

func parsePylock(name string, data []byte) (*Lockfile, error) {
	var doc pylockDoc
	if err := decodeTOML(name, data, &doc); err != nil {
		return nil, err
	}
	ps := indexPositions(data)
	at := func(p tpath) Position { return Position{File: name, Line: ps.line(p)} }

	if doc.LockVersion == nil {
		return nil, errorf(Position{File: name}, "missing lock-version: not a PEP 751 lockfile")
	}
	lv := *doc.LockVersion
	major, _, ok := strings.Cut(lv, ".")
	n, err := strconv.Atoi(major)
	if !ok || err != nil || n < 1 || strings.HasPrefix(major, "+") {
		return nil, errorf(at(keyPath("lock-version")), "invalid lock-version %q, want \"1.0\"", truncate(lv, 40))
	}
	if n > pylockMajor {
		return nil, errorf(at(keyPath("lock-version")), "lock-version %s is not supported: this tufpip reads lock-version 1.x (upgrade tufpip)", truncate(lv, 40))
	}
	if doc.Packages == nil {
		return nil, errorf(Position{File: name}, "missing [[packages]]: not a PEP 751 lockfile")
	}

	lf := &Lockfile{Path: name, Format: FormatPylock, Version: lv, Entries: []Entry{}}
	for i, pkg := range *doc.Packages {
		pp := keyPath("packages").elem(i)
		pos := at(pp)
		if pkg.Name == nil || *pkg.Name == "" {
			return nil, errorf(pos, "package without a name")
		}
		base := Entry{
			Name: *pkg.Name, Version: pkg.Version, Marker: pkg.Marker, Source: pkg.Index,
			Size: -1, Pos: pos,
		}
		sources := 0
		for _, present := range []bool{pkg.VCS != nil, pkg.Directory != nil, pkg.Archive != nil, pkg.Sdist != nil || pkg.Wheels != nil} {
			if present {
				sources++
			}
		}
		switch {
		case sources == 0:
			return nil, errorf(pos, "package %s has no wheels, sdist, archive, vcs or directory", base.Name)
		case sources > 1:
			return nil, errorf(pos, "package %s: vcs, directory, archive and sdist/wheels are mutually exclusive", base.Name)
		}

		switch {
		case pkg.VCS != nil:
			e := base
			e.Kind, e.URL, e.Path = KindVCS, pkg.VCS.URL, pkg.VCS.Path
			e.Pos = at(pp.key("vcs"))
			lf.Entries = append(lf.Entries, e)
		case pkg.Directory != nil:
			e := base
			e.Kind, e.Path, e.Editable = KindDirectory, pkg.Directory.Path, pkg.Directory.Editable
			e.Pos = at(pp.key("directory"))
			lf.Entries = append(lf.Entries, e)
		case pkg.Archive != nil:
			e, err := pylockEntry(base, KindArchive, pkg.Archive, at(pp.key("archive")))
			if err != nil {
				return nil, err
			}
			lf.Entries = append(lf.Entries, e)
		default:
			if pkg.Sdist != nil {
				e, err := pylockEntry(base, KindSdist, pkg.Sdist, at(pp.key("sdist")))
				if err != nil {
					return nil, err
				}
				lf.Entries = append(lf.Entries, e)
			}
			if pkg.Wheels != nil {
				for j := range *pkg.Wheels {
					e, err := pylockEntry(base, KindWheel, &(*pkg.Wheels)[j], at(pp.key("wheels").elem(j)))
					if err != nil {
						return nil, err
					}
					lf.Entries = append(lf.Entries, e)
				}
			}
		}
	}
	return lf, nil
}

func pylockEntry(base Entry, kind Kind, f *pylockFile, pos Position) (Entry, error) {
	e := base
	e.Kind, e.Pos, e.URL, e.Path, e.Pinned = kind, pos, f.URL, f.Path, true
	if f.URL == "" && f.Path == "" {
		return e, errorf(pos, "%s %s has neither url nor path", kind, base.Name)
	}
	e.Filename = f.Name
	if e.Filename == "" {
		e.Filename = filenameFrom(f.URL, f.Path)
	}
	if err := plainFilename(e.Filename); err != nil {
		return e, errorf(pos, "%s %s: %v", kind, base.Name, err)
	}
	if f.Size != nil {
		if *f.Size < 0 {
			return e, errorf(pos, "%s %s: negative size %d", kind, e.Filename, *f.Size)
		}
		e.Size = *f.Size
	}
	hashes, err := hashList(f.Hashes)
	if err != nil {
		return e, errorf(pos, "%s: %v", e.Filename, err)
	}
	e.Hashes = hashes
	return e, nil
}
