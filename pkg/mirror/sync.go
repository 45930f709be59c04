package mirror

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tufpip/tufpip/pkg/repo"
	"github.com/tufpip/tufpip/pkg/resolve"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// Options say what a sync mirrors.
type Options struct {
	// Requirements are PEP 508 requirements ("foo", "foo>=2", "foo[extra]==1.0;
	// python_version<'3.12'"): the projects to mirror and which of their versions.
	Requirements []string
	WithDeps     bool     // also mirror the dependency closure (core metadata)
	Pythons      []string // --python-version: wheels and markers for these versions
	Platforms    []string // --platform: wheels for these platform tags
	OnlyBinary   bool     // no sdists
	Latest       int      // newest N versions per request; 0: every version
	Jobs         int      // concurrent requests; 0: 4
	// CommitEvery publishes what is placed so far when this long has passed since the
	// last commit (0: 10 minutes), so a long first sync refreshes the timestamp, which
	// cannot be renewed while sync holds the repository lock.
	CommitEvery time.Duration
	Now         time.Time
	Logger      *slog.Logger
	// Progress, when set, is called after every project and about every 256 KiB.
	Progress func(Progress)
}

// Progress is a snapshot of a running sync.
type Progress struct {
	ProjectsDone  int
	ProjectsTotal int // grows as dependencies are found
	Files         int
	Bytes         int64
}

