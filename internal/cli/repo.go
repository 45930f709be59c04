package cli

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tufpip/tufpip/pkg/repo"
)

func init() {
	register(func(app *App) *cobra.Command {
		cmd := newRepoCmd(app)
		cmd.AddCommand(newRepoHoldCmd(app, true), newRepoHoldCmd(app, false))
		return cmd
	})
}

// newRepoCmd is the publisher: tufpip repo init|add|promote|timestamp|status.
func newRepoCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "repo",
		Short: "publish a signed stable/unstable repository from wheels and sdists",
		Long: `repo builds a static TUF repository (PEP 458) that tufpip reads: unstable signs every
file as soon as it is added, stable signs files once they are older than a cut-off
(promote), and clients prefer stable. Serve DIR/metadata/ and DIR/targets/ with any web
server; never serve DIR/state/ or the keys.

Keys: timestamp, snapshot and unstable are online (add, timestamp); root and targets are
used only by init and belong offline; bring the stable key to promote. Every command reads
the keys from --keys (default DIR/keys), never from what is recorded in DIR; promote refuses
a stable key or ledger inside DIR or behind a symbolic link.

repo init --layout pep458 makes PEP 458's layout instead (hash bins on one online key, no
stable or unstable): add, timestamp, status and renew work there; promote, hold, release and
sync are refused.`,
		Example: `  tufpip repo init /srv/pypi --keys /secure/pypi-keys
  tufpip repo add /srv/pypi dist/*.whl dist/*.tar.gz --keys /secure/pypi-keys
  tufpip repo promote /srv/pypi --older-than 90d --keys /media/offline/pypi-keys --bootstrap   # first time
  tufpip repo promote /srv/pypi --older-than 90d --keys /media/offline/pypi-keys
  tufpip repo timestamp /srv/pypi --keys /secure/pypi-keys   # hourly, from cron
  tufpip repo status /srv/pypi --format json
  tufpip repo renew /srv/pypi --keys /media/offline/pypi-keys   # yearly`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newRepoInitCmd(app), newRepoAddCmd(app), newRepoPromoteCmd(app), newRepoTimestampCmd(app), newRepoStatusCmd(app), newRepoRenewCmd(app), newRepoSyncCmd(app))
	return cmd
}

