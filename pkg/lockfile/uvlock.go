package lockfile

import (
	"strconv"
	"strings"
)

// uv.lock, uv's own lockfile: [[package]] tables with a source and the sdist and
// wheels of registry (and direct URL or local file) packages. Keys this reader does
// not need (dependencies, resolution-markers, metadata ...) are ignored.

type uvDoc struct {
	Version  *int64      `toml:"version"`
	Revision int64       `toml:"revision"`
	Packages []uvPackage `toml:"package"`
}

type uvPackage struct {
	Name    *string   `toml:"name"`
	Version string    `toml:"version"`
	Source  *uvSource `toml:"source"`
	Sdist   *uvDist   `toml:"sdist"`
	Wheels  []uvDist  `toml:"wheels"`
}

type uvSource struct {
	Registry  string `toml:"registry"`
	URL       string `toml:"url"`
	Path      string `toml:"path"`
	Git       string `toml:"git"`
	Directory string `toml:"directory"`
	Editable  string `toml:"editable"`
	Virtual   string `toml:"virtual"`
}

type uvDist struct {
	URL      string `toml:"url"`
	Path     string `toml:"path"`
	Filename string `toml:"filename"`
	Hash     string `toml:"hash"`
	Size     *int64 `toml:"size"`
}

// uvMajor is the uv.lock `version` this reader understands (uv bumps `revision` for
// compatible changes).
const uvMajor = 1

func parseUvLock(name string, data []byte) (*Lockfile, error) {
	var doc uvDoc
	if err := decodeTOML(name, data, &doc); err != nil {
		return nil, err
	}
	ps := indexPositions(data)
	at := func(p tpath) Position { return Position{File: name, Line: ps.line(p)} }

	if doc.Version == nil {
		return nil, errorf(Position{File: name}, "missing version: not a uv.lock file")
	}
	if v := *doc.Version; v != uvMajor {
		if v > uvMajor {
			return nil, errorf(at(keyPath("version")), "uv.lock version %d is not supported: this tufpip reads version 1 (upgrade tufpip)", v)
		}
		return nil, errorf(at(keyPath("version")), "invalid uv.lock version %d, want 1", v)
	}

	lf := &Lockfile{Path: name, Format: FormatUvLock, Version: strconv.FormatInt(*doc.Version, 10), Entries: []Entry{}}
	for i, pkg := range doc.Packages {
		pp := keyPath("package").elem(i)
		pos := at(pp)
		if pkg.Name == nil || *pkg.Name == "" {
			return nil, errorf(pos, "package without a name")
		}
		base := Entry{Name: *pkg.Name, Version: pkg.Version, Size: -1, Pos: pos}
		src := pkg.Source
		if src == nil {
			return nil, errorf(pos, "package %s has no source", base.Name)
		}
		switch {
		case src.Git != "":
			e := base
			e.Kind, e.URL = KindVCS, src.Git
			lf.Entries = append(lf.Entries, e)
			continue
		case src.Directory != "", src.Editable != "", src.Virtual != "":
			e := base
			e.Kind, e.Path, e.Editable = KindDirectory, src.Directory+src.Editable+src.Virtual, src.Editable != ""
			lf.Entries = append(lf.Entries, e)
			continue
		case src.Registry != "":
			base.Source = src.Registry
		case src.URL != "", src.Path != "":
		default:
			return nil, errorf(at(pp.key("source")), "package %s: unknown source kind", base.Name)
		}
		if pkg.Sdist == nil && len(pkg.Wheels) == 0 {
			return nil, errorf(pos, "package %s lists no sdist or wheels", base.Name)
		}
		if pkg.Sdist != nil {
			e, err := uvEntry(base, KindSdist, src, pkg.Sdist, at(pp.key("sdist")))
			if err != nil {
				return nil, err
			}
			lf.Entries = append(lf.Entries, e)
		}
		for j := range pkg.Wheels {
			e, err := uvEntry(base, KindWheel, src, &pkg.Wheels[j], at(pp.key("wheels").elem(j)))
			if err != nil {
				return nil, err
			}
			lf.Entries = append(lf.Entries, e)
		}
	}
	return lf, nil
}

func uvEntry(base Entry, kind Kind, src *uvSource, d *uvDist, pos Position) (Entry, error) {
	e := base
	e.Kind, e.Pos, e.URL, e.Path, e.Pinned = kind, pos, d.URL, d.Path, true
	// A direct-URL or local-file package names its file in the source, not in the
	// sdist/wheel entry.
	if e.URL == "" && e.Path == "" {
		e.URL, e.Path = src.URL, src.Path
	}
	if e.URL == "" && e.Path == "" {
		return e, errorf(pos, "%s %s has neither url nor path", kind, base.Name)
	}
	e.Filename = d.Filename
	if e.Filename == "" {
		e.Filename = filenameFrom(e.URL, e.Path)
	}
	if err := plainFilename(e.Filename); err != nil {
		return e, errorf(pos, "%s %s: %v", kind, base.Name, err)
	}
	if d.Size != nil {
		if *d.Size < 0 {
			return e, errorf(pos, "%s %s: negative size %d", kind, e.Filename, *d.Size)
		}
		e.Size = *d.Size
	}
	if d.Hash != "" {
		algo, hex, ok := strings.Cut(d.Hash, ":")
		if !ok || algo == "" {
			return e, errorf(pos, "%s: hash %q must be <algorithm>:<hex>", e.Filename, truncate(d.Hash, 80))
		}
		hex, err := normHex(algo, hex)
		if err != nil {
			return e, errorf(pos, "%s: %v", e.Filename, err)
		}
		e.Hashes = []Hash{{Algorithm: algo, Hex: hex}}
	}
	return e, nil
}
