package tuf

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/config"
	"github.com/theupdateframework/go-tuf/v2/metadata/trustedmetadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/updater"
)

// Config describes one TUF repository and where to cache its metadata.
type Config struct {
	MetadataURL string // base URL of the metadata (root.json, timestamp.json, ...)
	TargetsURL  string // base URL of the targets; empty = DefaultTargetsURL(MetadataURL)

	// TrustedRoot is the bootstrap root the user gave us. It is never fetched
	// on first use. A newer cached root is used instead only when its rotation
	// chain from this root verifies.
	TrustedRoot []byte

	// CacheDir is this repository's own cache directory (created 0700):
	// metadata/ and targets/ inside, plus a lock file.
	CacheDir string

	HTTPClient *http.Client // optional; the fetcher's idle timeout applies on top
	UserAgent  string       // "tufpip/<version>"
	Retries    int          // bounded retries on connection errors and 5xx only (0 = none)
	// UnsafeRefTime, when not zero, is the time expiry is checked against instead of now
	// (go-tuf's UnsafeSetRefTime): a wrong value accepts expired metadata. Only the
	// conformance client sets it.
	UnsafeRefTime time.Time
	Logger        *slog.Logger // nil = quiet

	// IdleTimeout bounds the wait for the next byte from the server; 0 = 30s.
	IdleTimeout time.Duration
	// MinRate is the slowest transfer accepted, in bytes per second averaged
	// over windows of 2×IdleTimeout (slow retrieval); 0 = 1 KiB/s, <0 = none.
	MinRate int64

	// MetadataDir and TargetsDir replace the CacheDir folders when set: go-tuf
	// keeps its unversioned metadata files directly in MetadataDir. The
	// conformance client needs this; tufpip itself uses CacheDir.
	MetadataDir string
	TargetsDir  string
}

// Client is a TUF client for one repository. It is safe for concurrent use:
// calls that touch go-tuf's state are serialised by a mutex, and everything
// that reads or writes the cache directory holds the cache's inter-process
// lock.
type Client struct {
	cfg        Config
	l          cacheDirs
	targetsURL string
	fetcher    *Fetcher
	tf         *tufFetcher
	log        *slog.Logger

	mu         sync.Mutex
	up         *updater.Updater    // nil until a refresh succeeded
	consistent bool                // the trusted root's consistent_snapshot
	delegs     *trustedDelegations // delegated roles loaded since the last refresh
	scratch    walkScratch
	prepared   preparedRoles // cached delegated roles read and parsed during the last refresh
}

