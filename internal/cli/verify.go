package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/tufpip/tufpip/pkg/finder"
	"github.com/tufpip/tufpip/pkg/lockcheck"
	"github.com/tufpip/tufpip/pkg/lockfile"
	"github.com/tufpip/tufpip/pkg/tuf"
)

func init() { register(newVerifyCmd) }

type verifyOptions struct {
	requireRole string
	parallel    int
	summary     string
}

func newVerifyCmd(app *App) *cobra.Command {
	var o verifyOptions
	cmd := &cobra.Command{
		Use:   "verify LOCKFILE...",
		Short: "check that every file a lockfile pins is one the repository vouches for",
		Long: `verify reads requirements files (pip-tools --generate-hashes), PEP 751 pylock.toml,
uv.lock, poetry.lock and Pipfile.lock files, and checks every pinned hash, and the filename
and size where the format records them, against the files the TUF repository vouches for.
Entries for other platforms are checked too: an environment marker exempts nothing. Run it
in CI before installing.

It exits 0 only when every entry passes (the project's own source tree is reported as local
and skipped); 3 when a hash, filename or size is not a trusted file's, an entry is not
pinned, has no (strong) hash, is yanked, or comes from a VCS, a direct URL or a local
archive whatever its hash, or the --require-role policy fails; 4 when only projects or
versions are missing; 1 when a lockfile cannot be read (with file:line) or has no entries,
or the repository cannot be reached.`,
		Example: `  tufpip verify requirements.txt
  tufpip verify pylock.toml uv.lock --require-role stable
  tufpip verify requirements.txt --format github   # GitHub Actions annotations
  tufpip verify uv.lock --format sarif > tufpip.sarif  # code scanning
  tufpip verify poetry.lock --summary summary.md     # Markdown table (default: $GITHUB_STEP_SUMMARY)`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerify(cmd.Context(), app, o, args)
		},
	}
	cmd.Flags().StringVar(&o.requireRole, "require-role", "", "accept only files vouched for by this role (e.g. stable)")
	cmd.Flags().IntVar(&o.parallel, "parallel", defaultParallel, "pages fetched at once")
	cmd.Flags().StringVar(&o.summary, "summary", "", "append a Markdown table of the run to FILE (default: $GITHUB_STEP_SUMMARY when set)")
	return cmd
}

// regenerateHint is the advice for a lockfile that cannot be read, in its tool's words.
func regenerateHint(f lockfile.Format) string {
	switch f {
	case lockfile.FormatPoetry:
		return "fix the lockfile or regenerate it with poetry lock; or verify an export: poetry export --with-hashes -o requirements.txt"
	case lockfile.FormatPipfile:
		return "fix the lockfile or regenerate it with pipenv lock; or verify an export: pipenv requirements --hash > requirements.txt"
	case lockfile.FormatUvLock:
		return "fix the lockfile or regenerate it with uv lock"
	}
	return "fix the lockfile, or regenerate it"
}

// verifyEntry is one line of verify --format json.
type verifyEntry struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Name     string `json:"name"`
	Version  string `json:"version,omitempty"`
	Filename string `json:"filename,omitempty"`
	lockcheck.Result
}

func runVerify(ctx context.Context, app *App, o verifyOptions, paths []string) error {
	oneShotGC()
	var entries []lockfile.Entry
	for _, p := range paths {
		if err := checkTextFile(p); err != nil {
			return err
		}
		if err := lockfile.CheckSupported(p); err != nil {
			return err
		}
		lf, err := lockfile.Load(p)
		if pe := (*lockfile.ParseError)(nil); errors.As(err, &pe) {
			return withHint(err, regenerateHint(lockfile.DetectFormat(p)))
		} else if err != nil {
			return err
		}
		before := len(entries)
		for _, e := range lf.Entries {
			// A constraint restricts versions and installs nothing by itself: a range or a
			// pin without hashes is fine. One that pins hashes is checked like a
			// requirement, since pip may take a dependency's hashes from it.
			if !e.Constraint || lockcheck.NeedsProject(e) {
				entries = append(entries, e)
			}
		}
		if len(entries) == before {
			// An empty lock (or one of unpinned constraints only) checks nothing, so it
			// would pass: it is a failed export or the wrong file, and a CI gate must not
			// turn green on it.
			return withHint(errorf("%s: no entries: the lockfile pins nothing to verify", p),
				"point tufpip verify at the lockfile your tool writes, or regenerate it")
		}
	}
	// The explanation of versions only lower-precedence roles signed costs a page fetch per
	// role: it is read only for the projects of entries that fail (see explainer).
	sess, err := app.openSession(ctx, o.requireRole, false)
	if err != nil {
		return err
	}
	var projects []string
	for _, e := range entries {
		if lockcheck.NeedsProject(e) {
			projects = append(projects, lockcheck.Project(e))
		}
	}
	_ = sess.finder.Prefetch(ctx, projects, o.parallel) // failures are reported per entry
	ex := &explainer{app: app, sess: sess, role: o.requireRole}

	results := []verifyEntry{}
	failed := map[lockcheck.Status]int{}
	verification := false
	for _, e := range entries {
		var res lockcheck.Result
		if lockcheck.NeedsProject(e) {
			proj, perr := sess.finder.Project(ctx, lockcheck.Project(e))
			if ctx.Err() != nil {
				return ctx.Err()
			}
			res = lockcheck.Check(e, proj, perr, o.requireRole)
			if res.Status == lockcheck.NotFound || res.Status == lockcheck.HashNotTrusted {
				res = ex.recheck(ctx, e, res)
			}
		} else {
			res = lockcheck.Check(e, nil, nil, o.requireRole)
		}
		if !res.Passed() {
			failed[res.Status]++
			verification = verification || tuf.IsVerification(res.Err)
		}
		results = append(results, verifyEntry{File: e.Pos.File, Line: e.Pos.Line, Name: e.Name, Version: e.Version, Filename: e.Filename, Result: res})
	}
	if err := printVerify(app, results); err != nil {
		return err
	}
	if p := summaryPath(app, o.summary); p != "" {
		if err := writeSummary(p, paths, results); err != nil {
			return withHint(err, "check the --summary path (or $GITHUB_STEP_SUMMARY)")
		}
	}
	return verifyOutcome(results, failed, verification)
}

