package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/tufpip/tufpip/pkg/mirror"
	"github.com/tufpip/tufpip/pkg/tuf"
)

func newRepoSyncCmd(app *App) *cobra.Command {
	var o struct {
		upstream, now, keys string
		reqFiles, pythons   []string
		platforms           []string
		onlyBinary          string
		withDeps            bool
		latest, jobs        int
	}
	cmd := &cobra.Command{
		Use:   "sync DIR --upstream URL [PROJECT...] [-r FILE]... [--with-deps]",
		Short: "mirror projects from an upstream simple index, signed by unstable",
		Long: `sync mirrors projects from an upstream PEP 503 / PEP 691 simple index (PyPI's simple API,
a devpi or Artifactory remote, any static index) into DIR: every new file is streamed,
checked against the upstream page's hashes and size, stored, and signed by unstable with the
project's page, which carries the upstream's yanks, Requires-Python and core metadata.
Stable signs mirrored files later, with repo promote, counting their age from its own
ledger: an upstream cannot backdate a release into stable.

What to mirror: the named projects (PEP 508 requirements: foo, 'foo>=2', 'foo[socks]'),
every requirement or pin of -r files (requirements.txt, pylock.toml, uv.lock and the other
lockfiles tufpip verify reads), and with
--with-deps their dependencies, read from core metadata. --python-version, --platform and
--only-binary :all: restrict which wheels and sdists are fetched (and which dependency
markers apply); --latest N keeps the newest N versions per requirement.

Re-running is incremental: one conditional request per project, only new files fetched,
nothing signed when nothing changed. It is safe from cron (locked) and crash-safe. A
project that fails does not stop the others; sync exits 3 when a file's bytes did not
match its hash (that file is refused), 1 when the upstream failed, after publishing the
rest.`,
		Example: `  tufpip repo sync /srv/pypi --keys /secure/pypi-keys --upstream https://pypi.org/simple/ requests 'urllib3<3'
  tufpip repo sync /srv/pypi --keys /secure/pypi-keys --upstream https://pypi.org/simple/ \
      -r requirements.txt --with-deps --python-version 3.12 --platform manylinux_2_28_x86_64 --latest 3
  # crontab: every hour
  7 * * * *  tufpip repo sync /srv/pypi --keys /secure/pypi-keys --upstream https://pypi.org/simple/ -r /srv/mirror.txt --with-deps -q`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.upstream == "" {
				return usageErrorf("name the index to mirror, e.g. --upstream https://pypi.org/simple/", "--upstream is required")
			}
			switch o.onlyBinary {
			case "", ":all:":
			default:
				return usageErrorf("", "--only-binary: only :all: is supported by sync, not %q", o.onlyBinary)
			}
			if o.latest < 0 || o.jobs < 1 || o.jobs > 64 {
				return usageErrorf("", "--latest must be 0 or more and --jobs between 1 and 64")
			}
			reqs := append([]string(nil), args[1:]...)
			for _, f := range o.reqFiles {
				rs, warnings, err := mirror.RequirementsFromFile(f)
				if err != nil {
					return withCode(ExitError, err)
				}
				for _, w := range warnings {
					app.Logger.Warn(w)
				}
				reqs = append(reqs, rs...)
			}
			if len(reqs) == 0 {
				return usageErrorf("name projects, e.g. tufpip repo sync DIR --upstream URL requests, or give -r FILE", "nothing to mirror")
			}
			r, now, err := openRepo(app, args[0], o.keys, o.now)
			if err != nil {
				return err
			}
			if err := r.RequireStable("sync"); err != nil {
				return err
			}
			up, err := mirror.NewUpstream(o.upstream, &tuf.Fetcher{Retries: 2, UserAgent: "tufpip-sync/" + buildVersion().Version, Logger: app.Logger}, app.Logger)
			if err != nil {
				return err
			}
			opts := mirror.Options{Requirements: reqs, WithDeps: o.withDeps, Pythons: o.pythons, Platforms: o.platforms,
				OnlyBinary: o.onlyBinary == ":all:", Latest: o.latest, Jobs: o.jobs, Now: now, Logger: app.Logger}
			var bar *progressLine
			if app.IO.ErrTTY && !app.flags.quiet {
				bar = &progressLine{w: app.IO.ErrOut}
				opts.Progress = bar.update
			}
			res, err := mirror.Sync(cmd.Context(), r, up, opts)
			bar.clear()
			if res == nil {
				return err
			}
			for _, w := range res.Warnings {
				app.Logger.Warn(w)
			}
			for _, f := range res.DepsUnreadable {
				app.Logger.Warn("dependencies of an sdist could not be read (metadata before 2.2, or dynamic); mirror them by name", "file", f)
			}
			if res.Bootstrap > 0 {
				app.Logger.Warn(fmt.Sprintf("files mirrored at their project's first sync: %d; promote may age them from the upstream's upload-time this once, later files age from when the mirror first saw them", res.Bootstrap))
			}
			if app.flags.format == "json" {
				if jerr := printJSON(app.out(), res); jerr != nil {
					return jerr
				}
			} else {
				printSyncResult(app.out(), res)
			}
			if err != nil {
				for _, f := range res.Failures {
					name := f.Project
					if f.File != "" {
						name = f.File
					}
					app.Logger.Error(fmt.Sprintf("%s: %s", name, strings.TrimPrefix(f.Message, name+": ")))
				}
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.upstream, "upstream", "", "the simple index URL to mirror (required; there is no default)")
	f.StringArrayVarP(&o.reqFiles, "requirement", "r", nil, "mirror what this requirements.txt or lockfile names (repeatable)")
	f.BoolVar(&o.withDeps, "with-deps", false, "also mirror the dependencies, read from core metadata")
	f.StringArrayVar(&o.pythons, "python-version", nil, "target Python version, e.g. 3.12 (repeatable; default: any)")
	f.StringArrayVar(&o.platforms, "platform", nil, "target platform tag, e.g. manylinux_2_28_x86_64 (repeatable; default: any)")
	f.StringVar(&o.onlyBinary, "only-binary", "", "':all:' to fetch wheels only, no sdists")
	f.IntVar(&o.latest, "latest", 0, "keep the newest N versions per requirement (0: all)")
	f.IntVar(&o.jobs, "jobs", 4, "concurrent requests to the upstream")
	f.StringVar(&o.now, "now", "", "the mirror's clock: when files are first seen (default: now)")
	f.StringVar(&o.keys, "keys", "", "keys directory with the online keys (default: as for repo add)")
	return cmd
}

func printSyncResult(w io.Writer, res *mirror.Result) {
	for _, f := range res.Added {
		fmt.Fprintf(w, "mirrored %s\n", f)
	}
	for _, f := range res.Yanks {
		fmt.Fprintf(w, "yank status changed %s\n", f)
	}
	state := "nothing new to sign"
	if res.Published {
		state = fmt.Sprintf("unstable re-signed %d pages", len(res.Signed))
	}
	fmt.Fprintf(w, "synced %d projects from %s: %d files mirrored (%d bytes), %d unchanged pages, %d requests; %s",
		len(res.Projects), res.Upstream, len(res.Added), res.Bytes, res.NotModified, res.Requests, state)
	if len(res.Failures) > 0 {
		fmt.Fprintf(w, "; %d failures", len(res.Failures))
	}
	fmt.Fprintln(w)
}

// progressLine redraws one status line on a terminal.
type progressLine struct {
	mu    sync.Mutex
	w     io.Writer
	drawn bool
}

func (p *progressLine) update(pr mirror.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "\r\033[Ksync: %d/%d projects, %d files, %s", pr.ProjectsDone, pr.ProjectsTotal, pr.Files, humanBytes(pr.Bytes))
	p.drawn = true
}

func (p *progressLine) clear() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
