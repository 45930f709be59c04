package tuf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/tufpip/tufpip/internal/atomicfile"
)

// maxFetch bounds Fetch, which holds the target in memory: a role could sign
// a huge "page". Larger targets go through Download.
const maxFetch = 64 << 20

// TargetURL is where t is downloaded from: under consistent snapshots
// <dir>/<hexhash>.<basename> with the sha256 hash when listed, else
// <dir>/<basename>; every path segment escaped.
func (c *Client) TargetURL(t *Target) string {
	return c.targetURLs(t)[0]
}

func (c *Client) targetURLs(t *Target) []string {
	c.mu.Lock()
	consistent := c.consistent
	c.mu.Unlock()
	return targetURLs(c.targetsURL, t, consistent)
}

// targetURLs lists the URLs to try for t, in order. Under consistent
// snapshots there is one per listed hash (sha256 first, then sorted): a
// repository may have published the file under any of them, so a 404 falls
// back to the next (docs/reference.md, item 10).
func targetURLs(base string, t *Target, consistent bool) []string {
	if t.URL != "" {
		return []string{t.URL}
	}
	prefix := base
	file := t.Path
	if i := strings.LastIndex(t.Path, "/"); i >= 0 {
		prefix += escapePath(t.Path[:i]) + "/"
		file = t.Path[i+1:]
	}
	if !consistent || len(t.Hashes) == 0 {
		return []string{prefix + escapeSegment(file)}
	}
	var out []string
	for _, alg := range hashOrder(t.Hashes) {
		out = append(out, prefix+escapeSegment(strings.ToLower(t.Hashes[alg])+"."+file))
	}
	return out
}

func escapeSegment(s string) string { return url.PathEscape(s) }

func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = escapeSegment(s)
	}
	return strings.Join(segs, "/")
}

func signedBy(t *Target) string {
	if t.Role != "" {
		return "signed by role " + t.Role
	}
	return "signed"
}

func (t *Target) mismatch(reason string) error {
	return &VerificationError{Path: t.Path, Role: t.Role, Reason: reason}
}

// check rejects a Target we could not fully verify before any download.
func (t *Target) check() error {
	if t == nil {
		return errors.New("tuf: nil target")
	}
	if t.Length < 0 && t.URL == "" {
		return t.mismatch(fmt.Sprintf("negative length %d %s", t.Length, signedBy(t)))
	}
	if err := checkHashes(t.Hashes); err != nil {
		return t.mismatch(err.Error() + " (" + signedBy(t) + ")")
	}
	return nil
}

func is404(err error) bool {
	var ne *NetworkError
	return errors.As(err, &ne) && ne.StatusCode == 404
}

// DownloadOption adjusts one Download.
type DownloadOption func(*downloadOptions)

type downloadOptions struct {
	progress func(total int64) io.Writer
	source   string
}

// From makes Download fetch the target from rawURL instead of from where the repository
// stores it: a file that a trusted page links on another host (a files host, Config.FilesURLs
// in pkg/finder) and that is also a TUF target. The length and every signed hash are checked
// as for any download; "" changes nothing.
func From(rawURL string) DownloadOption {
	return func(o *downloadOptions) { o.source = rawURL }
}

// WithProgress gives Download a writer that sees every byte as it arrives (a progress bar);
// newBar is called with the expected size (-1 when unknown) once the download starts. A
// writer that is also an io.Closer is closed when the download ends.
func WithProgress(newBar func(total int64) io.Writer) DownloadOption {
	return func(o *downloadOptions) { o.progress = newBar }
}

