package tuf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Fetcher is the HTTP client under both go-tuf and our target downloads.
// go-tuf's own fetcher has no timeouts, can mutate http.DefaultClient and
// retries blindly (docs/reference.md, item 9), so we bring ours: every request carries
// a context, a stalled server errors out after IdleTimeout, sizes are capped
// while reading, and only connection errors and 5xx responses are retried,
// a bounded number of times. A 404 is never retried: it ends go-tuf's root
// rotation probe.
type Fetcher struct {
	Client      *http.Client  // nil: a client with connect and header timeouts
	UserAgent   string        // "tufpip/<version>"
	Retries     int           // extra attempts after the first; 0 = exactly one request
	IdleTimeout time.Duration // longest wait for the next byte; 0 = 30s
	RetryDelay  time.Duration // first backoff, doubled per retry up to 4s; 0 = 250ms
	Logger      *slog.Logger  // nil = quiet

	// MinRate is the slow-retrieval defence: a body must deliver at least
	// this many bytes per second, averaged over each window of twice the
	// idle timeout, or the read fails. A server trickling one byte just
	// inside the idle timeout would otherwise hold a run forever.
	// 0 = 1 KiB/s; negative = no minimum.
	MinRate int64
}

const (
	defaultIdleTimeout = 30 * time.Second
	defaultRetryDelay  = 250 * time.Millisecond
	maxRetryDelay      = 4 * time.Second
)

// errStalled is what a read returns when the server sends nothing for IdleTimeout.
var errStalled = errors.New("server stalled: no data within the idle timeout")

// errTooSlow is what a read returns when the server sends too little, too slowly.
var errTooSlow = errors.New("server too slow: below the minimum transfer rate (slow retrieval)")

const defaultMinRate = 1024

var defaultHTTPClient = &http.Client{
	Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	},
	// No overall Client.Timeout: it would kill large downloads that are
	// making progress. Stalls are caught by the idle timer instead.
	CheckRedirect: sameOrigin,
}

// errCrossOrigin is what following a redirect to another origin returns.
var errCrossOrigin = errors.New("redirect to another host or scheme refused")

// sameOrigin follows a redirect only to the host (and scheme, or an upgrade to
// https) of the first request. Everything fetched is verified, but a mirror
// must not aim tufpip at arbitrary URLs (other hosts, internal services,
// plain http), nor move a file trusted through a page hash outside the
// targets URL (docs/design.md trust rules).
func sameOrigin(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	from, to := via[0].URL, req.URL
	switch {
	case !strings.EqualFold(from.Host, to.Host) && !(strings.EqualFold(from.Hostname(), to.Hostname()) && to.Scheme == "https" && to.Port() == ""):
		return fmt.Errorf("%w: %s to %s", errCrossOrigin, from.Redacted(), to.Redacted())
	case from.Scheme != to.Scheme && !(from.Scheme == "http" && to.Scheme == "https"):
		return fmt.Errorf("%w: %s to %s", errCrossOrigin, from.Redacted(), to.Redacted())
	}
	return nil
}

func (f *Fetcher) client() *http.Client {
	if f.Client != nil {
		if f.Client.CheckRedirect != nil {
			return f.Client // the caller chose a redirect policy
		}
		c := *f.Client
		c.CheckRedirect = sameOrigin
		return &c
	}
	return defaultHTTPClient
}

func (f *Fetcher) idle() time.Duration {
	if f.IdleTimeout > 0 {
		return f.IdleTimeout
	}
	return defaultIdleTimeout
}

func (f *Fetcher) minRate() int64 {
	switch {
	case f.MinRate < 0:
		return 0
	case f.MinRate == 0:
		return defaultMinRate
	}
	return f.MinRate
}

