package lockfile

import "strconv"

// uv.lock, uv's own lockfile: [[package]] tables with a source and the sdist and
// wheels of registry (and direct URL or local file) packages. Keys this reader does
// not need (dependencies, resolution-markers, metadata ...) are ignored.

// uvMajor is the uv.lock `version` this reader understands (uv bumps `revision` for
// compatible changes).
const uvMajor = 1

func parseUvLock(name string, data []byte) (*Lockfile, error) {
	d, m, err := newTdoc(name, data)
	if err != nil {
		return nil, err
	}
	root := tview{d: d, m: m}
	if !root.has("version") {
		return nil, errorf(Position{File: name}, "missing version: not a uv.lock file")
	}
	v := root.integer("version", 0)
	if d.err != nil {
		return nil, d.err
	}
	switch {
	case v > uvMajor:
		return nil, errorf(d.at(keyPath("version")), "uv.lock version %d is not supported: this tufpip reads version 1 (upgrade tufpip)", v)
	case v < uvMajor:
		return nil, errorf(d.at(keyPath("version")), "invalid uv.lock version %d, want 1", v)
	}
	pkgs, _ := root.tables("package")
	if d.err != nil {
		return nil, d.err
	}

	lf := &Lockfile{Path: name, Format: FormatUvLock, Version: strconv.FormatInt(v, 10), Entries: []Entry{}}
	for _, pkg := range pkgs {
		entries, err := uvPackage(pkg)
		if err != nil {
			return nil, err
		}
		lf.Entries = append(lf.Entries, entries...)
	}
	return lf, nil
}

// uvSourceKinds are the keys of uv's `source = { ... }`, one of which is present.
var uvSourceKinds = []string{"registry", "url", "path", "git", "directory", "editable", "virtual"}

func uvPackage(pkg tview) ([]Entry, error) {
	d := pkg.d
	base := Entry{Name: pkg.str("name"), Version: pkg.str("version"), Size: -1, Pos: d.at(pkg.p)}
	if d.err != nil {
		return nil, d.err
	}
	if base.Name == "" {
		return nil, errorf(base.Pos, "package without a name")
	}
	src, ok := pkg.table("source")
	if d.err != nil {
		return nil, d.err
	}
	if !ok {
		return nil, errorf(base.Pos, "package %s has no source", base.Name)
	}
	kind, value := "", ""
	for _, k := range uvSourceKinds {
		if src.has(k) {
			kind, value = k, src.str(k)
			break
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	switch kind {
	case "":
		return nil, errorf(d.at(src.p), "package %s: unknown source kind", base.Name)
	case "git":
		e := base
		e.Kind, e.URL = KindVCS, value
		return []Entry{e}, nil
	case "directory", "editable", "virtual":
		e := base
		e.Kind, e.Path, e.Editable = KindDirectory, value, kind == "editable"
		return []Entry{e}, nil
	case "registry":
		base.Source = value
	}
	// A direct-URL or local-file package names its file in the source, not in the
	// sdist/wheel entry.
	var srcURL, srcPath string
	switch kind {
	case "url":
		srcURL = value
	case "path":
		srcPath = value
	}

	var out []Entry
	if sd, ok := pkg.table("sdist"); ok {
		out = append(out, uvEntry(base, KindSdist, srcURL, srcPath, sd))
	}
	if wheels, ok := pkg.tables("wheels"); ok {
		for _, w := range wheels {
			out = append(out, uvEntry(base, KindWheel, srcURL, srcPath, w))
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(out) == 0 {
		return nil, errorf(base.Pos, "package %s lists no sdist or wheels", base.Name)
	}
	return out, nil
}

func uvEntry(base Entry, kind Kind, srcURL, srcPath string, f tview) Entry {
	d := f.d
	e := base
	e.Kind, e.Pos, e.Pinned = kind, d.at(f.p), true
	e.URL, e.Path, e.Filename = f.str("url"), f.str("path"), f.str("filename")
	hash := f.str("hash")
	size := f.integer("size", -1)
	if d.err != nil {
		return e
	}
	if e.URL == "" && e.Path == "" {
		e.URL, e.Path = srcURL, srcPath
	}
	e.Direct = srcURL != "" || srcPath != ""
	if !d.fileLocation(f, &e, kind, base.Name, size) {
		return e
	}
	if hash != "" {
		h, err := parseHash(hash)
		if err != nil {
			d.fail(f.p, "%s: %v", e.Filename, err)
			return e
		}
		e.Hashes = []Hash{h}
	}
	return e
}
