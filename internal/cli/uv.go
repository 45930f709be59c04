package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/tufpip/tufpip/internal/guard"
)

// tufpip uv: uv with tufpip's verifying index as its only index. uv reaches the index
// through tufpip's refusing proxy under a fixed name (guard.UvIndexURL), so that what uv records
// in uv.lock does not change from run to run, and it can reach nothing else; its cache is
// private to tufpip (a file uv cached from another index is never offered).

func init() { register(newUvCmd) }

type uvRunOptions struct {
	uv          string
	requireRole string
	help        bool
	args        []string
}

func (o *uvRunOptions) flags(app *App) *pflag.FlagSet {
	f := pflag.NewFlagSet("tufpip", pflag.ContinueOnError)
	f.StringVar(&o.uv, "uv", "", "the uv to run (default: uv on PATH)")
	f.StringVar(&o.requireRole, "require-role", "", "offer uv only files vouched for by this role (e.g. stable)")
	repoFlags(f, app)
	f.BoolVarP(&o.help, "help", "h", false, "show this help (uv's own: tufpip uv -- --help)")
	f.SortFlags = false
	return f
}

const uvRules = `

tufpip's options come first, uv's after "--" (or from the first argument that is not one
of tufpip's options). uv's output and exit code pass through. A file the index refused
is named on stderr after uv exits, and tufpip then exits 3.

uv runs with UV_DEFAULT_INDEX=` + guard.UvIndexURL + ` (tufpip's index, reached through
tufpip's proxy: uv can reach nothing else), UV_NO_CONFIG=1, its cache in tufpip's cache
folder, and no Python downloads. uv.lock files record ` + guard.UvIndexURL + `.

No way around the checks. tufpip refuses (exit 2, naming the option, variable or file:line):
  --index, --index-url, --extra-index-url, --default-index, --find-links, --allow-insecure-host,
  --no-verify-hashes, --config-file, --cache-dir, -e/--editable, Python download mirrors
  UV_INDEX*, UV_*_URL, UV_DEFAULT_INDEX, UV_FIND_LINKS, UV_INSECURE_HOST, UV_NO_VERIFY_HASHES ...
  in pyproject.toml (here and above) and uv.toml: [[tool.uv.index]], [tool.uv.sources] other
  than workspace members, index settings, dependencies by URL or path
  direct URL and path requirements on the command line, in requirements files and scripts`

func newUvCmd(app *App) *cobra.Command {
	o := &uvRunOptions{}
	cmd := &cobra.Command{
		Use:   "uv [TUFPIP OPTIONS] -- UV ARGS...",
		Short: "run uv with tufpip's verifying index as its only index",
		Long: `uv runs uv (uv pip install, uv sync, uv lock, uv run, ...) with tufpip's verifying index as
its only index: only files the TUF repository vouches for (stable before unstable), each
verified before uv gets it.` + uvRules,
		Example: `  tufpip uv -- pip install --python .venv/bin/python 'FooBar==2.0.*'
  tufpip uv -- lock && tufpip verify uv.lock
  tufpip uv --uv ~/.local/bin/uv --require-role stable -- sync --locked`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			rest, err := wrapperArgs(cmd, app, o.flags(app), args)
			if err != nil {
				return err
			}
			if o.help {
				return cmd.Help()
			}
			o.args = rest
			return runUvWrapper(cmd.Context(), app, o)
		},
	}
	setWrapperHelp(cmd, "uv", func() *pflag.FlagSet { return o.flags(app) })
	return cmd
}

func runUvWrapper(ctx context.Context, app *App, o *uvRunOptions) error {
	if len(o.args) == 0 {
		return usageErrorf("for example: tufpip uv -- pip install foobar", "no uv command given")
	}
	cwd, err := os.Getwd()
	if err != nil {
		return err
	}
	cl := guard.ParseUv(o.args)
	if err := cl.Check(cwd); err != nil {
		return err
	}
	if err := guard.CheckUvEnv(os.Environ()); err != nil {
		return err
	}
	uv := o.uv
	if uv == "" {
		uv = "uv"
	}
	uvPath, err := exec.LookPath(uv)
	if err != nil {
		return withHint(errorf("cannot run %s: %w", uv, err), "install uv, or pass --uv PATH (before uv's arguments)")
	}
	s, err := app.settings()
	if err != nil {
		return err
	}
	ix, stop, err := app.startIndex(ctx, s, nil, o.requireRole, 0, "", app.refusedLater)
	if err != nil {
		return err
	}
	defer stop()
	sb, err := guard.StartSandbox(guard.UvIndexHost, ix.Handler())
	if err != nil {
		return err
	}
	defer sb.Close()
	cache := filepath.Join(s.CacheDir, "uv")
	if err := os.MkdirAll(cache, 0o700); err != nil {
		return err
	}
	env := sb.Env(guard.UvEnv(os.Environ(), cache, app.Logger), "")
	app.Logger.Debug("running uv", "uv", uvPath, "args", strings.Join(o.args, " "), "cache", cache)
	code, runErr := runChild(ctx, app.IO, uvPath, o.args, env)
	stop()
	return app.childResult(ctx, "uv", ix, sb, code, runErr, nil)
}