func (f *Fetcher) logger() *slog.Logger {
	if f.Logger != nil {
		return f.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Body is a response body whose reads fail with a *NetworkError when the
// server stalls for longer than the idle timeout.
type Body struct {
	ContentLength int64 // from the response header; -1 when unknown
	// Header is the response's header; NotModified is set when a conditional request
	// (OpenWith) was answered 304, and the body is then empty.
	Header      http.Header
	NotModified bool
	// Final is the URL that answered, after (same-origin) redirects: relative links in
	// the body resolve against it.
	Final   *url.URL
	url     string
	ctx     context.Context
	rc      io.ReadCloser
	timer   *time.Timer
	idle    time.Duration
	cancel  context.CancelFunc
	stalled atomic.Bool

	minRate  int64 // bytes per second; 0 = no minimum
	winStart time.Time
	winBytes int64
}

func (b *Body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.timer.Reset(b.idle)
	}
	if err != nil && err != io.EOF {
		err = b.wrap(err)
	}
	if err == nil && b.minRate > 0 {
		b.winBytes += int64(n)
		window := 2 * b.idle
		if now := time.Now(); now.Sub(b.winStart) >= window {
			if float64(b.winBytes) < float64(b.minRate)*now.Sub(b.winStart).Seconds() {
				return n, &NetworkError{URL: b.url, Err: errTooSlow}
			}
			b.winStart, b.winBytes = now, 0
		}
	}
	return n, err
}

// Close releases the connection and the idle timer.
func (b *Body) Close() error {
	b.timer.Stop()
	err := b.rc.Close()
	b.cancel()
	return err
}

func (b *Body) wrap(err error) error {
	switch {
	case b.ctx.Err() != nil:
		return &NetworkError{URL: b.url, Err: b.ctx.Err()}
	case b.stalled.Load():
		return &NetworkError{URL: b.url, Err: errStalled}
	}
	return &NetworkError{URL: b.url, Err: err}
}

// Open sends a GET and returns the body of a 200 response. Status errors are
// *NetworkError wrapping *metadata.ErrDownloadHTTP. Retries happen only
// before the body starts.
func (f *Fetcher) Open(ctx context.Context, url string) (*Body, error) {
	return f.OpenWith(ctx, url, nil)
}

// OpenWith is Open with extra request headers (Accept, If-None-Match,
// If-Modified-Since). A 304 answer is a Body with NotModified set.
func (f *Fetcher) OpenWith(ctx context.Context, url string, header http.Header) (*Body, error) {
	for try := 0; ; try++ {
		b, retry, err := f.attempt(ctx, url, header)
		if err == nil {
			return b, nil
		}
		if !retry || try >= f.Retries {
			return nil, err
		}
		if err := f.backoff(ctx, url, try, err); err != nil {
			return nil, err
		}
	}
}

// Get downloads url into memory, failing with
// *metadata.ErrDownloadLengthMismatch as soon as more than maxLength bytes
// arrive (or are announced). A connection failure while reading the body is
// retried like one before it.
func (f *Fetcher) Get(ctx context.Context, url string, maxLength int64) ([]byte, error) {
	for try := 0; ; try++ {
		start := time.Now()
		data, retry, err := f.getOnce(ctx, url, maxLength)
		if err == nil {
			f.logger().Debug("fetched", "url", url, "bytes", len(data), "time", time.Since(start).Round(100*time.Microsecond))
			return data, nil
		}
		if !retry || try >= f.Retries {
			return nil, err
		}
		if err := f.backoff(ctx, url, try, err); err != nil {
			return nil, err
		}
	}
}

func (f *Fetcher) getOnce(ctx context.Context, url string, maxLength int64) ([]byte, bool, error) {
	b, retry, err := f.attempt(ctx, url, nil)
	if err != nil {
		return nil, retry, err
	}
	defer b.Close()
	if b.ContentLength > maxLength {
		return nil, false, tooLarge(url, maxLength)
	}
	data, err := io.ReadAll(io.LimitReader(b, maxLength+1))
	if err != nil {
		return nil, ctx.Err() == nil, err
	}
	if int64(len(data)) > maxLength {
		return nil, false, tooLarge(url, maxLength)
	}
	return data, false, nil
}

func tooLarge(url string, maxLength int64) error {
	return &metadata.ErrDownloadLengthMismatch{Msg: fmt.Sprintf("%s is larger than the allowed %d bytes", url, maxLength)}
}

// attempt makes one request. retry says whether trying again could help.
func (f *Fetcher) attempt(ctx context.Context, url string, header http.Header) (*Body, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	rctx, cancel := context.WithCancel(ctx)
	b := &Body{url: url, ctx: ctx, idle: f.idle(), cancel: cancel}
	// The idle timer also bounds the wait for response headers, whatever
	// client the caller supplied.
	b.timer = time.AfterFunc(b.idle, func() { b.stalled.Store(true); cancel() })
	fail := func() { b.timer.Stop(); cancel() }

	req, err := http.NewRequestWithContext(rctx, http.MethodGet, url, nil)
	if err != nil {
		fail()
		return nil, false, &NetworkError{URL: url, Err: err}
	}
	ua := f.UserAgent
	if ua == "" {
		ua = "tufpip"
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", ua)
	resp, err := f.client().Do(req)
	if err != nil {
		fail()
		if ctx.Err() != nil {
			return nil, false, &NetworkError{URL: url, Err: ctx.Err()}
		}
		return nil, true, b.wrap(err)
	}
	if resp.StatusCode == http.StatusNotModified && header != nil {
		resp.Body.Close()
		b.rc, b.Header, b.NotModified, b.Final = http.NoBody, resp.Header, true, resp.Request.URL
		b.timer.Reset(b.idle)
		return b, false, nil
	}
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096)) // lets the connection be reused
		resp.Body.Close()
		fail()
		httpErr := &metadata.ErrDownloadHTTP{StatusCode: resp.StatusCode, URL: url}
		return nil, resp.StatusCode >= 500, &NetworkError{URL: url, StatusCode: resp.StatusCode, Err: httpErr}
	}
	b.rc, b.Header, b.Final = resp.Body, resp.Header, resp.Request.URL
	b.ContentLength = resp.ContentLength
	b.minRate, b.winStart = f.minRate(), time.Now()
	b.timer.Reset(b.idle)
	return b, false, nil
}

