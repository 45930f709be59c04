package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/internal/pyfix"
	"github.com/tufpip/tufpip/internal/tuftest"
)

// stepScript returns the bash script of the action.yml step with the given name (the block
// under its "run: |", de-indented). The install step needs GitHub; the verify step is run
// here with the real binary.
func stepScript(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	in, run := false, false
	var out []string
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "    - name: "):
			in, run = strings.TrimPrefix(l, "    - name: ") == name, false
		case in && l == "      run: |":
			run = true
		case in && run && (strings.HasPrefix(l, "        ") || l == ""):
			out = append(out, strings.TrimPrefix(l, "        "))
		case in && run:
			run = false
		}
	}
	if len(out) == 0 {
		t.Fatalf("no step %q with a run script in action.yml", name)
	}
	return strings.Join(out, "\n")
}

// The action's verify step with the real tufpip: the exit code goes to the step's output,
// the job summary is written once, and the SARIF file is written for upload.
func TestActionVerifyStep(t *testing.T) {
	needTufpip(t)
	bash, err := exec.LookPath("bash")
	skipUnless(t, err == nil, "bash not found: %v", err)

	repo := tuftest.New(t)
	fn, data := "foobar-2.0-py3-none-any.whl", []byte("a wheel's bytes")
	repo.AddFile(tuftest.Stable, fn, data)
	repo.SetPage(tuftest.Stable, "foobar", tuftest.File(fn, data))
	repo.Publish()
	srv := repo.Serve(t)
	dir := t.TempDir()
	writeTestFile(t, dir, "root.json", string(repo.RootJSON()))
	sum := sha256.Sum256(data)
	good := hex.EncodeToString(sum[:])
	writeTestFile(t, dir, "requirements.txt", "foobar==2.0 --hash=sha256:"+good+"\n")
	writeTestFile(t, dir, "requirements-dev.txt", "foobar==2.0 --hash=sha256:"+strings.Repeat("0", 64)+"\n")
	script := stepScript(t, "tufpip verify")
	// the install step needs GitHub's releases: checked for syntax only
	if out, err := exec.Command(bash, "-n", "-c", stepScript(t, "install tufpip")).CombinedOutput(); err != nil {
		t.Errorf("install step: %v\n%s", err, out)
	}

	for _, tc := range []struct {
		format, upload string
		code           string
	}{
		{"github", "true", "3"},
		{"sarif", "false", "3"},
		{"empty", "true", "1"}, // a lockfile with no entries: exit 1, no SARIF left to upload
	} {
		lockfiles := "requirements.txt\n  requirements-dev.txt\n"
		format := tc.format
		if tc.format == "empty" {
			writeTestFile(t, dir, "empty.txt", "# nothing\n")
			lockfiles, format = "empty.txt", "sarif"
		}
		output, summary, sarif := filepath.Join(dir, "out-"+tc.format), filepath.Join(dir, "summary-"+tc.format+".md"), filepath.Join(dir, tc.format+".sarif")
		cmd := exec.Command(bash, "-c", script)
		cmd.Dir = dir
		cmd.Env = append(pyfix.Env(), "HOME="+dir, "XDG_CACHE_HOME="+filepath.Join(dir, "cache"),
			"PATH="+filepath.Dir(tufpipBin)+string(os.PathListSeparator)+os.Getenv("PATH"),
			"LOCKFILES="+lockfiles, "TUFPIP_METADATA_URL="+srv.MetadataURL, "TUFPIP_TARGETS_URL=",
			"TUFPIP_ROOT=root.json", "REQUIRE_ROLE=stable", "FORMAT="+format, "UPLOAD_SARIF="+tc.upload, "SARIF_FILE="+sarif,
			"GITHUB_OUTPUT="+output, "GITHUB_STEP_SUMMARY="+summary)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: the step failed itself (the job fails in the last step): %v\n%s", tc.format, err, out)
		}
		if got, _ := os.ReadFile(output); string(got) != "exit-code="+tc.code+"\n" {
			t.Errorf("%s: step output %q\n%s", tc.format, got, out)
		}
		if tc.format == "empty" {
			if _, err := os.Stat(sarif); !os.IsNotExist(err) {
				t.Errorf("an empty SARIF file was left for upload: %v", err)
			}
			continue
		}
		md, _ := os.ReadFile(summary)
		if strings.Count(string(md), "tufpip verify: 1 of 2 entries vouched for") != 1 {
			t.Errorf("%s: summary\n%s", tc.format, md)
		}
		var log struct {
			Runs []struct {
				Results []struct {
					RuleID string `json:"ruleId"`
				} `json:"results"`
			} `json:"runs"`
		}
		b, _ := os.ReadFile(sarif)
		if err := json.Unmarshal(b, &log); err != nil || len(log.Runs) != 1 || len(log.Runs[0].Results) != 1 || log.Runs[0].Results[0].RuleID != "hash-not-trusted" {
			t.Errorf("%s: SARIF %v\n%s", tc.format, err, b)
		}
		if tc.format == "github" && !strings.Contains(string(out), "::error file=requirements-dev.txt,line=1,title=tufpip verify::foobar==2.0: hash sha256:0000") {
			t.Errorf("annotations:\n%s", out)
		}
	}
}
