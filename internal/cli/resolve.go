package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/spf13/cobra"
	"github.com/tufpip/tufpip/pkg/finder"
	"github.com/tufpip/tufpip/pkg/pep440"
	"github.com/tufpip/tufpip/pkg/resolve"
)

func init() { register(newResolveCmd) }

type resolveOptions struct {
	target   targetFlags
	files    []string
	download string
	parallel int
}

func newResolveCmd(app *App) *cobra.Command {
	var o resolveOptions
	cmd := &cobra.Command{
		Use:   "resolve REQUIREMENT... [-r FILE] [--download DIR]",
		Short: "choose the file pip would choose, from the trusted set only",
		Long: `resolve picks, for each requirement, the distribution file pip would pick, among the files
the TUF repository vouches for. The project's page comes from the first role in delegation
order that signed it (stable before unstable); files that are not trusted, and versions that
only a lower-precedence role signed, are reported as skipped with the reason. No pip is run;
the target interpreter (--python, default python3) is asked only for its tags and markers.`,
		Example: `  tufpip resolve 'FooBar==2.0.*'
  tufpip resolve -r requirements.txt --format json
  tufpip resolve 'FooBar>=2' --require-role stable --download wheels/
  tufpip resolve numpy --python-version 3.12 --platform manylinux2014_x86_64`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runResolve(cmd.Context(), app, o, args)
		},
	}
	f := cmd.Flags()
	o.target.register(f)
	f.StringArrayVarP(&o.files, "requirement", "r", nil, "read requirements from FILE (repeatable)")
	f.StringVarP(&o.download, "download", "d", "", "download the chosen files into DIR, verified")
	f.IntVar(&o.parallel, "parallel", defaultParallel, "pages fetched at once")
	return cmd
}

// oneShotGC lets a one-shot command (resolve, verify) run without collecting until its heap
// reaches oneShotHeap, where the memory limit makes the collector work as usual: a run holds
// an 8,000-target role and its page for well under a second, and the default pacing spent a
// sixth of it collecting. Long-running commands (serve) keep the default.
func oneShotGC() {
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(oneShotHeap)
}

// oneShotHeap is the heap a one-shot command grows to before it collects at all.
const oneShotHeap = 256 << 20

// defaultParallel is how many pages are fetched at once unless --parallel says otherwise.
// It stays below the listen backlog of 5 of Python's http.server, the static server many
// mirrors and tests use: 8 simultaneous connections to it overflowed the backlog, and each
// dropped SYN cost a one-second retransmit. On loopback and over HTTP/2 or keep-alive, more
// would not be faster: the pages are verified on the same cores.
const defaultParallel = 4

// resolveResult is one element of resolve --format json (docs/design.md).
type resolveResult struct {
	Requirement string         `json:"requirement"`
	Project     string         `json:"project"`
	Version     *string        `json:"version"`
	Role        string         `json:"role,omitempty"`
	File        *resolvedFile  `json:"file"`
	Skipped     []resolve.Skip `json:"skipped"`
	Warnings    []string       `json:"warnings,omitempty"`
	Ignored     string         `json:"ignored,omitempty"`
	Error       string         `json:"error,omitempty"`

	chosen *finder.File
	err    error
}

type resolvedFile struct {
	Filename   string `json:"filename"`
	URL        string `json:"url"`
	TargetPath string `json:"targetPath"`
	SHA256     string `json:"sha256"`
	Size       int64  `json:"size"`
	Path       string `json:"path,omitempty"` // where --download put it
}