func (f *Fetcher) backoff(ctx context.Context, url string, try int, cause error) error {
	d := f.RetryDelay
	if d <= 0 {
		d = defaultRetryDelay
	}
	for range try {
		d *= 2
		if d >= maxRetryDelay {
			d = maxRetryDelay
			break
		}
	}
	f.logger().Warn("retrying download", "url", url, "attempt", try+2, "after", d, "error", cause)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return &NetworkError{URL: url, Err: ctx.Err()}
	case <-t.C:
		return nil
	}
}

// MaxMetadataLength caps every metadata file, whatever length the signed metadata
// announces: go-tuf reads a file whole into memory, and the length of a delegated role
// comes from the snapshot, an online key. Whoever holds it could otherwise make every
// client (even --require-role stable, whose lookups walk past stable) read gigabytes.
const MaxMetadataLength = 128 << 20

// tufFetcher adapts Fetcher to go-tuf's fetcher.Fetcher interface, which has
// no context parameter: the Client sets ctx before every go-tuf call (it
// holds its mutex, so one call at a time).
type tufFetcher struct {
	f     *Fetcher
	ctx   context.Context
	last  string           // last metadata file requested, for error messages
	roots map[int64][]byte // N.root.json bodies seen during a refresh
}

func (t *tufFetcher) DownloadFile(url string, maxLength int64, _ time.Duration) ([]byte, error) {
	ctx := t.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	t.last = metadataFileName(url)
	data, err := t.f.Get(ctx, url, min(maxLength, MaxMetadataLength))
	if err != nil {
		// go-tuf ends the root probe only on a 404 it can see as
		// *metadata.ErrDownloadHTTP: hand it over unwrapped.
		var h *metadata.ErrDownloadHTTP
		if errors.As(err, &h) {
			return nil, h
		}
		return nil, err
	}
	if v, ok := rootVersion(t.last); ok && t.roots != nil {
		t.roots[v] = data
	}
	return data, nil
}
