// Command tufpip-conformance speaks the TUF conformance suite's client
// protocol (theupdateframework/tuf-conformance, CLIENT-CLI.md) on top of
// pkg/tuf, so the public suite exercises the same fetcher, cache and
// download code tufpip uses:
//
//	tufpip-conformance --metadata-dir DIR init TRUSTED_ROOT
//	tufpip-conformance --metadata-url URL --metadata-dir DIR refresh
//	tufpip-conformance --metadata-url URL --metadata-dir DIR --target-name P \
//	    --target-dir TDIR --target-base-url TURL download
//
// Exit status 0 on success, 1 on any failure. scripts/conformance.sh runs
// the suite against it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tufpip/tufpip/pkg/tuf"
)

type names []string

func (n *names) String() string     { return strings.Join(*n, ",") }
func (n *names) Set(s string) error { *n = append(*n, s); return nil }

type options struct {
	metadataDir, metadataURL string
	targetDir, targetBaseURL string
	targets                  names
	verbose                  bool
}

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("tufpip-conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.metadataDir, "metadata-dir", "", "trusted metadata directory")
	fs.StringVar(&o.metadataURL, "metadata-url", "", "repository metadata URL")
	fs.StringVar(&o.targetDir, "target-dir", "", "directory for downloaded targets")
	fs.StringVar(&o.targetBaseURL, "target-base-url", "", "repository targets URL")
	fs.Var(&o.targets, "target-name", "target path to download (repeatable)")
	fs.BoolVar(&o.verbose, "v", true, "log to stderr")
	if err := fs.Parse(args); err != nil {
		return 1
	}
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	var err error
	switch cmd := fs.Args(); {
	case len(cmd) == 2 && cmd[0] == "init":
		err = initDir(o, cmd[1])
	case len(cmd) == 1 && cmd[0] == "refresh":
		_, err = open(ctx, o, log)
	case len(cmd) == 1 && cmd[0] == "download":
		err = download(ctx, o, log)
	default:
		err = fmt.Errorf("usage: tufpip-conformance [flags] init ROOT | refresh | download")
	}
	if err != nil {
		fmt.Fprintf(stderr, "tufpip-conformance: error: %v\n", err)
		return 1
	}
	return 0
}

// initDir copies the trusted root into the metadata directory: that copy is
// the root the user gave us. No network.
func initDir(o options, root string) error {
	if o.metadataDir == "" {
		return errors.New("--metadata-dir is required")
	}
	data, err := os.ReadFile(root)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.metadataDir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(o.metadataDir, "root.json"), data, 0o600)
}

func open(ctx context.Context, o options, log *slog.Logger) (*tuf.Client, error) {
	if o.metadataDir == "" || o.metadataURL == "" {
		return nil, errors.New("--metadata-dir and --metadata-url are required")
	}
	root, err := os.ReadFile(filepath.Join(o.metadataDir, "root.json"))
	if err != nil {
		return nil, err
	}
	now, err := refTime(ctx)
	if err != nil {
		return nil, err
	}
	return tuf.Open(ctx, tuf.Config{
		MetadataURL:   o.metadataURL,
		TargetsURL:    o.targetBaseURL,
		TrustedRoot:   root,
		MetadataDir:   o.metadataDir,
		TargetsDir:    filepath.Join(o.metadataDir, "targets-cache"),
		UserAgent:     "tufpip-conformance",
		Retries:       0, // the suite checks that each metadata file is requested once
		UnsafeRefTime: now,
		Logger:        log,
	})
}

// refTime asks date(1) for the time: the suite fakes time with faketime,
// which works through libc, and Go does not read the clock through libc.
func refTime(ctx context.Context) (time.Time, error) {
	out, err := exec.CommandContext(ctx, "date", "+%s").Output()
	if err != nil {
		return time.Time{}, fmt.Errorf("running date: %w", err)
	}
	secs, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("parsing date output: %w", err)
	}
	return time.Unix(secs, 0), nil
}

func download(ctx context.Context, o options, log *slog.Logger) error {
	if o.targetDir == "" || o.targetBaseURL == "" || len(o.targets) == 0 {
		return errors.New("--target-name, --target-dir and --target-base-url are required")
	}
	c, err := open(ctx, o, log)
	if err != nil {
		return err
	}
	for _, name := range o.targets {
		t, err := c.Lookup(ctx, name)
		if err != nil {
			return err
		}
		local := filepath.Join(o.targetDir, url.QueryEscape(name))
		if cached(local, t) {
			log.Info("target already downloaded", "target", name, "file", local)
			continue
		}
		if err := c.Download(ctx, t, local); err != nil {
			return err
		}
		log.Info("downloaded target", "target", name, "file", local)
	}
	return nil
}

func cached(local string, t *tuf.Target) bool {
	f, err := os.Open(local)
	if err != nil {
		return false
	}
	defer f.Close()
	return tuf.CheckFile(f, t.Length, t.Hashes) == nil
}