func runResolve(ctx context.Context, app *App, o resolveOptions, args []string) error {
	oneShotGC()
	reqs, err := readRequirements(args, o.files)
	if err != nil {
		return err
	}
	// The interpreter is probed (on a cache miss) while the repository refreshes.
	type envResult struct {
		env *resolve.Environment
		err error
	}
	envc := make(chan envResult, 1)
	go func() {
		env, err := o.target.environment(ctx, app.factsDir())
		envc <- envResult{env, err}
	}()
	sess, err := app.openSession(ctx, o.target.requireRole, true)
	if err == nil {
		// The pages and the roles that vouch for them do not depend on the interpreter: they
		// are read while a cold probe (a Python process) may still be running.
		var names []string
		for _, r := range reqs {
			names = append(names, r.req.Project)
		}
		_ = sess.finder.Prefetch(ctx, names, o.parallel) // errors are reported per requirement below
	}
	r := <-envc
	if r.err != nil {
		return r.err
	}
	env := r.env
	if len(env.Tags) > 0 {
		app.Logger.Debug("target environment", "python", env.PythonFullVersion, "tags", len(env.Tags), "best-tag", env.Tags[0].String())
	}
	if err != nil {
		return err
	}
	results := make([]*resolveResult, 0, len(reqs))
	for _, r := range reqs {
		results = append(results, resolveOne(ctx, sess, r, env, o.target.options()))
	}
	if checkPinnedHashes(reqs, results) && o.download != "" {
		downloadChosen(ctx, app, sess, results, o.download)
	}
	if err := printResolve(app, results); err != nil {
		return err
	}
	err = combineErrors(results)
	if err != nil && app.flags.format != "json" {
		// The text output has printed each failure with its skipped files already.
		err = &exitError{code: exitCode(err), err: &reportedError{err}, hint: hintFor(err)}
	}
	return err
}

func resolveOne(ctx context.Context, sess *session, r requirementArg, env *resolve.Environment, opts resolve.Options) *resolveResult {
	res := &resolveResult{Requirement: r.req.Raw, Project: r.req.Project, Skipped: []resolve.Skip{}}
	if ok, err := r.req.Applies(env.Markers, nil); err != nil {
		res.err = fmt.Errorf("%s: %w", r.origin, err)
		return res
	} else if !ok {
		res.Ignored = "marker " + r.req.Marker + " does not hold for the target environment"
		return res
	}
	proj, err := sess.finder.Project(ctx, r.req.Project)
	if err != nil {
		res.err = err
		return res
	}
	if proj.Page != nil {
		sess.log.Debug("project page", "project", proj.Name, "path", proj.Page.Path, "role", proj.Page.Role, "files", len(proj.Files), "skipped", len(proj.Skipped))
	}
	res.Warnings = append(res.Warnings, proj.Warnings...)
	sel := resolve.Select(r.req, candidatesFor(r.req, proj), env, opts)
	res.Skipped = append(append(res.Skipped, couldMatch(r.req, proj.Skipped)...), couldMatch(r.req, sel.Skipped)...)
	res.Warnings = append(res.Warnings, sel.Warnings...)
	if sel.Best == nil {
		msg := fmt.Sprintf("no trusted distribution satisfies %s", r.req.Raw)
		if r.origin != "command line" {
			msg = r.origin + ": " + msg
		}
		res.err = errNoMatch{msg: msg}
		return res
	}
	chosen := proj.File(sel.Best.File.Filename)
	v := sel.Best.Dist.Version.String()
	res.Version, res.Role, res.chosen = &v, sel.Best.Role, chosen
	res.File = &resolvedFile{
		Filename: chosen.File.Filename, URL: chosen.File.URL, TargetPath: chosen.TargetPath,
		SHA256: chosen.Target.Hashes["sha256"], Size: chosen.Target.Length,
	}
	return res
}

// candidatesFor is proj.Candidates() without the files whose version the requirement's
// specifier admits under no circumstances (not even as a pre-release): Select would skip each
// as not matching, and couldMatch drops such skips from the report, so neither the choice nor
// what is shown changes. The specifier's filter decides about pre-releases one version at a
// time (pep440.Specifiers.Filter), so the files kept are chosen from exactly as before; an
// 8,000-file project's selection for bigproj==17.* looks at its 200 files of 17.*.
func candidatesFor(req resolve.Requirement, proj *finder.Project) []resolve.Candidate {
	project := req.Project
	if project == "" || req.Specifier.Len() == 0 {
		return proj.Candidates()
	}
	out := make([]resolve.Candidate, 0, min(len(proj.Files), 64))
	for _, f := range proj.Files {
		// A file Select would read again (its name parsed for another project) is kept as is.
		if f.Dist.Filename == f.File.Filename && f.Dist.Project == project && !req.Specifier.Contains(f.Dist.Version, true) {
			continue
		}
		out = append(out, f.Candidate)
	}
	return out
}

