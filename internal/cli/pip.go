package cli

import (
	"context"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/tufpip/tufpip/internal/guard"
	"github.com/tufpip/tufpip/pkg/indexserver"
)

// tufpip install / download / pip: pip with tufpip's verifying index as its only index.
// The index runs in-process on 127.0.0.1 for the length of one pip run; pip resolves as it
// always does, and every page and file it receives has been verified against the TUF
// repository first.

func init() {
	register(func(app *App) *cobra.Command { return newPipCmd(app, "install") })
	register(func(app *App) *cobra.Command { return newPipCmd(app, "download") })
	register(func(app *App) *cobra.Command { return newPipCmd(app, "") })
}

// pipRunOptions are one wrapper run's inputs.
type pipRunOptions struct {
	command     string // "install", "download", or "" for tufpip pip
	python      string
	requireRole string
	help        bool
	pipArgs     []string
}

const pipRules = `

tufpip's options come first, pip's after: everything from the first argument that is not
one of the options below, or after "--", goes to pip unchanged. So -v, -q, -r, -d, --root
and --cache-dir there mean what they mean to pip. tufpip's global options written before the
command's name are tufpip's: tufpip -v --repo acme install -q foo logs tufpip's debug
messages (refresh, pages, refused files) and runs pip install -q foo.

pip runs as PYTHON -m pip (--python, default python3) with --index-url pointing at the
index. Its output and exit code pass through. A file the index refused (hash, length,
signature) is named on stderr after pip exits, and tufpip then exits 3.

No way around the checks. tufpip refuses (exit 2, naming the argument or file:line):
  -i/--index-url, --extra-index-url, -f/--find-links, --trusted-host, --proxy, pip's --python
  direct URL and path requirements: 'name @ https://...', https://.../x.whl, ./x.whl, -e
  the same inside -r/-c files, which are read recursively before pip runs, and ${VAR} in them
  -r/-c files pip would not decode as UTF-8 (a UTF-16/32 byte-order mark, a coding: line)

pip's configuration is neutralised: every PIP_* environment variable is dropped (with a
warning for the index ones) and PIP_CONFIG_FILE=/dev/null, so no pip.conf is read. pip
runs without the version check and without retries (tufpip retries the repository), and
waits up to 600 s for a file (the index sends it only once verified). pip reaches nothing
but the index (at localhost:PORT): every proxy variable points at a refusing proxy, and
git/hg/svn/bzr are stubs that refuse. A wheel declaring a dependency by URL is refused, and
whatever pip tried to reach elsewhere is named; tufpip then exits 3. --no-index is passed
on: pip then has no index at all.

tufpip's own logs (warnings, refused files) go to stderr beside pip's output.`

func newPipCmd(app *App, command string) *cobra.Command {
	o := &pipRunOptions{command: command}
	use, short, long, example := "", "", "", ""
	switch command {
	case "":
		use = "pip [TUFPIP OPTIONS] -- PIP ARGS..."
		short = "run any pip command with tufpip's verifying index as its only index"
		long = `pip runs any pip command (wheel, index versions, ...) the way tufpip install runs pip
install: tufpip starts its verifying index on 127.0.0.1 (only files the TUF repository
vouches for, stable before unstable, each verified before it is sent) and pip talks to it
alone.` + pipRules
		example = `  tufpip pip -- wheel -w dist/ 'FooBar==2.0.*'
  tufpip pip --python .venv/bin/python -- index versions foobar
  tufpip pip --require-role stable -- install -q --upgrade foobar`
	default:
		use = command + " [TUFPIP OPTIONS] [--] PIP ARGS..."
		short = "pip " + command + ", with every file verified against the TUF repository"
		long = command + ` runs pip ` + command + ` with your arguments, pip talking only to tufpip's verifying
index: a PEP 503/691 index on 127.0.0.1 that lists only the files the TUF repository vouches
for (stable before unstable) and sends a file only after verifying it. Every dependency pip
resolves goes through the same checks.` + pipRules
		if command == "install" {
			example = `  tufpip install 'FooBar==2.0.*'
  tufpip install --python .venv/bin/python -r requirements.txt
  tufpip install --require-role stable --repo acme -- -q --root /mnt/image foobar`
		} else {
			example = `  tufpip download -r requirements.txt -d wheels/
  tufpip download --python .venv/bin/python --no-deps -d wheels/ 'FooBar==2.0.*'
  tufpip download --repo acme -- --only-binary=:all: --platform manylinux2014_x86_64 -d wheels/ foobar`
		}
	}
	cmd := &cobra.Command{
		Use:                use,
		Short:              short,
		Long:               long,
		Example:            example,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			rest, err := wrapperArgs(cmd, app, o.wrapperFlags(app), args)
			if err != nil {
				return err
			}
			if o.help {
				return cmd.Help()
			}
			o.pipArgs = rest
			return runPipWrapper(cmd.Context(), app, o)
		},
	}
	setWrapperHelp(cmd, "pip", func() *pflag.FlagSet { return o.wrapperFlags(app) })
	return cmd
}

