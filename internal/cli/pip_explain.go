package cli

import (
	"context"
	"errors"
	"os/exec"
	"strings"

	"github.com/tufpip/tufpip/pkg/finder"
	"github.com/tufpip/tufpip/pkg/resolve"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// After pip fails, tufpip says what pip could not: that the interpreter has no pip at all,
// or which versions of the requested projects the trusted set left out (pip only prints
// "from versions: 1.0", the versions it was offered).

// maxExplained bounds how many projects are explained after a failure.
const maxExplained = 10

// hintNoPip prints a hint when python cannot import pip (a venv made by uv has none).
func hintNoPip(ctx context.Context, app *App, python string) bool {
	cmd := exec.CommandContext(ctx, python, "-c", "import importlib.util, sys; sys.exit(importlib.util.find_spec('pip') is None)")
	var xe *exec.ExitError
	if err := cmd.Run(); !errors.As(err, &xe) || xe.ExitCode() != 1 {
		return false
	}
	app.hint("%s has no pip: install it with %s -m ensurepip, or use tufpip uv", python, python)
	return true
}

// explainProjects prints, for each requested project, the versions the trusted set holds
// and those only a lower-precedence role signed, when there are any.
func explainProjects(ctx context.Context, app *App, s *repoSettings, requireRole string, projects []string) {
	sess, err := app.openSessionWith(ctx, s, requireRole, true)
	if err != nil {
		app.Logger.Debug("no explanation after pip's failure", "error", err)
		return
	}
	seen := map[string]bool{}
	for _, p := range projects {
		n := simpleindex.NormalizeName(p)
		if n == "" || seen[n] || len(seen) >= maxExplained {
			continue
		}
		seen[n] = true
		proj, err := sess.finder.Project(ctx, n)
		var np *finder.NoPageError
		switch {
		case errors.As(err, &np):
			app.hint("%s: the TUF repository vouches for no page of this project", n)
			continue
		case err != nil:
			continue
		}
		var trusted, others []string
		has := map[string]bool{}
		for _, f := range proj.Files {
			if v := f.Dist.Version.String(); !has[v] {
				has[v] = true
				trusted = append(trusted, v)
			}
		}
		for _, s := range proj.Skipped {
			if s.Version != "" && !has[s.Version] && s.Kind == resolve.SkipLowerRole && s.Required == "" {
				has[s.Version] = true
				others = append(others, s.Version+" ("+s.Reason+")")
			}
		}
		if len(others) == 0 {
			continue
		}
		role := proj.Page.Role
		if len(trusted) == 0 {
			trusted = []string{"none"}
		}
		app.hint("%s: pip was offered what %s vouches for: %s; left out: %s (see tufpip resolve %s)",
			n, role, strings.Join(trusted, ", "), strings.Join(others, ", "), n)
	}
}
