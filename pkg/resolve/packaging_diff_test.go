package resolve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/testreq"
)

// Differential tests against packaging 24.1, the copy pip 24.2 vendors, run in the 3.13
// interpreter. They skip when that interpreter is missing.

const packagingOracle = `
import json, sys
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.markers import Marker
job = json.load(sys.stdin)
out = {"requirements": [], "markers": []}
for s in job["requirements"]:
    try:
        r = Requirement(s)
        out["requirements"].append({"ok": True, "name": r.name, "extras": sorted(r.extras),
            "specifier": str(r.specifier), "url": r.url or "", "marker": r.marker is not None})
    except Exception as e:
        out["requirements"].append({"ok": False, "error": str(e).splitlines()[0]})
for m in job["markers"]:
    try:
        mk = Marker(m["marker"])
        extras = m["extras"] or [""]
        out["markers"].append({"ok": True, "value": any(mk.evaluate(dict(job["env"], extra=x)) for x in extras)})
    except Exception as e:
        out["markers"].append({"ok": False, "error": type(e).__name__ + ": " + str(e).splitlines()[0]})
json.dump(out, sys.stdout)
`

type oracleReq struct {
	OK        bool     `json:"ok"`
	Name      string   `json:"name"`
	Extras    []string `json:"extras"`
	Specifier string   `json:"specifier"`
	URL       string   `json:"url"`
	Marker    bool     `json:"marker"`
	Error     string   `json:"error"`
}

type oracleMarker struct {
	OK    bool   `json:"ok"`
	Value bool   `json:"value"`
	Error string `json:"error"`
}

type markerCase struct {
	Marker string   `json:"marker"`
	Extras []string `json:"extras"`
}

var diffEnv = map[string]string{
	"implementation_name": "cpython", "implementation_version": "3.11.7", "os_name": "posix",
	"platform_machine": "x86_64", "platform_release": "6.1.0-13-amd64", "platform_system": "Linux",
	"platform_version": "#1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1", "python_full_version": "3.11.7",
	"platform_python_implementation": "CPython", "python_version": "3.11", "sys_platform": "linux",
}

