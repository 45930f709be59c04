package mirror

import (
	"context"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tufpip/tufpip/pkg/repo"
	"github.com/tufpip/tufpip/pkg/resolve"
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
	url         string // where it was served, without credentials
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
