package resolve

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Environment is the target a selection is made for: the wheel tags it can install, best
// first, and its marker environment.
type Environment struct {
	Tags              []Tag             // pip's priority order: earlier is better
	Markers           map[string]string // PEP 508 marker variables
	PythonFullVersion string            // "3.11.7" from sys.version_info[:3], what pip checks Requires-Python against; "" fails every Requires-Python
	Facts             *Facts            // the interpreter facts the tags came from (nil when built by hand)
}

// Facts are what the detection script reports about an interpreter: everything packaging's
// tag functions read from the running interpreter, gathered with the standard library.
type Facts struct {
	Markers           map[string]string `json:"markers"`
	Implementation    string            `json:"implementation"` // sys.implementation.name
	VersionInfo       []int             `json:"version_info"`   // sys.version_info[:3]
	PyVersionNodot    *string           `json:"py_version_nodot"`
	PyDebug           *bool             `json:"py_debug"`
	GILDisabled       *bool             `json:"gil_disabled"`
	WithPymalloc      *bool             `json:"with_pymalloc"`
	UnicodeSize       *int              `json:"unicode_size"`
	MaxUnicode        int               `json:"max_unicode"`
	HasRefcount       bool              `json:"has_refcount"`
	ExtensionSuffixes []string          `json:"extension_suffixes"`
	ExtSuffix         *string           `json:"ext_suffix"`
	Platform          string            `json:"platform"` // sysconfig.get_platform()
	System            string            `json:"system"`   // platform.system()
	MacVersion        string            `json:"mac_version"`
	MacArch           string            `json:"mac_arch"`
	Is32Bit           bool              `json:"is_32bit"`
	Executable        string            `json:"executable"`
	Glibc             *string           `json:"glibc"`

	// Filled in by Go from the executable (ELF headers, the musl loader), not by the script.
	ManylinuxABI bool   `json:"-"` // packaging's _have_compatible_abi
	Musl         [2]int `json:"-"` // musl (major, minor); zero when not musl
}

//go:embed detect.py
var detectScript string

// maxFactsSize bounds what we read from the interpreter; the real answer is about 2 KB.
const maxFactsSize = 1 << 20

// DetectEnvironment runs python (a path or a name on PATH) with an embedded script that
// prints the interpreter's facts as JSON, then computes its supported tags the way pip's
// get_supported() does. It does not run pip or import packaging.
func DetectEnvironment(ctx context.Context, python string) (*Environment, error) {
	facts, err := detectFacts(ctx, python)
	if err != nil {
		return nil, err
	}
	env := &Environment{
		Tags:              supportedTags(facts, "", nil, "", nil),
		Markers:           maps.Clone(facts.Markers),
		PythonFullVersion: joinInts(facts.VersionInfo[:3]),
		Facts:             facts,
	}
	return env, nil
}

func detectFacts(ctx context.Context, python string) (*Facts, error) {
	fail := func(reason string, err error) (*Facts, error) {
		return nil, &EnvironmentError{Python: python, Reason: reason, Err: err}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Minute)
		defer cancel()
	}
	// -I: ignore PYTHON* variables and the user site, so the facts are the interpreter's own.
	cmd := exec.CommandContext(ctx, python, "-I", "-c", detectScript)
	var stdout, stderr limitedBuffer
	stdout.max, stderr.max = maxFactsSize, 64<<10
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			err = fmt.Errorf("%w: %s", err, lastLine(msg))
		}
		return fail("cannot run the interpreter to detect its environment", err)
	}
	if stdout.overflow {
		return fail("interpreter printed too much while detecting its environment", nil)
	}
	var f Facts
	if err := json.Unmarshal(stdout.Bytes(), &f); err != nil {
		return fail("unexpected output from the environment detection script", err)
	}
	if len(f.VersionInfo) < 3 || f.Implementation == "" || f.Markers == nil {
		return fail("environment detection script gave incomplete facts", nil)
	}
	// packaging does the same for non-tagged builds, whose version ends in "+"
	if v := f.Markers["python_full_version"]; strings.HasSuffix(v, "+") {
		f.Markers["python_full_version"] = v + "local"
	}
	if f.System == "Linux" && f.Executable != "" {
		f.ManylinuxABI, f.Musl = inspectExecutable(ctx, &f)
	}
	return &f, nil
}

// TargetOptions describe a target like pip download's --python-version, --platform,
// --implementation and --abi. Empty fields come from Host, as pip takes them from the
// interpreter it runs on.
type TargetOptions struct {
	PythonVersion  string   // "3", "3.8", "38" or "3.8.10"
	Platforms      []string // e.g. "manylinux2014_x86_64"; pip expands legacy and macOS names
	Implementation string   // "cp", "pp", "py", ...
	ABIs           []string

	// Host is the interpreter pip would run on. Nil means a plain CPython release build;
	// then PythonVersion and Platforms are required.
	Host *Facts
}