func runOracle(t *testing.T, reqs []string, markers []markerCase) ([]oracleReq, []oracleMarker) {
	t.Helper()
	py := testInterpreters(t)["3.13.0"]
	if py == "" {
		testreq.Missing(t, "pyenv 3.13.0 (pip 24.2, packaging 24.1) not installed")
	}
	if reqs == nil {
		reqs = []string{} // JSON [] rather than null: the oracle iterates both
	}
	if markers == nil {
		markers = []markerCase{}
	}
	job, _ := json.Marshal(map[string]any{"requirements": reqs, "markers": markers, "env": diffEnv})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "-I", "-c", packagingOracle)
	cmd.Stdin = bytes.NewReader(job)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		// The interpreter is there (checked above), so a failure is the oracle's or ours:
		// fail loudly rather than skip a comparison that would otherwise never run.
		t.Fatalf("packaging oracle failed: %v\n%s", err, stderr.String())
	}
	var res struct {
		Requirements []oracleReq    `json:"requirements"`
		Markers      []oracleMarker `json:"markers"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	return res.Requirements, res.Markers
}

var diffRequirements = []string{
	"FooBar==2.0.*", "foo_", "foo-", "foo.", "name[]", "foo==1.0;", "a", "A.B-C_D",
	"requests[security,socks]>=2.8.1,==2.8.*", "requests [ security , socks ] ( >=2.8.1 , ==2.8.* ) ; python_version < \"2.7\"",
	"name>=3,<2", "name (>=1.0)", "name(>=1.0)", "name >= 1.0 , < 2", "name==1.0.post1.dev3+local.7",
	"pkg===1.0+weird", "pkg ===  x", "foo @ https://example.com/foo.tgz", "foo@https://x ; os_name=='a'",
	"foo bar", "foo==1.0 bar", "foo[bar", "foo[bar baz]", "foo[bar,]", "foo (>=1.0", "foo>=1.0.*",
	"foo; os_name =! 'x'", "foo; bogus == '1'", "foo; os_name == 'x", "foo; (os_name == 'x'",
	"foo; os_name not  in 'x'", "foo;os_name=='a'and os_name=='b'", "foo; os_nameand", "foo ~= 1",
	"foo ~= 1.0", "foo != 1.0.*", "foo < 1.0+local", "foo (==1.0) ; extra == 'x'", "foo,bar", "foo==",
	"foo[a.b-c_d]", "foo[-a]", "1foo", "foo>1.0,", "foo>1.0,,<2", "foo \t>=1", "foo\t;\tos_name=='a'",
	"foo ; python_version in '3.10 3.11'", "foo ;", "foo==1.0 ; ", "foo; 'a' in os_name",
}

func TestRequirementsAgreeWithPackaging(t *testing.T) {
	want, _ := runOracle(t, diffRequirements, nil)
	for i, in := range diffRequirements {
		w := want[i]
		r, err := ParseRequirement(in)
		if w.OK && w.URL != "" {
			var ue *URLRequirementError
			if !errors.As(err, &ue) || ue.URL != w.URL || ue.Name != w.Name {
				t.Errorf("%q: got %v, want URL refusal naming %q", in, err, w.URL)
			}
			continue
		}
		if w.OK != (err == nil) {
			t.Errorf("%q: packaging ok=%v (%s), we got %v", in, w.OK, w.Error, err)
			continue
		}
		if !w.OK {
			continue
		}
		extras := slices.Clone(r.Extras)
		slices.Sort(extras)
		if w.Extras == nil {
			w.Extras = []string{}
		}
		if extras == nil {
			extras = []string{}
		}
		if r.Name != w.Name || r.Specifier.String() != w.Specifier || !slices.Equal(extras, w.Extras) || (r.Marker != "") != w.Marker {
			t.Errorf("%q: got name %q spec %q extras %v marker %q; packaging %+v", in, r.Name, r.Specifier.String(), extras, r.Marker, w)
		}
	}
}

var diffMarkers = []markerCase{
	{`python_version >= "3.8"`, nil},
	{`python_version < "3.11"`, nil},
	{`python_version == "3.11"`, nil},
	{`python_version == "3.11.*"`, nil},
	{`python_full_version != "3.11.*"`, nil},
	{`python_full_version ~= "3.11.0"`, nil},
	{`python_full_version > '3.11.7rc1'`, nil},
	{`"3.11" == python_version`, nil},
	{`"3.10" < python_version`, nil},
	{`python_version in "3.10 3.11 3.12"`, nil},
	{`python_version not in "3.10 3.12"`, nil},
	{`'linux' in sys_platform`, nil},
	{`sys_platform == "linux" and platform_machine == "x86_64"`, nil},
	{`sys_platform == "win32" or platform_machine == "x86_64" and os_name == "nt"`, nil},
	{`(sys_platform == "win32" or platform_machine == "x86_64") and os_name == "nt"`, nil},
	{`sys_platform == "win32" or (platform_machine == "x86_64" and os_name == "posix")`, nil},
	{`os.name == "posix" and sys.platform == "linux"`, nil},
	{`platform.python_implementation == "CPython"`, nil},
	{`python_implementation == "CPython"`, nil},
	{`platform_python_implementation != "PyPy"`, nil},
	{`implementation_name == "cpython" and implementation_version >= "3.8"`, nil},
	{`platform_system == "Linux"`, nil},
	{`platform_version > "#1"`, nil},
	{`platform_machine < "y"`, nil},
	{`os_name === "posix"`, nil},
	{`os_name ~= "posix"`, nil},
	{`extra == "test"`, nil},
	{`extra == "test"`, []string{"test"}},
	{`extra == "Te_St"`, []string{"te.st"}},
	{`extra == "test" or extra == "doc"`, []string{"x", "doc"}},
	{`extra != "test"`, nil},
	{`"test" == extra`, []string{"TEST"}},
	{`((((python_version > "3"))))`, nil},
	{`python_version>"3"and os_name=="posix"or os_name=="nt"`, nil},
	{`python_version > "3" and`, nil},
	{`python_version >`, nil},
	{`"a" == "a"`, nil},
	{`os_name == os_name`, nil},
	{`python_version == "3.11" and (os_name == "nt"`, nil},
	{`python_version < "3.12" and python_version >= "3.8" and platform_system != "Windows"`, nil},
	{`python_version <= "3.11.0"`, nil},
	{`python_version == "3.11.0"`, nil},
	{`python_full_version == "3.11.7+local"`, nil},
	{`python_version == "3.11" or`, nil},
	{`python_version === "3.11"`, nil},
	{`sys_platform not in "win32 cygwin"`, nil},
}

func TestMarkersAgreeWithPackaging(t *testing.T) {
	_, want := runOracle(t, nil, diffMarkers)
	for i, c := range diffMarkers {
		w := want[i]
		got, err := EvaluateMarker(c.Marker, diffEnv, c.Extras)
		if w.OK != (err == nil) {
			t.Errorf("%q %v: packaging ok=%v (%s), we got %v, %v", c.Marker, c.Extras, w.OK, w.Error, got, err)
			continue
		}
		if w.OK && got != w.Value {
			t.Errorf("%q %v: got %v, packaging %v", c.Marker, c.Extras, got, w.Value)
		}
		if err != nil {
			var me *MarkerError
			if !errors.As(err, &me) {
				t.Errorf("%q: error %T is not a *MarkerError", c.Marker, err)
			}
		}
	}
}
