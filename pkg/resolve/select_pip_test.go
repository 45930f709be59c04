package resolve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"slices"
	"testing"

	"github.com/tufpip/tufpip/internal/testreq"
)

// Differential test of Select against pip itself: pip's LinkEvaluator and CandidateEvaluator
// run on the same files, then its resolver's PEP 592 rule and order (factory.py walks the
// finder's list backwards, skipping yanked files unless a pin leaves nothing else).

const pipSelectOracle = `
import json, sys
from pip._internal.index.package_finder import LinkEvaluator, CandidateEvaluator, LinkType
from pip._internal.models.candidate import InstallationCandidate
from pip._internal.models.format_control import FormatControl
from pip._internal.models.link import Link
from pip._internal.models.target_python import TargetPython
from pip._vendor.packaging.specifiers import SpecifierSet
from pip._vendor.packaging.utils import canonicalize_name

def is_pinned(specifier):
    for sp in specifier:
        if sp.operator == "===":
            return True
        if sp.operator == "==" and not sp.version.endswith(".*"):
            return True
    return False

job = json.load(sys.stdin)
tp = TargetPython(platforms=job["platforms"], py_version_info=tuple(job["python"]))
out = []
for case in job["cases"]:
    fc = FormatControl(set(), set())
    for v in case["no_binary"] or []:
        FormatControl.handle_mutual_excludes(v, fc.no_binary, fc.only_binary)
    for v in case["only_binary"] or []:
        FormatControl.handle_mutual_excludes(v, fc.only_binary, fc.no_binary)
    name = "foobar"
    le = LinkEvaluator(project_name=name, canonical_name=canonicalize_name(name),
                       formats=fc.get_allowed_formats(canonicalize_name(name)), target_python=tp,
                       allow_yanked=True, ignore_requires_python=False)
    cands = []
    for f in case["files"]:
        link = Link("https://files.example/packages/" + f["name"], requires_python=f["rp"] or None,
                    yanked_reason=f["yanked"])
        kind, detail = le.evaluate_link(link)
        if kind == LinkType.candidate:
            cands.append(InstallationCandidate(name, detail, link))
    spec = SpecifierSet(case["spec"])
    ce = CandidateEvaluator.create(project_name=name, target_python=tp, prefer_binary=case["prefer_binary"],
                                   allow_all_prereleases=case["pre"], specifier=spec, hashes=None)
    icans = list(ce.compute_best_candidate(cands).iter_applicable())
    all_yanked = all(c.link.is_yanked for c in icans)
    pinned = is_pinned(spec)
    out.append([c.link.filename for c in reversed(icans) if (all_yanked and pinned) or not c.link.is_yanked])
json.dump(out, sys.stdout)
`

type oracleFile struct {
	Name   string  `json:"name"`
	RP     string  `json:"rp"`
	Yanked *string `json:"yanked"`
}

type oracleCase struct {
	Files        []oracleFile `json:"files"`
	Spec         string       `json:"spec"`
	Pre          bool         `json:"pre"`
	PreferBinary bool         `json:"prefer_binary"`
	OnlyBinary   []string     `json:"only_binary"`
	NoBinary     []string     `json:"no_binary"`
}

var oracleVersions = []string{"1.0", "1.0.0", "2.0", "2.0rc1", "2.0.post1", "2.1.dev0", "3.0", "1!0.5"}

var oracleForms = []string{
	".tar.gz", ".zip", "-py3-none-any.whl", "-py2.py3-none-any.whl", "-cp311-cp311-manylinux2014_x86_64.whl",
	"-cp311-abi3-manylinux_2_17_x86_64.whl", "-cp39-abi3-manylinux1_x86_64.whl", "-cp311-cp311-win_amd64.whl",
	"-py2-none-any.whl", "-1-py3-none-any.whl", "-2b-py3-none-any.whl", "-cp311-none-any.whl",
	"-cp310.cp311-cp310.cp311-manylinux2010_x86_64.whl",
}