// NewEnvironment computes the environment pip targets with the given options, like pip's
// TargetPython.get_sorted_tags. Markers describe the host, except python_version and
// python_full_version, which follow PythonVersion so that markers match the target.
func NewEnvironment(o TargetOptions) (*Environment, error) {
	fail := func(reason string) (*Environment, error) { return nil, &EnvironmentError{Reason: reason} }
	host := o.Host
	if host == nil {
		if o.PythonVersion == "" {
			return fail("a target python version is required without an interpreter (--python-version)")
		}
		if len(o.Platforms) == 0 {
			return fail("a target platform is required without an interpreter (--platform)")
		}
	}
	var info []int
	if o.PythonVersion != "" {
		var err error
		if info, err = parsePythonVersion(o.PythonVersion); err != nil {
			return nil, &EnvironmentError{Reason: "invalid --python-version " + strconv.Quote(o.PythonVersion), Err: err}
		}
	}
	if host == nil {
		host = defaultHost(info, o.Platforms[0])
	}
	for _, p := range o.Platforms {
		if p == "" || strings.ContainsAny(p, "- \t/") {
			return fail("invalid --platform " + strconv.Quote(p))
		}
	}
	if len(host.VersionInfo) < 3 {
		return fail("host interpreter facts lack a version")
	}
	nodot := ""
	if info != nil {
		nodot = versionNodot(info)
	}
	env := &Environment{
		Tags:    supportedTags(host, nodot, o.Platforms, o.Implementation, o.ABIs),
		Markers: map[string]string{},
		Facts:   host,
	}
	maps.Copy(env.Markers, host.Markers)
	full := host.VersionInfo[:3]
	if info != nil {
		// pip's normalize_version_info: pad to three parts
		full = append(append([]int{}, info...), 0, 0)[:3]
		env.Markers["python_version"] = joinInts(full[:2])
		env.Markers["python_full_version"] = joinInts(full)
	}
	env.PythonFullVersion = joinInts(full)
	return env, nil
}

// parsePythonVersion is pip's _convert_python_version: "3" -> (3), "38" -> (3, 8),
// "3.8.10" -> (3, 8, 10).
func parsePythonVersion(s string) ([]int, error) {
	parts := strings.Split(s, ".")
	if len(parts) > 3 {
		return nil, errors.New("at most three version parts are allowed")
	}
	if len(parts) == 1 && len(parts[0]) > 1 {
		parts = []string{parts[0][:1], parts[0][1:]}
	}
	out := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 1000 {
			return nil, errors.New("each version part must be an integer")
		}
		out[i] = n
	}
	return out, nil
}

// defaultHost stands in for the interpreter when there is none: a CPython release build on
// the first target platform.
func defaultHost(info []int, platform string) *Facts {
	full := append(append([]int{}, info...), 0, 0)[:3]
	no, yes := false, true
	osName, sysPlatform, system, machine := platformMarkers(platform)
	return &Facts{
		Implementation: "cpython",
		VersionInfo:    full,
		PyDebug:        &no,
		WithPymalloc:   &yes,
		MaxUnicode:     0x10FFFF,
		Markers: map[string]string{
			"implementation_name":            "cpython",
			"implementation_version":         joinInts(full),
			"platform_python_implementation": "CPython",
			"python_version":                 joinInts(full[:2]),
			"python_full_version":            joinInts(full),
			"os_name":                        osName,
			"sys_platform":                   sysPlatform,
			"platform_system":                system,
			"platform_machine":               machine,
			// unknowable from a tag; "" makes comparisons false rather than failing
			"platform_release": "",
			"platform_version": "",
		},
	}
}

// linuxPlatformRE takes the architecture from linux_x86_64, manylinux2014_x86_64,
// manylinux_2_17_x86_64 and musllinux_1_2_aarch64.
var linuxPlatformRE = regexp.MustCompile(`^(?:manylinux\d*|musllinux|linux)(?:_\d+_\d+)?_(.+)$`)

// platformMarkers guesses the marker values of a platform tag's operating system, for
// targets given without an interpreter (pip would use its own host's values instead).
func platformMarkers(platform string) (osName, sysPlatform, system, machine string) {
	arch := platform
	if _, rest, ok := strings.Cut(platform, "_"); ok {
		arch = rest
	}
	switch {
	case strings.HasPrefix(platform, "win"):
		machine = map[string]string{"amd64": "AMD64", "arm64": "ARM64", "win32": "x86"}[arch]
		if platform == "win32" {
			machine = "x86"
		}
		return "nt", "win32", "Windows", machine
	case strings.HasPrefix(platform, "macosx"):
		for _, a := range []string{"x86_64", "arm64", "universal2", "intel", "i386", "ppc64", "ppc"} {
			if strings.HasSuffix(platform, "_"+a) {
				machine = a
				break
			}
		}
		if machine == "universal2" || machine == "intel" {
			machine = ""
		}
		return "posix", "darwin", "Darwin", machine
	case strings.HasPrefix(platform, "linux") || strings.HasPrefix(platform, "manylinux") || strings.HasPrefix(platform, "musllinux"):
		if m := linuxPlatformRE.FindStringSubmatch(platform); m != nil {
			machine = m[1]
		}
		return "posix", "linux", "Linux", machine
	}
	return "", "", "", ""
}

// tagIndex is the index of the last tag list Select was given: a 300-requirement run
// selects 300 times for one environment, and building the map of a Linux interpreter's
// ~1,000 tags each time was most of the selection.
type tagIndex struct {
	tags  []Tag // a copy: compared in full, so a caller who edits env.Tags gets a new index
	index map[Tag]int
}

var lastTagIndex atomic.Pointer[tagIndex]

func tagIndexFor(tags []Tag) map[Tag]int {
	if ti := lastTagIndex.Load(); ti != nil && slices.Equal(ti.tags, tags) {
		return ti.index
	}
	ti := &tagIndex{tags: slices.Clone(tags), index: buildIndex(tags)}
	lastTagIndex.Store(ti)
	return ti.index
}

func buildIndex(tags []Tag) map[Tag]int {
	m := make(map[Tag]int, len(tags))
	for i, t := range tags {
		if _, ok := m[t]; !ok {
			m[t] = i
		}
	}
	return m
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ".")
}

func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// limitedBuffer keeps at most max bytes and remembers that there was more.
type limitedBuffer struct {
	bytes.Buffer
	max      int
	overflow bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.overflow = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}

var _ io.Writer = (*limitedBuffer)(nil)
