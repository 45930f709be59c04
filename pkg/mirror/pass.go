package mirror

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tufpip/tufpip/pkg/repo"
	"github.com/tufpip/tufpip/pkg/resolve"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// One pass over one project: its page (conditionally), the files its requests select,
// their downloads, Put in batches, and the dependencies of what it mirrors.

// putBatch is how many downloaded files are placed at once.
const putBatch = 32

// pass mirrors what reqs select of project and returns the dependencies of the selected
// files. Failures are recorded, never returned: one project must not stop the others.
func (s *syncer) pass(project string, reqs []request, page *pageSource) passResult {
	out := passResult{project: project}
	known, err := s.sess.Known(project)
	if err != nil {
		s.fail(project, "", "upstream", err)
		return out
	}
	s.mu.Lock()
	if known.New {
		s.first[project] = true // a second pass still counts its files as bootstrap
	}
	bootstrap := s.first[project]
	s.mu.Unlock()
	var validators *repo.UpstreamState // the page was fetched; what describes it
	if page == nil {
		var ok bool
		if page, validators, ok = s.fetchPage(project, known); !ok {
			return out
		}
	}
	fetched := validators != nil
	if page.body == nil {
		if page.body, err = s.sess.SavedPage(project); err != nil {
			s.fail(project, "", "upstream", err)
			return out
		}
	}
	parsed, err := parsePage(page.body, page.contentType, page.url, s.log)
	if err != nil {
		s.fail(project, "", "upstream", err)
		return out
	}
	if parsed.Name != "" && simpleindex.NormalizeName(parsed.Name) != project {
		s.fail(project, "", "upstream", fmt.Errorf("%s: the upstream page is for project %q", s.up.pageURL(project).Redacted(), parsed.Name))
		return out
	}
	cands, bad := s.sel.allowed(project, parsed.Files)
	for _, b := range bad {
		s.warn(fmt.Sprintf("%s: %s is not a valid wheel or sdist filename of %s; skipped", s.up.pageURL(project).Redacted(), b, project))
	}
	versions := s.sel.pick(cands, reqs)
	var selected []candidate
	for _, c := range cands {
		if versions[c.dist.Version.String()] {
			selected = append(selected, c)
		}
	}

	// Known files get the upstream's yank status (only a fetched page can change it);
	// selected new files are downloaded.
	var puts []repo.MirrorFile
	failed := false
	if fetched {
		for _, f := range parsed.Files {
			k, ok := known.Files[f.Filename]
			if !ok {
				continue
			}
			puts = append(puts, repo.MirrorFile{Filename: f.Filename, SHA256: strings.ToLower(f.Hashes["sha256"]), Yanked: f.Yanked, YankedReason: f.YankedReason})
			if k.Yanked != f.Yanked || k.YankedReason != f.YankedReason {
				s.mu.Lock()
				s.res.Yanks = append(s.res.Yanks, f.Filename)
				s.mu.Unlock()
			}
		}
	}
	// Downloads run concurrently; what arrives is handed to Put in batches, so a sync
	// killed in the middle of a large project keeps what it already placed.
	results := make(chan *repo.MirrorFile)
	var failedDownload atomic.Bool
	go func() {
		var wg sync.WaitGroup
		for _, c := range selected {
			if _, ok := known.Files[c.file.Filename]; ok {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				mf, err := s.fetchFile(project, c)
				if err != nil {
					failedDownload.Store(true)
					s.fail(project, c.file.Filename, kindOf(err), err)
					return
				}
				results <- mf
			}()
		}
		wg.Wait()
		close(results)
	}()
	var batch []repo.MirrorFile
	put := func() {
		warnings, err := s.sess.Put(project, batch)
		for _, w := range warnings {
			s.warn(w)
		}
		if err != nil {
			failed = true
			s.putFailures(project, err)
		}
		s.mu.Lock()
		for _, p := range batch {
			if p.Temp != "" && !failedFile(err, p.Filename) {
				s.res.Added = append(s.res.Added, p.Filename)
				if bootstrap {
					s.res.Bootstrap++
				}
			}
		}
		s.mu.Unlock()
		batch = nil
	}
	for mf := range results {
		if s.ctx.Err() != nil {
			os.Remove(mf.Temp)
			continue
		}
		batch = append(batch, *mf)
		if len(batch) >= putBatch {
			put()
		}
	}
	if s.ctx.Err() != nil {
		for _, p := range batch {
			os.Remove(p.Temp)
		}
		return out
	}
	failed = failed || failedDownload.Load()
	batch = append(puts, batch...)
	if fetched || len(batch) > 0 {
		put()
	}
	saved := !fetched
	if fetched && !failed {
		validators.UpstreamLatest = newestVersion(project, parsed.Files)
		if err := s.sess.SetUpstream(project, *validators, page.body); err != nil {
			s.fail(project, "", "upstream", err)
		} else {
			saved = true
		}
	}
	if saved {
		out.page = &pageSource{contentType: page.contentType, url: page.url}
	}
	if s.opts.WithDeps {
		out.deps = s.dependencies(project, selected, reqs)
	}
	return out
}

