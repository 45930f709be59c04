package pyfix

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// Choice is the file pip chose for one project in a dry run.
type Choice struct {
	Project  string // normalised
	Version  string // the version pip read from the file's metadata
	Filename string
	URL      string
	SHA256   string // from the report's archive_info, "" when pip did not record one
}

// DryRun is the outcome of resolving many independent requirements with pip.
type DryRun struct {
	Chosen  map[string]Choice // normalised project -> pip's choice
	NoMatch map[string]string // normalised project -> pip's "No matching distribution" line
	Runs    []*Result         // every pip run, in order
	Elapsed time.Duration
}

// CPU is the processor time all runs took: a fairer measure than Elapsed on a busy machine.
func (d *DryRun) CPU() time.Duration {
	var sum time.Duration
	for _, r := range d.Runs {
		sum += r.CPU
	}
	return sum
}

var (
	noMatchRE = regexp.MustCompile(`(?m)^ERROR: No matching distribution found for (\S+.*)$`)
	reqNameRE = regexp.MustCompile(`^\s*([A-Za-z0-9][A-Za-z0-9._-]*)`)
)

// RequirementProject is the normalised project a requirement string names.
func RequirementProject(req string) (string, error) {
	m := reqNameRE.FindStringSubmatch(req)
	if m == nil {
		return "", fmt.Errorf("requirement %q does not start with a project name", req)
	}
	return simpleindex.NormalizeName(strings.TrimRight(m[1], "._-")), nil
}

