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
	"regexp"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// App is what every command gets: streams, logger, environment and the global flags.
type App struct {
	IO     *IOStreams
	Getenv func(string) string
	Logger *slog.Logger

	flags globalFlags
	color bool     // stderr's labels are coloured (see colorOn)
	args  []string // the command line as given, for the wrappers (pip_args.go: leadingGlobalFlags)
}

type globalFlags struct {
	repoOptions
	format         string
	verbose, quiet bool
}

// repoOptions are the options that select a repository and its cache.
type repoOptions struct {
	metadataURL, targetsURL, root, indexPath, pageURL, cacheDir, repo string
	filesURLs                                                         []string
}

// repoFlagSpecs declares the repository options once, for every command that takes them.
var repoFlagSpecs = []struct {
	name, usage, env string
	value            func(*repoOptions) *string
}{
	{"repo", "a repository saved with tufpip init", "TUFPIP_REPO", func(o *repoOptions) *string { return &o.repo }},
	{"metadata-url", "TUF metadata URL", "TUFPIP_METADATA_URL", func(o *repoOptions) *string { return &o.metadataURL }},
	{"targets-url", "URL that target paths are relative to (default: the metadata URL's sibling targets/)", "TUFPIP_TARGETS_URL", func(o *repoOptions) *string { return &o.targetsURL }},
	{"root", "trusted root.json, obtained out of band", "TUFPIP_ROOT", func(o *repoOptions) *string { return &o.root }},
	{"index-path", "target path of a project's page (default " + simpleindex.DefaultPathTemplate + ")", "TUFPIP_INDEX_PATH", func(o *repoOptions) *string { return &o.indexPath }},
	{"page-url", "where a page's bytes are, if not at its target path: a template with {project} and {hash} (the page target's strongest hash), relative to the targets URL unless absolute", "TUFPIP_PAGE_URL", func(o *repoOptions) *string { return &o.pageURL }},
	{"cache-dir", "tufpip's cache directory", "TUFPIP_CACHE_DIR", func(o *repoOptions) *string { return &o.cacheDir }},
}

// addRepoFlags declares the named repository options (all when none is named) on f, bound
// to o and starting from o's values. withEnv names the environment variable in the help,
// for commands that read it.
func addRepoFlags(f *pflag.FlagSet, o *repoOptions, withEnv bool, names ...string) {
	for _, s := range repoFlagSpecs {
		if len(names) > 0 && !slices.Contains(names, s.name) {
			continue
		}
		usage := s.usage
		if withEnv {
			usage += " (env " + s.env + ")"
		}
		p := s.value(o)
		f.StringVar(p, s.name, *p, usage)
		if s.name == "page-url" && (len(names) == 0 || slices.Contains(names, "files-url")) {
			// The one repeatable repository option, listed after --page-url: both describe
			// a PEP 458 index whose pages and files live apart from the targets.
			usage := "a files host's base `URL`: files a trusted page pins by hash are trusted under it too, their target paths relative to it; repeatable"
			if withEnv {
				usage += " (env " + filesURLEnv + ", space-separated)"
			}
			f.StringArrayVar(&o.filesURLs, "files-url", o.filesURLs, usage)
		}
	}
}

// filesURLEnv holds --files-url's URLs, separated by spaces.
const filesURLEnv = "TUFPIP_FILES_URL"

// Main runs tufpip with the process's arguments and returns its exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, os.Args[1:], SystemIO(), os.Getenv)
}

// Run executes one tufpip command line; tests call it with in-memory streams.
func Run(ctx context.Context, args []string, io *IOStreams, getenv func(string) string) int {
	simpleindex.NewRun()
	app := &App{IO: io, Getenv: getenv, color: colorOn(io, getenv), args: args}
	root := newRootCmd(app)
	root.SetArgs(args)
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	if cmd == nil {
		cmd = root
	}
	if ctx.Err() != nil {
		// Ctrl-C: whatever failed on the way out failed because of it.
		var pe *passthroughError
		if !errors.As(err, &pe) {
			writeError(io.ErrOut, context.Canceled, app.color)
		}
		return ExitInterrupted
	}
	var pe *passthroughError
	if !errors.As(err, &pe) {
		if isCobraUsageError(err) {
			err = cobraUsageError(cmd, err)
		}
		writeError(io.ErrOut, err, app.color)
	}
	return exitCode(err)
}

