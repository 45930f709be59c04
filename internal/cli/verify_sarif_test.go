package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/internal/pyfix"
)

// A requirements file with one entry of every failing status, and two that pass.
func everyStatusLock(t *testing.T, indexURL string) string {
	t.Helper()
	rels := richReleases()
	text := requirementsTxt(indexURL, pick(t, rels, "alpha==1.1", "beta-utils==1.9", "newproj==0.1"))
	victim := pick(t, rels, "alpha==1.1")[0].files[0]
	text = strings.Replace(text, victim.sha256(), flipHex(victim.sha256()), 1) // hash-not-trusted
	text += "gamma>=0.1\n"                                                     // not-pinned
	text += "nosuch==1.0 --hash=sha256:" + strings.Repeat("a", 64) + "\n"      // not-found
	text += "plugin @ git+https://git.example/plugin.git@v1\n"                 // unverifiable
	text += "-e ./src/app\n"                                                   // local
	return text
}

func TestVerifySARIF(t *testing.T) {
	env, srv := repoEnv(t, richRepo(t))
	dir := t.TempDir()
	writeFile(t, dir, "requirements.txt", everyStatusLock(t, strings.TrimSuffix(srv.TargetsURL, "targets/")+"simple/"))
	t.Chdir(dir)

	r := runCLI(t, env, "verify", "requirements.txt", "--require-role", "stable", "--format", "sarif")
	if r.code != ExitVerification {
		t.Fatalf("exit %d, want the same as text output (3)\n%s%s", r.code, r.stdout, r.stderr)
	}
	out := writeFile(t, t.TempDir(), "tufpip.sarif", r.stdout)
	validateSARIF(t, out)

	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID   string `json:"id"`
						Help struct {
							Text string `json:"text"`
						} `json:"help"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Message   struct {
					Text string `json:"text"`
				} `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &log); err != nil || log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	run := log.Runs[0]
	got := map[string]string{}
	text := readFile(t, filepath.Join(dir, "requirements.txt"))
	for _, res := range run.Results {
		loc := res.Locations[0].PhysicalLocation
		if loc.ArtifactLocation.URI != "requirements.txt" || res.Level != "error" || run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %+v", res)
		}
		got[res.RuleID] += fmt.Sprintf("%d ", loc.Region.StartLine)
		if !strings.Contains(res.Message.Text, "(hint: ") {
			t.Errorf("no hint in %q", res.Message.Text)
		}
	}
	want := map[string]string{
		"hash-not-trusted": fmt.Sprintf("%d ", lineOf(t, text, "alpha==1.1", true)),
		"yanked":           fmt.Sprintf("%d ", lineOf(t, text, "beta-utils==1.9", true)),
		"role-policy":      fmt.Sprintf("%d ", lineOf(t, text, "newproj==0.1", true)),
		"not-pinned":       fmt.Sprintf("%d ", lineOf(t, text, "gamma>=0.1", true)),
		"not-found":        fmt.Sprintf("%d ", lineOf(t, text, "nosuch==1.0", true)),
		"unverifiable":     fmt.Sprintf("%d ", lineOf(t, text, "plugin @", true)),
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("results by rule and line:\n got %v\nwant %v", got, want)
	}
	for _, rule := range run.Tool.Driver.Rules {
		if rule.Help.Text == "" {
			t.Errorf("rule %s has no help", rule.ID)
		}
	}

	// a passing run is a valid log with no results, exit 0; an absolute path is a file URI
	ok := writeFile(t, dir, "ok.txt", requirementsTxt("https://x/simple/", pick(t, richReleases(), "alpha==1.1")))
	r = runCLI(t, env, "verify", ok, "--format", "sarif")
	if r.code != 0 || !strings.Contains(r.stdout, `"results": []`) {
		t.Fatalf("passing: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	validateSARIF(t, writeFile(t, t.TempDir(), "ok.sarif", r.stdout))
	r = runCLI(t, env, "verify", ok, "--format", "sarif", "--require-role", "stable")
	if !strings.Contains(r.stdout, "\"results\": []") {
		t.Errorf("ok: %s", r.stdout)
	}
	if uri := sarifURI(ok); !strings.HasPrefix(uri, "file:///") || !strings.HasSuffix(uri, "/ok.txt") {
		t.Errorf("absolute path: %s", uri)
	}
}

// validateSARIF checks a log against the official SARIF 2.1.0 schema (testdata/sarif) with
// python-jsonschema.
func validateSARIF(t *testing.T, path string) {
	t.Helper()
	py := pyfix.Tool(t, "python-jsonschema")
	schema, err := filepath.Abs("testdata/sarif/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(schema); err != nil {
		// t.Chdir moved us: the schema is beside this package's sources
		schema = filepath.Join(pkgDir(t), "testdata/sarif/sarif-schema-2.1.0.json")
	}
	script := `
import json, sys
from jsonschema import Draft4Validator
schema = json.load(open(sys.argv[1]))
Draft4Validator.check_schema(schema)
doc = json.load(open(sys.argv[2]))
errors = sorted(Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER).iter_errors(doc), key=str)
for e in errors:
    print("/".join(map(str, e.absolute_path)), e.message)
sys.exit(1 if errors else 0)
`
	out, err := exec.Command(py, "-c", script, schema, path).CombinedOutput()
	if err != nil {
		t.Fatalf("SARIF does not validate against the 2.1.0 schema: %v\n%s", err, out)
	}
}

var pkgDirAtInit, _ = os.Getwd()

func pkgDir(t *testing.T) string { return pkgDirAtInit }

func TestVerifySummary(t *testing.T) {
	env, _ := repoEnv(t, richRepo(t))
	dir := t.TempDir()
	// a line written to break out of the table and inject a link
	lock := writeFile(t, dir, "requirements.txt", everyStatusLock(t, "https://x/simple/")+"[evil](https://attacker.example)|x==1.0 --hash=sha256:"+strings.Repeat("b", 64)+"\n")
	summary := filepath.Join(dir, "summary.md")
	r := runCLI(t, env, "verify", lock, "--summary", summary)
	if r.code != ExitVerification {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	md := readFile(t, summary)
	for _, want := range []string{
		"### ❌ tufpip verify: 3 of 8 entries vouched for\n",
		"ok: 1 · local: 2 · hash-not-trusted: 1 · not-pinned: 1 · not-found: 1 · yanked: 1 · unverifiable: 1\n",
		"| status | where | entry | details |\n|---|---|---|---|\n",
		fmt.Sprintf("| not-pinned | `%s:%d` | gamma | gamma is not pinned to one version — hint: pin exact versions with hashes, e.g. pip\\-compile \\-\\-generate\\-hashes |", lock, lineOf(t, readFile(t, lock), "gamma>=0.1", true)),
		"<details><summary>3 passing entries</summary>",
	} {
		if !strings.Contains(md, strings.ReplaceAll(want, `\-`, "-")) {
			t.Errorf("summary lacks %q\n%s", want, md)
		}
	}
	if strings.Contains(md, "[evil](https") || strings.Contains(md, "evil](") && !strings.Contains(md, `\[evil\]\(https`) {
		t.Errorf("markup not escaped\n%s", md)
	}
	for i, line := range strings.Split(strings.TrimSpace(md), "\n") {
		if strings.HasPrefix(line, "| ") && strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") != 5 {
			t.Errorf("line %d breaks the table: %s", i+1, line)
		}
	}

	// GITHUB_STEP_SUMMARY is appended to, as GitHub expects
	step := filepath.Join(dir, "step.md")
	writeFile(t, dir, "step.md", "earlier step\n")
	env["GITHUB_STEP_SUMMARY"] = step
	ok := writeFile(t, dir, "ok.txt", requirementsTxt("https://x/simple/", pick(t, richReleases(), "alpha==1.1")))
	if r := runCLI(t, env, "verify", ok); r.code != 0 {
		t.Fatalf("exit %d", r.code)
	}
	if got := readFile(t, step); !strings.HasPrefix(got, "earlier step\n### ✅ tufpip verify: 1 of 1 entries vouched for\n") {
		t.Errorf("step summary:\n%s", got)
	}
	// an unwritable summary is an error naming it
	r = runCLI(t, env, "verify", ok, "--summary", filepath.Join(dir, "no", "such", "dir.md"))
	if r.code != ExitError || !strings.Contains(r.stderr, "write summary") {
		t.Errorf("bad summary path: exit %d %s", r.code, r.stderr)
	}
}