// fetchPage asks the upstream for project's page, conditionally when a saved page and its
// validators are known: on 304 it returns the saved page and nil validators, else the
// page served and the validators describing it. ok is false on a failure (recorded).
func (s *syncer) fetchPage(project string, known *repo.KnownProject) (page *pageSource, validators *repo.UpstreamState, ok bool) {
	etag, lastMod, at := "", "", ""
	if known.Upstream != nil && known.Page != nil {
		etag, lastMod, at = known.Upstream.ETag, known.Upstream.LastModified, known.Upstream.URL
	}
	if !s.acquire() {
		return nil, nil, false
	}
	pr, err := s.up.PageAt(s.ctx, project, at, etag, lastMod)
	s.release()
	if err != nil {
		s.fail(project, "", "upstream", err)
		return nil, nil, false
	}
	if pr.NotModified && known.Page == nil {
		s.fail(project, "", "upstream", fmt.Errorf("%s: answered 304 Not Modified to a request without validators", pr.URL))
		return nil, nil, false
	}
	if pr.NotModified {
		s.mu.Lock()
		s.res.NotModified++
		s.mu.Unlock()
		return &pageSource{body: known.Page, contentType: known.Upstream.ContentType, url: s.up.baseFor(project, known.Upstream.URL)}, nil, true
	}
	return &pageSource{body: pr.Body, contentType: pr.ContentType, url: pr.URL},
		&repo.UpstreamState{URL: pr.URL, ETag: pr.ETag, LastModified: pr.LastModified, ContentType: pr.ContentType}, true
}

// fetchFile downloads one selected file (and, for an sdist, the upstream's core metadata
// when offered) into a temporary file of the session.
func (s *syncer) fetchFile(project string, c candidate) (*repo.MirrorFile, error) {
	if !s.acquire() {
		return nil, s.ctx.Err()
	}
	defer s.release()
	tmp, err := s.sess.TempFile()
	if err != nil {
		return nil, err
	}
	keep := false
	defer func() {
		if !keep {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	sum, size, err := s.up.Download(s.ctx, project, c.file, tmp, func(n int64) {
		s.bytes.Add(n)
		s.tick(false)
	})
	if err != nil {
		return nil, err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	mf := &repo.MirrorFile{Filename: c.file.Filename, Temp: tmp.Name(), SHA256: sum, Size: size, UploadTime: c.file.UploadTime,
		RequiresPython: c.file.RequiresPython, Yanked: c.file.Yanked, YankedReason: c.file.YankedReason}
	if len(c.file.CoreMetadata) > 0 {
		// For a wheel, Put compares the upstream's metadata with the wheel's own, which
		// it serves; the hash alone tells, without another request.
		if c.dist.Wheel {
			mf.CoreMetadataSHA256 = strings.ToLower(c.file.CoreMetadata["sha256"])
		} else if mf.CoreMetadata, err = s.up.Metadata(s.ctx, project, c.file); err != nil {
			return nil, err
		}
	}
	keep = true
	s.files.Add(1)
	s.mu.Lock()
	s.res.Bytes += size
	s.mu.Unlock()
	return mf, nil
}

func kindOf(err error) string {
	var hm *HashMismatchError
	var ce *repo.ConflictError
	var de *repo.DistError
	var me *repo.MetadataMismatchError
	switch {
	case errors.As(err, &hm), errors.As(err, &me):
		return "hash"
	case errors.As(err, &ce):
		return "conflict"
	case errors.As(err, &de):
		return "file"
	}
	return "upstream"
}

// putFailures records each file Put refused (it joins one error per file).
func (s *syncer) putFailures(project string, err error) {
	for _, e := range joined(err) {
		s.fail(project, fileOf(e), kindOf(e), e)
	}
}

// joined returns the errors err joins (errors.Join), or err alone.
func joined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func fileOf(err error) string {
	var ce *repo.ConflictError
	var de *repo.DistError
	var me *repo.MetadataMismatchError
	switch {
	case errors.As(err, &ce):
		return ce.Filename
	case errors.As(err, &de):
		return de.File
	case errors.As(err, &me):
		return me.Filename
	}
	return ""
}

func failedFile(err error, filename string) bool {
	if err == nil {
		return false
	}
	for _, e := range joined(err) {
		if f := fileOf(e); f == filename || f == "" {
			return true
		}
	}
	return false
}

// dependencies reads the core metadata of the selected files and returns the
// requirements that apply in any target environment, for the extras requested.
func (s *syncer) dependencies(project string, selected []candidate, reqs []request) []resolve.Requirement {
	extras := []string{""}
	for _, r := range reqs {
		extras = append(extras, r.extras...)
	}
	var deps []resolve.Requirement
	for _, c := range selected {
		data, _, err := s.sess.CoreMetadata(c.file.Filename)
		if errors.Is(err, os.ErrNotExist) {
			continue // not placed: its failure is already recorded
		}
		var md *coreMetadata
		if err == nil {
			md, err = parseCoreMetadata(data)
		}
		// PEP 643 holds for an sdist's metadata wherever it comes from (its PKG-INFO or
		// the upstream's .metadata, which is the same file).
		if err == nil && !c.dist.Wheel && !md.sdistDepsReliable() {
			err = errors.New("PKG-INFO older than metadata 2.2 or with dynamic Requires-Dist")
		}
		if err != nil {
			s.mu.Lock()
			s.res.DepsUnreadable = append(s.res.DepsUnreadable, c.file.Filename)
			s.mu.Unlock()
			s.log.Debug("dependencies not read", "file", c.file.Filename, "err", err)
			continue
		}
		d, warnings := md.dependencies(extras, s.sel.envs)
		for _, w := range warnings {
			s.warn(c.file.Filename + ": " + w)
		}
		deps = append(deps, d...)
	}
	return deps
}
