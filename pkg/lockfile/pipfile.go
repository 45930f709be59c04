package lockfile

import (
	"path"
	"sort"
	"strings"

	"github.com/tufpip/tufpip/pkg/pep440"
)

// Pipfile.lock, pipenv's lockfile: JSON with `default` and `develop` objects mapping each
// package to its pin (`"version": "==1.0"`, `"hashes": ["sha256:..."]`, `"index"`,
// `"markers"`) or to a direct source (`git`, `file`, `path`). _meta.sources names the
// indexes. Entries are requirements, as in a requirements file: pipenv installs them
// with `pip install name==version --hash ...`.

func parsePipfileLock(name string, data []byte) (*Lockfile, error) {
	d, m, err := decodeJSON(name, data)
	if err != nil {
		return nil, err
	}
	root := tview{d: d, m: m}
	if !root.has("_meta") || !root.has("default") && !root.has("develop") {
		return nil, errorf(Position{File: name, Line: 1}, "missing _meta, default or develop: not a Pipfile.lock file")
	}
	meta, _ := root.table("_meta")
	indexes := map[string]string{}
	if sources, ok := meta.tables("sources"); ok {
		for _, s := range sources {
			indexes[s.str("name")] = s.str("url")
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	lf := &Lockfile{Path: name, Format: FormatPipfile, Entries: []Entry{}}
	if spec, ok := meta.m["pipfile-spec"]; ok {
		lf.Version = strings.TrimSpace(jsonText(spec))
	}
	for _, section := range []string{"default", "develop"} {
		sec, ok := root.table(section)
		if d.err != nil {
			return nil, d.err
		}
		if !ok {
			continue
		}
		// JSON objects have no order once decoded: entries follow the file's lines.
		names := make([]string, 0, len(sec.m))
		for k := range sec.m {
			names = append(names, k)
		}
		sort.Slice(names, func(i, j int) bool {
			return d.pos.line(sec.p.key(names[i])) < d.pos.line(sec.p.key(names[j]))
		})
		for _, pkgName := range names {
			pkg, _ := sec.table(pkgName)
			if d.err != nil {
				return nil, d.err
			}
			e, err := pipfileEntry(pkgName, pkg, indexes)
			if err != nil {
				return nil, err
			}
			lf.Entries = append(lf.Entries, e)
		}
	}
	return lf, nil
}

func pipfileEntry(name string, pkg tview, indexes map[string]string) (Entry, error) {
	d := pkg.d
	e := Entry{Kind: KindRequirement, Name: name, Size: -1, Pos: d.at(pkg.p), Marker: pkg.str("markers")}
	version := pkg.str("version")
	index := pkg.str("index")
	git, file, local := pkg.str("git"), pkg.str("file"), pkg.str("path")
	e.Editable = pkg.boolean("editable")
	var hashes []string
	if v, ok := pkg.m["hashes"]; ok {
		arr, isArr := v.([]any)
		if !isArr {
			pkg.wrongType("hashes", "an array", v)
		}
		for i, h := range arr {
			s, ok := h.(string)
			if !ok {
				d.fail(pkg.p.key("hashes").elem(i), "hashes must be strings, not %s", tomlKind(h))
				break
			}
			hashes = append(hashes, s)
		}
	}
	if extras, ok := pkg.m["extras"].([]any); ok {
		for _, x := range extras {
			if s, ok := x.(string); ok {
				e.Extras = append(e.Extras, s)
			}
		}
	}
	if d.err != nil {
		return e, d.err
	}
	if !isIdentifier(name) {
		return e, errorf(e.Pos, "invalid project name %q", truncate(name, 80))
	}
	for _, h := range hashes {
		hash, err := parseHash(h)
		if err != nil {
			return e, errorf(d.at(pkg.p.key("hashes")), "%s: %v", name, err)
		}
		e.Hashes = append(e.Hashes, hash)
	}
	switch {
	case git != "":
		e.Kind, e.URL = KindVCS, git
		if ref := pkg.str("ref"); ref != "" {
			e.URL += "@" + ref
		}
		return e, d.errOrNil()
	case file != "":
		e.URL, e.Filename = file, urlFilename(file)
	case local != "":
		e.Path = local
		if b := path.Base(strings.ReplaceAll(local, `\`, "/")); IsArchiveName(b) {
			e.Filename = b // a local archive; without one it is a source tree
		}
	}
	if e.URL != "" || e.Path != "" {
		if e.Filename != "" && !IsArchiveName(e.Filename) {
			e.Filename = ""
		}
		e.Raw = name + " @ " + e.URL + e.Path
		return e, nil
	}
	if version == "" || version == "*" {
		e.Raw = name
		return e, nil
	}
	if index != "" {
		e.Source = index
		if u := indexes[index]; u != "" {
			e.Source = u
		}
	}
	e.Raw = name + version
	spec, err := pep440.ParseSpecifiers(version)
	if err != nil {
		return e, errorf(d.at(pkg.p.key("version")), "%s: %v", name, err)
	}
	setPin(&e, spec)
	return e, nil
}

// jsonText renders a scalar JSON value for a message or a version field.
func jsonText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case interface{ String() string }:
		return v.String()
	}
	return ""
}
