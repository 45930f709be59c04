package mirror

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"

	"github.com/tufpip/tufpip/pkg/simpleindex"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// Limits on what an upstream may send.
const (
	// DefaultMaxFileSize caps a distribution file whose page gives no size (and any file
	// whose page gives a larger one): the largest wheels on PyPI are a few GB.
	DefaultMaxFileSize int64 = 8 << 30
	// MaxPageSize caps a project page. PyPI's largest are tens of MB.
	MaxPageSize int64 = 256 << 20
	// maxMetadataSize caps a PEP 658 metadata file.
	maxMetadataSize int64 = 4 << 20
)

// acceptPages asks for PEP 691 JSON first, then HTML (PEP 691's negotiation).
const acceptPages = simpleindex.ContentTypeJSON + ", " + simpleindex.ContentTypeHTML + ";q=0.2, " + simpleindex.ContentTypeLegacyHTML + ";q=0.01"

// Upstream is a PEP 503 / PEP 691 simple index read over HTTP. It counts its requests.
// Redirects are followed only within the same host (tuf.Fetcher's policy); file URLs
// are taken from the pages, whatever host they name, and every file is checked against
// the page's hashes before it is used.
type Upstream struct {
	base        *url.URL
	fetcher     *tuf.Fetcher
	log         *slog.Logger
	maxFileSize int64
	requests    atomic.Int64
}

