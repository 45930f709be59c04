// Package cli holds tufpip's commands: flags, output formatting and exit codes. The logic
// lives in pkg/; a command here reads its inputs, calls a library and prints the result.
package cli

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// App is what every command gets: streams, logger, environment and the global flags.
type App struct {
	IO     *IOStreams
	Getenv func(string) string
	Logger *slog.Logger

	flags globalFlags
}

type globalFlags struct {
	metadataURL, targetsURL, root, indexPath, cacheDir, repo string
	format                                                   string
	verbose, quiet                                           bool
}

// Main runs tufpip with the process's arguments and returns its exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, os.Args[1:], SystemIO(), os.Getenv)
}

// Run executes one tufpip command line; tests call it with in-memory streams.
func Run(ctx context.Context, args []string, io *IOStreams, getenv func(string) string) int {
	app := &App{IO: io, Getenv: getenv}
	root := newRootCmd(app)
	root.SetArgs(args)
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	if ctx.Err() != nil {
		// Ctrl-C: whatever failed on the way out failed because of it.
		var pe *passthroughError
		if !errors.As(err, &pe) {
			printError(io.ErrOut, context.Canceled)
		}
		return ExitInterrupted
	}
	var pe *passthroughError
	if !errors.As(err, &pe) {
		if isCobraUsageError(err) {
			err = &exitError{code: ExitUsage, err: err, hint: "see tufpip --help"}
		}
		printError(io.ErrOut, err)
	}
	return exitCode(err)
}

func newRootCmd(app *App) *cobra.Command {
	root := &cobra.Command{
		Use:   "tufpip",
		Short: "pip, installing only what a TUF repository vouches for",
		Long: `tufpip makes pip accept only Python distributions that a TUF repository (PEP 458)
vouches for. The repository's "stable" role is preferred over "unstable": a version that
only unstable signed is used only when stable never signed the project.`,
		Example: `  # save a repository and its trusted root (obtained out of band) once
  tufpip init --name acme --metadata-url https://pypi.acme.org/metadata/ \
      --targets-url https://pypi.acme.org/targets/ --root root.json

  # resolve from the trusted set only, and install with pip
  tufpip resolve 'FooBar==2.0.*'
  tufpip install 'FooBar==2.0.*'

  # CI: download every dependency through the verifying index; verify a lockfile
  tufpip download -r requirements.txt -d wheels/
  tufpip verify requirements.txt`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if app.flags.verbose && app.flags.quiet {
				return usageErrorf("", "-v/--verbose and -q/--quiet cannot be used together")
			}
			switch f := app.flags.format; {
			case f == "text" || f == "json":
			case (f == "github" || f == "sarif") && cmd.Name() == "verify":
			default:
				hint := "use --format text or --format json"
				if cmd.Name() == "verify" {
					hint = "use --format text, json, github or sarif"
				}
				return usageErrorf(hint, "unknown output format %q for tufpip %s", f, cmd.Name())
			}
			app.Logger = newLogger(app.IO.ErrOut, app.flags.verbose, app.flags.quiet)
			return nil
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: ExitUsage, err: err, hint: "see tufpip --help"}
	})
	root.CompletionOptions.DisableDefaultCmd = true

	pf := root.PersistentFlags()
	pf.StringVar(&app.flags.metadataURL, "metadata-url", "", "TUF metadata URL (env TUFPIP_METADATA_URL)")
	pf.StringVar(&app.flags.targetsURL, "targets-url", "", "URL that target paths are relative to (env TUFPIP_TARGETS_URL)")
	pf.StringVar(&app.flags.root, "root", "", "trusted root.json, obtained out of band (env TUFPIP_ROOT)")
	pf.StringVar(&app.flags.indexPath, "index-path", "", "target path of a project's page (default "+DefaultIndexPath+")")
	pf.StringVar(&app.flags.cacheDir, "cache-dir", "", "cache directory (env TUFPIP_CACHE_DIR)")
	pf.StringVar(&app.flags.repo, "repo", "", "a repository saved with tufpip init (env TUFPIP_REPO)")
	pf.StringVar(&app.flags.format, "format", "text", "output format: text or json (verify: also github, sarif)")
	pf.BoolVarP(&app.flags.verbose, "verbose", "v", false, "log debug messages to stderr")
	pf.BoolVarP(&app.flags.quiet, "quiet", "q", false, "log only errors")

	for _, c := range commands {
		root.AddCommand(c(app))
	}
	return root
}

// commands lists the subcommands; each command's file adds itself in an init function so
// that adding a command touches one file.
var commands []func(*App) *cobra.Command

func register(c func(*App) *cobra.Command) { commands = append(commands, c) }

// isCobraUsageError recognises the errors cobra returns for a mistyped command line, which
// carry no type of their own.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command ", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least ", "requires at most ", "flag needs an argument", "invalid argument ", "required flag"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// out returns the data stream.
func (a *App) out() io.Writer { return a.IO.Out }
