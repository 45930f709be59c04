package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/pyfix"
	"github.com/tufpip/tufpip/internal/tuftest"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// The differential test (issue 4): for hundreds of random project pages, tufpip resolve
// must pick the file pip picks, or find nothing where pip finds nothing. pip sees the
// files on a plain index; tufpip sees the same files and pages signed into a TUF
// repository, some by stable and some by unstable.
//
// TUFPIP_E2E_SEED and TUFPIP_E2E_PROJECTS change the seed (default 458) and the number of
// projects (default 200, 40 with -short) to reproduce or widen a run.

func envInt(t *testing.T, name string, def int64) int64 {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return n
}

type resolveResult struct {
	Requirement string  `json:"requirement"`
	Project     string  `json:"project"`
	Version     *string `json:"version"`
	Role        string  `json:"role"`
	File        *struct {
		Filename   string `json:"filename"`
		URL        string `json:"url"`
		TargetPath string `json:"targetPath"`
		SHA256     string `json:"sha256"`
		Size       int64  `json:"size"`
	} `json:"file"`
	Skipped []struct {
		Filename string `json:"filename"`
		Version  string `json:"version"`
		Reason   string `json:"reason"`
	} `json:"skipped"`
	Error string `json:"error"`
}

func plainIndex(t *testing.T, projects []genProject) *pyfix.Index {
	var files []pyfix.IndexFile
	for _, p := range projects {
		for _, f := range p.Files {
			meta, err := pyfix.CoreMetadata(f.Filename, f.Data)
			if err != nil {
				t.Fatal(err)
			}
			// PEP 658 metadata spares pip downloads and sdist builds in the reruns after a
			// "no matching distribution"; it does not change which file pip chooses.
			files = append(files, pyfix.IndexFile{Filename: f.Filename, Data: f.Data, Project: p.Name,
				RequiresPython: f.RequiresPython, Yanked: f.Yanked, YankedReason: f.YankedReason, Metadata: meta})
		}
	}
	return pyfix.NewIndex(t, files...)
}

// signedRepo signs every project's page and files into a TUF repository (stable or
// unstable, as generated), serves it, and returns the server and the trusted root's file.
func signedRepo(t *testing.T, projects []genProject) (*tuftest.Server, string) {
	repo := tuftest.New(t)
	for _, p := range projects {
		role := tuftest.Stable
		if p.Unstable {
			role = tuftest.Unstable
		}
		var links []tuftest.PageFile
		for _, f := range p.Files {
			repo.AddFile(role, f.Filename, f.Data)
			links = append(links, tuftest.PageFile{Filename: f.Filename, Data: f.Data,
				RequiresPython: f.RequiresPython, Yanked: f.Yanked, YankedReason: f.YankedReason})
		}
		repo.SetPage(role, p.Name, links...)
	}
	repo.Publish()
	srv := repo.Serve(t)
	root := filepath.Join(t.TempDir(), "root.json")
	writeFile(t, root, repo.RootJSON())
	return srv, root
}

func TestDifferentialResolve(t *testing.T) {
	n := envInt(t, "TUFPIP_E2E_PROJECTS", 200)
	if testing.Short() && os.Getenv("TUFPIP_E2E_PROJECTS") == "" {
		n = 40
	}
	differential(t, envInt(t, "TUFPIP_E2E_SEED", 458), n, false)
}

// TestDifferentialResolvePre is the same with --pre on both sides, on other projects.
func TestDifferentialResolvePre(t *testing.T) {
	n := envInt(t, "TUFPIP_E2E_PROJECTS", 200) / 4
	if testing.Short() && os.Getenv("TUFPIP_E2E_PROJECTS") == "" {
		n = 15
	}
	differential(t, envInt(t, "TUFPIP_E2E_SEED", 458)+1, n, true)
}