// explainer re-checks a failed entry against a view that also reads the pages of
// lower-precedence roles, so the verdict can name the role that signed a version the
// policy's page leaves out. It is built on first use and shares the run's TUF client
// (pages already fetched come from its cache).
type explainer struct {
	app  *App
	sess *session
	role string
	f    *finder.Finder
	err  error
}

func (x *explainer) recheck(ctx context.Context, e lockfile.Entry, res lockcheck.Result) lockcheck.Result {
	if x.f == nil && x.err == nil {
		s := x.sess.settings
		x.f, x.err = finder.New(s.finderConfig(x.sess.client, x.role, true, x.app.Logger))
	}
	if x.err != nil {
		return res
	}
	proj, err := x.f.Project(ctx, lockcheck.Project(e))
	if err != nil {
		return res // the first verdict stands; the explanation is a courtesy
	}
	// The explanation only adds skipped versions to the same trusted set: it may name a role,
	// never turn a failure into a pass.
	if again := lockcheck.Check(e, proj, nil, x.role); !again.Passed() {
		return again
	}
	return res
}

func printVerify(app *App, results []verifyEntry) error {
	w := app.out()
	switch app.flags.format {
	case "json":
		ok := true
		for _, r := range results {
			ok = ok && r.Passed()
		}
		return printJSON(w, struct {
			OK      bool          `json:"ok"`
			Entries []verifyEntry `json:"entries"`
		}{ok, results})
	case "sarif":
		return writeSARIF(w, results)
	case "github":
		for _, r := range results {
			if !r.Passed() {
				msg := r.Reason
				if r.Hint != "" {
					msg += " (" + r.Hint + ")"
				}
				fmt.Fprintf(w, "::error file=%s,line=%d,title=tufpip verify::%s\n", ghEscapeProp(safeText(r.File, false)), r.Line, ghEscape(safeText(msg, false)))
			}
		}
		return nil
	}
	// Names, filenames and reasons come from the lockfile and from signed pages: a terminal
	// must show them, not act on them.
	for _, r := range results {
		where := safeText(fmt.Sprintf("%s:%d", r.File, r.Line), false)
		switch r.Status {
		case lockcheck.OK:
			fmt.Fprintf(w, "ok    %s  %s\n", where, safeText(fmt.Sprintf("%s (%s: %s)", name(r), r.Role, strings.Join(r.Files, ", ")), false))
			continue
		case lockcheck.Local:
			fmt.Fprintf(w, "skip  %s  %s\n", where, safeText(r.Reason, false))
			continue
		}
		fmt.Fprintf(w, "FAIL  %s  %s\n", where, safeText(r.Reason, false))
		if r.Hint != "" {
			fmt.Fprintf(w, "      hint: %s\n", safeText(r.Hint, false))
		}
	}
	return nil
}

func name(r verifyEntry) string {
	if r.Version != "" {
		return r.Name + "==" + r.Version
	}
	return r.Name
}

// verifyOutcome is the exit status: 3 for anything that is not trusted (a page that fails
// verification included), 4 when the only failures are projects or versions the repository
// does not have, 1 when a project could not be checked at all (network).
func verifyOutcome(results []verifyEntry, failed map[lockcheck.Status]int, verification bool) error {
	total := 0
	for _, n := range failed {
		total += n
	}
	if total == 0 {
		return nil
	}
	verb := "are"
	if total == 1 {
		verb = "is"
	}
	msg := fmt.Sprintf("%d of %s %s not vouched for by the repository", total, plural(len(results), "lockfile entry", "lockfile entries"), verb)
	switch {
	case verification, failed[lockcheck.HashNotTrusted]+failed[lockcheck.RolePolicy]+failed[lockcheck.NotPinned]+failed[lockcheck.Yanked]+failed[lockcheck.Unverifiable] > 0:
		return withCode(ExitVerification, errorf("%s", msg))
	case failed[lockcheck.Error] > 0:
		return withCode(ExitError, errorf("%s", msg))
	}
	return withCode(ExitNoMatch, errorf("%s", msg))
}

// GitHub workflow commands: data and properties have their own escapes.
func ghEscape(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghEscapeProp(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
