package lockfile

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"
)

// uv reads more than its command line: a project's pyproject.toml names indexes
// ([[tool.uv.index]]), sources by URL, Git or path ([tool.uv.sources]), settings that add
// indexes or change where Python and the cache come from ([tool.uv]), and dependencies by
// direct URL; uv.toml holds the same settings. UvBypasses finds, with file and line, every
// such entry that would let uv fetch or install something other than what the index it is
// given serves. It only reads; the caller refuses.

// UvBypass is one entry of a pyproject.toml or uv.toml that would take uv around the index.
type UvBypass struct {
	Pos    Position
	What   string // the key as written, e.g. "tool.uv.sources.foo" or "project.dependencies"
	Reason string
}

func (b UvBypass) String() string { return b.Pos.String() + ": " + b.What + ": " + b.Reason }

// UvProject is what tufpip needs from a pyproject.toml or uv.toml.
type UvProject struct {
	Bypasses []UvBypass
	// Members are the workspace member globs ([tool.uv.workspace] members), relative to
	// the file's folder.
	Members []string
}

// uvSourceKeys are the settings (in [tool.uv], uv.toml, and their [pip] table) that give
// uv another place to fetch from or to keep what it fetched.
var uvSourceKeys = map[string]string{
	"index":                     "an index tufpip does not verify",
	"index-url":                 "an index tufpip does not verify",
	"extra-index-url":           "an index tufpip does not verify",
	"default-index":             "an index tufpip does not verify",
	"find-links":                "files found outside the signed index",
	"allow-insecure-host":       "a host accepted without TLS verification",
	"python-install-mirror":     "Python downloads from a mirror tufpip does not verify",
	"pypy-install-mirror":       "Python downloads from a mirror tufpip does not verify",
	"python-downloads-json-url": "Python downloads tufpip does not verify",
	"cache-dir":                 "a cache shared with uv runs that did not go through tufpip",
	"dependency-metadata":       "dependency metadata tufpip does not verify",
}

// uvRequirementKeys are the settings that hold PEP 508 requirements.
var uvRequirementKeys = []string{"dev-dependencies", "override-dependencies", "constraint-dependencies",
	"build-constraint-dependencies"}

// ReadUvProject reads a pyproject.toml or uv.toml (by its base name).
func ReadUvProject(path string) (*UvProject, error) {
	data, err := osOpener(path)
	if err != nil {
		return nil, err
	}
	d, m, err := newTdoc(path, data)
	if err != nil {
		return nil, err
	}
	root := tview{d: d, m: m}
	out := &UvProject{}
	add := func(p tpath, reason string) {
		out.Bypasses = append(out.Bypasses, UvBypass{Pos: d.at(p), What: displayKey(p), Reason: reason})
	}
	reqs := func(t tview, k string) {
		arr, ok := t.m[k].([]any)
		if !ok {
			return
		}
		for i, v := range arr {
			s, ok := v.(string)
			if !ok {
				continue
			}
			p := t.p.key(k).elem(i)
			e, err := parseRequirementArg(s, d.at(p))
			switch {
			case err != nil:
				add(p, fmt.Sprintf("%q is not a requirement tufpip can read", truncate(s, 120)))
			case e.URL != "":
				add(p, fmt.Sprintf("%q is fetched from its URL without verification", truncate(s, 120)))
			case e.Path != "":
				add(p, fmt.Sprintf("%q is installed from a local path without verification", truncate(s, 120)))
			}
		}
	}
	settings := func(t tview) {
		for _, tt := range []tview{t, sub(t, "pip")} {
			if tt.m == nil {
				continue
			}
			for _, k := range slices.Sorted(maps.Keys(tt.m)) {
				if reason, ok := uvSourceKeys[k]; ok {
					add(tt.p.key(k), "uv would use "+reason)
				}
				if k == "verify-hashes" {
					if b, ok := tt.m[k].(bool); ok && !b {
						add(tt.p.key(k), "uv would not check the hashes the index gives")
					}
				}
			}
			for _, k := range uvRequirementKeys {
				reqs(tt, k)
			}
		}
		if src, ok := t.m["sources"].(map[string]any); ok {
			for _, name := range slices.Sorted(maps.Keys(src)) {
				p := t.p.key("sources").key(name)
				entries := []any{src[name]}
				if arr, ok := src[name].([]any); ok {
					entries = arr
				}
				for _, e := range entries {
					if em, ok := e.(map[string]any); ok && len(em) >= 1 && em["workspace"] == true && onlyWorkspaceKeys(em) {
						continue // a member of the project's own workspace
					}
					add(p, "uv would take "+name+" from a source other than the index (URL, Git, path or named index)")
					break
				}
			}
		}
		if ws, ok := sub(t, "workspace").m["members"].([]any); ok {
			for _, v := range ws {
				if s, ok := v.(string); ok {
					out.Members = append(out.Members, s)
				}
			}
		}
	}
	if filepath.Base(path) == "uv.toml" {
		settings(root)
	} else {
		settings(sub(sub(root, "tool"), "uv"))
		proj := sub(root, "project")
		reqs(proj, "dependencies")
		opt := sub(proj, "optional-dependencies")
		for _, k := range slices.Sorted(maps.Keys(opt.m)) {
			reqs(opt, k)
		}
		groups := sub(root, "dependency-groups")
		for _, k := range slices.Sorted(maps.Keys(groups.m)) {
			reqs(groups, k)
		}
		reqs(sub(root, "build-system"), "requires")
	}
	sort.SliceStable(out.Bypasses, func(i, j int) bool { return out.Bypasses[i].Pos.Line < out.Bypasses[j].Pos.Line })
	return out, nil
}

// sub is t's table at k, or an empty view.
func sub(t tview, k string) tview {
	if t.m == nil {
		return tview{d: t.d, p: t.p.key(k)}
	}
	m, _ := t.m[k].(map[string]any)
	return tview{d: t.d, m: m, p: t.p.key(k)}
}

func onlyWorkspaceKeys(m map[string]any) bool {
	for k := range m {
		switch k {
		case "workspace", "marker", "extra", "group", "editable":
		default:
			return false
		}
	}
	return true
}