func differential(t *testing.T, seed, n int64, pre bool) {
	// A binary that does not build, or has no resolve, fails the test: checking only pip's
	// side would pass while comparing nothing.
	needTufpip(t)
	var flags []string
	if pre {
		flags = []string{"--pre"}
	}
	pythons := pyfix.Pythons(t)
	start := time.Now()
	projects := generate(t, seed, int(n))
	stats := genStats(projects)
	t.Logf("seed %d: %d projects, %s, generated in %v", seed, n, stats, time.Since(start).Round(time.Millisecond))
	plain := plainIndex(t, projects)
	start = time.Now()
	srv, root := signedRepo(t, projects)
	t.Logf("signed repository in %v", time.Since(start).Round(time.Millisecond))

	for _, py := range pythons {
		t.Run(py.Version, func(t *testing.T) {
			var reqs []string
			for _, p := range projects {
				reqs = append(reqs, p.Requirement)
			}
			pip := pyfix.DryRunReport(t, py.Path, plain.URL, reqs, pyfix.DryRunOptions{
				Chunk: int(envInt(t, "TUFPIP_E2E_CHUNK", 8)),
				// The fixtures' sdists have a stdlib-only in-tree backend: an isolated
				// build environment would hold nothing and only cost time.
				Extra: append([]string{"--no-build-isolation"}, flags...),
			})
			t.Logf("pip %s: %d chosen, %d without a match, %d pip runs, %v (cpu %v)",
				py.PipVersion, len(pip.Chosen), len(pip.NoMatch), len(pip.Runs),
				pip.Elapsed.Round(time.Millisecond), pip.CPU().Round(time.Millisecond))
			checkPipSide(t, projects, pip)
			cov := choiceCoverage(projects, pip)
			t.Logf("pip's choices: %v", cov)
			if n >= 200 && seed == 458 && !pre {
				// The default run must keep exercising every rule; a generator change
				// that loses one should be noticed, not silently pass.
				for _, k := range coverageKinds {
					if cov[k] == 0 {
						t.Errorf("seed %d: no project where pip chose %s; the generator lost that case", seed, k)
					}
				}
			}
			got := runResolve(t, srv, root, py, reqs, flags)
			compareSides(t, seed, py, projects, pip, got)
		})
	}
}

func genStats(projects []genProject) string {
	var files, wheels, yanked, rp, unstable, foreign int
	for _, p := range projects {
		if p.Unstable {
			unstable++
		}
		for _, f := range p.Files {
			files++
			if f.Wheel {
				wheels++
			}
			if f.Yanked {
				yanked++
			}
			if f.RequiresPython != "" {
				rp++
			}
			if f.Foreign {
				foreign++
			}
		}
	}
	return fmt.Sprintf("%d files (%d wheels, %d sdists, %d yanked, %d with Requires-Python, %d of another project), %d projects signed by unstable",
		files, wheels, files-wheels, yanked, rp, foreign, unstable)
}

// checkPipSide makes sure pip answered about every project with one of its own files:
// a generator or fixture bug must not pass as a tufpip bug.
func checkPipSide(t *testing.T, projects []genProject, pip *pyfix.DryRun) {
	t.Helper()
	for _, p := range projects {
		key := simpleindex.NormalizeName(p.Name)
		c, chosen := pip.Chosen[key]
		if _, none := pip.NoMatch[key]; none == chosen {
			t.Errorf("%s: pip chose %v and reported no match %v", p.Requirement, chosen, none)
			continue
		}
		if !chosen {
			continue
		}
		found := false
		for _, f := range p.Files {
			if f.Filename == c.Filename {
				found = true
				sum := sha256.Sum256(f.Data)
				if c.SHA256 != "" && c.SHA256 != hex.EncodeToString(sum[:]) {
					t.Errorf("%s: pip's report hash %s is not the file's", c.Filename, c.SHA256)
				}
			}
		}
		if !found {
			t.Errorf("%s: pip chose %s, which is not one of the project's files", p.Requirement, c.Filename)
		}
	}
}

func runResolve(t *testing.T, srv *tuftest.Server, root string, py pyfix.Interpreter, reqs, flags []string) map[string]resolveResult {
	t.Helper()
	args := []string{"resolve", "--format", "json",
		"--metadata-url", srv.MetadataURL, "--targets-url", srv.TargetsURL, "--root", root,
		"--cache-dir", t.TempDir(), "--python", py.Path}
	args = append(args, flags...)
	start := time.Now()
	stdout, stderr, code, ps := execTufpip(t, nil, append(args, reqs...)...)
	t.Logf("tufpip resolve of %d requirements: exit %d, %v (cpu %v)", len(reqs), code,
		time.Since(start).Round(time.Millisecond), (ps.UserTime() + ps.SystemTime()).Round(time.Millisecond))
	if code != 0 && code != 4 {
		t.Fatalf("tufpip resolve: exit %d\nstderr:\n%s", code, stderr)
	}
	var out resolveJSON
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("tufpip resolve output is not the documented JSON: %v\n%s", err, stdout)
	}
	got := map[string]resolveResult{}
	for _, r := range out.Results {
		key := simpleindex.NormalizeName(r.Project)
		if r.Project == "" {
			key, _ = pyfix.RequirementProject(r.Requirement)
		}
		got[key] = r
	}
	return got
}

func compareSides(t *testing.T, seed int64, py pyfix.Interpreter, projects []genProject, pip *pyfix.DryRun, got map[string]resolveResult) {
	t.Helper()
	diffs := diffSides(projects, pip, got)
	if len(diffs) == 0 {
		return
	}
	const show = 15
	t.Errorf("python %s: tufpip and pip %s disagree on %d of %d projects (seed %d):",
		py.Version, py.PipVersion, len(diffs), len(projects), seed)
	for i, d := range diffs {
		if i == show {
			t.Errorf("... and %d more", len(diffs)-show)
			break
		}
		t.Error(d)
	}
}