var oracleSpecs = []string{"", "==2.0", "==2.0.*", ">=2.0rc1", ">=1.0,<3", "===2.0", "!=2.0", "~=1.0", "==1.0", ">=2.1.dev0", "<2"}

func randomOracleCase(r *rand.Rand) oracleCase {
	var c oracleCase
	n := 1 + r.IntN(10)
	for range n {
		f := oracleFile{Name: "foobar-" + oracleVersions[r.IntN(len(oracleVersions))] + oracleForms[r.IntN(len(oracleForms))]}
		if r.IntN(4) == 0 {
			reason := []string{"", "broken"}[r.IntN(2)]
			f.Yanked = &reason
		}
		if r.IntN(5) == 0 {
			f.RP = []string{">=3.12", ">=3.8", "<3.11.4", ">=3.11.4", "nonsense"}[r.IntN(5)]
		}
		c.Files = append(c.Files, f)
	}
	c.Spec = oracleSpecs[r.IntN(len(oracleSpecs))]
	c.Pre = r.IntN(4) == 0
	c.PreferBinary = r.IntN(4) == 0
	switch r.IntN(6) {
	case 0:
		c.OnlyBinary = []string{":all:"}
	case 1:
		c.NoBinary = []string{"FooBar"}
	case 2:
		c.NoBinary, c.OnlyBinary = []string{":all:"}, []string{"foobar"}
	}
	return c
}

func TestSelectAgreesWithPip(t *testing.T) {
	pythons := testInterpreters(t)
	if len(pythons) == 0 {
		testreq.Missing(t, "no python3 and no pyenv 3.13.0 interpreter on this machine")
	}
	r := rand.New(rand.NewPCG(1, 2))
	cases := make([]oracleCase, 400)
	for i := range cases {
		cases[i] = randomOracleCase(r)
	}
	platforms := []string{"manylinux2014_x86_64", "manylinux_2_17_x86_64"}
	for name, python := range pythons {
		t.Run(name, func(t *testing.T) {
			host, err := DetectEnvironment(context.Background(), python)
			if err != nil {
				t.Fatal(err)
			}
			env, err := NewEnvironment(TargetOptions{PythonVersion: "3.11.4", Platforms: platforms, Host: host.Facts})
			if err != nil {
				t.Fatal(err)
			}
			job, _ := json.Marshal(map[string]any{"platforms": platforms, "python": []int{3, 11, 4}, "cases": cases})
			cmd := exec.Command(python, "-I", "-c", pipSelectOracle)
			cmd.Stdin = bytes.NewReader(job)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("pip oracle failed: %v\n%s", err, stderr.String())
			}
			var want [][]string
			if err := json.Unmarshal(out, &want); err != nil || len(want) != len(cases) {
				t.Fatalf("oracle output: %v", err)
			}
			for i, c := range cases {
				var cands []Candidate
				for _, f := range c.Files {
					mods := []string{"rp:" + f.RP}
					if f.Yanked != nil {
						mods = append(mods, "yanked:"+*f.Yanked)
					}
					cands = append(cands, file(f.Name, mods...))
				}
				req := mustReq(t, "foobar"+c.Spec)
				sel := Select(req, cands, env, Options{Pre: c.Pre, PreferBinary: c.PreferBinary, OnlyBinary: c.OnlyBinary, NoBinary: c.NoBinary})
				var got []string
				for _, a := range sel.Applicable {
					got = append(got, a.File.Filename)
				}
				if !slices.Equal(got, want[i]) {
					t.Errorf("case %d %s:\n got  %v\n pip  %v", i, describeCase(c), got, want[i])
				}
			}
		})
	}
}

func describeCase(c oracleCase) string {
	var files []string
	for _, f := range c.Files {
		s := f.Name
		if f.Yanked != nil {
			s += "(yanked)"
		}
		if f.RP != "" {
			s += "(rp " + f.RP + ")"
		}
		files = append(files, s)
	}
	return fmt.Sprintf("spec %q pre=%v preferBinary=%v only=%v no=%v files %v", c.Spec, c.Pre, c.PreferBinary, c.OnlyBinary, c.NoBinary, files)
}