// pipReport is the subset of pip's installation report (pip >= 22.2) the fixtures read.
type pipReport struct {
	Version string `json:"version"`
	Install []struct {
		DownloadInfo struct {
			URL         string `json:"url"`
			ArchiveInfo struct {
				Hashes map[string]string `json:"hashes"`
			} `json:"archive_info"`
		} `json:"download_info"`
		Metadata struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"metadata"`
	} `json:"install"`
}

// DryRunOptions tune InstallDryRunReport.
type DryRunOptions struct {
	// Extra arguments for pip, placed before the requirements ("--pre", "--only-binary=:all:").
	Extra []string
	// Chunk is how many requirements go into one pip run; 0 means all of them. pip stops
	// at the first requirement nothing satisfies, and every rerun repeats the work for the
	// requirements before it, so with many unsatisfiable requirements small chunks win.
	Chunk int
}

// InstallDryRunReport asks python's pip which file it would install for each requirement:
// "pip install --dry-run --ignore-installed --no-deps --report FILE --index-url URL REQS...".
// The requirements must name distinct projects. pip stops at the first requirement that
// nothing satisfies ("No matching distribution found for X"): X is recorded in NoMatch and
// the run repeated without it, so a chunk with k unsatisfiable requirements costs k+1
// runs. The runs are forked from one warm pip (see PipServer), or plain "python -m pip"
// runs when that cannot start.
func InstallDryRunReport(ctx context.Context, python, indexURL string, reqs []string, opts DryRunOptions) (*DryRun, error) {
	start := time.Now()
	out := &DryRun{Chosen: map[string]Choice{}, NoMatch: map[string]string{}}
	byProject := map[string]string{}
	for _, r := range reqs {
		p, err := RequirementProject(r)
		if err != nil {
			return nil, err
		}
		if prev, dup := byProject[p]; dup {
			return nil, fmt.Errorf("requirements %q and %q name the same project %s", prev, r, p)
		}
		byProject[p] = r
	}
	dir, err := os.MkdirTemp("", "pyfix-report-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	run := func(ctx context.Context, args ...string) (*Result, error) { return RunPip(ctx, python, args...) }
	if srv, err := StartPipServer(ctx, python); err == nil {
		defer srv.Close()
		run = srv.Run
	}
	chunk := opts.Chunk
	if chunk <= 0 {
		chunk = len(reqs)
	}
	for lo := 0; lo < len(reqs); lo += chunk {
		hi := min(lo+chunk, len(reqs))
		if err := dryRunChunk(ctx, run, dir, indexURL, reqs[lo:hi], opts.Extra, byProject, out); err != nil {
			return out, err
		}
	}
	for p := range byProject {
		_, chosen := out.Chosen[p]
		_, none := out.NoMatch[p]
		if !chosen && !none {
			return out, fmt.Errorf("pip dry run: the report says nothing about %s", p)
		}
	}
	out.Elapsed = time.Since(start)
	return out, nil
}

type runFunc func(ctx context.Context, args ...string) (*Result, error)

func dryRunChunk(ctx context.Context, run runFunc, dir, indexURL string, reqs, extra []string, byProject map[string]string, out *DryRun) error {
	remaining := append([]string(nil), reqs...)
	for i := 0; len(remaining) > 0; i++ {
		if i > len(reqs) {
			return fmt.Errorf("pip dry run: no progress after %d runs", i)
		}
		reportPath := filepath.Join(dir, fmt.Sprintf("report-%d.json", len(out.Runs)))
		args := []string{"install", "--dry-run", "--ignore-installed", "--no-deps", "--quiet",
			"--report", reportPath, "--index-url", indexURL}
		args = append(args, extra...)
		args = append(args, remaining...)
		res, err := run(ctx, args...)
		if res != nil {
			out.Runs = append(out.Runs, res)
		}
		if err != nil {
			return err
		}
		if res.Code == 0 {
			return readReport(reportPath, out)
		}
		m := noMatchRE.FindStringSubmatch(res.Stderr)
		if m == nil {
			return fmt.Errorf("pip dry run failed without naming an unsatisfiable requirement:\n%s", res)
		}
		project, err := RequirementProject(m[1])
		if err != nil {
			return fmt.Errorf("pip dry run: %w", err)
		}
		if _, ok := byProject[project]; !ok {
			return fmt.Errorf("pip dry run: pip names %q, which is not one of the requirements:\n%s", m[1], res)
		}
		out.NoMatch[project] = strings.TrimSpace(m[0])
		next := remaining[:0:0]
		for _, r := range remaining {
			if p, _ := RequirementProject(r); p != project {
				next = append(next, r)
			}
		}
		if len(next) == len(remaining) {
			return fmt.Errorf("pip dry run: %s failed again after removing it:\n%s", project, res)
		}
		remaining = next
	}
	return nil
}

func readReport(reportPath string, out *DryRun) error {
	data, err := os.ReadFile(reportPath)
	if err != nil {
		return fmt.Errorf("pip dry run report: %w", err)
	}
	var rep pipReport
	if err := json.Unmarshal(data, &rep); err != nil {
		return fmt.Errorf("pip dry run report %s: %w", reportPath, err)
	}
	for _, in := range rep.Install {
		c := Choice{
			Project: simpleindex.NormalizeName(in.Metadata.Name),
			Version: in.Metadata.Version,
			URL:     in.DownloadInfo.URL,
			SHA256:  in.DownloadInfo.ArchiveInfo.Hashes["sha256"],
		}
		if u, err := url.Parse(c.URL); err == nil {
			c.Filename = path.Base(u.Path)
		}
		out.Chosen[c.Project] = c
	}
	return nil
}

// DryRunReport is InstallDryRunReport for tests: it fails the test when pip cannot
// produce an answer.
func DryRunReport(t testing.TB, python, indexURL string, reqs []string, opts DryRunOptions) *DryRun {
	t.Helper()
	ctx, cancel := testContext(t)
	defer cancel()
	d, err := InstallDryRunReport(ctx, python, indexURL, reqs, opts)
	if err != nil {
		t.Fatalf("pyfix: %v", err)
	}
	t.Logf("pyfix: pip dry run of %d requirements: %d runs, %v (cpu %v)", len(reqs), len(d.Runs),
		d.Elapsed.Round(time.Millisecond), d.CPU().Round(time.Millisecond))
	return d
}