// Failure is one thing a sync could not do.
type Failure struct {
	Project string `json:"project"`
	File    string `json:"file,omitempty"`
	// Kind: "hash" (bytes do not match the upstream's hashes), "conflict" (upstream
	// changed a file the mirror already published), "file" (not a well-formed
	// distribution), "upstream" (network, HTTP status, limits).
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// Result is a sync's summary (tufpip's JSON conventions: camelCase, lists never null).
type Result struct {
	OK          bool     `json:"ok"` // nothing failed
	Upstream    string   `json:"upstream"`
	Projects    []string `json:"projects"`    // every project looked at, sorted
	NotModified int      `json:"notModified"` // pages the upstream answered 304
	Added       []string `json:"added"`       // files newly mirrored
	Bytes       int64    `json:"bytes"`       // downloaded
	Yanks       []string `json:"yankChanges"` // files whose yank status changed
	Signed      []string `json:"signed"`      // projects whose unstable page was re-signed
	Published   bool     `json:"published"`   // a new timestamp was written
	// Bootstrap counts files mirrored at their project's first sync: only they may take
	// the upstream's upload-time as their age (see repo promote).
	Bootstrap      int       `json:"bootstrapFiles"`
	Requests       int64     `json:"requests"`
	DepsUnreadable []string  `json:"depsUnreadable"` // sdists whose dependencies could not be read
	Failures       []Failure `json:"failures"`
	Warnings       []string  `json:"warnings"`
}

// Sync mirrors opts.Requirements (and with WithDeps their dependencies) from up into r:
// new files are downloaded and checked, placed, and signed by unstable in one commit at
// the end. A failing project or file does not stop the others; Sync then returns the
// Result together with a *SyncError. Other errors (the repository, the lock) stop it.
func Sync(ctx context.Context, r *repo.Repo, up *Upstream, opts Options) (*Result, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = 4
	}
	sel, err := newSelector(opts.Pythons, opts.Platforms, opts.OnlyBinary, opts.Latest)
	if err != nil {
		return nil, err
	}
	roots := map[string][]request{}
	var order []string
	for _, raw := range opts.Requirements {
		req, err := resolve.ParseRequirement(raw)
		if err != nil {
			return nil, &UsageError{Msg: err.Error()}
		}
		if !appliesAnywhere(req, sel.envs) {
			continue
		}
		if _, ok := roots[req.Project]; !ok {
			order = append(order, req.Project)
		}
		roots[req.Project] = append(roots[req.Project], request{spec: req.Specifier, extras: req.Extras})
	}
	if len(order) == 0 {
		return nil, &UsageError{Msg: "nothing to mirror: name projects or give -r files"}
	}
	sess, err := r.BeginMirror(ctx, opts.Now)
	if err != nil {
		return nil, err
	}
	defer sess.Close()

	s := &syncer{ctx: ctx, sess: sess, up: up, sel: sel, opts: opts, log: log, sem: make(chan struct{}, jobs), lastCommit: time.Now(),
		res: &Result{Upstream: up.URL()}, projects: map[string]*projectWork{}, first: map[string]bool{}}
	s.run(order, roots, jobs)
	if s.commitErr != nil {
		return nil, s.commitErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := s.commit(); err != nil {
		return nil, err
	}
	res := s.res
	res.Signed = sortedUnique(res.Signed)
	res.Requests = up.Requests()
	sort.Strings(res.Added)
	sort.Strings(res.Yanks)
	sort.Strings(res.DepsUnreadable)
	for p := range s.projects {
		res.Projects = append(res.Projects, p)
	}
	sort.Strings(res.Projects)
	sort.Slice(res.Failures, func(i, j int) bool {
		a, b := res.Failures[i], res.Failures[j]
		return a.Project+"\x00"+a.File < b.Project+"\x00"+b.File
	})
	for _, l := range []*[]string{&res.Added, &res.Yanks, &res.Signed, &res.DepsUnreadable, &res.Warnings, &res.Projects} {
		if *l == nil {
			*l = []string{}
		}
	}
	if res.Failures == nil {
		res.Failures = []Failure{}
	}
	res.OK = len(res.Failures) == 0
	if len(res.Failures) > 0 {
		se := &SyncError{Failed: len(res.Failures)}
		for _, f := range res.Failures {
			if f.Kind == "hash" || f.Kind == "conflict" {
				se.Verification = true
			}
		}
		return res, se
	}
	return res, nil
}

// appliesAnywhere reports whether req's marker holds in any target environment.
func appliesAnywhere(req resolve.Requirement, envs []map[string]string) bool {
	for _, env := range envs {
		if ok, err := req.Applies(env, nil); ok || err != nil {
			return true // a marker we cannot evaluate: mirror rather than miss
		}
	}
	return false
}

// projectWork is the closure's bookkeeping for one project.
type projectWork struct {
	reqs    []request
	keys    map[string]bool
	running bool
	queued  bool
	dirty   bool // requests arrived while it ran
	// page is where this run got the project's page, for a second pass (new requests):
	// nil before the first pass.
	page *pageSource
}

// pageSource says where a project's page is. The body is kept only while the pass runs:
// a second pass reads it back from the session's saved copy, so memory does not grow
// with the number of projects.
type pageSource struct {
	body        []byte
	contentType string
}

type syncer struct {
	ctx  context.Context
	sess *repo.MirrorSession
	up   *Upstream
	sel  *selector
	opts Options
	log  *slog.Logger
	sem  chan struct{} // bounds concurrent requests

	lastCommit time.Time
	commitErr  error // an intermediate commit failed: stop

	mu       sync.Mutex
	res      *Result
	projects map[string]*projectWork
	first    map[string]bool // projects with no file before this run
	done     int
	bytes    atomic.Int64
	files    atomic.Int64
	lastTick atomic.Int64
}

type passResult struct {
	project string
	deps    []resolve.Requirement
	page    *pageSource
}

// run works through the closure with up to jobs projects at a time.
func (s *syncer) run(order []string, roots map[string][]request, jobs int) {
	var queue []string
	add := func(project string, r request) {
		pw := s.projects[project]
		if pw == nil {
			pw = &projectWork{keys: map[string]bool{}}
			s.projects[project] = pw
		}
		if pw.keys[r.key()] {
			return
		}
		pw.keys[r.key()] = true
		pw.reqs = append(pw.reqs, r)
		switch {
		case pw.running:
			pw.dirty = true
		case !pw.queued:
			pw.queued = true
			queue = append(queue, project)
		}
	}
	s.mu.Lock()
	for _, p := range order {
		for _, r := range roots[p] {
			add(p, r)
		}
	}
	s.mu.Unlock()
	results := make(chan passResult)
	inflight := 0
	for {
		s.mu.Lock()
		for len(queue) > 0 && inflight < jobs && s.ctx.Err() == nil && s.commitErr == nil {
			p := queue[0]
			queue = queue[1:]
			pw := s.projects[p]
			pw.queued, pw.running, pw.dirty = false, true, false
			reqs := append([]request(nil), pw.reqs...)
			page := pw.page
			inflight++
			go func() { results <- s.pass(p, reqs, page) }()
		}
		s.mu.Unlock()
		if inflight == 0 {
			return
		}
		pr := <-results
		inflight--
		s.mu.Lock()
		pw := s.projects[pr.project]
		pw.running = false
		if pr.page != nil {
			pw.page = pr.page
		}
		if pw.dirty && !pw.queued {
			pw.queued = true
			queue = append(queue, pr.project)
		}
		s.done++
		every := s.opts.CommitEvery
		if every <= 0 {
			every = defaultCommitEvery
		}
		if time.Since(s.lastCommit) >= every {
			s.mu.Unlock()
			if err := s.commit(); err != nil {
				s.commitErr = err
				queue = nil
			}
			s.mu.Lock()
		}
		if s.opts.WithDeps && s.commitErr == nil {
			for _, d := range pr.deps {
				add(d.Project, request{spec: d.Specifier, extras: d.Extras})
			}
		}
		s.mu.Unlock()
		s.tick(true)
	}
}

const defaultCommitEvery = 10 * time.Minute

// commit publishes what the passes so far placed.
func (s *syncer) commit() error {
	c, err := s.sess.Commit()
	s.lastCommit = time.Now()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.res.Published = s.res.Published || c.Published
	s.res.Signed = append(s.res.Signed, c.Projects...)
	return nil
}

func sortedUnique(l []string) []string {
	sort.Strings(l)
	return slices.Compact(l)
}

func (s *syncer) tick(force bool) {
	if s.opts.Progress == nil {
		return
	}
	now := time.Now().UnixNano()
	if !force && now-s.lastTick.Load() < int64(100*time.Millisecond) {
		return
	}
	s.lastTick.Store(now)
	s.mu.Lock()
	p := Progress{ProjectsDone: s.done, ProjectsTotal: len(s.projects), Files: int(s.files.Load()), Bytes: s.bytes.Load()}
	s.mu.Unlock()
	s.opts.Progress(p)
}

func (s *syncer) fail(project, file, kind string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.res.Failures = append(s.res.Failures, Failure{Project: project, File: file, Kind: kind, Message: err.Error()})
	s.log.Debug("sync failure", "project", project, "file", file, "err", err)
}

func (s *syncer) warn(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.res.Warnings = append(s.res.Warnings, msg)
}

func (s *syncer) acquire() bool {
	select {
	case s.sem <- struct{}{}:
		return true
	case <-s.ctx.Done():
		return false
	}
}

func (s *syncer) release() { <-s.sem }

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
	fetched := false
	var validators repo.UpstreamState
	if page == nil {
		etag, lastMod := "", ""
		if known.Upstream != nil && known.Page != nil {
			etag, lastMod = known.Upstream.ETag, known.Upstream.LastModified
		}
		if !s.acquire() {
			return out
		}
		pr, err := s.up.Page(s.ctx, project, etag, lastMod)
		s.release()
		if err != nil {
			s.fail(project, "", "upstream", err)
			return out
		}
		if pr.NotModified && known.Page == nil {
			s.fail(project, "", "upstream", fmt.Errorf("%s: answered 304 Not Modified to a request without validators", pr.URL))
			return out
		}
		if pr.NotModified {
			page = &pageSource{body: known.Page, contentType: known.Upstream.ContentType}
			s.mu.Lock()
			s.res.NotModified++
			s.mu.Unlock()
		} else {
			page = &pageSource{body: pr.Body, contentType: pr.ContentType}
			fetched = true
			validators = repo.UpstreamState{URL: pr.URL, ETag: pr.ETag, LastModified: pr.LastModified, ContentType: pr.ContentType}
		}
	}
	if page.body == nil {
		if page.body, err = s.sess.SavedPage(project); err != nil {
			s.fail(project, "", "upstream", err)
			return out
		}
	}
	parsed, err := parsePage(page.body, page.contentType, s.up.pageURL(project).String(), s.log)
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
		if err := s.sess.SetUpstream(project, validators, page.body); err != nil {
			s.fail(project, "", "upstream", err)
		} else {
			saved = true
		}
	}
	if saved {
		out.page = &pageSource{contentType: page.contentType}
	}
	if s.opts.WithDeps {
		out.deps = s.dependencies(project, selected, reqs)
	}
	return out
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
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		s.fail(project, fileOf(e), kindOf(e), e)
	}
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
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
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
