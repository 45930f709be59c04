package resolve

import (
	"slices"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// file builds an index entry; modifiers set yanked ("yanked:reason") or Requires-Python
// ("rp:>=3.12").
func file(name string, mods ...string) Candidate {
	f := simpleindex.File{Filename: name, URL: "https://files.example/packages/" + name, Size: -1}
	for _, m := range mods {
		switch {
		case strings.HasPrefix(m, "yanked:"):
			f.Yanked, f.YankedReason = true, strings.TrimPrefix(m, "yanked:")
		case strings.HasPrefix(m, "rp:"):
			f.RequiresPython = strings.TrimPrefix(m, "rp:")
		}
	}
	return Candidate{File: f, Role: "stable"}
}

func testEnv(t testing.TB) *Environment {
	t.Helper()
	env, err := NewEnvironment(TargetOptions{PythonVersion: "3.11.4", Platforms: []string{"manylinux2014_x86_64", "manylinux_2_17_x86_64"}})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func mustReq(t testing.TB, s string) Requirement {
	t.Helper()
	r, err := ParseRequirement(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type selectCase struct {
	name       string
	req        string
	opts       Options
	files      []Candidate
	applicable []string          // filenames, best first
	skipped    map[string]string // filename -> substring of the reason
	warning    string            // substring of a warning, "" for none
}

func runSelectCases(t *testing.T, cases []selectCase) {
	env := testEnv(t)
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			sel := Select(mustReq(t, tt.req), tt.files, env, tt.opts)
			var got []string
			for _, c := range sel.Applicable {
				got = append(got, c.File.Filename)
				if c.Dist.Filename != c.File.Filename || c.Role != "stable" {
					t.Errorf("%s: Dist or Role not carried: %+v", c.File.Filename, c)
				}
			}
			if !slices.Equal(got, tt.applicable) {
				t.Errorf("applicable %v, want %v", got, tt.applicable)
			}
			switch {
			case len(tt.applicable) == 0 && sel.Best != nil:
				t.Errorf("best %s, want none", sel.Best.File.Filename)
			case len(tt.applicable) > 0 && (sel.Best == nil || sel.Best.File.Filename != tt.applicable[0]):
				t.Errorf("best %v, want %s", sel.Best, tt.applicable[0])
			}
			if len(sel.Skipped)+len(sel.Applicable) != len(tt.files) {
				t.Errorf("%d skipped + %d applicable != %d files: %+v", len(sel.Skipped), len(sel.Applicable), len(tt.files), sel.Skipped)
			}
			for _, s := range sel.Skipped {
				want, ok := tt.skipped[s.Filename]
				if !ok {
					t.Errorf("unexpected skip %+v", s)
				} else if !strings.Contains(s.Reason, want) {
					t.Errorf("%s: reason %q, want it to contain %q", s.Filename, s.Reason, want)
				}
			}
			if len(sel.Skipped) != len(tt.skipped) {
				t.Errorf("skipped %+v, want %v", sel.Skipped, tt.skipped)
			}
			warnings := strings.Join(sel.Warnings, "\n")
			if tt.warning == "" && warnings != "" || !strings.Contains(warnings, tt.warning) {
				t.Errorf("warnings %q, want %q", warnings, tt.warning)
			}
		})
	}
}

func TestSelectOrder(t *testing.T) {
	runSelectCases(t, []selectCase{
		{name: "newest version wins", req: "foobar",
			files:      []Candidate{file("foobar-1.0-py3-none-any.whl"), file("foobar-2.0-py3-none-any.whl"), file("foobar-1.5-py3-none-any.whl")},
			applicable: []string{"foobar-2.0-py3-none-any.whl", "foobar-1.5-py3-none-any.whl", "foobar-1.0-py3-none-any.whl"}},
		{name: "wheel before sdist of the same version, newer sdist before older wheel", req: "foobar",
			files:      []Candidate{file("foobar-2.0.tar.gz"), file("foobar-2.0-py3-none-any.whl"), file("foobar-2.1.tar.gz")},
			applicable: []string{"foobar-2.1.tar.gz", "foobar-2.0-py3-none-any.whl", "foobar-2.0.tar.gz"}},
		{name: "prefer-binary puts every wheel first", req: "foobar", opts: Options{PreferBinary: true},
			files:      []Candidate{file("foobar-2.0.tar.gz"), file("foobar-2.0-py3-none-any.whl"), file("foobar-2.1.tar.gz")},
			applicable: []string{"foobar-2.0-py3-none-any.whl", "foobar-2.1.tar.gz", "foobar-2.0.tar.gz"}},
		{name: "more specific tag wins at the same version", req: "foobar",
			files: []Candidate{file("foobar-2.0-py3-none-any.whl"), file("foobar-2.0-cp311-abi3-manylinux_2_17_x86_64.whl"),
				file("foobar-2.0-cp311-cp311-manylinux2014_x86_64.whl"), file("foobar-2.0-cp37-abi3-manylinux1_x86_64.whl")},
			applicable: []string{"foobar-2.0-cp311-cp311-manylinux2014_x86_64.whl", "foobar-2.0-cp311-abi3-manylinux_2_17_x86_64.whl",
				"foobar-2.0-cp37-abi3-manylinux1_x86_64.whl", "foobar-2.0-py3-none-any.whl"}},
		{name: "compressed tag set ranks by its best tag", req: "foobar",
			files:      []Candidate{file("foobar-1.0-py3-none-any.whl"), file("foobar-1.0-cp310.cp311-cp310.cp311-manylinux1_x86_64.whl")},
			applicable: []string{"foobar-1.0-cp310.cp311-cp310.cp311-manylinux1_x86_64.whl", "foobar-1.0-py3-none-any.whl"}},
		{name: "build tag breaks ties: number, then suffix, none lowest", req: "foobar",
			files: []Candidate{file("foobar-1.0-py3-none-any.whl"), file("foobar-1.0-2-py3-none-any.whl"),
				file("foobar-1.0-10-py3-none-any.whl"), file("foobar-1.0-2b-py3-none-any.whl")},
			applicable: []string{"foobar-1.0-10-py3-none-any.whl", "foobar-1.0-2b-py3-none-any.whl",
				"foobar-1.0-2-py3-none-any.whl", "foobar-1.0-py3-none-any.whl"}},
		{name: "equal keys: later on the page first, as pip's resolver tries them", req: "foobar",
			files:      []Candidate{file("foobar-1.0.zip"), file("foobar-1.0.tar.gz"), file("foobar-1.0.0.tar.gz")},
			applicable: []string{"foobar-1.0.0.tar.gz", "foobar-1.0.tar.gz", "foobar-1.0.zip"}},
		{name: "PEP 440 order, not string order", req: "foobar",
			files:      []Candidate{file("foobar-1.10.tar.gz"), file("foobar-1.9.tar.gz"), file("foobar-1.10.post1.tar.gz"), file("foobar-1!0.1.tar.gz")},
			applicable: []string{"foobar-1!0.1.tar.gz", "foobar-1.10.post1.tar.gz", "foobar-1.10.tar.gz", "foobar-1.9.tar.gz"}},
	})
}

func TestSelectFilters(t *testing.T) {
	runSelectCases(t, []selectCase{
		{name: "specifier", req: "FooBar==2.0.*",
			files:      []Candidate{file("foobar-2.0.tar.gz"), file("foobar-2.0.1.tar.gz"), file("foobar-2.1.tar.gz"), file("foobar-1.0.tar.gz")},
			applicable: []string{"foobar-2.0.1.tar.gz", "foobar-2.0.tar.gz"},
			skipped:    map[string]string{"foobar-2.1.tar.gz": "2.1 does not match ==2.0.*", "foobar-1.0.tar.gz": "1.0 does not match ==2.0.*"}},
		{name: "unsupported tags", req: "foobar",
			files:      []Candidate{file("foobar-2.0-cp311-cp311-win_amd64.whl"), file("foobar-2.0-cp312-cp312-manylinux_2_17_x86_64.whl"), file("foobar-1.0-py3-none-any.whl"), file("foobar-2.0-py2-none-any.whl")},
			applicable: []string{"foobar-1.0-py3-none-any.whl"},
			skipped: map[string]string{"foobar-2.0-cp311-cp311-win_amd64.whl": "no compatible tags for cp311-cp311-win_amd64",
				"foobar-2.0-cp312-cp312-manylinux_2_17_x86_64.whl": "no compatible tags for cp312-cp312-manylinux_2_17_x86_64",
				"foobar-2.0-py2-none-any.whl":                      "no compatible tags for py2-none-any"}},
		{name: "requires-python against the full version", req: "foobar",
			files: []Candidate{file("foobar-3.0.tar.gz", "rp:>=3.12"), file("foobar-2.5.tar.gz", "rp:>=3.11.5"),
				file("foobar-2.0.tar.gz", "rp:>=3.11.4,<4"), file("foobar-1.0.tar.gz", "rp:this is not a specifier")},
			applicable: []string{"foobar-2.0.tar.gz", "foobar-1.0.tar.gz"},
			skipped:    map[string]string{"foobar-3.0.tar.gz": "requires-python >=3.12", "foobar-2.5.tar.gz": "requires-python >=3.11.5"}},
		{name: "wrong project and bad names", req: "foobar",
			files: []Candidate{file("other-1.0.tar.gz"), file("other-1.0-py3-none-any.whl"), file("foobar-1.0.exe"),
				file("foobar-x-py3-none-any.whl"), file("../foobar-9.0.tar.gz"), file("foobar-1.0.tar.gz")},
			applicable: []string{"foobar-1.0.tar.gz"},
			skipped: map[string]string{"other-1.0.tar.gz": "wrong project name (not foobar)", "other-1.0-py3-none-any.whl": "wrong project name other",
				"foobar-1.0.exe": "unsupported archive format", "foobar-x-py3-none-any.whl": "invalid version",
				"../foobar-9.0.tar.gz": "path separator"}},
		{name: "macosx10 zip", req: "foobar",
			files:      []Candidate{file("foobar-1.0-macosx10.zip"), file("foobar-0.9.zip")},
			applicable: []string{"foobar-0.9.zip"},
			skipped:    map[string]string{"foobar-1.0-macosx10.zip": "macosx10"}},
	})
}

func TestSelectPrereleases(t *testing.T) {
	files := []Candidate{file("foobar-1.0.tar.gz"), file("foobar-2.0rc1.tar.gz"), file("foobar-2.0.dev1.tar.gz")}
	runSelectCases(t, []selectCase{
		{name: "final releases only by default", req: "foobar", files: files,
			applicable: []string{"foobar-1.0.tar.gz"},
			skipped:    map[string]string{"foobar-2.0rc1.tar.gz": "2.0rc1 is a pre-release (pass --pre to allow)", "foobar-2.0.dev1.tar.gz": "pre-release"}},
		{name: "--pre", req: "foobar", opts: Options{Pre: true}, files: files,
			applicable: []string{"foobar-2.0rc1.tar.gz", "foobar-2.0.dev1.tar.gz", "foobar-1.0.tar.gz"}},
		{name: "specifier naming a pre-release", req: "foobar>=2.0.dev0", files: files,
			applicable: []string{"foobar-2.0rc1.tar.gz", "foobar-2.0.dev1.tar.gz"},
			skipped:    map[string]string{"foobar-1.0.tar.gz": "1.0 does not match >=2.0.dev0"}},
		{name: "no specifier and no final release", req: "foobar", files: files[1:],
			applicable: []string{"foobar-2.0rc1.tar.gz", "foobar-2.0.dev1.tar.gz"}},
		// packaging 24.1 (pip 24.2): a non-empty specifier set never falls back to pre-releases
		{name: "specifier without final match", req: "foobar>=1.5", files: files,
			skipped: map[string]string{"foobar-1.0.tar.gz": "does not match >=1.5", "foobar-2.0rc1.tar.gz": "pre-release", "foobar-2.0.dev1.tar.gz": "pre-release"}},
	})
}

func TestSelectYanked(t *testing.T) {
	runSelectCases(t, []selectCase{
		{name: "yanked files are dropped", req: "foobar",
			files:      []Candidate{file("foobar-2.0-py3-none-any.whl", "yanked:broken build"), file("foobar-1.0-py3-none-any.whl"), file("foobar-2.0.tar.gz", "yanked:")},
			applicable: []string{"foobar-1.0-py3-none-any.whl"},
			skipped:    map[string]string{"foobar-2.0-py3-none-any.whl": "yanked: broken build", "foobar-2.0.tar.gz": "yanked: no reason given"}},
		{name: "a pin may use yanked files when nothing else matches", req: "foobar==2.0",
			files:      []Candidate{file("foobar-2.0-py3-none-any.whl", "yanked:broken build"), file("foobar-1.0-py3-none-any.whl"), file("foobar-2.0.tar.gz", "yanked:")},
			applicable: []string{"foobar-2.0-py3-none-any.whl", "foobar-2.0.tar.gz"},
			skipped:    map[string]string{"foobar-1.0-py3-none-any.whl": "1.0 does not match ==2.0"},
			warning:    "foobar-2.0-py3-none-any.whl: the selected file is yanked (yanked: broken build)"},
		{name: "=== pins too", req: "foobar===2.0",
			files:      []Candidate{file("foobar-2.0.tar.gz", "yanked:x")},
			applicable: []string{"foobar-2.0.tar.gz"}, warning: "yanked: x"},
		{name: "a wildcard is not a pin", req: "foobar==2.*",
			files:   []Candidate{file("foobar-2.0.tar.gz", "yanked:x")},
			skipped: map[string]string{"foobar-2.0.tar.gz": "yanked: x"}},
		{name: "a range is not a pin", req: "foobar>=2",
			files:   []Candidate{file("foobar-2.0.tar.gz", "yanked:x")},
			skipped: map[string]string{"foobar-2.0.tar.gz": "yanked: x"}},
		{name: "a pin with a non-yanked match ignores yanked files", req: "foobar==2.0",
			files:      []Candidate{file("foobar-2.0.tar.gz"), file("foobar-2.0-py3-none-any.whl", "yanked:x")},
			applicable: []string{"foobar-2.0.tar.gz"},
			skipped:    map[string]string{"foobar-2.0-py3-none-any.whl": "yanked: x"}},
		{name: "a yanked file failing another filter says both", req: "foobar==2.0",
			files:   []Candidate{file("foobar-2.0-cp27-cp27m-win32.whl", "yanked:old")},
			skipped: map[string]string{"foobar-2.0-cp27-cp27m-win32.whl": "no compatible tags for cp27-cp27m-win32 (also yanked: old)"}},
	})
}

func TestSelectFormatControl(t *testing.T) {
	files := []Candidate{file("foobar-2.0.tar.gz"), file("foobar-1.0-py3-none-any.whl")}
	runSelectCases(t, []selectCase{
		{name: "only-binary :all:", req: "foobar", opts: Options{OnlyBinary: []string{":all:"}}, files: files,
			applicable: []string{"foobar-1.0-py3-none-any.whl"},
			skipped:    map[string]string{"foobar-2.0.tar.gz": "source distributions are not allowed for foobar (--only-binary)"}},
		{name: "no-binary by name, normalised", req: "foobar", opts: Options{NoBinary: []string{"other,FooBar"}}, files: files,
			applicable: []string{"foobar-2.0.tar.gz"},
			skipped:    map[string]string{"foobar-1.0-py3-none-any.whl": "binary wheels are not allowed for foobar (--no-binary)"}},
		{name: "a name beats :all:", req: "foobar", opts: Options{NoBinary: []string{":all:"}, OnlyBinary: []string{"foobar"}}, files: files,
			applicable: []string{"foobar-1.0-py3-none-any.whl"},
			skipped:    map[string]string{"foobar-2.0.tar.gz": "--only-binary"}},
		{name: ":none: clears", req: "foobar", opts: Options{OnlyBinary: []string{":all:", ":none:"}}, files: files,
			applicable: []string{"foobar-2.0.tar.gz", "foobar-1.0-py3-none-any.whl"}},
		{name: ":all: then :none: then a name", req: "foobar", opts: Options{NoBinary: []string{":all:,:none:,foobar"}}, files: files,
			applicable: []string{"foobar-2.0.tar.gz"},
			skipped:    map[string]string{"foobar-1.0-py3-none-any.whl": "--no-binary"}},
		{name: "only-binary for another project", req: "foobar", opts: Options{OnlyBinary: []string{"other"}}, files: files,
			applicable: []string{"foobar-2.0.tar.gz", "foobar-1.0-py3-none-any.whl"}},
	})
}

// Select fills in Dist when the caller did not, and re-parses a Dist that belongs to
// another file, so a stale Dist cannot smuggle in a version.
func TestSelectReparsesDist(t *testing.T) {
	env := testEnv(t)
	c := file("foobar-1.0.tar.gz")
	c.Dist, _ = ParseFilename("foobar-9.0.tar.gz")
	sel := Select(mustReq(t, "foobar"), []Candidate{c}, env, Options{})
	if sel.Best == nil || sel.Best.Dist.Version.String() != "1.0" {
		t.Fatalf("got %+v", sel.Best)
	}
	// a hand-built Environment without a python version cannot pass Requires-Python checks
	unknown := &Environment{Tags: env.Tags}
	sel = Select(mustReq(t, "foobar"), []Candidate{file("foobar-1.0.tar.gz", "rp:>=3"), file("foobar-0.9.tar.gz")}, unknown, Options{})
	if sel.Best == nil || sel.Best.File.Filename != "foobar-0.9.tar.gz" || len(sel.Skipped) != 1 || !strings.Contains(sel.Skipped[0].Reason, "cannot be checked") {
		t.Fatalf("unknown python version: %+v", sel)
	}
	// an Environment built by hand works too
	bare := &Environment{Tags: []Tag{{"py3", "none", "any"}}, PythonFullVersion: "3.11.0"}
	sel = Select(mustReq(t, "foobar"), []Candidate{file("foobar-1.0-py3-none-any.whl"), file("foobar-2.0-py2-none-any.whl")}, bare, Options{})
	if sel.Best == nil || sel.Best.File.Filename != "foobar-1.0-py3-none-any.whl" || len(sel.Skipped) != 1 {
		t.Fatalf("hand-built environment: %+v", sel)
	}
}