// Download streams t into dest: into a temporary file beside dest, reading at
// most Length+1 bytes, checking the length and every listed hash, then fsync
// and rename. Memory use does not depend on the target's size. On any
// failure nothing is left at dest (a file already there is not touched) and
// the temporary file is removed.
func (c *Client) Download(ctx context.Context, t *Target, dest string, opts ...DownloadOption) (err error) {
	if err := t.check(); err != nil {
		return err
	}
	var o downloadOptions
	for _, opt := range opts {
		opt(&o)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".*.part")
	if err != nil {
		return fmt.Errorf("download %s: %w", t.Path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	urls := c.targetURLs(t)
	if o.source != "" {
		urls = []string{o.source}
	}
	for i, u := range urls {
		body, oerr := c.fetcher.Open(ctx, u)
		if oerr != nil {
			if is404(oerr) && i+1 < len(urls) {
				c.log.Debug("target not at this hash-prefixed url; trying the next hash", "url", u)
				continue
			}
			return oerr
		}
		var w io.Writer = tmp
		if o.progress != nil {
			if p := o.progress(t.Length); p != nil {
				w = io.MultiWriter(tmp, p)
				if cl, ok := p.(io.Closer); ok {
					defer cl.Close()
				}
			}
		}
		err = c.receive(w, body, t)
		body.Close()
		if err != nil {
			return err
		}
		break
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("download %s: %w", t.Path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("download %s: %w", t.Path, err)
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("download %s: %w", t.Path, err)
	}
	if err = os.Rename(tmp.Name(), dest); err != nil {
		return fmt.Errorf("download %s: %w", t.Path, err)
	}
	return nil
}

func (c *Client) receive(w io.Writer, body *Body, t *Target) error {
	if t.Length < 0 {
		// A page-hash file of unknown size: the hashes decide, the cap bounds the disk.
		if body.ContentLength > MaxUnsizedFile {
			return t.mismatch(fmt.Sprintf("server announced %d bytes, more than the %d tufpip accepts for a file of unknown size", body.ContentLength, MaxUnsizedFile))
		}
		lr := &io.LimitedReader{R: body, N: MaxUnsizedFile + 1}
		reason, err := streamCheck(w, lr, -1, t.Hashes, signedBy(t))
		if err != nil {
			return err
		}
		if lr.N == 0 {
			return t.mismatch(fmt.Sprintf("longer than the %d bytes tufpip accepts for a file of unknown size", MaxUnsizedFile))
		}
		if reason != "" {
			return t.mismatch(reason)
		}
		return nil
	}
	if body.ContentLength > t.Length {
		return t.mismatch(fmt.Sprintf("server announced %d bytes, more than the %d %s", body.ContentLength, t.Length, signedBy(t)))
	}
	reason, err := streamCheck(w, body, t.Length, t.Hashes, signedBy(t))
	if err != nil {
		return err
	}
	if reason != "" {
		return t.mismatch(reason)
	}
	return nil
}

// Fetch returns t's verified bytes, for small targets such as index pages.
// It reads at most t.Length+1 bytes. Verified targets are kept in the cache's
// targets/ directory under their hash and re-verified when read back.
func (c *Client) Fetch(ctx context.Context, t *Target) ([]byte, error) {
	return c.fetch(ctx, t, "")
}

// FetchFrom is Fetch from rawURL instead of from where the repository stores t: a page
// whose bytes are stored apart from its target name, such as PyPI's content-addressed
// "simple/<project>/<blake2b>.<project>.html" for the target "<project>". The length and
// every signed hash are checked, and the cache is shared with Fetch (by hash), so the
// source does not change what is accepted.
func (c *Client) FetchFrom(ctx context.Context, t *Target, rawURL string) ([]byte, error) {
	if rawURL == "" {
		return nil, errors.New("tuf: FetchFrom without a url")
	}
	return c.fetch(ctx, t, rawURL)
}

func (c *Client) fetch(ctx context.Context, t *Target, source string) ([]byte, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if t.Length > maxFetch {
		return nil, fmt.Errorf("tuf: %s is %d bytes, too large to fetch into memory", t.Path, t.Length)
	}
	limit := t.Length
	if limit < 0 { // a page-hash file of unknown size (PageFile): the hashes decide
		limit = maxFetch
	}
	alg := hashOrder(t.Hashes)[0]
	cached := filepath.Join(c.l.targetsDir, alg+"-"+strings.ToLower(t.Hashes[alg]))
	if data, err := readCapped(cached, limit+1); err == nil {
		if reason, _ := streamCheck(io.Discard, &memReader{data}, t.Length, t.Hashes, signedBy(t)); reason == "" {
			c.log.Debug("from cache", "path", t.Path, "role", t.Role)
			return data, nil
		}
		c.log.Warn("cached target does not verify; downloading it again", "path", t.Path, "file", cached)
	}
	urls := c.targetURLs(t)
	if source != "" {
		urls = []string{source}
	}
	var data []byte
	for i, u := range urls {
		var err error
		data, err = c.fetcher.Get(ctx, u, limit)
		if err != nil {
			if is404(err) && i+1 < len(urls) {
				continue
			}
			err = classify(err, t.Path)
			if ve := (*VerificationError)(nil); errors.As(err, &ve) {
				ve.Role = t.Role
			}
			return nil, err
		}
		break
	}
	reason, err := streamCheck(io.Discard, &memReader{data}, t.Length, t.Hashes, signedBy(t))
	if err != nil {
		return nil, err
	}
	if reason != "" {
		return nil, t.mismatch(reason)
	}
	// Not synced: a cached target is re-verified on every read, so one lost in a crash is
	// only downloaded again.
	if err := atomicfile.WriteFileUnsynced(cached, data, 0o600); err != nil {
		c.log.Warn("cannot cache target", "path", t.Path, "error", err)
	}
	return data, nil
}

func readCapped(p string, limit int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() < limit {
		// One buffer of the file's size (a 1.4 MB page grew through a dozen copies).
		buf := make([]byte, fi.Size()+1)
		n, err := io.ReadFull(f, buf)
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			return buf[:n], nil
		}
		if err != nil {
			return nil, err
		}
		rest, err := io.ReadAll(io.LimitReader(f, limit-int64(n)))
		return append(buf, rest...), err
	}
	return io.ReadAll(io.LimitReader(f, limit))
}
