package cli

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/tufpip/tufpip/pkg/indexserver"
)

func init() { register(newServeCmd) }

type serveOptions struct {
	addr        string
	refresh     time.Duration
	requireRole string
	publicURL   string
}

func newServeCmd(app *App) *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:PORT]",
		Short: "run the verifying index as a long-running server",
		Long: `serve runs tufpip's verifying index: a PEP 503 / PEP 691 simple index that lists only the
files the TUF repository vouches for (stable before unstable) and sends a file only after
verifying it. Point pip, uv or pip.conf at it. Metadata is refreshed every --refresh.

It listens on loopback by default and speaks plain HTTP: a client trusts whatever this
machine serves, so expose it to other machines only on a network you trust.`,
		Example: `  tufpip serve --addr 127.0.0.1:8080
  PIP_INDEX_URL=http://127.0.0.1:8080/simple/ pip install 'FooBar==2.0.*'
  uv pip install --index-url http://127.0.0.1:8080/simple/ 'FooBar==2.0.*'
  tufpip serve --addr 0.0.0.0:8080 --public-url https://pypi.internal/   # behind a load balancer`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), app, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to listen on")
	f.DurationVar(&o.refresh, "refresh", 5*time.Minute, "how often to refresh the TUF metadata")
	f.StringVar(&o.requireRole, "require-role", "", "list only files vouched for by this role (e.g. stable)")
	f.StringVar(&o.publicURL, "public-url", "", "base URL clients use, the part before simple/ (e.g. https://pypi.internal/); file links name it, so lockfiles do")
	return cmd
}

// startIndex refreshes the metadata of the repository s selects and starts the verifying
// index on ln; every later refresh uses the same settings. onRefusal is
// indexserver.Config.OnRefusal: nil logs each refused file as it happens.
func (a *App) startIndex(ctx context.Context, s *repoSettings, ln net.Listener, requireRole string, refresh time.Duration, publicURL string, onRefusal func(indexserver.Failure)) (*indexserver.Server, func(), error) {
	open := func(ctx context.Context) (*indexserver.Source, error) {
		sess, err := a.openSessionWith(ctx, s, requireRole, false)
		if err != nil {
			return nil, err
		}
		return &indexserver.Source{Finder: sess.finder, Client: sess.client}, nil
	}
	ix, err := indexserver.New(ctx, indexserver.Config{
		Open: open, CacheDir: filepath.Join(s.CacheDir, "index"), RefreshEvery: refresh, Logger: a.Logger,
		PublicURL: publicURL, OnRefusal: onRefusal,
	})
	if err != nil {
		return nil, nil, err
	}
	srv := &http.Server{Handler: ix.Handler(), ReadHeaderTimeout: 10 * time.Second}
	loopCtx, cancel := context.WithCancel(ctx)
	go ix.RefreshLoop(loopCtx)
	if ln != nil { // nil: the caller serves ix.Handler() itself (tufpip uv, through its proxy)
		go srv.Serve(ln)
	}
	stop := func() {
		cancel()
		shutdown, done := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer done()
		_ = srv.Shutdown(shutdown)
	}
	return ix, stop, nil
}

func runServe(ctx context.Context, app *App, o serveOptions) error {
	host, _, err := net.SplitHostPort(o.addr)
	if err != nil {
		return usageErrorf("use HOST:PORT, e.g. 127.0.0.1:8080", "--addr %q: %v", o.addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		app.Logger.Warn("serving beyond loopback over plain HTTP: clients trust this machine and the network between", "addr", o.addr)
	}
	if o.publicURL != "" {
		u, err := url.Parse(o.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" ||
			strings.HasSuffix(strings.TrimSuffix(u.Path, "/"), "/simple") {
			return usageErrorf("give the base URL clients use, before simple/, e.g. --public-url https://pypi.internal/",
				"--public-url %q: not an http(s) base URL", o.publicURL)
		}
		o.publicURL = strings.TrimSuffix(o.publicURL, "/") + "/"
	}
	s, err := app.settings()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return withHint(err, "pick another port with --addr")
	}
	_, stop, err := app.startIndex(ctx, s, ln, o.requireRole, o.refresh, o.publicURL, nil)
	if err != nil {
		ln.Close()
		return err
	}
	app.status("serving the verifying index at %s (Ctrl-C stops)", serveURLs(host, ln.Addr()))
	if o.publicURL != "" {
		app.status("file links name %sfiles/; clients use %ssimple/", o.publicURL, o.publicURL)
	}
	<-ctx.Done()
	stop()
	app.status("stopped")
	// Stopped by Ctrl-C or SIGTERM, as every other command: exit 130, without an error.
	return &passthroughError{code: ExitInterrupted}
}

// serveURLs is the index URL to give clients. A wildcard address (0.0.0.0, ::, or none)
// listens everywhere, but is no address to connect to: name this host, and loopback for
// clients on the same machine.
func serveURLs(host string, addr net.Addr) string {
	_, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + "/simple/"
	}
	url := func(h string) string { return "http://" + net.JoinHostPort(h, port) + "/simple/" }
	if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsUnspecified()) {
		return url(host)
	}
	local := url("127.0.0.1")
	if name, err := os.Hostname(); err == nil && name != "" {
		return url(name) + " (on this machine " + local + ")"
	}
	return local
}