// NewUpstream checks the index URL (http or https, no credentials in logs) and returns a
// client for it. fetcher nil means a default tuf.Fetcher with two retries.
func NewUpstream(raw string, fetcher *tuf.Fetcher, log *slog.Logger) (*Upstream, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, &UsageError{Msg: fmt.Sprintf("--upstream %q: not an http(s) simple index URL", raw)}
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	if fetcher == nil {
		fetcher = &tuf.Fetcher{Retries: 2, UserAgent: "tufpip-sync"}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Upstream{base: u, fetcher: fetcher, log: log, maxFileSize: DefaultMaxFileSize}, nil
}

// URL returns the index URL, without credentials.
func (u *Upstream) URL() string { return u.base.Redacted() }

// Requests returns the number of HTTP requests made so far.
func (u *Upstream) Requests() int64 { return u.requests.Load() }

// PageResult is one project page as the upstream answered.
type PageResult struct {
	// URL is the page's URL after redirects, without credentials: relative links
	// resolve against it (and withAuth gives same-host files the index's credentials).
	URL          string
	NotModified  bool   // a conditional request was answered 304; Body is empty
	Body         []byte // the page as served
	ContentType  string
	ETag         string
	LastModified string
}

// pageURL is where project's page is, with the index URL's credentials if any: relative
// file URLs on the page resolve against it.
func (u *Upstream) pageURL(project string) *url.URL {
	p := u.base.JoinPath(project) // JoinPath drops the trailing slash
	p.Path += "/"
	return p
}

// PageAt fetches project's page (PEP 503 normalised name), conditionally when etag or
// lastModified is given. A non-empty at is where an earlier run was answered after
// redirects: it is asked directly when it is on the index's host, so a re-sync makes
// exactly one request per project.
func (u *Upstream) PageAt(ctx context.Context, project, at, etag, lastModified string) (*PageResult, error) {
	pageURL := u.pageURL(project)
	if at != "" {
		if a, err := url.Parse(u.withAuth(u.baseFor(project, at))); err == nil {
			pageURL = a
		}
	}
	h := http.Header{"Accept": {acceptPages}}
	if etag != "" {
		h.Set("If-None-Match", etag)
	}
	if lastModified != "" {
		h.Set("If-Modified-Since", lastModified)
	}
	u.requests.Add(1)
	b, err := u.fetcher.OpenWith(ctx, pageURL.String(), h)
	if err != nil {
		return nil, &UpstreamError{Project: project, URL: pageURL.Redacted(), Err: u.scrub(err)}
	}
	defer b.Close()
	res := &PageResult{URL: stripUser(pageURL), NotModified: b.NotModified, ETag: b.Header.Get("ETag"), LastModified: b.Header.Get("Last-Modified"), ContentType: b.Header.Get("Content-Type")}
	if b.Final != nil {
		res.URL = stripUser(b.Final)
	}
	if b.NotModified {
		return res, nil
	}
	if b.ContentLength > MaxPageSize {
		return nil, &UpstreamError{Project: project, URL: pageURL.Redacted(), Err: fmt.Errorf("page larger than %d bytes", MaxPageSize)}
	}
	data, err := io.ReadAll(io.LimitReader(b, MaxPageSize+1))
	if err != nil {
		return nil, &UpstreamError{Project: project, URL: pageURL.Redacted(), Err: u.scrub(err)}
	}
	if int64(len(data)) > MaxPageSize {
		return nil, &UpstreamError{Project: project, URL: pageURL.Redacted(), Err: fmt.Errorf("page larger than %d bytes", MaxPageSize)}
	}
	res.Body = data
	return res, nil
}

// parsePage reads a page fetched from pageURL with the given content type.
func parsePage(body []byte, contentType, pageURL string, log *slog.Logger) (*simpleindex.Page, error) {
	pu, err := url.Parse(pageURL)
	if err != nil {
		return nil, err
	}
	return simpleindex.Parse(body, contentType, pu, log)
}

// strongHashes returns the page's sha256/384/512 hashes of f; only these are checked,
// and a file without one is refused.
func strongHashes(h map[string]string) map[string]string {
	out := map[string]string{}
	for _, alg := range simpleindex.StrongHashes {
		if v := h[alg]; v != "" {
			out[alg] = strings.ToLower(v)
		}
	}
	return out
}

// Download streams f into tmp (truncated first), checking its size (when the page gives
// it) and every strong hash the page lists, and returns its sha256 and size. A file whose
// bytes do not match is a *HashMismatchError; the caller removes tmp.
func (u *Upstream) Download(ctx context.Context, project string, f simpleindex.File, tmp *os.File, progress func(int64)) (string, int64, error) {
	hashes := strongHashes(f.Hashes)
	if len(hashes) == 0 {
		return "", 0, &HashMismatchError{Project: project, Filename: f.Filename, Reason: "the upstream page gives no sha256, sha384 or sha512 hash for it"}
	}
	if err := u.checkFileURL(f.URL); err != nil {
		return "", 0, &UpstreamError{Project: project, URL: f.URL, Err: u.scrub(err)}
	}
	limit := u.maxFileSize
	if f.Size >= 0 && f.Size > limit {
		return "", 0, &UpstreamError{Project: project, URL: redact(f.URL), Err: fmt.Errorf("%s: %d bytes, more than the %d allowed", f.Filename, f.Size, limit)}
	}
	u.requests.Add(1)
	b, err := u.fetcher.Open(ctx, u.withAuth(f.URL))
	if err != nil {
		return "", 0, &UpstreamError{Project: project, URL: redact(f.URL), Err: u.scrub(err)}
	}
	defer b.Close()
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return "", 0, err
	}
	if err := tmp.Truncate(0); err != nil {
		return "", 0, err
	}
	sum := sha256.New()
	cw := &countingWriter{progress: progress}
	// tuf.CheckFile reads at most size+1 bytes when the size is known; the limit
	// bounds the rest.
	r := io.TeeReader(io.LimitReader(b, limit+1), io.MultiWriter(tmp, sum, cw))
	if err := tuf.CheckFile(r, f.Size, hashes); err != nil {
		var ve *tuf.VerificationError
		if errors.As(err, &ve) {
			return "", 0, &HashMismatchError{Project: project, Filename: f.Filename, Reason: byPage(ve.Reason)}
		}
		if ctx.Err() != nil {
			return "", 0, ctx.Err()
		}
		return "", 0, &UpstreamError{Project: project, URL: redact(f.URL), Err: u.scrub(err)}
	}
	if cw.n > limit {
		return "", 0, &UpstreamError{Project: project, URL: redact(f.URL), Err: fmt.Errorf("%s: more than the %d bytes allowed", f.Filename, limit)}
	}
	return hex.EncodeToString(sum.Sum(nil)), cw.n, nil
}