// couldMatch keeps the skipped files whose version the requirement's specifier admits
// (pre-releases included): "2.0.1: signed only by unstable" explains a choice under
// FooBar==2.0.*, and is noise under FooBar==1.0. A file without a readable version stays.
func couldMatch(req resolve.Requirement, skipped []resolve.Skip) []resolve.Skip {
	var out []resolve.Skip
	for _, s := range skipped {
		if v, err := pep440.Parse(s.Version); err == nil && !req.Specifier.Contains(v, true) {
			continue
		}
		out = append(out, s)
	}
	return out
}

func downloadChosen(ctx context.Context, app *App, sess *session, results []*resolveResult, dir string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		for _, r := range results {
			if r.chosen != nil {
				r.err = err
			}
		}
		return
	}
	done := map[string]string{}
	for _, r := range results {
		if r.chosen == nil {
			continue
		}
		dest := filepath.Join(dir, r.chosen.File.Filename)
		if prev, ok := done[dest]; ok {
			r.File.Path = prev
			continue
		}
		if err := app.download(ctx, sess, r.chosen, dest); err != nil {
			r.err = err
			continue
		}
		done[dest] = dest
		r.File.Path = dest
	}
}

func printResolve(app *App, results []*resolveResult) error {
	for _, r := range results {
		if r.err != nil {
			r.Error = r.err.Error()
		}
	}
	if app.flags.format == "json" {
		ok := true
		for _, r := range results {
			ok = ok && r.err == nil
		}
		return printJSON(app.out(), struct {
			OK      bool             `json:"ok"`
			Results []*resolveResult `json:"results"`
		}{ok, results})
	}
	for _, r := range results {
		// A requirement's skipped files are printed under it, on its stream: stdout for a
		// choice, stderr for a failure.
		w := app.out()
		switch {
		case r.err != nil:
			w = app.IO.ErrOut
			writeErrorLine(w, r.Error, app.color)
		case r.Ignored != "":
			fmt.Fprintf(w, "%s: ignored (%s)\n", safeText(r.Requirement, false), safeText(r.Ignored, false))
		case r.File != nil:
			fmt.Fprintf(w, "%s: %s %s from %s, vouched for by %s\n", safeText(r.Requirement, false), r.Project, *r.Version, safeText(r.File.Filename, false), r.Role)
			if r.File.Path != "" {
				fmt.Fprintf(w, "  saved %s\n", r.File.Path)
			}
		}
		for _, s := range r.Skipped {
			if app.flags.verbose || s.Kind.Trust() {
				fmt.Fprintf(w, "  skipped %s: %s\n", safeText(s.Filename, false), safeText(s.Reason, false))
			}
		}
		for _, msg := range r.Warnings {
			app.Logger.Warn(msg)
		}
	}
	return nil
}

// combineErrors reports every failed requirement and returns the most serious exit code:
// a verification failure, then any other error, then "no match".
func combineErrors(results []*resolveResult) error {
	var worst error
	rank := func(err error) int {
		switch exitCode(err) {
		case ExitVerification:
			return 3
		case ExitNoMatch:
			return 1
		}
		return 2
	}
	var all []error
	for _, r := range results {
		if r.err == nil {
			continue
		}
		all = append(all, r.err)
		if worst == nil || rank(r.err) > rank(worst) {
			worst = r.err
		}
	}
	if worst == nil {
		return nil
	}
	if len(all) == 1 {
		return worst
	}
	return &exitError{code: exitCode(worst), err: errors.Join(all...), hint: hintFor(worst)}
}
