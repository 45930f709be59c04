package resolve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/internal/testreq"
)

// pipArgs renders TargetOptions as pip's command-line options.
func pipArgs(o TargetOptions) []string {
	var args []string
	if o.PythonVersion != "" {
		args = append(args, "--python-version", o.PythonVersion)
	}
	for _, p := range o.Platforms {
		args = append(args, "--platform", p)
	}
	if o.Implementation != "" {
		args = append(args, "--implementation", o.Implementation)
	}
	for _, a := range o.ABIs {
		args = append(args, "--abi", a)
	}
	return args
}

var targetCases = []TargetOptions{
	{PythonVersion: "3.8"},
	{PythonVersion: "37"},
	{PythonVersion: "3.12", Platforms: []string{"manylinux2014_x86_64"}},
	{Platforms: []string{"macosx_10_9_x86_64"}},
	{PythonVersion: "3.9", Platforms: []string{"macosx_11_0_arm64"}},
	{PythonVersion: "3.12", Platforms: []string{"macosx_14_0_x86_64"}},
	{PythonVersion: "3.10", Platforms: []string{"win_amd64"}, Implementation: "cp", ABIs: []string{"cp310"}},
	{PythonVersion: "39", Platforms: []string{"linux_x86_64"}, Implementation: "pp", ABIs: []string{"pypy39_pp73"}},
	{Platforms: []string{"manylinux2010_x86_64", "manylinux2014_x86_64", "linux_x86_64", "manylinux2010_x86_64"}},
	{PythonVersion: "3", Platforms: []string{"any"}},
	{ABIs: []string{"abi3", "none", "cp311", "abi3"}},
	{Implementation: "py", PythonVersion: "3"},
	{Platforms: []string{"macosxcustom_10_10_intel"}},
	{PythonVersion: "3.13", ABIs: []string{"cp313t"}, Platforms: []string{"manylinux_2_28_aarch64"}},
	{PythonVersion: "3.1", Platforms: []string{"manylinux2014_i686"}},
	{PythonVersion: "2.7", Platforms: []string{"macosx_10_4_ppc"}},
}

// pipTargetOracle asks pip itself, in one process, for the tags of many targets: the same
// TargetPython.get_sorted_tags() call that `pip debug --verbose --platform ...` prints, with
// --python-version converted by pip's own option parser.
const pipTargetOracle = `
import json, sys
from pip._internal.cli.cmdoptions import _convert_python_version
from pip._internal.models.target_python import TargetPython
out = []
for c in json.load(sys.stdin):
    info = None
    if c["PythonVersion"]:
        info, err = _convert_python_version(c["PythonVersion"])
        assert not err, err
    tp = TargetPython(platforms=c["Platforms"] or None, py_version_info=info,
                      abis=c["ABIs"] or None, implementation=c["Implementation"] or None)
    tags = tp.get_sorted_tags() if hasattr(tp, "get_sorted_tags") else tp.get_tags()  # pip < 23.3
    out.append([str(t) for t in tags])
json.dump(out, sys.stdout)
`

// TestNewEnvironmentMatchesPip compares NewEnvironment with pip's own answer for the same
// --python-version/--platform/--implementation/--abi, on each interpreter as host.
func TestNewEnvironmentMatchesPip(t *testing.T) {
	pythons := testInterpreters(t)
	if len(pythons) == 0 {
		testreq.Missing(t, "no python3 and no pyenv 3.13.0 interpreter on this machine")
	}
	for name, python := range pythons {
		host, err := DetectEnvironment(context.Background(), python)
		if err != nil {
			t.Fatal(err)
		}
		job, _ := json.Marshal(targetCases)
		cmd := exec.Command(python, "-I", "-c", pipTargetOracle)
		cmd.Stdin = bytes.NewReader(job)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: asking pip: %v", name, err)
		}
		var want [][]string
		if err := json.Unmarshal(out, &want); err != nil || len(want) != len(targetCases) {
			t.Fatalf("%s: pip oracle: %v", name, err)
		}
		// pip 23.2 vendors packaging 21.3, which predates free-threaded builds and took the
		// generic ABI from SOABI rather than EXT_SUFFIX; tufpip follows packaging 24.1. Those
		// cases are compared on the interpreters whose pip vendors a newer packaging (3.13.0's
		// pip 24.2, which testInterpreters requires under TUFPIP_E2E_REQUIRE), not on this one.
		oldPackaging := strings.Contains(pipVersion(t, python), "pip 23.")
		for i, o := range targetCases {
			args := pipArgs(o)
			if oldPackaging && (o.Implementation == "py" || slices.Contains(o.ABIs, "cp313t")) {
				t.Logf("%s %s: not compared: packaging 21.3 (pip 23.2) differs here", name, strings.Join(args, " "))
				continue
			}
			t.Run(name+" "+strings.Join(args, " "), func(t *testing.T) {
				o.Host = host.Facts
				env, err := NewEnvironment(o)
				if err != nil {
					t.Fatal(err)
				}
				got := tagStrings(env.Tags)
				if !slices.Equal(got, want[i]) {
					for j := range min(len(got), len(want[i])) {
						if got[j] != want[i][j] {
							t.Fatalf("%d tags (pip %d); first difference at %d: %s, pip %s", len(got), len(want[i]), j, got[j], want[i][j])
						}
					}
					t.Fatalf("%d tags, pip has %d", len(got), len(want[i]))
				}
			})
		}
	}
}

