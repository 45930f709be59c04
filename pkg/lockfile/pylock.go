package lockfile

import "regexp"

// PEP 751 (pylock.toml), the parts that name files. Keys this reader does not need
// (requires-python, dependencies, attestation-identities, tool ...) are ignored.

// pylockMajor is the lock-version major this reader understands. PEP 751: a tool
// MUST NOT proceed with a major version it does not support; a newer minor version
// is readable (the caller may warn, Lockfile.Version carries it).
const pylockMajor = 1

var lockVersionRE = regexp.MustCompile(`^([0-9]+)\.[0-9]+$`)

func parsePylock(name string, data []byte) (*Lockfile, error) {
	d, m, err := newTdoc(name, data)
	if err != nil {
		return nil, err
	}
	root := tview{d: d, m: m}
	if !root.has("lock-version") {
		return nil, errorf(Position{File: name}, "missing lock-version: not a PEP 751 lockfile")
	}
	lv := root.str("lock-version")
	if d.err != nil {
		return nil, d.err
	}
	mv := lockVersionRE.FindStringSubmatch(lv)
	switch {
	case mv == nil || mv[1] == "0" || mv[1][0] == '0':
		return nil, errorf(d.at(keyPath("lock-version")), "invalid lock-version %q, want \"1.0\"", truncate(lv, 40))
	case mv[1] != "1":
		return nil, errorf(d.at(keyPath("lock-version")), "lock-version %s is not supported: this tufpip reads lock-version 1.x (upgrade tufpip)", lv)
	}
	if !root.has("packages") {
		return nil, errorf(Position{File: name}, "missing [[packages]]: not a PEP 751 lockfile")
	}
	pkgs, _ := root.tables("packages")
	if d.err != nil {
		return nil, d.err
	}

	lf := &Lockfile{Path: name, Format: FormatPylock, Version: lv, Entries: []Entry{}}
	for _, pkg := range pkgs {
		entries, err := pylockPackage(pkg)
		if err != nil {
			return nil, err
		}
		lf.Entries = append(lf.Entries, entries...)
	}
	return lf, nil
}

func pylockPackage(pkg tview) ([]Entry, error) {
	d := pkg.d
	base := Entry{
		Name: pkg.str("name"), Version: pkg.str("version"), Marker: pkg.str("marker"),
		Source: pkg.str("index"), Size: -1, Pos: d.at(pkg.p),
	}
	if d.err != nil {
		return nil, d.err
	}
	if base.Name == "" {
		return nil, errorf(base.Pos, "package without a name")
	}
	sources := 0
	for _, present := range []bool{pkg.has("vcs"), pkg.has("directory"), pkg.has("archive"), pkg.has("sdist") || pkg.has("wheels")} {
		if present {
			sources++
		}
	}
	switch {
	case sources == 0:
		return nil, errorf(base.Pos, "package %s has no wheels, sdist, archive, vcs or directory", base.Name)
	case sources > 1:
		return nil, errorf(base.Pos, "package %s: vcs, directory, archive and sdist/wheels are mutually exclusive", base.Name)
	}

	var out []Entry
	if vcs, ok := pkg.table("vcs"); ok {
		e := base
		e.Kind, e.URL, e.Path, e.Pos = KindVCS, vcs.str("url"), vcs.str("path"), d.at(vcs.p)
		out = append(out, e)
	}
	if dir, ok := pkg.table("directory"); ok {
		e := base
		e.Kind, e.Path, e.Editable, e.Pos = KindDirectory, dir.str("path"), dir.boolean("editable"), d.at(dir.p)
		out = append(out, e)
	}
	if f, ok := pkg.table("archive"); ok {
		out = append(out, pylockEntry(base, KindArchive, f))
	}
	if f, ok := pkg.table("sdist"); ok {
		out = append(out, pylockEntry(base, KindSdist, f))
	}
	if wheels, ok := pkg.tables("wheels"); ok {
		for _, f := range wheels {
			out = append(out, pylockEntry(base, KindWheel, f))
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	return out, nil
}

// pylockEntry reads one file table (packages.wheels, .sdist or .archive); errors go
// to the document.
func pylockEntry(base Entry, kind Kind, f tview) Entry {
	d := f.d
	e := base
	e.Kind, e.Pos, e.Pinned = kind, d.at(f.p), true
	e.URL, e.Path, e.Filename = f.str("url"), f.str("path"), f.str("name")
	// PEP 751 installers take a file's path before its url (pip does): a wheel or sdist
	// with a path is a local file, whatever index the package names.
	e.Direct = kind == KindArchive || e.Path != ""
	size := f.integer("size", -1)
	hashes := f.stringTable("hashes")
	if d.err != nil {
		return e
	}
	if !d.fileLocation(f, &e, kind, base.Name, size) {
		return e
	}
	list, err := hashList(hashes)
	if err != nil {
		d.fail(f.p, "%s: %v", e.Filename, err)
		return e
	}
	e.Hashes = list
	return e
}