// Metadata fetches f's PEP 658 metadata file and checks it against the page's hash.
func (u *Upstream) Metadata(ctx context.Context, project string, f simpleindex.File) ([]byte, error) {
	hashes := strongHashes(f.CoreMetadata)
	if len(hashes) == 0 {
		return nil, nil // offered without a hash: not used
	}
	if err := u.checkFileURL(f.URL); err != nil {
		return nil, &UpstreamError{Project: project, URL: f.URL, Err: u.scrub(err)}
	}
	u.requests.Add(1)
	data, err := u.fetcher.Get(ctx, u.withAuth(f.URL+".metadata"), maxMetadataSize)
	if err != nil {
		return nil, &UpstreamError{Project: project, URL: redact(f.URL + ".metadata"), Err: u.scrub(err)}
	}
	if err := tuf.CheckFile(bytes.NewReader(data), -1, hashes); err != nil {
		var ve *tuf.VerificationError
		if errors.As(err, &ve) {
			return nil, &HashMismatchError{Project: project, Filename: f.Filename + ".metadata", Reason: byPage(ve.Reason)}
		}
		return nil, err
	}
	return data, nil
}

// checkFileURL admits file URLs on the upstream's own host, or https anywhere (PyPI's
// files live on files.pythonhosted.org). A page cannot aim the mirror at a plain-http
// service on another host, such as one inside the mirror's network.
func (u *Upstream) checkFileURL(raw string) error {
	f, err := url.Parse(raw)
	if err != nil {
		return err
	}
	switch {
	case f.Scheme == "https":
		return nil
	case f.Scheme == "http" && strings.EqualFold(f.Host, u.base.Host):
		return nil
	}
	return fmt.Errorf("file URL %s is neither https nor on the upstream's host %s; refused", f.Redacted(), u.base.Host)
}

// stripUser returns u without its userinfo.
func stripUser(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

// baseFor returns the URL a page saved from an earlier run was served at, when it is on
// the index's host; otherwise the page's usual URL.
func (u *Upstream) baseFor(project, saved string) string {
	if s, err := url.Parse(saved); err == nil && saved != "" && strings.EqualFold(s.Hostname(), u.base.Hostname()) {
		return saved
	}
	return stripUser(u.pageURL(project))
}

// withAuth gives a file URL on the index's own host the index URL's credentials, as pip
// does; other hosts never see them.
func (u *Upstream) withAuth(raw string) string {
	f, err := url.Parse(raw)
	if err != nil || u.base.User == nil || f.User != nil || !strings.EqualFold(f.Host, u.base.Host) || f.Scheme != u.base.Scheme {
		return raw
	}
	f.User = u.base.User
	return f.String()
}

// scrub hides the index URL's password in an error's message (the fetcher names the URL
// it was given).
func (u *Upstream) scrub(err error) error {
	if u.base.User == nil {
		return err
	}
	pw, ok := u.base.User.Password()
	if !ok || pw == "" || !strings.Contains(err.Error(), pw) {
		return err
	}
	return &scrubbed{msg: strings.ReplaceAll(err.Error(), pw, "xxxxx"), err: err}
}

type scrubbed struct {
	msg string
	err error
}

func (s *scrubbed) Error() string { return s.msg }
func (s *scrubbed) Unwrap() error { return s.err }

func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return raw
}

type countingWriter struct {
	n        int64
	progress func(int64)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	if c.progress != nil {
		c.progress(int64(len(p)))
	}
	return len(p), nil
}

// byPage names who gave the expected value in verify's reason ("... the hash expected").
func byPage(reason string) string {
	if r, ok := strings.CutSuffix(reason, " expected"); ok {
		return r + " the upstream page gives"
	}
	return reason
}