func pipVersion(t *testing.T, python string) string {
	out, err := exec.Command(python, "-I", "-m", "pip", "--version").Output()
	if err != nil {
		testreq.Missing(t, "%s: pip --version: %v", python, err)
	}
	return string(out)
}

// Without an interpreter, a CPython target needs no host facts beyond a release build.
func TestNewEnvironmentWithoutHost(t *testing.T) {
	env, err := NewEnvironment(TargetOptions{PythonVersion: "3.12", Platforms: []string{"manylinux2014_x86_64"}})
	if err != nil {
		t.Fatal(err)
	}
	got := tagStrings(env.Tags)
	for i, want := range map[int]string{
		0: "cp312-cp312-manylinux2014_x86_64", 1: "cp312-cp312-manylinux2010_x86_64",
		2: "cp312-cp312-manylinux1_x86_64", 3: "cp312-abi3-manylinux2014_x86_64",
	} {
		if got[i] != want {
			t.Errorf("tag %d: %s, want %s", i, got[i], want)
		}
	}
	if last := got[len(got)-1]; last != "py30-none-any" {
		t.Errorf("last tag %s", last)
	}
	if !slices.Contains(got, "cp32-abi3-manylinux1_x86_64") || slices.Contains(got, "cp312-cp312-linux_x86_64") {
		t.Errorf("abi3 range or platform expansion wrong: %v", got)
	}
	if env.PythonFullVersion != "3.12.0" || env.Markers["python_version"] != "3.12" || env.Markers["python_full_version"] != "3.12.0" {
		t.Errorf("versions: %q %v", env.PythonFullVersion, env.Markers)
	}
	if env.Markers["sys_platform"] != "linux" || env.Markers["platform_machine"] != "x86_64" || env.Markers["platform_system"] != "Linux" || env.Markers["os_name"] != "posix" {
		t.Errorf("platform markers not derived from the platform tag: %v", env.Markers)
	}
}

func TestPlatformMarkers(t *testing.T) {
	for p, want := range map[string][4]string{
		"manylinux_2_17_x86_64": {"posix", "linux", "Linux", "x86_64"},
		"musllinux_1_2_aarch64": {"posix", "linux", "Linux", "aarch64"},
		"linux_armv7l":          {"posix", "linux", "Linux", "armv7l"},
		"win_amd64":             {"nt", "win32", "Windows", "AMD64"},
		"macosx_11_0_arm64":     {"posix", "darwin", "Darwin", "arm64"},
		"any":                   {"", "", "", ""},
	} {
		a, b, c, d := platformMarkers(p)
		if got := [4]string{a, b, c, d}; got != want {
			t.Errorf("%s: %v, want %v", p, got, want)
		}
	}
}

func TestNewEnvironmentErrors(t *testing.T) {
	for _, o := range []TargetOptions{
		{Platforms: []string{"linux_x86_64"}},
		{PythonVersion: "3.12"},
		{PythonVersion: "3.x", Platforms: []string{"any"}},
		{PythonVersion: "3.1.2.3", Platforms: []string{"any"}},
		{PythonVersion: "3.12", Platforms: []string{"linux-x86_64"}},
		{PythonVersion: "3.12", Platforms: []string{""}},
	} {
		_, err := NewEnvironment(o)
		var ee *EnvironmentError
		if !errors.As(err, &ee) {
			t.Errorf("%+v: got %v, want *EnvironmentError", o, err)
		}
	}
}