// runPipWrapper checks pip's arguments, starts the verifying index, runs pip and reports
// what the index refused.
func runPipWrapper(ctx context.Context, app *App, o *pipRunOptions) error {
	if o.command == "" && len(o.pipArgs) == 0 {
		return usageErrorf("for example: tufpip pip -- wheel -w dist/ foobar", "no pip command given")
	}
	cl := guard.ParsePip(o.command, o.pipArgs)
	if err := cl.Check(); err != nil {
		return err
	}
	python := o.python
	if python == "" {
		python = "python3"
	}
	s, err := app.settings()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return errorf("starting the verifying index on 127.0.0.1: %w", err)
	}
	sb, err := guard.StartSandbox("", nil)
	if err != nil {
		ln.Close()
		return err
	}
	defer sb.Close()
	ix, stop, err := app.startIndex(ctx, s, ln, o.requireRole, 0, "", app.refusedLater)
	if err != nil {
		ln.Close()
		return err
	}
	defer stop()
	// pip reaches the index as localhost:PORT, the one address exempt from the refusing
	// proxy (internal/guard: Sandbox); localhost resolves to the loopback addresses.
	hostPort := "localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	indexURL := "http://" + hostPort + "/simple/"
	env := sb.Env(guard.PipEnv(os.Environ(), indexURL, app.Logger), hostPort)
	args := cl.Args(indexURL)
	app.Logger.Debug("running pip", "python", python, "args", strings.Join(args, " "))
	pctx, cancelPrefetch := context.WithCancel(ctx)
	prefetched := make(chan struct{})
	go func() {
		defer close(prefetched)
		prefetchPages(pctx, ix.Handler(), cl.Projects())
	}()
	code, runErr := runChild(ctx, app.IO, python, args, env)
	cancelPrefetch()
	<-prefetched
	stop()
	return app.childResult(ctx, "pip", ix, sb, code, runErr, func() {
		if !hintNoPip(ctx, app, python) && code == 1 && len(cl.Projects()) > 0 {
			explainProjects(ctx, app, s, o.requireRole, cl.Projects())
		}
	})
}

// childResult is the wrappers' outcome once the child (pip or uv) has exited: every file the
// index refused and every attempt to reach another host is reported after the child's own
// output, and makes the run a verification failure (exit 3); otherwise the child's exit code
// passes through, after failed, which explains a failure when set.
func (app *App) childResult(ctx context.Context, tool string, ix *indexserver.Server, sb *guard.Sandbox, code int, runErr error, failed func()) error {
	fails := ix.Failures()
	if att := sb.Attempts(); len(att) > 0 {
		fails = append(fails, indexserver.Failure{Err: &guard.OutsideError{Tool: tool, Attempts: att}})
	}
	if len(fails) > 0 {
		reportFailures(app.IO.ErrOut, fails, app.color)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &passthroughError{code: ExitVerification}
	}
	switch {
	case runErr != nil:
		return runErr
	case ctx.Err() != nil:
		return ctx.Err()
	case code != 0:
		if failed != nil {
			failed()
		}
		return &passthroughError{code: code}
	}
	return nil
}