// diffSides lists every project where tufpip's answer is not pip's: another file, a file
// where pip found none (or the reverse), a no-match without version null and an error,
// the wrong vouching role, or file details (sha256, size, target path, version) that do
// not describe the chosen file.
func diffSides(projects []genProject, pip *pyfix.DryRun, got map[string]resolveResult) []string {
	var diffs []string
	for _, p := range projects {
		key := simpleindex.NormalizeName(p.Name)
		r, ok := got[key]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("%s: tufpip printed no result", p.Requirement))
			continue
		}
		want := ""
		if c, ok := pip.Chosen[key]; ok {
			want = c.Filename
		}
		have := ""
		if r.File != nil {
			have = r.File.Filename
		}
		role := tuftest.Stable
		if p.Unstable {
			role = tuftest.Unstable
		}
		switch {
		case want != have:
			diffs = append(diffs, describeDiff(p, want, have, r))
		case have == "" && (r.Version != nil || r.Error == ""):
			diffs = append(diffs, fmt.Sprintf("%s: no match should give version null and an error, got %+v", p.Requirement, r))
		case have != "" && r.Role != role:
			diffs = append(diffs, fmt.Sprintf("%s: role %q, want %q", p.Requirement, r.Role, role))
		case have != "" && r.File.SHA256 != fileSHA256(p, have):
			diffs = append(diffs, fmt.Sprintf("%s: sha256 %s is not the file's", p.Requirement, r.File.SHA256))
		case have != "" && (r.File.Size != fileSize(p, have) || r.File.TargetPath != "packages/"+have):
			diffs = append(diffs, fmt.Sprintf("%s: size %d and targetPath %q, want %d and %q", p.Requirement,
				r.File.Size, r.File.TargetPath, fileSize(p, have), "packages/"+have))
		case have != "" && (r.Version == nil || *r.Version == ""):
			diffs = append(diffs, fmt.Sprintf("%s: %s chosen without a version", p.Requirement, have))
		}
	}
	return diffs
}

func fileSHA256(p genProject, filename string) string {
	for _, f := range p.Files {
		if f.Filename == filename {
			sum := sha256.Sum256(f.Data)
			return hex.EncodeToString(sum[:])
		}
	}
	return ""
}

func fileSize(p genProject, filename string) int64 {
	for _, f := range p.Files {
		if f.Filename == filename {
			return int64(len(f.Data))
		}
	}
	return -1
}

func describeDiff(p genProject, want, have string, r resolveResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: pip chose %q, tufpip chose %q", p.Requirement, orNone(want), orNone(have))
	if r.Error != "" {
		fmt.Fprintf(&b, " (error: %s)", r.Error)
	}
	b.WriteString("\n  page:")
	for _, f := range p.Files {
		fmt.Fprintf(&b, "\n    %s", f.Filename)
		if f.RequiresPython != "" {
			fmt.Fprintf(&b, " requires-python=%q", f.RequiresPython)
		}
		if f.Yanked {
			b.WriteString(" yanked")
		}
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(&b, "\n  tufpip skipped %s: %s", s.Filename, s.Reason)
	}
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "nothing"
	}
	return s
}

var coverageKinds = []string{"wheel", "sdist", "no match", "yanked", "pre-release", "local version",
	"epoch", "build tag", "platform wheel", "Requires-Python", "unstable", "v prefix", "invalid Requires-Python"}

// choiceCoverage counts pip's choices by the rules they exercise.
func choiceCoverage(projects []genProject, pip *pyfix.DryRun) map[string]int {
	cov := map[string]int{}
	for _, p := range projects {
		key := simpleindex.NormalizeName(p.Name)
		if _, none := pip.NoMatch[key]; none {
			cov["no match"]++
			continue
		}
		c := pip.Chosen[key]
		for _, f := range p.Files {
			if f.Filename != c.Filename {
				continue
			}
			kinds := map[string]bool{"wheel": f.Wheel, "sdist": !f.Wheel, "yanked": f.Yanked,
				"pre-release": f.Pre, "local version": f.Local, "epoch": f.Epoch, "build tag": f.Build != "",
				"platform wheel":  f.Wheel && !strings.HasSuffix(f.Tag, "-any"),
				"Requires-Python": f.RequiresPython != "", "unstable": p.Unstable, "v prefix": f.VPrefix,
				"invalid Requires-Python": slices.Contains(invalidRequiresPython, f.RequiresPython)}
			for k, ok := range kinds {
				if ok {
					cov[k]++
				}
			}
		}
	}
	return cov
}