// Open validates cfg, creates the cache directory and refreshes the trusted
// metadata once (root -> timestamp -> snapshot -> targets).
func Open(ctx context.Context, cfg Config) (*Client, error) {
	c, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	if err := c.Refresh(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

func newClient(cfg Config) (*Client, error) {
	if len(cfg.TrustedRoot) == 0 {
		return nil, errors.New("tuf: no trusted root given (tufpip never trusts a root fetched on first use)")
	}
	if err := CheckBaseURL(cfg.MetadataURL); err != nil {
		return nil, fmt.Errorf("tuf: metadata url: %w", err)
	}
	targetsURL := cfg.TargetsURL
	if targetsURL == "" {
		var ok bool
		if targetsURL, ok = DefaultTargetsURL(cfg.MetadataURL); !ok {
			return nil, fmt.Errorf("tuf: no targets url, and metadata url %q does not end in /metadata to find one beside it", cfg.MetadataURL)
		}
	}
	if err := CheckBaseURL(targetsURL); err != nil {
		return nil, fmt.Errorf("tuf: targets url: %w", err)
	}
	l, err := newCacheDirs(cfg)
	if err != nil {
		return nil, err
	}
	if err := l.ensure(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &Fetcher{
		Client:      cfg.HTTPClient,
		UserAgent:   cfg.UserAgent,
		Retries:     cfg.Retries,
		IdleTimeout: cfg.IdleTimeout,
		MinRate:     cfg.MinRate,
		Logger:      log,
	}
	return &Client{
		cfg:        cfg,
		l:          l,
		targetsURL: ensureSlash(targetsURL),
		fetcher:    f,
		tf:         &tufFetcher{f: f},
		log:        log,
	}, nil
}

// DefaultTargetsURL is where the targets are when no targets URL is given: beside the
// metadata, as tufpip repo lays a repository out (".../metadata/" gives ".../targets/").
// ok is false when metadataURL does not end in /metadata.
func DefaultTargetsURL(metadataURL string) (targetsURL string, ok bool) {
	trimmed := strings.TrimRight(metadataURL, "/")
	if !strings.HasSuffix(trimmed, "/metadata") {
		return "", false
	}
	return strings.TrimSuffix(trimmed, "metadata") + "targets/", true
}

// CheckBaseURL checks that s can be a metadata or targets base URL: absolute http(s) with
// a host. Callers that take URLs from users check them with it before opening a client.
func CheckBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q is not an http(s) url", s)
	}
	if u.Host == "" {
		return fmt.Errorf("%q has no host", s)
	}
	return nil
}

func ensureSlash(s string) string {
	if strings.HasSuffix(s, "/") {
		return s
	}
	return s + "/"
}

// Refresh brings the trusted metadata up to date with a new go-tuf updater
// (an updater refreshes only once, docs/reference.md, item 6): a long-running server
// calls it on a schedule. If it fails, the client holds no trusted metadata
// until a later refresh succeeds, so nothing is served from a state that
// could not be confirmed.
func (c *Client) Refresh(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	unlock, err := c.l.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()

	removeStrayDelegated(c.l, c.log)
	c.prepared = nil
	if c.l.delegated != c.l.metaDir {
		c.prepared = prepareCached(c.l.delegated) // on another core, while the refresh runs
	}
	up, err := c.refreshOnce(ctx)
	if err != nil && IsVerification(err) {
		if removed := removeCorrupt(c.l, c.log); len(removed) > 0 {
			up, err = c.refreshOnce(ctx)
		}
	}
	c.delegs = newTrustedDelegations()
	if err != nil {
		c.up = nil
		return err
	}
	c.up = up
	c.consistent = up.GetTrustedMetadataSet().Root.Signed.ConsistentSnapshot
	return nil
}

func (c *Client) refreshOnce(ctx context.Context) (up *updater.Updater, err error) {
	root, err := chooseRoot(c.cfg.TrustedRoot, c.l, c.log)
	if err != nil {
		return nil, err
	}
	ucfg, err := config.New(c.cfg.MetadataURL, root)
	if err != nil {
		return nil, fmt.Errorf("tuf: %w", err)
	}
	ucfg.Fetcher = c.tf
	ucfg.LocalMetadataDir = c.l.metaDir
	ucfg.LocalTargetsDir = c.l.targetsDir
	ucfg.RemoteTargetsURL = c.targetsURL

	c.tf.ctx, c.tf.last, c.tf.roots = ctx, "root.json", map[int64][]byte{}
	defer func() {
		c.tf.roots = nil
		if r := recover(); r != nil {
			up, err = nil, recovered(r, c.tf.last)
		}
	}()
	up, err = updater.New(ucfg)
	if err != nil {
		return nil, classify(err, "root.json")
	}
	if !c.cfg.UnsafeRefTime.IsZero() {
		up.UnsafeSetRefTime(c.cfg.UnsafeRefTime)
	}
	err = up.Refresh()
	// Keep the roots go-tuf accepted even when a later step failed: it has
	// already written the newest of them to root.json.
	if herr := recordRoots(c.l, c.tf.roots, up.GetTrustedMetadataSet().Root.Signed.Version); herr != nil {
		c.log.Warn("cannot record root history; the next run starts from the trusted root", "error", herr)
	}
	if err != nil {
		tm := up.GetTrustedMetadataSet()
		return nil, topLevelHashError(withExpiry(classify(err, c.tf.last), tm), tm)
	}
	return up, nil
}

// withExpiry adds the date to go-tuf's "timestamp.json is expired": the trusted set still
// holds the expired root, timestamp or snapshot (go-tuf keeps them for rollback checks).
func withExpiry(err error, tm trustedmetadata.TrustedMetadata) error {
	var ve *VerificationError
	var exp *metadata.ErrExpiredMetadata
	if !errors.As(err, &ve) || !errors.As(err, &exp) {
		return err
	}
	var when time.Time
	switch {
	case ve.Path == "root.json" && tm.Root != nil:
		when = tm.Root.Signed.Expires
	case ve.Path == "timestamp.json" && tm.Timestamp != nil:
		when = tm.Timestamp.Signed.Expires
	case ve.Path == "snapshot.json" && tm.Snapshot != nil:
		when = tm.Snapshot.Signed.Expires
	default:
		return err
	}
	ve.Reason = fmt.Sprintf("expired at %s (the time is now %s)", when.UTC().Format(time.RFC3339), tm.RefTime.UTC().Format(time.RFC3339))
	return err
}

// TrustedRootVersion is the version of the root the last refresh ended on
// (0 before a successful refresh).
func (c *Client) TrustedRootVersion() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.up == nil {
		return 0
	}
	return c.up.GetTrustedMetadataSet().Root.Signed.Version
}

// Expires is when the view of the last successful refresh stops being valid: the earliest
// expiry of the root, timestamp, snapshot and every targets role loaded so far (zero before
// a refresh). go-tuf checks expiry only while loading metadata, so a long-running server
// must stop using a view after this time until a refresh succeeds (freeze attack).
func (c *Client) Expires() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.up == nil {
		return time.Time{}
	}
	tm := c.up.GetTrustedMetadataSet()
	exp := tm.Root.Signed.Expires
	earlier := func(t time.Time) {
		if t.Before(exp) {
			exp = t
		}
	}
	if tm.Timestamp != nil {
		earlier(tm.Timestamp.Signed.Expires)
	}
	if tm.Snapshot != nil {
		earlier(tm.Snapshot.Signed.Expires)
	}
	for _, md := range tm.Targets {
		earlier(md.Signed.Expires)
	}
	for _, r := range c.delegs.roles {
		earlier(r.expires())
	}
	return exp
}

func (c *Client) trusted() (*updater.Updater, error) {
	if c.up == nil {
		return nil, errors.New("tuf: no trusted metadata: the last refresh failed")
	}
	return c.up, nil
}
