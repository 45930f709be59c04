package finder

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tufpip/tufpip/pkg/resolve"
	"github.com/tufpip/tufpip/pkg/simpleindex"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// TUF is the part of *tuf.Client the finder uses; tests may substitute it.
type TUF interface {
	Find(ctx context.Context, path string, q tuf.Query) ([]*tuf.Target, error)
	Lookup(ctx context.Context, path string) (*tuf.Target, error)
	Fetch(ctx context.Context, t *tuf.Target) ([]byte, error)
}

// fetchFromTUF is a client that fetches a verified target from a given URL (tuf.Client),
// which Config.PageURL needs.
type fetchFromTUF interface {
	FetchFrom(ctx context.Context, t *tuf.Target, rawURL string) ([]byte, error)
}

// Config says where pages and files live and which evidence counts.
type Config struct {
	TUF        TUF
	TargetsURL string // target paths are relative to it; ends with "/"
	IndexPath  string // page target path template; "" = simpleindex.DefaultPathTemplate
	// PageURL, when set, is where a page's bytes are fetched from instead of its target
	// path's URL: a simpleindex.PageURL template with {project} and {hash} (the page
	// target's tuf.StrongestHash), relative to TargetsURL unless absolute. The bytes are
	// checked against the page target's length and hashes all the same, and the page's
	// relative links resolve against this URL.
	PageURL string
	// FilesURLs are further base URLs (a files host) under which a trusted page's files
	// are trusted: a file at <base>/packages/x.whl is looked up as the TUF target
	// "packages/x.whl" (trust rule a, downloaded from the page's URL) or, when no role
	// signs it, trusted through the page's strong hash (rule b), as under TargetsURL.
	FilesURLs   []string
	RequireRole string // accept only evidence from this role or roles it delegates to
	Explain     bool   // also read lower-precedence pages to report versions only they signed
	Logger      *slog.Logger
}

// File is a trusted distribution file and the evidence that makes it trusted.
type File struct {
	resolve.Candidate

	// TargetPath is the file's path relative to the targets URL.
	TargetPath string
	// Target is what the download is checked against: the file's own TUF target (trust
	// rule a), or for a file trusted through the page's strong hashes (rule b) a
	// tuf.PageFile, whose URL is set.
	Target *tuf.Target
	// Source is where a file trusted by rule a is downloaded from when that is not the
	// repository's targets (a file under one of Config.FilesURLs): pass tuf.From(Source)
	// to Download. "" for every other file.
	Source string
}

// DownloadOptions are the options that download f from where the page links it.
func (f *File) DownloadOptions() []tuf.DownloadOption {
	if f.Source == "" {
		return nil
	}
	return []tuf.DownloadOption{tuf.From(f.Source)}
}

// ViaPage reports whether the file is trusted through the page's hashes only.
func (f *File) ViaPage() bool { return f.Target.URL != "" }

// Project is the trusted view of one project.
type Project struct {
	Name     string         // PEP 503-normalised
	Page     *tuf.Target    // the page that was used, with its vouching role
	Files    []*File        // trusted files, in page order
	Skipped  []resolve.Skip // files left out, and versions only lower-precedence roles signed
	Warnings []string
}

// Candidates returns the trusted files as resolve candidates.
func (p *Project) Candidates() []resolve.Candidate {
	out := make([]resolve.Candidate, len(p.Files))
	for i, f := range p.Files {
		out[i] = f.Candidate
	}
	return out
}

// File returns the trusted file with the given filename, or nil.
func (p *Project) File(filename string) *File {
	for _, f := range p.Files {
		if f.File.Filename == filename {
			return f
		}
	}
	return nil
}

// Finder looks projects up, each once.
type Finder struct {
	cfg      Config
	log      *slog.Logger
	targets  *url.URL
	files    []*url.URL // Config.FilesURLs, parsed
	mu       sync.Mutex
	projects map[string]*call
	list     *projectList // Projects' answer, once computed
}

type call struct {
	done      chan struct{}
	p         *Project
	err       error
	cancelled bool // err came from the looking-up caller's cancelled context
}

