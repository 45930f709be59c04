package repo

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tufpip/tufpip/internal/atomicfile"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// A mirror session is the publisher's side of "tufpip repo sync" (pkg/mirror does the
// network side). It holds the repository lock from BeginMirror to Close, so a sync run
// from cron never overlaps another sync, an add or a promote. Files arrive already
// verified against the upstream page's hashes, in temporary files made by TempFile; Put
// checks them as Add checks uploads, places them under targets/packages/ and records
// them in the project's state; Commit makes unstable sign every changed project at once
// (one new timestamp per run, none when nothing changed).
//
// Crash safety: Put writes state before anything is signed, exactly like an add that
// crashed before its commit, and the upstream validators (ETag, Last-Modified) of a
// project are written only after the commit that published what they describe. A sync
// killed at any point therefore leaves the validators of the previous run, the next run
// gets the page in full again, finds the files already placed, and publishes them.

// UpstreamState is what sync remembers of a project's upstream page, in
// DIR/state/upstream/<project>.json (never served). It is written only after a commit
// that published everything the page offered and the sync selected.
type UpstreamState struct {
	URL          string `json:"url"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	ContentType  string `json:"content_type,omitempty"`
	// BodySHA256 is the sha256 of the page body saved beside this file (<project>.page):
	// on a 304 the saved page is used only when it is this one.
	BodySHA256 string `json:"body_sha256,omitempty"`
	// UpstreamLatest is the newest version the upstream page lists (yanked and
	// pre-releases excluded unless nothing else), for repo status.
	UpstreamLatest string    `json:"upstream_latest,omitempty"`
	Synced         time.Time `json:"synced"`
}

func upstreamPath(dir, project string) string {
	return filepath.Join(stateDir(dir), "upstream", project+".json")
}

func upstreamBodyPath(dir, project string) string {
	return filepath.Join(stateDir(dir), "upstream", project+".page")
}

// readUpstream returns the upstream state of project, nil when sync never completed it.
func readUpstream(dir, project string) (*UpstreamState, error) {
	data, err := os.ReadFile(upstreamPath(dir, project))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var u UpstreamState
	if err := json.Unmarshal(data, &u); err != nil {
		return nil, fmt.Errorf("%s: %w", upstreamPath(dir, project), err)
	}
	return &u, nil
}

// MirrorSession is one sync run's hold on the repository. Its methods are safe for
// concurrent use.
type MirrorSession struct {
	r      *Repo
	ctx    context.Context
	now    time.Time
	unlock func()

	mu       sync.Mutex
	touched  map[string]bool           // projects to reconcile at the commit
	first    map[string]bool           // projects with no file before this session
	upstream map[string]*UpstreamState // validators to write after the commit
	unsynced []string                  // files placed, made durable before the commit (syncTrees)
	closed   bool
}

// BeginMirror takes the repository lock for a sync. now is the mirror's clock: when the
// session first sees a file (FirstSeen); signatures still expire from the wall clock.
func (r *Repo) BeginMirror(ctx context.Context, now time.Time) (*MirrorSession, error) {
	if now.IsZero() {
		now = time.Now()
	}
	if err := r.RequireStable("sync"); err != nil {
		return nil, err
	}
	if err := r.checkOnlineKeys(); err != nil {
		return nil, err
	}
	unlock, err := r.lock(ctx)
	if err != nil {
		return nil, err
	}
	// Check, before any download, that the published state can be built on; the commit
	// takes this transaction over (the lock keeps timestamp.json as it is).
	t, err := r.begin(ctx, now)
	if err != nil {
		unlock()
		return nil, err
	}
	r.spare.Store(t)
	r.sweepDownloads(now)
	for _, d := range []string{filepath.Join(targetsDir(r.dir), packagesDir), filepath.Join(stateDir(r.dir), "upstream")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			unlock()
			return nil, err
		}
	}
	return &MirrorSession{r: r, ctx: ctx, now: now.UTC(), unlock: unlock,
		touched: map[string]bool{}, first: map[string]bool{}, upstream: map[string]*UpstreamState{}}, nil
}

// Close releases the lock. Work not committed stays on disk for the next sync.
func (s *MirrorSession) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		s.unlock()
	}
}

// KnownFile is what the repository already holds of a project's file.
type KnownFile struct {
	SHA256       string
	Size         int64
	Yanked       bool
	YankedReason string
	CoreMetadata string // sha256 of the served .metadata, "" when none
}

// KnownProject is a project's state as a sync starts on it.
type KnownProject struct {
	New      bool                 // no file was ever recorded for it
	Files    map[string]KnownFile // by filename
	Upstream *UpstreamState       // nil: never synced to completion
	// Page is the upstream page saved with Upstream, nil when missing or not the one
	// Upstream describes (then a conditional request must not be made).
	Page []byte
}

// Known returns what the repository holds of project (normalised name).
func (s *MirrorSession) Known(project string) (*KnownProject, error) {
	project = simpleindex.NormalizeName(project)
	st, err := s.r.readProject(project)
	if err != nil {
		return nil, err
	}
	kp := &KnownProject{New: len(st.Files) == 0, Files: make(map[string]KnownFile, len(st.Files))}
	if kp.New {
		s.mu.Lock()
		s.first[project] = true
		s.mu.Unlock()
	}
	for _, f := range st.Files {
		kp.Files[f.Filename] = KnownFile{SHA256: f.SHA256, Size: f.Size, Yanked: f.Yanked, YankedReason: f.YankedReason, CoreMetadata: f.CoreMetadata}
	}
	if kp.Upstream, err = readUpstream(s.r.dir, project); err != nil {
		return nil, err
	}
	if kp.Upstream != nil {
		if body, err := os.ReadFile(upstreamBodyPath(s.r.dir, project)); err == nil && sha256Hex(body) == kp.Upstream.BodySHA256 {
			kp.Page = body
		}
	}
	return kp, nil
}

// TempFile creates a temporary file where Put can take it from: in the packages
// directory, so placing it is a rename. A killed sync leaves it behind; it is swept after
// the grace period (sweepDownloads).
func (s *MirrorSession) TempFile() (*os.File, error) {
	return os.CreateTemp(filepath.Join(targetsDir(s.r.dir), packagesDir), ".tmp-upload-*")
}

// MirrorFile is one file of an upstream page, as sync hands it to Put.
type MirrorFile struct {
	Filename string
	// Temp is a file made by TempFile whose bytes the caller verified against the
	// upstream's hashes (and size); SHA256 and Size are those of its content. Temp is ""
	// for a file the repository already holds (Put then only updates its yank status).
	Temp   string
	SHA256 string
	Size   int64
	// UploadTime is the upstream's PEP 700 upload-time, zero when the page gives none.
	UploadTime time.Time
	// RequiresPython is the upstream page's; Put reads the file's own and warns when
	// they differ.
	RequiresPython string
	Yanked         bool
	YankedReason   string
	// CoreMetadata is the upstream's PEP 658 metadata file, already checked against the
	// page's hash; nil when the upstream offers none. For wheels Put serves the wheel's own
	// METADATA (PEP 658 requires them to be identical) and refuses the file when they
	// differ; for sdists it serves these bytes, and nothing when nil.
	CoreMetadata []byte
	// CoreMetadataSHA256 is the upstream page's sha256 of a wheel's .metadata, when it
	// gives one without CoreMetadata: the wheel's own METADATA must have it.
	CoreMetadataSHA256 string
}

// Put records files of project (normalised name) in its state: new files are checked
// (filename, archive, core metadata), placed under targets/packages/ with their core
// metadata, and dated FirstSeen now; known files get the upstream's yank status. The
// project is reconciled at the commit even when nothing changed, so that files an
// interrupted sync placed are published now. It returns warnings. A file that conflicts
// with a known one (same name, other bytes) or whose metadata disagrees is refused with an
// error naming it; the other files are kept.
func (s *MirrorSession) Put(project string, files []MirrorFile) (warnings []string, err error) {
	project = simpleindex.NormalizeName(project)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.r.step(s.ctx, "put "+project); err != nil {
		return nil, err
	}
	st, err := s.r.readProject(project)
	if err != nil {
		return nil, err
	}
	// Files arrive in batches: all of a project's first sync count as bootstrap.
	bootstrap := len(st.Files) == 0 || s.first[project]
	index := map[string]int{}
	for i, f := range st.Files {
		index[f.Filename] = i
	}
	changed := false
	var errs []error
	for _, mf := range files {
		if i, ok := index[mf.Filename]; ok {
			f := &st.Files[i]
			if mf.Temp != "" {
				os.Remove(mf.Temp)
			}
			if mf.SHA256 != "" && mf.SHA256 != f.SHA256 {
				errs = append(errs, &ConflictError{Filename: mf.Filename, Existing: f.SHA256, Uploaded: mf.SHA256, UploadedAt: f.FirstSeen.Format(time.RFC3339)})
				continue
			}
			if f.Yanked != mf.Yanked || f.YankedReason != mf.YankedReason {
				f.Yanked, f.YankedReason = mf.Yanked, mf.YankedReason
				changed = true
			}
			continue
		}
		if mf.Temp == "" {
			continue
		}
		fs, warn, err := s.place(project, mf)
		warnings = append(warnings, warn...)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fs.Bootstrap = bootstrap
		st.Files = append(st.Files, *fs)
		index[fs.Filename] = len(st.Files) - 1
		changed = true
	}
	if changed {
		if err := s.r.step(s.ctx, "state "+project); err != nil {
			return warnings, err
		}
		if err := s.r.writeProject(st); err != nil {
			return warnings, err
		}
	}
	if len(st.Files) > 0 {
		s.touched[project] = true
	}
	return warnings, errors.Join(errs...)
}

// SavedPage returns the upstream page last saved for project (by SetUpstream in this
// session or an earlier one), whatever validators go with it.
func (s *MirrorSession) SavedPage(project string) ([]byte, error) {
	return readCapped(upstreamBodyPath(s.r.dir, simpleindex.NormalizeName(project)), 1<<30)
}

// SetUpstream saves project's upstream page now and its validators after the commit: call
// it only for a project whose files all made it into Put, or the next sync's conditional
// request would skip what failed.
func (s *MirrorSession) SetUpstream(project string, u UpstreamState, page []byte) error {
	project = simpleindex.NormalizeName(project)
	s.mu.Lock()
	defer s.mu.Unlock()
	// The old validators name the old page by its hash, so overwriting the page before
	// the commit only makes an interrupted run's successor ask unconditionally.
	if err := atomicfile.WriteFileUnsynced(upstreamBodyPath(s.r.dir, project), page, 0o644); err != nil {
		return err
	}
	u.BodySHA256 = sha256Hex(page)
	u.Synced = s.now
	s.upstream[project] = &u
	return nil
}

// MirrorCommit reports what a sync's commit published.
type MirrorCommit struct {
	Projects  []string `json:"projects"`  // projects whose unstable page was re-signed
	Published bool     `json:"published"` // a new timestamp was written
}

// Commit makes unstable sign every file and page of the projects given to Put, with one
// new snapshot and timestamp; with no change it signs nothing. Then it writes the upstream
// validators recorded with SetUpstream.
func (s *MirrorSession) Commit() (*MirrorCommit, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	res := &MirrorCommit{}
	// An add that crashed before its commit named its projects in the pending journal,
	// which the commit clears: reconcile them too, or they would wait for the next add.
	pending, err := s.r.readPending()
	if err != nil {
		return nil, err
	}
	for _, p := range pending {
		s.touched[p] = true
	}
	if len(s.touched) > 0 {
		t, err := s.r.begin(s.ctx, s.now)
		if err != nil {
			return nil, err
		}
		pages := map[string][]byte{}
		for _, p := range sortedKeys(s.touched) {
			t.unsynced = append(t.unsynced, projectPath(s.r.dir, p))
			m, err := t.role(s.r.lay.roleFor(keyUnstable, pagePath(p)))
			if err != nil {
				return nil, err
			}
			old := m.Signed.Targets[pagePath(p)]
			page, err := s.r.reconcileUnstable(t, p)
			if err != nil {
				return nil, err
			}
			if old != nil && hex.EncodeToString(old.Hashes["sha256"]) == sha256Hex(page) {
				continue // unchanged: the plain copy is already right
			}
			pages[p] = page
		}
		// Every placed file and metadata file must be durable before the metadata that
		// names them: sync the packages directory as a whole.
		t.unsynced = append(append(t.unsynced, s.unsynced...), filepath.Join(targetsDir(s.r.dir), packagesDir))
		if res.Published, err = t.commit(false, false); err != nil {
			return nil, err
		}
		s.r.writePlainPages(pages)
		res.Projects = sortedKeys(pages)
		s.touched, s.unsynced = map[string]bool{}, nil
	}
	for _, p := range sortedKeys(s.upstream) {
		if err := s.r.step(s.ctx, "upstream "+p); err != nil {
			return res, err
		}
		data, err := json.MarshalIndent(s.upstream[p], "", " ")
		if err != nil {
			return res, err
		}
		if err := atomicfile.WriteFileUnsynced(upstreamPath(s.r.dir, p), data, 0o644); err != nil {
			return res, err
		}
	}
	s.upstream = map[string]*UpstreamState{}
	return res, nil
}
