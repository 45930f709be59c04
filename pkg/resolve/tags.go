package resolve

import (
	"slices"
	"strconv"
	"strings"
)

// Supported-tag generation, in the order packaging.tags yields them and pip's
// get_supported() concatenates them: the interpreter's own tags (cpython_tags or
// generic_tags) and then compatible_tags. Earlier tags are preferred.

// versionNodot joins the first two version parts without a dot: (3, 11) -> "311".
func versionNodot(v []int) string {
	var b strings.Builder
	for i, p := range v {
		if i == 2 {
			break
		}
		b.WriteString(strconv.Itoa(p))
	}
	return b.String()
}

// cpythonTags is packaging's cpython_tags. abis nil means "work them out from the host".
func cpythonTags(host *Facts, pyver []int, abis []string, platforms []string) []Tag {
	interp := "cp" + versionNodot(pyver)
	if abis == nil {
		if len(pyver) > 1 {
			abis = host.cpythonABIs(pyver)
		}
	}
	// "abi3" and "none" are placed by the rules below; packaging removes the first
	// occurrence of each from the caller's list.
	abis = slices.Clone(abis)
	for _, explicit := range []string{"abi3", "none"} {
		if i := slices.Index(abis, explicit); i >= 0 {
			abis = slices.Delete(abis, i, i+1)
		}
	}
	var out []Tag
	for _, abi := range abis {
		for _, p := range platforms {
			out = append(out, Tag{interp, abi, p})
		}
	}
	// packaging's _is_threaded_cpython looks at the first ABI only: a "t" among the flags
	// after "cpNN" marks a free-threaded build, which cannot load abi3 extensions.
	threaded := false
	if len(abis) > 0 && strings.HasPrefix(abis[0], "cp") {
		rest := abis[0][2:]
		digits := len(rest) - len(strings.TrimLeft(rest, "0123456789"))
		threaded = digits > 0 && strings.Contains(rest[digits:], "t")
	}
	useABI3 := len(pyver) > 1 && (pyver[0] > 3 || pyver[0] == 3 && pyver[1] >= 2) && !threaded
	if useABI3 {
		for _, p := range platforms {
			out = append(out, Tag{interp, "abi3", p})
		}
	}
	for _, p := range platforms {
		out = append(out, Tag{interp, "none", p})
	}
	if useABI3 {
		for minor := pyver[1] - 1; minor > 1; minor-- {
			older := "cp" + versionNodot([]int{pyver[0], minor})
			for _, p := range platforms {
				out = append(out, Tag{older, "abi3", p})
			}
		}
	}
	return out
}

// genericTags is packaging's generic_tags for interpreters other than CPython.
func genericTags(host *Facts, interp string, abis []string, platforms []string) []Tag {
	if abis == nil {
		abis = host.genericABIs()
	} else {
		abis = slices.Clone(abis)
	}
	if !slices.Contains(abis, "none") {
		abis = append(abis, "none")
	}
	out := make([]Tag, 0, len(abis)*len(platforms))
	for _, abi := range abis {
		for _, p := range platforms {
			out = append(out, Tag{interp, abi, p})
		}
	}
	return out
}

// pyInterpreterRange is packaging's _py_interpreter_range: py311, py3, py310, ..., py30.
func pyInterpreterRange(pyver []int) []string {
	var out []string
	if len(pyver) > 1 {
		out = append(out, "py"+versionNodot(pyver))
	}
	out = append(out, "py"+strconv.Itoa(pyver[0]))
	if len(pyver) > 1 {
		for minor := pyver[1] - 1; minor >= 0; minor-- {
			out = append(out, "py"+versionNodot([]int{pyver[0], minor}))
		}
	}
	return out
}

// compatibleTags is packaging's compatible_tags: pure-Python tags for every platform, then
// the interpreter with "none-any", then pure-Python "none-any" tags.
func compatibleTags(pyver []int, interp string, platforms []string) []Tag {
	r := pyInterpreterRange(pyver)
	out := make([]Tag, 0, len(r)*(len(platforms)+1)+1)
	for _, v := range r {
		for _, p := range platforms {
			out = append(out, Tag{v, "none", p})
		}
	}
	if interp != "" {
		out = append(out, Tag{interp, "none", "any"})
	}
	for _, v := range r {
		out = append(out, Tag{v, "none", "any"})
	}
	return out
}

// supportedTags is pip's get_supported(): version is pip's "nodot" string ("311") or "",
// platforms nil means the host's platforms, impl "" the host's implementation, abis nil the
// host's ABIs.
func supportedTags(host *Facts, version string, platforms []string, impl string, abis []string) []Tag {
	pyver := host.VersionInfo[:2]
	if version != "" {
		pyver = pipPythonVersion(version)
	}
	if impl == "" {
		impl = host.interpreterName()
	}
	iv := version
	if iv == "" {
		iv = host.interpreterVersion()
	}
	interp := impl + iv
	platforms = expandAllowedPlatforms(platforms)
	if platforms == nil {
		platforms = host.platformTags()
	}
	var out []Tag
	if impl == "cp" {
		out = cpythonTags(host, pyver, abis, platforms)
	} else {
		out = genericTags(host, interp, abis, platforms)
	}
	return append(out, compatibleTags(pyver, interp, platforms)...)
}

// pipPythonVersion is pip's _get_python_version: "311" -> (3, 11), "3" -> (3).
func pipPythonVersion(nodot string) []int {
	major, _ := strconv.Atoi(nodot[:1])
	if len(nodot) == 1 {
		return []int{major}
	}
	minor, _ := strconv.Atoi(nodot[1:])
	return []int{major, minor}
}