// New checks cfg and returns a Finder.
func New(cfg Config) (*Finder, error) {
	if cfg.TUF == nil {
		return nil, errors.New("finder: no TUF client")
	}
	if cfg.IndexPath == "" {
		cfg.IndexPath = simpleindex.DefaultPathTemplate
	}
	if !strings.HasSuffix(cfg.TargetsURL, "/") {
		cfg.TargetsURL += "/"
	}
	u, err := url.Parse(cfg.TargetsURL)
	if err != nil || !u.IsAbs() {
		return nil, fmt.Errorf("finder: targets URL %q is not an absolute URL", cfg.TargetsURL)
	}
	if cfg.PageURL != "" {
		if err := simpleindex.CheckPageURL(cfg.PageURL); err != nil {
			return nil, fmt.Errorf("finder: %w", err)
		}
		if _, ok := cfg.TUF.(fetchFromTUF); !ok {
			return nil, errors.New("finder: a page url needs a TUF client that fetches from a url")
		}
	}
	var files []*url.URL
	cfg.FilesURLs = slices.Clone(cfg.FilesURLs)
	for i, raw := range cfg.FilesURLs {
		fu, err := CheckFilesURL(raw)
		if err != nil {
			return nil, fmt.Errorf("finder: %w", err)
		}
		cfg.FilesURLs[i] = fu.String()
		files = append(files, fu)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Finder{cfg: cfg, log: log, targets: u, files: files, projects: map[string]*call{}}, nil
}

// Project returns the trusted view of a project, looking it up at most once per Finder.
func (f *Finder) Project(ctx context.Context, name string) (*Project, error) {
	key := simpleindex.NormalizeName(name)
	for {
		f.mu.Lock()
		c, ok := f.projects[key]
		if !ok {
			c = &call{done: make(chan struct{})}
			f.projects[key] = c
			f.mu.Unlock()
			c.p, c.err = f.lookup(ctx, key)
			if c.err != nil && ctx.Err() != nil {
				// The caller gave up (pip disconnected from the index): that says nothing
				// about the project, so the next caller looks it up again instead of
				// inheriting the cancellation until the next refresh.
				c.cancelled = true
				f.forget(key)
			} else if np := (*NoPageError)(nil); errors.As(c.err, &np) {
				// Unknown names are not kept: a long-running index asked for endless made-up
				// names would otherwise grow without bound. Looking one up again is cheap.
				f.forget(key)
			}
			close(c.done)
		} else {
			f.mu.Unlock()
		}
		select {
		case <-c.done:
			if c.cancelled && ctx.Err() == nil {
				continue // another caller's cancellation: try again with ours
			}
			return c.p, c.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (f *Finder) forget(key string) {
	f.mu.Lock()
	delete(f.projects, key)
	f.mu.Unlock()
}

// Prefetch looks projects up concurrently, at most parallel at a time, and returns the first
// error. Later Project calls for the same names are free.
func (f *Finder) Prefetch(ctx context.Context, names []string, parallel int) error {
	if parallel < 1 {
		parallel = 1
	}
	sem := make(chan struct{}, parallel)
	errs := make(chan error, len(names))
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Add(1)
		go func(n string) {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs <- ctx.Err()
				return
			}
			defer func() { <-sem }()
			_, err := f.Project(ctx, n)
			errs <- err
		}(n)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (f *Finder) lookup(ctx context.Context, project string) (*Project, error) {
	pagePath, err := simpleindex.PagePath(f.cfg.IndexPath, project)
	if err != nil {
		return nil, err
	}
	// The page comes from the first role that lists it (and that --require-role accepts);
	// lower-precedence roles are read only to explain, and only their failure to load is
	// then a warning, never the answer's.
	q := tuf.Query{Explain: f.cfg.Explain}
	if r := f.cfg.RequireRole; r != "" {
		q.Accept = func(t *tuf.Target) bool { return t.VouchedBy(r) }
	}
	pages, err := f.cfg.TUF.Find(ctx, pagePath, q)
	var incomplete *tuf.IncompleteError
	if errors.As(err, &incomplete) && len(pages) > 0 {
		err = nil
	}
	if err != nil {
		if tuf.IsNotFound(err) {
			return nil, &NoPageError{Project: project, Path: pagePath}
		}
		var ve *tuf.VerificationError
		if errors.As(err, &ve) && ve.Path == pagePath {
			err = &PageError{Project: project, Path: pagePath, Err: err}
		}
		return nil, err
	}
	var page *tuf.Target
	var others []*tuf.Target
	for _, p := range pages {
		if page == nil && (f.cfg.RequireRole == "" || p.VouchedBy(f.cfg.RequireRole)) {
			page = p
			continue
		}
		others = append(others, p)
	}
	if page == nil {
		return nil, &NoPageError{Project: project, Path: pagePath, RequireRole: f.cfg.RequireRole, Roles: roles(pages)}
	}
	parsed, err := f.fetchPage(ctx, project, page)
	if err != nil {
		return nil, &PageError{Project: project, Path: page.Path, Err: err}
	}
	proj := &Project{Name: project, Page: page}
	if incomplete != nil {
		proj.Warnings = append(proj.Warnings, incomplete.Error())
	}
	if err := f.trustFiles(ctx, project, page, proj, parsed.Files); err != nil {
		return nil, err
	}
	if f.cfg.Explain && len(others) > 0 {
		if err := f.explain(ctx, proj, others); err != nil {
			return nil, err
		}
	}
	return proj, nil
}

// lookupChunk is how many of a page's files are looked up at a time when the page is read in
// two goroutines (see trustFiles).
const lookupChunk = 1024

// batchTUF is a client that looks up many paths under one hold (tuf.Client.LookupEach).
type batchTUF interface {
	LookupEach(ctx context.Context, paths []string) []tuf.LookupResult
}

// parsedName is a file's name read as a distribution's, and its strong page hashes.
type parsedName struct {
	dist   resolve.Dist
	err    error
	strong map[string]string // strong(pf.Hashes)
}

// trustFiles applies the trust rules to a page's files, in page order, into proj. A client
// that looks up a batch at once (batchTUF) gets each chunk of the page in one call; on a page
// of more than one chunk the files are looked up chunk by chunk while a second goroutine reads
// the filenames and applies the rules to the chunks already looked up, so that neither waits
// for the other's whole page (8,000 files: about 10 ms of lookups and 11 of the rest).
func (f *Finder) trustFiles(ctx context.Context, project string, page *tuf.Target, proj *Project, files []simpleindex.File) error {
	n := len(files)
	tps := make([]string, n)
	var elsewhere []bool // the file is under one of FilesURLs, not the targets URL
	for i, pf := range files {
		var ok bool
		if tps[i], ok = f.targetPath(pf.URL); !ok && len(f.files) > 0 {
			if tps[i], ok = f.filesPath(pf.URL); ok {
				if elsewhere == nil {
					elsewhere = make([]bool, n)
				}
				elsewhere[i] = true
			}
		}
	}
	names := make([]parsedName, n)
	parse := func(from, to int) {
		for i := from; i < to; i++ {
			names[i].dist, names[i].err = resolve.ParseFilenameFor(project, files[i].Filename)
			names[i].strong = strong(files[i].Hashes)
		}
	}
	seen := make(map[string]bool, n)
	proj.Files = make([]*File, 0, n)
	apply := func(from, to int, results []tuf.LookupResult) error {
		for i := from; i < to; i++ {
			pf := files[i]
			if seen[pf.Filename] {
				proj.Warnings = append(proj.Warnings, fmt.Sprintf("%s: listed twice on the page; the first entry is used", pf.Filename))
				continue
			}
			seen[pf.Filename] = true
			var res *tuf.LookupResult
			if results != nil {
				res = &results[i]
			}
			file, skip, err := f.trust(ctx, project, page, pf, names[i], tps[i], res)
			if err != nil {
				return err
			}
			if file != nil && elsewhere != nil && elsewhere[i] && !file.ViaPage() {
				file.Source = pf.URL // a signed file, linked on the files host
			}
			if skip != nil {
				proj.Skipped = append(proj.Skipped, *skip)
				continue
			}
			proj.Files = append(proj.Files, file)
		}
		return nil
	}
	each, ok := f.cfg.TUF.(batchTUF)
	if !ok {
		parse(0, n)
		return apply(0, n, nil) // one Lookup per file, as trust asks
	}
	results := make([]tuf.LookupResult, n)
	var paths []string
	lookup := func(from, to int) {
		paths = paths[:0]
		for _, tp := range tps[from:to] {
			if tp != "" {
				paths = append(paths, tp)
			}
		}
		got := each.LookupEach(ctx, paths)
		k := 0
		for i := from; i < to; i++ {
			if tps[i] != "" {
				results[i] = got[k]
				k++
			}
		}
	}
	if n <= lookupChunk {
		parse(0, n)
		lookup(0, n)
		return apply(0, n, results)
	}
	chunks := (n + lookupChunk - 1) / lookupChunk
	ready := make(chan struct{}, chunks) // one per chunk looked up, in order
	done := make(chan error, 1)
	var stop atomic.Bool
	go func() {
		for c := range chunks {
			from, to := c*lookupChunk, min(n, (c+1)*lookupChunk)
			parse(from, to)
			<-ready
			if err := apply(from, to, results); err != nil {
				stop.Store(true)
				done <- err
				return
			}
		}
		done <- nil
	}()
	for c := range chunks {
		if !stop.Load() {
			lookup(c*lookupChunk, min(n, (c+1)*lookupChunk))
		}
		ready <- struct{}{}
	}
	return <-done
}

func (f *Finder) fetchPage(ctx context.Context, project string, page *tuf.Target) (*simpleindex.Page, error) {
	var data []byte
	var err error
	pageURL := f.targets.ResolveReference(&url.URL{Path: page.Path})
	if _, hex, ok := tuf.StrongestHash(page.Hashes); f.cfg.PageURL != "" && ok {
		var src string
		if src, err = simpleindex.PageURL(f.cfg.PageURL, f.cfg.TargetsURL, project, hex); err != nil {
			return nil, err
		}
		if pageURL, err = url.Parse(src); err != nil {
			return nil, err
		}
		f.log.Debug("page stored apart from its target", "page", page.Path, "url", src)
		// Relative links on the page resolve against where it was fetched from.
		data, err = f.cfg.TUF.(fetchFromTUF).FetchFrom(ctx, page, src)
	} else {
		// Without a hash tufpip can check, Fetch refuses the target before any download.
		data, err = f.cfg.TUF.Fetch(ctx, page)
	}
	if err != nil {
		return nil, err
	}
	parsed, err := simpleindex.Parse(data, "", pageURL, f.log.With("page", page.Path))
	if err != nil {
		return nil, fmt.Errorf("%s (signed by role %s): %w", page.Path, page.Role, err)
	}
	return parsed, nil
}

func roles(ts []*tuf.Target) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Role
	}
	return out
}

// maxExplainPage bounds the lower-precedence pages read only to explain a choice.
const maxExplainPage = 8 << 20

// explain reports the versions that lower-precedence roles signed but the page's role did not.
func (f *Finder) explain(ctx context.Context, proj *Project, others []*tuf.Target) error {
	have := map[string]bool{}
	for _, fl := range proj.Files {
		have[fl.Dist.Version.String()] = true
	}
	for _, s := range proj.Skipped {
		have[s.Version] = true
	}
	reported := map[string]bool{}
	for _, other := range others {
		if other.Length > maxExplainPage {
			// The explanation is a courtesy; a lower role's huge page (an online key can sign
			// one) must not cost the user memory.
			proj.Warnings = append(proj.Warnings, fmt.Sprintf("role %s's page is %d bytes; not read to explain skipped versions", other.Role, other.Length))
			continue
		}
		parsed, err := f.fetchPage(ctx, proj.Name, other)
		if err != nil {
			// The explanation is a courtesy: a broken lower-precedence page must not stop a
			// resolution that does not depend on it, but the user hears about it.
			proj.Warnings = append(proj.Warnings, fmt.Sprintf("cannot read role %s's page: %v", other.Role, err))
			continue
		}
		for _, pf := range parsed.Files {
			d, err := resolve.ParseFilenameFor(proj.Name, pf.Filename)
			if err != nil {
				continue
			}
			v := d.Version.String()
			if have[v] || reported[pf.Filename] {
				continue
			}
			reported[pf.Filename] = true
			s := resolve.Skip{Filename: pf.Filename, Version: v, Kind: resolve.SkipLowerRole, SignedBy: other.Role}
			if f.cfg.RequireRole != "" && !other.VouchedBy(f.cfg.RequireRole) {
				s.Required = f.cfg.RequireRole
			}
			s.Reason = skipReason(s, "", "")
			proj.Skipped = append(proj.Skipped, s)
		}
	}
	sort.SliceStable(proj.Skipped, func(i, j int) bool { return proj.Skipped[i].Filename < proj.Skipped[j].Filename })
	return nil
}