// Platform lists for hosts we do not have: a musl Linux, a 32-bit ARM Linux, macOS, Windows.
func TestHostPlatforms(t *testing.T) {
	musl := &Facts{System: "Linux", Platform: "linux-x86_64", Musl: [2]int{1, 2}}
	if got := musl.platformTags(); !slices.Equal(got, []string{"musllinux_1_2_x86_64", "musllinux_1_1_x86_64", "musllinux_1_0_x86_64", "linux_x86_64"}) {
		t.Errorf("musl: %v", got)
	}
	glibc := "2.31"
	arm := &Facts{System: "Linux", Platform: "linux-aarch64", Is32Bit: true, Glibc: &glibc, ManylinuxABI: true}
	got := arm.platformTags()
	if got[0] != "manylinux_2_31_armv8l" || !slices.Contains(got, "manylinux_2_17_armv7l") ||
		slices.Contains(got, "manylinux_2_16_armv7l") || slices.Contains(got, "manylinux2014_armv7l") == false ||
		got[len(got)-2] != "linux_armv8l" || got[len(got)-1] != "linux_armv7l" {
		t.Errorf("armv8l: %v", got)
	}
	arm.ManylinuxABI = false // soft-float executable: no manylinux at all
	if got := arm.platformTags(); !slices.Equal(got, []string{"linux_armv8l", "linux_armv7l"}) {
		t.Errorf("armv8l soft-float: %v", got)
	}
	mac := &Facts{System: "Darwin", MacVersion: "14.2.1", MacArch: "arm64"}
	got = mac.platformTags()
	if got[0] != "macosx_14_0_arm64" || got[1] != "macosx_14_0_universal2" || got[len(got)-1] != "macosx_10_4_universal2" || len(got) != 2*4+13 {
		t.Errorf("macOS arm64: %v", got)
	}
	win := &Facts{System: "Windows", Platform: "win-amd64"}
	if got := win.platformTags(); !slices.Equal(got, []string{"win_amd64"}) {
		t.Errorf("windows: %v", got)
	}
	bad := "not a version"
	noGlibc := &Facts{System: "Linux", Platform: "linux-x86_64", Glibc: &bad}
	if got := noGlibc.platformTags(); !slices.Equal(got, []string{"linux_x86_64"}) {
		t.Errorf("unknown libc: %v", got)
	}
}

func TestCPythonABIs(t *testing.T) {
	yes, no := true, false
	for _, tt := range []struct {
		f     Facts
		ver   []int
		want  []string
		label string
	}{
		{Facts{PyDebug: &no}, []int{3, 11}, []string{"cp311"}, "release"},
		{Facts{PyDebug: &yes}, []int{3, 11}, []string{"cp311d", "cp311"}, "debug"},
		{Facts{HasRefcount: true}, []int{3, 11}, []string{"cp311d", "cp311"}, "debug by refcount"},
		{Facts{PyDebug: &no, GILDisabled: &yes}, []int{3, 13}, []string{"cp313t"}, "free-threaded"},
		{Facts{PyDebug: &no, GILDisabled: &yes}, []int{3, 12}, []string{"cp312"}, "Py_GIL_DISABLED before 3.13"},
		{Facts{PyDebug: &no}, []int{3, 7}, []string{"cp37m"}, "pymalloc"},
		{Facts{PyDebug: &no, WithPymalloc: &no}, []int{3, 7}, []string{"cp37"}, "no pymalloc"},
		{Facts{PyDebug: &no, MaxUnicode: 0x10FFFF}, []int{3, 2}, []string{"cp32mu"}, "ucs4"},
	} {
		if got := tt.f.cpythonABIs(tt.ver); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.label, got, tt.want)
		}
	}
	// a free-threaded build gets no abi3 tags
	tags := tagStrings(cpythonTags(&Facts{}, []int{3, 13}, []string{"cp313t"}, []string{"any"}))
	if !slices.Equal(tags, []string{"cp313-cp313t-any", "cp313-none-any"}) {
		t.Errorf("free-threaded tags: %v", tags)
	}
}

// muslVersion reads the version the musl loader prints when run without arguments.
func TestMuslVersion(t *testing.T) {
	dir := t.TempDir()
	for script, want := range map[string][2]int{
		"printf 'musl libc (x86_64)\\nVersion 1.2.4\\nDynamic Program Loader\\n' >&2; exit 1": {1, 2},
		"printf 'glibc\\nVersion 2.36\\n' >&2; exit 1":                                        {0, 0},
		"printf 'musl libc\\n' >&2":                                                           {0, 0},
	} {
		ld := filepath.Join(dir, "ld-musl")
		if err := os.WriteFile(ld, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		if got := muslVersion(context.Background(), ld); got != want {
			t.Errorf("%s: got %v, want %v", script, got, want)
		}
	}
}
