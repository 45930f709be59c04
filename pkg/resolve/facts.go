package resolve

import (
	"context"
	"debug/elf"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Reading an interpreter's facts the way packaging.tags reads the running interpreter.

var interpreterShortNames = map[string]string{
	"python": "py", "cpython": "cp", "pypy": "pp", "ironpython": "ip", "jython": "jy",
}

// interpreterName is packaging's interpreter_name: "cp", "pp", or the implementation name.
func (f *Facts) interpreterName() string {
	if s, ok := interpreterShortNames[f.Implementation]; ok {
		return s
	}
	return f.Implementation
}

// interpreterVersion is packaging's interpreter_version: py_version_nodot, else "311".
func (f *Facts) interpreterVersion() string {
	if f.PyVersionNodot != nil && *f.PyVersionNodot != "" {
		return *f.PyVersionNodot
	}
	return versionNodot(f.VersionInfo)
}

// cpythonABIs is packaging's _cpython_abis for a CPython version, using the host's build
// flags (debug, free-threading, pymalloc, UCS-4) as packaging does.
func (f *Facts) cpythonABIs(pyver []int) []string {
	ge := func(major, minor int) bool { return pyver[0] > major || pyver[0] == major && pyver[1] >= minor }
	version := versionNodot(pyver)
	threading, debug, pymalloc, ucs4 := "", "", "", ""
	hasExt := slices.Contains(f.ExtensionSuffixes, "_d.pyd")
	if f.PyDebug != nil && *f.PyDebug || f.PyDebug == nil && (f.HasRefcount || hasExt) {
		debug = "d"
	}
	if ge(3, 13) && f.GILDisabled != nil && *f.GILDisabled {
		threading = "t"
	}
	var abis []string
	if !ge(3, 8) {
		if f.WithPymalloc == nil || *f.WithPymalloc {
			pymalloc = "m"
		}
		if !ge(3, 3) {
			if f.UnicodeSize != nil && *f.UnicodeSize == 4 || f.UnicodeSize == nil && f.MaxUnicode == 0x10FFFF {
				ucs4 = "u"
			}
		}
	} else if debug != "" {
		// debug builds can also load release-build extension modules
		abis = append(abis, "cp"+version+threading)
	}
	return append([]string{"cp" + version + threading + debug + pymalloc + ucs4}, abis...)
}

// genericABIs is packaging's _generic_abi: the ABI named by EXT_SUFFIX.
func (f *Facts) genericABIs() []string {
	if f.ExtSuffix == nil || !strings.HasPrefix(*f.ExtSuffix, ".") {
		return nil // packaging raises here; no ABI-specific tags is the safe reading
	}
	parts := strings.Split(*f.ExtSuffix, ".")
	if len(parts) < 3 {
		// CPython 3.7 and older on Windows use ".pyd"
		return f.cpythonABIs(f.VersionInfo[:2])
	}
	soabi := parts[1]
	fields := strings.Split(soabi, "-")
	var abi string
	switch {
	case strings.HasPrefix(soabi, "cpython"):
		if len(fields) < 2 {
			return nil
		}
		abi = "cp" + fields[1]
	case strings.HasPrefix(soabi, "cp"):
		abi = fields[0]
	case strings.HasPrefix(soabi, "pypy"):
		abi = strings.Join(fields[:min(2, len(fields))], "-")
	case strings.HasPrefix(soabi, "graalpy"):
		abi = strings.Join(fields[:min(3, len(fields))], "-")
	case soabi != "":
		abi = soabi
	default:
		return nil
	}
	return []string{normalizeString(abi)}
}

// platformTags is packaging's platform_tags for the host.
func (f *Facts) platformTags() []string {
	switch f.System {
	case "Darwin":
		v := parseIntPrefix(f.MacVersion, 2)
		arch := f.MacArch
		if f.Is32Bit {
			// packaging's _mac_arch
			if strings.HasPrefix(arch, "ppc") {
				arch = "ppc"
			} else {
				arch = "i386"
			}
		}
		return macPlatforms([2]int{v[0], v[1]}, arch)
	case "Linux":
		return f.linuxPlatforms()
	}
	return []string{normalizeString(f.Platform)}
}

// linuxPlatforms is packaging's _linux_platforms.
func (f *Facts) linuxPlatforms() []string {
	linux := normalizeString(f.Platform)
	if !strings.HasPrefix(linux, "linux_") {
		return []string{linux}
	}
	if f.Is32Bit {
		switch linux {
		case "linux_x86_64":
			linux = "linux_i686"
		case "linux_aarch64":
			linux = "linux_armv8l"
		}
	}
	arch := strings.TrimPrefix(linux, "linux_")
	archs := []string{arch}
	if arch == "armv8l" {
		archs = []string{"armv8l", "armv7l"}
	}
	glibc := [2]int{-1, -1}
	if f.Glibc != nil {
		glibc = parseGlibc(*f.Glibc)
	}
	out := manylinuxPlatforms(archs, glibc, f.abiCompatible(archs))
	out = append(out, musllinuxPlatforms(archs, f.Musl)...)
	for _, a := range archs {
		out = append(out, "linux_"+a)
	}
	return out
}

// abiCompatible is packaging's _have_compatible_abi; for armv7l and i686 it needs the ELF
// header of the executable, which inspectExecutable recorded in ManylinuxABI.
func (f *Facts) abiCompatible(archs []string) bool {
	if slices.Contains(archs, "armv7l") || slices.Contains(archs, "i686") {
		return f.ManylinuxABI
	}
	for _, a := range archs {
		if slices.Contains(manylinuxArchs, a) {
			return true
		}
	}
	return false
}

var glibcRE = regexp.MustCompile(`^([0-9]+)\.([0-9]+)`)

// parseGlibc is packaging's _parse_glibc_version; (-1, -1) when it cannot tell.
func parseGlibc(s string) [2]int {
	m := glibcRE.FindStringSubmatch(s)
	if m == nil {
		return [2]int{-1, -1}
	}
	major, err1 := strconv.Atoi(m[1])
	minor, err2 := strconv.Atoi(m[2])
	if err1 != nil || err2 != nil {
		return [2]int{-1, -1}
	}
	return [2]int{major, minor}
}

// parseIntPrefix parses up to n dot-separated integers, padding with zeros.
func parseIntPrefix(s string, n int) []int {
	out := make([]int, n)
	for i, p := range strings.SplitN(s, ".", n+1) {
		if i == n {
			break
		}
		out[i], _ = strconv.Atoi(p)
	}
	return out
}

// inspectExecutable reads the interpreter's ELF header for packaging's 32-bit ARM and i686
// checks and, when its program interpreter is musl's loader, runs the loader for the musl
// version (packaging's _get_musl_version).
func inspectExecutable(ctx context.Context, f *Facts) (abiOK bool, musl [2]int) {
	file, err := os.Open(f.Executable)
	if err != nil {
		return false, musl
	}
	defer file.Close()
	ef, err := elf.NewFile(file)
	if err != nil {
		return false, musl
	}
	// debug/elf does not expose e_flags; in a 32-bit header it sits at byte 36.
	var flags uint32
	var hdr [40]byte
	if _, err := file.ReadAt(hdr[:], 0); err == nil {
		flags = ef.ByteOrder.Uint32(hdr[36:40])
	}
	is32LE := ef.Class == elf.ELFCLASS32 && ef.Data == elf.ELFDATA2LSB
	const (
		armABIMask, armABIVer5, armFloatHard = 0xFF000000, 0x05000000, 0x00000400
	)
	platform := normalizeString(f.Platform)
	switch {
	case strings.HasSuffix(platform, "_armv8l") || strings.HasSuffix(platform, "_armv7l") || f.Is32Bit && strings.HasSuffix(platform, "_aarch64"):
		abiOK = is32LE && ef.Machine == elf.EM_ARM && flags&armABIMask == armABIVer5 && flags&armFloatHard == armFloatHard
	default:
		abiOK = is32LE && ef.Machine == elf.EM_386
	}
	for _, p := range ef.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		buf := make([]byte, min(p.Filesz, 4096))
		n, _ := p.ReadAt(buf, 0)
		ld := strings.TrimRight(string(buf[:n]), "\x00")
		if strings.Contains(ld, "musl") {
			musl = muslVersion(ctx, ld)
		}
		break
	}
	return abiOK, musl
}

var muslRE = regexp.MustCompile(`^Version (\d+)\.(\d+)`)

// muslVersion runs musl's loader without arguments; it prints its version on stderr.
func muslVersion(ctx context.Context, ld string) [2]int {
	cmd := exec.CommandContext(ctx, ld)
	var stderr limitedBuffer
	stderr.max = 64 << 10
	cmd.Stderr = &stderr
	_ = cmd.Run() // exits non-zero by design
	var lines []string
	for _, l := range strings.Split(stderr.String(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "musl") {
		return [2]int{}
	}
	m := muslRE.FindStringSubmatch(lines[1])
	if m == nil {
		return [2]int{}
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	return [2]int{major, minor}
}
