package resolve

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Platform tags, as packaging.tags.platform_tags() lists them for the host and as pip's
// compatibility_tags expands user-given --platform values.

// normalizeString is packaging's _normalize_string for platform and ABI names.
func normalizeString(s string) string {
	return strings.NewReplacer(".", "_", "-", "_", " ", "_").Replace(s)
}

// legacyManylinux maps glibc versions to the pre-PEP 600 manylinux names.
var legacyManylinux = map[[2]int]string{{2, 17}: "manylinux2014", {2, 12}: "manylinux2010", {2, 5}: "manylinux1"}

// manylinuxArchs are the architectures for which packaging assumes the interpreter's ABI
// matches manylinux without looking at the executable.
var manylinuxArchs = []string{"x86_64", "aarch64", "ppc64", "ppc64le", "s390x", "loongarch64", "riscv64"}

// manylinuxPlatforms is packaging's _manylinux.platform_tags for a host with the given glibc
// (major, minor); abiOK is _have_compatible_abi's answer for the executable.
func manylinuxPlatforms(archs []string, glibc [2]int, abiOK bool) []string {
	if !abiOK || glibc[0] < 0 {
		return nil
	}
	tooOld := [2]int{2, 16} // oldest glibc supported everywhere is 2.17
	if slices.Contains(archs, "x86_64") || slices.Contains(archs, "i686") {
		tooOld = [2]int{2, 4} // x86 goes back to manylinux1 (2.5)
	}
	maxList := [][2]int{glibc}
	for major := glibc[0] - 1; major > 1; major-- {
		maxList = append(maxList, [2]int{major, 50}) // packaging's _LAST_GLIBC_MINOR default
	}
	var out []string
	for _, arch := range archs {
		for _, mx := range maxList {
			minMinor := -1
			if mx[0] == tooOld[0] {
				minMinor = tooOld[1]
			}
			for minor := mx[1]; minor > minMinor; minor-- {
				v := [2]int{mx[0], minor}
				// packaging's _is_compatible: never newer than the host's glibc
				if v[0] > glibc[0] || v[0] == glibc[0] && v[1] > glibc[1] {
					continue
				}
				out = append(out, fmt.Sprintf("manylinux_%d_%d_%s", v[0], v[1], arch))
				if legacy, ok := legacyManylinux[v]; ok {
					out = append(out, legacy+"_"+arch)
				}
			}
		}
	}
	return out
}

// musllinuxPlatforms is packaging's _musllinux.platform_tags.
func musllinuxPlatforms(archs []string, musl [2]int) []string {
	if musl[0] <= 0 {
		return nil
	}
	var out []string
	for _, arch := range archs {
		for minor := musl[1]; minor >= 0; minor-- {
			out = append(out, fmt.Sprintf("musllinux_%d_%d_%s", musl[0], minor, arch))
		}
	}
	return out
}

// macBinaryFormats is packaging's _mac_binary_formats.
func macBinaryFormats(version [2]int, arch string) []string {
	less := func(a, b [2]int) bool { return a[0] < b[0] || a[0] == b[0] && a[1] < b[1] }
	formats := []string{arch}
	switch arch {
	case "x86_64":
		if less(version, [2]int{10, 4}) {
			return nil
		}
		formats = append(formats, "intel", "fat64", "fat32")
	case "i386":
		if less(version, [2]int{10, 4}) {
			return nil
		}
		formats = append(formats, "intel", "fat32", "fat")
	case "ppc64":
		if less([2]int{10, 5}, version) || less(version, [2]int{10, 4}) {
			return nil
		}
		formats = append(formats, "fat64")
	case "ppc":
		if less([2]int{10, 6}, version) {
			return nil
		}
		formats = append(formats, "fat32", "fat")
	}
	if arch == "arm64" || arch == "x86_64" {
		formats = append(formats, "universal2")
	}
	switch arch {
	case "x86_64", "i386", "ppc64", "ppc", "intel":
		formats = append(formats, "universal")
	}
	return formats
}

// macPlatforms is packaging's mac_platforms for a macOS version and architecture.
func macPlatforms(version [2]int, arch string) []string {
	var out []string
	add := func(major, minor int, formats []string) {
		for _, f := range formats {
			out = append(out, fmt.Sprintf("macosx_%d_%d_%s", major, minor, f))
		}
	}
	if version[0] == 10 {
		// before macOS 11 each yearly release bumped the minor version
		for minor := version[1]; minor >= 0; minor-- {
			add(10, minor, macBinaryFormats([2]int{10, minor}, arch))
		}
	}
	if version[0] >= 11 {
		for major := version[0]; major > 10; major-- {
			add(major, 0, macBinaryFormats([2]int{major, 0}, arch))
		}
		// macOS 11+ on x86_64 runs binaries built for 10.x; arm64 only universal2 ones
		for minor := 16; minor > 3; minor-- {
			if arch == "x86_64" {
				add(10, minor, macBinaryFormats([2]int{10, minor}, arch))
			} else {
				add(10, minor, []string{"universal2"})
			}
		}
	}
	return out
}

var macPlatformRE = regexp.MustCompile(`^(.+)_(\d+)_(\d+)_(.+)$`)

// customPlatforms is pip's _get_custom_platforms for one --platform value.
func customPlatforms(p string) []string {
	prefix, suffix, hasSep := strings.Cut(p, "_")
	switch {
	case strings.HasPrefix(p, "macosx"):
		m := macPlatformRE.FindStringSubmatch(p)
		if m == nil {
			return []string{p}
		}
		major, err1 := strconv.Atoi(m[2])
		minor, err2 := strconv.Atoi(m[3])
		if err1 != nil || err2 != nil {
			return []string{p}
		}
		var out []string
		for _, q := range macPlatforms([2]int{major, minor}, m[4]) {
			// keep the user's prefix ("macosxcustom_...") as pip does
			out = append(out, m[1]+"_"+strings.TrimPrefix(q, "macosx_"))
		}
		return out
	case prefix == "manylinux2014":
		out := []string{p}
		if suffix == "i686" || suffix == "x86_64" {
			out = append(out, "manylinux2010_"+suffix, "manylinux1_"+suffix)
		}
		return out
	case prefix == "manylinux2010":
		sep := ""
		if hasSep {
			sep = "_"
		}
		return []string{p, "manylinux1" + sep + suffix}
	}
	return []string{p}
}

// expandAllowedPlatforms is pip's _expand_allowed_platforms: nil for no platforms, else the
// expansions of each, in order, without repeats.
func expandAllowedPlatforms(platforms []string) []string {
	if len(platforms) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range platforms {
		if seen[p] {
			continue
		}
		// like pip, drop what earlier values added, but not repeats within one expansion
		var additions []string
		for _, c := range customPlatforms(p) {
			if !seen[c] {
				additions = append(additions, c)
			}
		}
		for _, c := range additions {
			seen[c] = true
		}
		out = append(out, additions...)
	}
	return out
}