func newRepoInitCmd(app *App) *cobra.Command {
	var keys, layout, filesURL string
	var bins, pepBins int
	var jsonPages bool
	cmd := &cobra.Command{
		Use:   "init DIR [--keys KEYDIR] [--hash-bins N] [--json-pages] [--layout pep458 [--bins N] [--files-url URL]]",
		Short: "create an empty signed repository and its keys",
		Long: `init creates DIR/metadata (1.root.json is the root clients must be given out of band),
DIR/targets and DIR/state, and one ed25519 key per role in KEYDIR (default DIR/keys; keep it
out of the served tree and move root.key and targets.key offline afterwards). It refuses to
overwrite an existing repository or key.

--hash-bins N splits stable and unstable into 2^N shards behind succinct hash bins, for
repositories where one role's metadata would pass a few MB (tens of thousands of files).

--json-pages also publishes each page as PEP 691 JSON (simple/P/index.json) with PEP 700's
file sizes, upload times and versions; clients select it with
--index-path simple/{project}/index.json.

--layout pep458 publishes what PyPI would serve under PEP 458 as accepted: targets delegates
to --bins N succinct hash bins (bins-0000 ... ; default 16,384, a power of two), all signed by
one online key (bins.key, with timestamp and snapshot), which sign each project's page under
its bare name (foobar) and every file, with blake2b-256 and sha256. Pages are stored at
targets/simple/P/<blake2b>.P.html and, for generic TUF clients, at targets/<hash>.P. There is
no stable or unstable: repo add publishes straight into the bins, and promote, hold, release
and sync are refused. Clients use --index-path '{project}' --page-url
'simple/{project}/{hash}.{project}.html' (init prints the whole command).

Pages link files relative to their content-addressed name (../../packages/F). --files-url URL
makes them link URL + packages/F instead, as PyPI links its files host: give where
DIR/targets/ is served (https://pypi.example.org/targets/ or /targets/), and the links resolve
the same from wherever a client read the page.`,
		Example: `  tufpip repo init /srv/pypi --keys /secure/pypi-keys
  tufpip repo init /srv/pypi --keys /secure/pypi-keys --hash-bins 8
  tufpip repo init /srv/pypi --keys /secure/pypi-keys --layout pep458
  # give clients the root, then: tufpip init --name acme --root /srv/pypi/metadata/1.root.json ...`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (pepBins != 0 || filesURL != "") && layout != repo.LayoutPEP458 {
				return usageErrorf("shard the stable/unstable layout with --hash-bins N (bits), or pass --layout pep458", "--bins and --files-url need --layout %s", repo.LayoutPEP458)
			}
			if layout == repo.LayoutPEP458 && (bins != 0 || jsonPages) {
				return usageErrorf("give the number of bins with --bins N", "--hash-bins and --json-pages belong to the %s layout, not %s", repo.LayoutStableUnstable, repo.LayoutPEP458)
			}
			if layout != repo.LayoutPEP458 && layout != repo.LayoutStableUnstable {
				return usageErrorf("", "--layout %q: must be %s or %s", layout, repo.LayoutStableUnstable, repo.LayoutPEP458)
			}
			if pepBins != 0 && (pepBins < 2 || pepBins > repo.DefaultPEP458Bins || pepBins&(pepBins-1) != 0) {
				return usageErrorf("", "--bins %d: must be a power of two from 2 to %d", pepBins, repo.DefaultPEP458Bins)
			}
			r, err := repo.Init(cmd.Context(), args[0], repo.InitOptions{KeysDir: keys, HashBinBits: bins, JSONPages: jsonPages, Layout: layout, Bins: pepBins, FilesURL: filesURL, Logger: app.Logger})
			if err != nil {
				return withHint(err, "choose another directory, or remove the old repository first")
			}
			st, err := r.Status(cmd.Context(), time.Time{})
			if err != nil {
				return err
			}
			clients := ""
			if r.Layout() == repo.LayoutPEP458 {
				files := ""
				if strings.Contains(filesURL, "://") {
					files = " --files-url " + filesURL
				}
				clients = fmt.Sprintf("tufpip init --name NAME --root %s/metadata/1.root.json --metadata-url URL/metadata/ --targets-url URL/targets/ --index-path '%s' --page-url '%s'%s",
					args[0], repo.PEP458IndexPath, repo.PEP458PageURL, files)
			}
			if app.flags.format == "json" {
				return printJSON(app.out(), struct {
					*repo.Status
					Clients string `json:"clients,omitempty"` // the tufpip init command clients run
				}{st, clients})
			}
			app.report("created repository %s (%s)\nroot for clients: %s/metadata/1.root.json\nkeys: %s (online: %s)\n",
				args[0], st.Layout, args[0], st.KeysDir, strings.Join(r.OnlineKeys(), ", "))
			if clients != "" {
				app.report("clients: %s\n", clients)
			}
			if keys != "" {
				app.report("pass --keys to every repo command (the keys location is never read from %s)\n", args[0])
			}
			if within(st.KeysDir, args[0]) {
				// A web server pointed at DIR would publish the private keys.
				offline := "root, targets, stable"
				if r.Layout() == repo.LayoutPEP458 {
					offline = "root, targets"
				}
				app.Logger.Warn("the private keys are inside the repository directory: serve only its metadata/ and targets/, and move the offline keys ("+offline+") elsewhere; next time pass --keys", "keys", st.KeysDir)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&keys, "keys", "", "directory for the private keys (default DIR/keys)")
	cmd.Flags().IntVar(&bins, "hash-bins", 0, "shard stable and unstable into 2^N hash bins (1-14; 0: one role each)")
	cmd.Flags().BoolVar(&jsonPages, "json-pages", false, "also publish PEP 691 JSON pages (simple/P/index.json)")
	cmd.Flags().StringVar(&layout, "layout", repo.LayoutStableUnstable, "role layout: "+repo.LayoutStableUnstable+" or "+repo.LayoutPEP458+" (PEP 458 as accepted: hash bins only)")
	cmd.Flags().StringVar(&filesURL, "files-url", "", "pep458 layout: pages link files as URL + packages/F (default: relative links)")
	cmd.Flags().IntVar(&pepBins, "bins", 0, "number of hash bins of the pep458 layout, a power of two (default 16384)")
	return cmd
}

// openRepo parses the command's --now value and opens the repository in dir.
func openRepo(app *App, dir, keys, now string) (*repo.Repo, time.Time, error) {
	t, err := parseNow(now)
	if err != nil {
		return nil, time.Time{}, usageErrorf("", "--now: %v", err)
	}
	r, err := repo.Open(dir, repo.OpenOptions{KeysDir: keys, Logger: app.Logger})
	if nr := (*repo.NotRepositoryError)(nil); errors.As(err, &nr) {
		return nil, time.Time{}, withHint(err, "create it with: tufpip repo init "+dir)
	} else if err != nil {
		return nil, time.Time{}, err
	}
	return r, t, nil
}

func newRepoAddCmd(app *App) *cobra.Command {
	var now, keys string
	cmd := &cobra.Command{
		Use:   "add DIR FILE... [--now TIME]",
		Short: "publish wheels and sdists, signed by unstable",
		Long: `add copies each file into DIR/targets/packages/, records its upload time, re-signs the
project's unstable page and unstable's metadata, then a new snapshot and timestamp. A file
already published with the same bytes is skipped; a different file with the same name is
refused (published files never change). --now sets the recorded upload time (backfills,
tests); signatures always expire counting from the current time.

In the pep458 layout the bins sign the files and the project's page instead of unstable.`,
		Example: `  tufpip repo add /srv/pypi dist/foobar-2.0.1-py3-none-any.whl dist/foobar-2.0.1.tar.gz
  tufpip repo add /srv/pypi old/*.whl --now 2024-01-31`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, t, err := openRepo(app, args[0], keys, now)
			if err != nil {
				return err
			}
			res, err := r.Add(cmd.Context(), args[1:], t)
			if err != nil {
				return err
			}
			if app.flags.format == "json" {
				return printJSON(app.out(), res)
			}
			for _, f := range res.Added {
				app.report("added %s\n", f)
			}
			for _, f := range res.Present {
				app.report("already published %s\n", f)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&now, "now", "", "upload time to record (RFC 3339 or YYYY-MM-DD; default: now)")
	cmd.Flags().StringVar(&keys, "keys", "", "keys directory (default DIR/keys; never read from DIR/state)")
	return cmd
}

func newRepoPromoteCmd(app *App) *cobra.Command {
	var olderThan, now, keys, ledger, reason string
	var projects, exclude []string
	var bootstrap bool
	cmd := &cobra.Command{
		Use:   "promote DIR [REQUIREMENT...] [--older-than AGE] --keys KEYDIR [--reason TEXT] [--bootstrap] [--now TIME] [--project P]... [--exclude P]...",
		Short: "let stable sign every file older than a cut-off, or the files you name",
		Long: `promote makes stable sign every published file older than AGE, and a page per project
listing exactly the files stable signs. Stable never un-signs a file. It needs the stable
key, and also re-signs stable roles close to expiry. AGE is 90d, 2w, 36h, 1d12h or any Go
duration.

Ages count from when promote first saw a file, recorded in a ledger kept with the stable
key (KEYDIR/stable-ledger.json, or --ledger): the upload times on the upload server (or
the upstream index of a mirror) could be backdated by whoever holds the online side. Only
for a project the ledger has never seen a file of does the recorded upload time count,
clamped to now; promote says so with the count. A missing ledger is refused: the first
promote of a repository passes --bootstrap, which creates the ledger. Run promote daily so
files are seen soon after upload.

The fast lane: REQUIREMENTs (PEP 508, e.g. 'foobar==2.0.1') name files stable signs now,
before their age, with a --reason kept in the ledger; without --older-than only those are
promoted. Files a hold matches (tufpip repo hold) are never promoted, whatever their age.

What stable signs comes only from what stable already signs, the ledger and the file bytes
checked against their signed hash; nothing in DIR/state can make stable drop a file or
change its Requires-Python. The stable key and the ledger must not lie inside DIR nor be
symbolic links; the keys folder comes from --keys (default DIR/keys, which is refused).`,
		Example: `  tufpip repo promote /srv/pypi --older-than 90d --keys /secure/pypi-keys --bootstrap   # the first time
  tufpip repo promote /srv/pypi --older-than 90d --keys /secure/pypi-keys
  tufpip repo promote /srv/pypi 'foobar==2.0.1' --reason "fixes CVE-2025-1234" --keys /secure/pypi-keys
  tufpip repo promote /srv/pypi --older-than 30d --keys /secure/pypi-keys --project foobar
  tufpip repo promote /srv/pypi --older-than 90d --keys /secure/pypi-keys --exclude experimental-thing`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			requests := args[1:]
			var age time.Duration
			switch {
			case olderThan != "":
				a, err := parseAge(olderThan)
				if err != nil {
					return usageErrorf("", "--older-than: %v", err)
				}
				age = a
			case len(requests) == 0:
				return usageErrorf("name the files to promote, or pass --older-than AGE", "--older-than is required without a requirement")
			}
			if len(requests) > 0 && reason == "" {
				return usageErrorf("say why stable signs these before their age: --reason \"...\"", "a fast-lane promotion needs --reason")
			}
			r, t, err := openRepo(app, args[0], keys, now)
			if err != nil {
				return err
			}
			res, err := r.Promote(cmd.Context(), repo.PromoteOptions{OlderThan: age, Now: t, Projects: projects, Exclude: exclude, Ledger: ledger, Bootstrap: bootstrap,
				Requests: requests, Reason: reason, OnlyRequests: olderThan == ""})
			if err != nil {
				return withHint(err, promoteHint(err))
			}
			for _, w := range res.Warnings {
				app.Logger.Warn(w)
			}
			if res.Bootstrapped {
				app.Logger.Warn("bootstrap: created the stable ledger " + r.LedgerPath(ledger))
			}
			if app.flags.format == "json" {
				return printJSON(app.out(), res)
			}
			printPromote(app, res)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&olderThan, "older-than", "", "minimum age of a file stable signs (e.g. 90d)")
	f.StringVar(&now, "now", "", "the time to measure ages from (default: now)")
	f.StringSliceVar(&projects, "project", nil, "promote only this project (repeatable)")
	f.StringSliceVar(&exclude, "exclude", nil, "never promote this project (repeatable)")
	f.StringVar(&keys, "keys", "", "keys directory holding stable.key and the ledger (outside DIR)")
	f.StringVar(&ledger, "ledger", "", "promote's record of when it first saw each file (default KEYDIR/stable-ledger.json)")
	f.StringVar(&reason, "reason", "", "why the named files skip the age rule (kept in the ledger)")
	f.BoolVar(&bootstrap, "bootstrap", false, "first promote of a repository: create the ledger")
	return cmd
}

func printPromote(app *App, res *repo.PromoteResult) {
	if res.BootstrapFiles > 0 {
		app.report("bootstrap: %s of %s new to the ledger (%s) aged from their recorded upload times (clamped to now)\n",
			plural(res.BootstrapFiles, "file", "files"), plural(len(res.BootstrapProjects), "project", "projects"), strings.Join(res.BootstrapProjects, ", "))
	}
	for _, h := range res.Held {
		app.report("held %s (hold %s since %s: %s)\n", h.Filename, h.Requirement, h.Since.Format(time.RFC3339), h.Reason)
	}
	for _, f := range res.Promoted {
		if slices.Contains(res.FastLane, f) {
			app.report("stable signs %s (fast lane)\n", f)
		} else {
			app.report("stable signs %s\n", f)
		}
	}
	files, projects := plural(len(res.Promoted), "file", "files"), plural(len(res.Projects), "project", "projects")
	if res.Cutoff.IsZero() {
		app.report("promoted %s in %s (fast lane only)\n", files, projects)
		return
	}
	app.report("promoted %s in %s (uploaded before %s)\n", files, projects, res.Cutoff.Format(time.RFC3339))
}

func newRepoHoldCmd(app *App, hold bool) *cobra.Command {
	var now, keys, ledger, reason string
	use, short, long, example := "hold DIR REQUIREMENT --reason TEXT --keys KEYDIR", "keep matching files out of stable, whatever their age",
		`hold records in the ledger (with the stable key, never in DIR) that files matching
REQUIREMENT (PEP 508: 'foobar>=3', pre-releases included) stay out of stable whatever their
age, until tufpip repo release. Files stable already signs stay signed. repo status lists
the holds.`, `  tufpip repo hold /srv/pypi 'foobar>=3' --reason "3.0 breaks the API, wait for 3.1" --keys /secure/pypi-keys`
	if !hold {
		use, short, long, example = "release DIR REQUIREMENT --keys KEYDIR", "end a hold",
			`release ends the hold on REQUIREMENT (as given to tufpip repo hold); the next promote
applies the age rule to the files it held.`, `  tufpip repo release /srv/pypi 'foobar>=3' --keys /secure/pypi-keys`
	}
	cmd := &cobra.Command{
		Use: use, Short: short, Long: long, Example: example,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, t, err := openRepo(app, args[0], keys, now)
			if err != nil {
				return err
			}
			opts := repo.DecideOptions{Ledger: ledger, Reason: reason, Now: t}
			var d *repo.Decision
			if hold {
				if reason == "" {
					return usageErrorf("say why: --reason \"...\"", "a hold needs --reason")
				}
				d, err = r.Hold(cmd.Context(), args[1], opts)
			} else {
				d, err = r.Release(cmd.Context(), args[1], opts)
			}
			if err != nil {
				return withHint(err, promoteHint(err))
			}
			if app.flags.format == "json" {
				return printJSON(app.out(), d)
			}
			if hold {
				app.report("held %s: %s\n", d.Requirement, d.Reason)
			} else {
				app.report("released %s\n", d.Requirement)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&keys, "keys", "", "keys directory holding the ledger (outside DIR)")
	cmd.Flags().StringVar(&ledger, "ledger", "", "the stable ledger (default KEYDIR/stable-ledger.json)")
	cmd.Flags().StringVar(&reason, "reason", "", "why (kept in the ledger)")
	cmd.Flags().StringVar(&now, "now", "", "the time to record (default: now)")
	return cmd
}

// promoteHint says what to do about a promote that failed before signing.
func promoteHint(err error) string {
	var le *repo.LedgerError
	var se *repo.StableSideError
	var ke *repo.KeyError
	switch {
	case errors.As(err, &le):
		return "" // the message says what to pass
	case errors.As(err, &se):
		return "move the stable key and the ledger out of the repository directory and pass --keys (and --ledger) where they are"
	case errors.As(err, &ke):
		return "promote needs the stable key: pass --keys DIR where stable.key is"
	}
	return ""
}

func newRepoTimestampCmd(app *App) *cobra.Command {
	var keys, now string
	cmd := &cobra.Command{
		Use:   "timestamp DIR",
		Short: "re-sign the timestamp (and online roles near expiry); run from cron",
		Long: `timestamp signs a new timestamp.json, valid for a day, and re-signs every role past half
of its lifetime whose key is available (snapshot and unstable on the upload server). It
warns about roles near expiry whose key is elsewhere. Run it hourly.

--now signs as of another time: expiries count from it, also when it is in the past (to
see how clients handle a repository whose timestamp has expired).`,
		Example: `  # crontab
  17 * * * *  tufpip repo timestamp /srv/pypi -q`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, t, err := openRepo(app, args[0], keys, now)
			if err != nil {
				return err
			}
			res, err := r.Timestamp(cmd.Context(), t)
			if err != nil {
				return err
			}
			for _, w := range res.Warnings {
				app.Logger.Warn(w)
			}
			if app.flags.format == "json" {
				return printJSON(app.out(), res)
			}
			app.report("timestamp version %d, expires %s\n", res.Version, res.Expires.Format(time.RFC3339))
			if len(res.Renewed) > 0 {
				app.report("re-signed %s\n", strings.Join(groupShards(res.Renewed), ", "))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&keys, "keys", "", "keys directory (default DIR/keys; never read from DIR/state)")
	cmd.Flags().StringVar(&now, "now", "", "sign as of this time; expiries count from it (default: now)")
	return cmd
}

func newRepoRenewCmd(app *App) *cobra.Command {
	var keys, now string
	cmd := &cobra.Command{
		Use:   "renew DIR --keys OFFLINE-KEYDIR",
		Short: "re-sign root and targets (the offline roles) before they expire",
		Long: `renew re-signs root (as a new version, same keys), targets and, in the hash-bin layout,
the bins, each valid for another year. It needs the offline keys; tufpip repo timestamp
warns 30 days before they are due.`,
		Example: `  tufpip repo renew /srv/pypi --keys /media/offline/pypi-keys`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, t, err := openRepo(app, args[0], keys, now)
			if err != nil {
				return err
			}
			res, err := r.Renew(cmd.Context(), t)
			if err != nil {
				return withHint(err, "renew needs root.key and targets.key: pass --keys DIR")
			}
			if app.flags.format == "json" {
				return printJSON(app.out(), res)
			}
			app.report("re-signed %s\n", strings.Join(res.Renewed, ", "))
			return nil
		},
	}
	cmd.Flags().StringVar(&keys, "keys", "", "keys directory holding root.key and targets.key")
	cmd.Flags().StringVar(&now, "now", "", "sign as of this time (default: now)")
	return cmd
}

func newRepoStatusCmd(app *App) *cobra.Command {
	var now, project, keys, ledger string
	cmd := &cobra.Command{
		Use:   "status DIR [--project P] [--keys KEYDIR | --ledger FILE] [--format json]",
		Short: "show what each role signs, its version and expiry, and what promote does next",
		Long: `status lists every role with its version, expiry, the number of files and pages it
signs, the size of its metadata and whether its key is online and present. Then, per
project: the newest version unstable signs, the newest stable signs, the newest upstream
lists (mirrors made by repo sync), and when the next promote takes the newest file only
unstable signs (from the ledger: give --keys or --ledger), then the holds and the
operator's decisions (holds, releases, fast-lane promotions).

With --project it lists that project's files instead: upload time and the roles that sign
each, and whose page clients get. --format json prints {"version": 1, ...}.`,
		Example: `  tufpip repo status /srv/pypi
  tufpip repo status /srv/pypi --keys /secure/pypi-keys
  tufpip repo status /srv/pypi --project foobar
  tufpip repo status /srv/pypi --format json | jq '.roles[] | select(.role == "timestamp")'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, t, err := openRepo(app, args[0], keys, now)
			if err != nil {
				return err
			}
			if project != "" {
				ps, err := r.ProjectStatus(cmd.Context(), project, t)
				if err != nil {
					return err
				}
				if app.flags.format == "json" {
					return printJSON(app.out(), ps)
				}
				printProjectStatus(app.out(), ps)
				return nil
			}
			st, err := r.Status(cmd.Context(), t)
			if err != nil {
				return err
			}
			if r.Layout() != repo.LayoutPEP458 {
				if st.Stable, err = r.StableStatus(cmd.Context(), t, ledger); err != nil {
					return err
				}
			}
			if app.flags.format == "json" {
				return printJSON(app.out(), st)
			}
			printRepoStatus(app.out(), st)
			if st.Stable != nil {
				printStableSide(app.out(), st.Stable, t)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&now, "now", "", "report expiry relative to this time (default: now)")
	cmd.Flags().StringVar(&project, "project", "", "show one project's files and the roles that sign them")
	cmd.Flags().StringVar(&keys, "keys", "", "keys directory (default DIR/keys): shows which keys are present, and holds the ledger")
	cmd.Flags().StringVar(&ledger, "ledger", "", "the stable ledger (default KEYDIR/stable-ledger.json)")
	return cmd
}

func printStableSide(w io.Writer, s *repo.StableSide, now time.Time) {
	dash := func(v string) string {
		if v == "" {
			return "-"
		}
		return v
	}
	fmt.Fprintln(w)
	if s.Ledger != "" {
		rule := "no age rule applied yet"
		if s.OlderThan != "" {
			rule = "age rule " + s.OlderThan
		}
		fmt.Fprintf(w, "stable ledger %s: %s, %d holds\n", s.Ledger, rule, len(s.Holds))
	} else {
		fmt.Fprintf(w, "stable ledger not read: %s\n", s.LedgerErr)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROJECT\tUNSTABLE\tSTABLE\tUPSTREAM\tNEXT PROMOTE")
	for _, p := range s.Projects {
		next := "-"
		if n := p.Next; n != nil {
			switch n.State {
			case "held":
				next = fmt.Sprintf("%s held (%s: %s)", n.Version, n.Hold.Requirement, n.Hold.Reason)
			case "due":
				next = fmt.Sprintf("%s at the next promote (since %s)", n.Version, n.At.Format(time.RFC3339))
			case "waiting":
				next = fmt.Sprintf("%s from %s (in %s)", n.Version, n.At.Format(time.RFC3339), n.At.Sub(now).Round(time.Hour))
			case "unseen":
				next = n.Version + " not seen by promote yet (its age counts from the next promote)"
			default:
				next = n.Version + " (unknown: no ledger)"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Project, dash(p.Unstable), dash(p.Stable), dash(p.Upstream), next)
	}
	tw.Flush()
	if len(s.Holds) > 0 {
		fmt.Fprintln(w, "\nholds:")
		for _, h := range s.Holds {
			fmt.Fprintf(w, "  %s since %s: %s\n", h.Requirement, h.At.Format(time.RFC3339), h.Reason)
		}
	}
	if len(s.Log) > 0 {
		fmt.Fprintln(w, "\ndecisions (newest last):")
		for _, d := range s.Log[max(0, len(s.Log)-10):] {
			line := fmt.Sprintf("  %s %s %s", d.At.Format(time.RFC3339), d.Action, d.Requirement)
			if d.Reason != "" {
				line += ": " + d.Reason
			}
			if len(d.Files) > 0 {
				line += " [" + strings.Join(d.Files, ", ") + "]"
			}
			fmt.Fprintln(w, line)
		}
	}
}

func printProjectStatus(w io.Writer, ps *repo.ProjectStatus) {
	from := ps.PageFrom
	if from == "" {
		from = "none"
	}
	fmt.Fprintf(w, "project %s: clients get the page of %s (pages signed by %s)\n\n", ps.Project, from, strings.Join(ps.Pages, ", "))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tUPLOADED\tSIZE\tREQUIRES-PYTHON\tSIGNED BY")
	for _, f := range ps.Files {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", f.Filename, f.UploadTime.Format(time.RFC3339), f.Size, f.RequiresPython, strings.Join(f.SignedBy, ", "))
	}
	tw.Flush()
}

func printRepoStatus(w io.Writer, st *repo.Status) {
	fmt.Fprintf(w, "repository %s (%s), keys in %s\n%s, %s\n\n", st.Dir, st.Layout, st.KeysDir, plural(st.Projects, "project", "projects"), plural(st.Files, "file", "files"))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROLE\tVERSION\tEXPIRES\tFILES\tPAGES\tBYTES\tKEY")
	for _, r := range st.Roles {
		exp := r.Expires.Format(time.RFC3339)
		if r.Expired {
			exp += " (EXPIRED)"
		}
		key := "offline"
		if r.Online {
			key = "online"
		}
		if r.KeyHere {
			key += ", present"
		}
		name := r.Role
		if r.Shards > 0 {
			name = fmt.Sprintf("%s (%d shards)", r.Role, r.Shards)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%d\t%s\n", name, r.Version, exp, r.Files, r.Pages, r.Bytes, key)
	}
	tw.Flush()
}

// within reports whether path lies inside dir.
func within(path, dir string) bool {
	abs, err1 := filepath.Abs(path)
	base, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(base, abs)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// groupShards shortens a list of role names for a terminal: a run of more than three shards
// of one family (bins-0000 ... bins-3fff, stable-00 ...) becomes "bins-0000 ... bins-3fff
// (16384 roles)". --format json keeps every name.
func groupShards(roles []string) []string {
	family := func(r string) string {
		if i := strings.LastIndexByte(r, '-'); i > 0 {
			return r[:i]
		}
		return r
	}
	var out []string
	for i := 0; i < len(roles); {
		j := i + 1
		for j < len(roles) && family(roles[j]) == family(roles[i]) && family(roles[i]) != roles[i] {
			j++
		}
		if j-i > 3 {
			out = append(out, fmt.Sprintf("%s ... %s (%d roles)", roles[i], roles[j-1], j-i))
		} else {
			out = append(out, roles[i:j]...)
		}
		i = j
	}
	return out
}
