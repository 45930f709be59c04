package lockfile

import (
	"regexp"
	"strings"
)

// poetry.lock, Poetry's lockfile: [[package]] tables with `files = [{file, hash}]` and a
// [package.source] for anything not from PyPI. Lock-version 2.x (Poetry 1.3 and later)
// keeps the files in the package; 1.x kept them in [metadata.files], keyed by name.
// Keys this reader does not need (description, dependencies, extras, groups ...) are
// ignored.

var poetryVersionRE = regexp.MustCompile(`^([12])\.[0-9]+$`)

func parsePoetryLock(name string, data []byte) (*Lockfile, error) {
	d, m, err := newTdoc(name, data)
	if err != nil {
		return nil, err
	}
	root := tview{d: d, m: m}
	meta, ok := root.table("metadata")
	if d.err != nil {
		return nil, d.err
	}
	if !ok || !meta.has("lock-version") {
		return nil, errorf(Position{File: name}, "missing [metadata] lock-version: not a poetry.lock file")
	}
	lv := meta.str("lock-version")
	if d.err != nil {
		return nil, d.err
	}
	mv := poetryVersionRE.FindStringSubmatch(lv)
	if mv == nil {
		return nil, errorf(d.at(meta.p.key("lock-version")), "poetry.lock lock-version %q is not supported: this tufpip reads 1.x and 2.x (upgrade tufpip)", truncate(lv, 40))
	}
	// Lock-version 1.x: the files of every package, by name.
	var oldFiles tview
	if mv[1] == "1" {
		oldFiles, _ = meta.table("files")
	}
	pkgs, _ := root.tables("package")
	if d.err != nil {
		return nil, d.err
	}
	lf := &Lockfile{Path: name, Format: FormatPoetry, Version: lv, Entries: []Entry{}}
	for _, pkg := range pkgs {
		entries, err := poetryPackage(pkg, oldFiles)
		if err != nil {
			return nil, err
		}
		lf.Entries = append(lf.Entries, entries...)
	}
	return lf, nil
}

func poetryPackage(pkg tview, oldFiles tview) ([]Entry, error) {
	d := pkg.d
	base := Entry{Name: pkg.str("name"), Version: pkg.str("version"), Size: -1, Pos: d.at(pkg.p), Pinned: true}
	if m, ok := pkg.m["markers"].(string); ok {
		base.Marker = m // Poetry 2 may write a table of markers per group instead
	}
	if d.err != nil {
		return nil, d.err
	}
	if base.Name == "" {
		return nil, errorf(base.Pos, "package without a name")
	}
	if base.Version == "" {
		return nil, errorf(base.Pos, "package %s has no version", base.Name)
	}
	var typ, srcURL string
	src, hasSource := pkg.table("source")
	if hasSource {
		typ, srcURL = src.str("type"), src.str("url")
	}
	if d.err != nil {
		return nil, d.err
	}
	switch typ {
	case "git":
		e := base
		e.Kind, e.URL, e.Pos, e.Pinned = KindVCS, srcURL, d.at(src.p), false
		if ref := src.str("resolved_reference"); ref != "" {
			e.URL += "@" + ref
		}
		return []Entry{e}, d.errOrNil()
	case "directory":
		e := base
		e.Kind, e.Path, e.Editable, e.Pos = KindDirectory, srcURL, pkg.boolean("develop"), d.at(src.p)
		return []Entry{e}, d.errOrNil()
	case "", "legacy", "pypi":
		base.Source = srcURL
	case "url", "file":
	default:
		return nil, errorf(d.at(src.p.key("type")), "package %s: unknown source type %q", base.Name, truncate(typ, 40))
	}
	if typ != "" && srcURL == "" {
		return nil, errorf(d.at(src.p), "package %s: %s source without a url", base.Name, typ)
	}

	files, ok := pkg.tables("files")
	if !ok && oldFiles.m != nil {
		files, _ = oldFiles.tables(base.Name)
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(files) == 0 {
		// Nothing says which file: Poetry writes no files for a package of an index that
		// served no hashes. The verifier refuses it for want of a hash.
		e := base
		e.Kind, e.Raw = KindRequirement, base.Name+"=="+base.Version
		return []Entry{e}, nil
	}
	out := make([]Entry, 0, len(files))
	for _, f := range files {
		e := base
		e.Pos, e.Filename = d.at(f.p), f.str("file")
		hash := f.str("hash")
		if d.err != nil {
			return nil, d.err
		}
		e.Kind = KindSdist
		if strings.HasSuffix(strings.ToLower(e.Filename), ".whl") {
			e.Kind = KindWheel
		}
		switch typ {
		case "url":
			e.URL, e.Direct = srcURL, true
		case "file":
			e.Path, e.Direct = srcURL, true
		}
		if err := plainFilename(e.Filename); err != nil {
			return nil, errorf(e.Pos, "%s %s: %v", e.Kind, base.Name, err)
		}
		if hash != "" {
			h, err := parseHash(hash)
			if err != nil {
				return nil, errorf(e.Pos, "%s: %v", e.Filename, err)
			}
			e.Hashes = []Hash{h}
		}
		out = append(out, e)
	}
	return out, nil
}

func (d *tdoc) errOrNil() error {
	if d.err != nil {
		return d.err
	}
	return nil
}