// unknownCommandRE matches cobra's "unknown command "x" for "tufpip repo"" (followed by its
// own suggestions, which we rewrite as a hint).
var unknownCommandRE = regexp.MustCompile(`^unknown command "(.*)" for "(.*)"`)

// cobraUsageError turns one of cobra's untyped usage errors into a usage error whose hint
// points at the help of the command that was being run, with a suggestion for a typo.
func cobraUsageError(cmd *cobra.Command, err error) error {
	help := "see " + cmd.CommandPath() + " --help"
	if m := unknownCommandRE.FindStringSubmatch(err.Error()); m != nil {
		hint := help
		cmd.SuggestionsMinimumDistance = 2
		if s := cmd.SuggestionsFor(m[1]); len(s) > 0 {
			hint = "did you mean " + cmd.CommandPath() + " " + s[0] + "? (" + help + ")"
		}
		return usageErrorf(hint, "unknown command %q for %s", m[1], cmd.CommandPath())
	}
	return &exitError{code: ExitUsage, err: err, hint: help}
}

// applyFlags checks the global flags and sets up the logger they ask for. The root runs it
// before every command; the wrappers run it again once they have read the global flags
// written before their name (pip_args.go: wrapperArgs).
func (a *App) applyFlags(cmd *cobra.Command) error {
	if a.flags.verbose && a.flags.quiet {
		return usageErrorf("", "-v/--verbose and -q/--quiet cannot be used together")
	}
	switch f := a.flags.format; {
	case f == "text" || f == "json":
	case (f == "github" || f == "sarif") && cmd.Name() == "verify":
	default:
		hint := "use --format text or --format json"
		if cmd.Name() == "verify" {
			hint = "use --format text, json, github or sarif"
		}
		return usageErrorf(hint, "unknown output format %q for %s", f, cmd.CommandPath())
	}
	a.Logger = newColorLogger(a.IO.ErrOut, a.flags.verbose, a.flags.quiet, a.color)
	return nil
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
  tufpip verify requirements.txt

  # a PEP 458 index as PyPI plans it: bare-name page targets, page bytes stored by hash,
  # files on another host
  tufpip init --name pypi --root root.json --metadata-url https://pypi.example/metadata/ \
      --index-path '{project}' --page-url 'simple/{project}/{hash}.{project}.html' \
      --files-url https://files.example/`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return app.applyFlags(cmd)
		},
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &exitError{code: ExitUsage, err: err, hint: "see " + cmd.CommandPath() + " --help"}
	})
	// --version/-V prints what tufpip version prints (-v is --verbose).
	v := buildVersion()
	root.Version = v.Version
	root.SetVersionTemplate(versionText(v))
	root.Flags().BoolP("version", "V", false, "print tufpip's version and exit")

	pf := root.PersistentFlags()
	addRepoFlags(pf, &app.flags.repoOptions, true)
	pf.StringVar(&app.flags.format, "format", "text", "output format: text or json (verify: also github, sarif)")
	pf.BoolVarP(&app.flags.verbose, "verbose", "v", false, "log debug messages to stderr")
	pf.BoolVarP(&app.flags.quiet, "quiet", "q", false, "log only errors")

	for _, c := range commands {
		root.AddCommand(c(app))
	}
	// cobra's own commands, in tufpip's voice (the completion command takes its output
	// stream when it is made)
	root.SetOut(app.IO.Out)
	root.SetErr(app.IO.ErrOut)
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		switch c.Name() {
		case "help":
			c.Short = "help about any command"
		case "completion":
			c.Short = "print a shell completion script (bash, zsh, fish, powershell)"
		}
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
