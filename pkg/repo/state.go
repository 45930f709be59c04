package repo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gofrs/flock"
	"github.com/tufpip/tufpip/internal/atomicfile"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// The state directory (DIR/state, never served) holds what the signed metadata cannot:
// when each file was uploaded and its Requires-Python, which the pages and the promote
// rule need. What each role signs is never stored here: it is read back from the
// published metadata, so state and signatures cannot drift apart.

// fileState describes one uploaded distribution.
type fileState struct {
	Filename       string    `json:"filename"`
	Version        string    `json:"version"`
	SHA256         string    `json:"sha256"`
	Blake2b256     string    `json:"blake2b_256,omitempty"` // PEP 458 layout only
	Size           int64     `json:"size"`
	UploadTime     time.Time `json:"upload_time"`
	RequiresPython string    `json:"requires_python,omitempty"`

	// Set by sync for files mirrored from an upstream index (mirror.go).
	Yanked       bool   `json:"yanked,omitempty"`
	YankedReason string `json:"yanked_reason,omitempty"`
	// CoreMetadata is the sha256 of the PEP 658 core metadata served at the file's target
	// path + ".metadata"; "" when none is served.
	CoreMetadata     string `json:"core_metadata_sha256,omitempty"`
	CoreMetadataSize int64  `json:"core_metadata_size,omitempty"`
	// FirstSeen is when sync first saw the file upstream (the mirror's clock); UploadTime
	// is then the upstream's PEP 700 upload-time, which only a project's first sync
	// (Bootstrap) may take as the file's age.
	FirstSeen time.Time `json:"first_seen,omitzero"`
	Bootstrap bool      `json:"bootstrap,omitempty"`
}

// projectState is DIR/state/projects/<normalised name>.json.
type projectState struct {
	Name  string      `json:"name"`
	Files []fileState `json:"files"`
}

func projectPath(dir, project string) string {
	return filepath.Join(stateDir(dir), "projects", project+".json")
}

func (r *Repo) readProject(project string) (*projectState, error) {
	data, err := os.ReadFile(projectPath(r.dir, project))
	if errors.Is(err, os.ErrNotExist) {
		return &projectState{Name: project}, nil
	}
	if err != nil {
		return nil, err
	}
	var p projectState
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", projectPath(r.dir, project), err)
	}
	return &p, nil
}

func (r *Repo) writeProject(p *projectState) error {
	sort.Slice(p.Files, func(i, j int) bool { return p.Files[i].Filename < p.Files[j].Filename })
	data, err := json.MarshalIndent(p, "", " ")
	if err != nil {
		return err
	}
	// Synced with the rest of the publish, before its metadata (txn.commit).
	return atomicfile.WriteFileUnsynced(projectPath(r.dir, p.Name), data, 0o644)
}

// projects lists every project that has state, sorted.
func (r *Repo) projects() ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(stateDir(r.dir), "projects"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".json"); ok && !strings.HasPrefix(n, ".") {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, nil
}

// The pending journal names the projects whose state an add changed before its commit.
// An add that crashed after writing state is completed by the next add, which reconciles
// these projects too.
func pendingPath(dir string) string { return filepath.Join(stateDir(dir), "pending.json") }

func (r *Repo) readPending() ([]string, error) {
	data, err := os.ReadFile(pendingPath(r.dir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var p []string
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", pendingPath(r.dir), err)
	}
	// The names become paths under targets/ and state/: only what an add could have
	// written, a normalised project name, is taken.
	for _, n := range p {
		if path, err := simpleindex.PagePath("{project}", n); err != nil || path != n {
			return nil, fmt.Errorf("%s: %q is not a normalised project name (was the state changed?)", pendingPath(r.dir), n)
		}
	}
	return p, nil
}

func (r *Repo) writePending(projects []string) error {
	data, err := json.Marshal(projects)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(pendingPath(r.dir), data, 0o644)
}

func (r *Repo) clearPending() error {
	err := os.Remove(pendingPath(r.dir))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// retired is a superseded consistent-snapshot file and when it stopped being referenced.
type retired struct {
	Path  string    `json:"path"`
	Since time.Time `json:"since"`
}

func supersededPath(dir string) string { return filepath.Join(stateDir(dir), "superseded.json") }

// retire records files the last commit stopped referencing and deletes those that have
// been unreferenced for longer than the grace period. Only versioned metadata and
// hash-prefixed pages are ever retired; distribution files are never deleted.
func (r *Repo) retire(paths []string, now time.Time, referenced func(string) bool) error {
	var list []retired
	data, err := os.ReadFile(supersededPath(r.dir))
	if err == nil {
		if err := json.Unmarshal(data, &list); err != nil {
			r.log.Warn("superseded journal is corrupt, starting a new one", "path", supersededPath(r.dir), "err", err)
			list = nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	for _, p := range paths {
		list = append(list, retired{Path: p, Since: now})
	}
	// A file can be dropped more than once: a page shared by stable and unstable is
	// dropped by each role in turn. Its grace period runs from the last drop, when the
	// last metadata naming it was superseded.
	last := map[string]time.Time{}
	for _, e := range list {
		if e.Since.After(last[e.Path]) || last[e.Path].IsZero() {
			last[e.Path] = e.Since
		}
	}
	keep := list[:0]
	for _, e := range list {
		since, ok := last[e.Path]
		if !ok {
			continue // already handled
		}
		delete(last, e.Path)
		e.Since = since
		// The grace period is read from DIR/state; never shorter than the default.
		if now.Sub(e.Since) < max(r.cfg.Grace, DefaultGrace) {
			keep = append(keep, e)
			continue
		}
		if referenced(e.Path) {
			continue // in use again: forget it, the next commit that drops it records it anew
		}
		if err := os.Remove(filepath.Join(r.dir, e.Path)); err != nil && !errors.Is(err, os.ErrNotExist) {
			r.log.Warn("cannot prune", "path", e.Path, "err", err)
			keep = append(keep, e)
			continue
		}
		r.log.Debug("pruned", "path", e.Path)
	}
	out, err := json.MarshalIndent(keep, "", " ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(supersededPath(r.dir), out, 0o644)
}

// lock serialises publishes on one repository: two concurrent adds would both build on
// the same timestamp and the second would undo the first.
func (r *Repo) lock(ctx context.Context) (func(), error) {
	l := flock.New(filepath.Join(stateDir(r.dir), "lock"))
	ok, err := l.TryLockContext(ctx, 100*time.Millisecond)
	if err == nil && !ok {
		err = ctx.Err()
	}
	if err != nil || !ok {
		return nil, fmt.Errorf("%s: cannot take the repository lock: %w", l.Path(), err)
	}
	return func() { l.Unlock() }, nil
}

// sweepTemps deletes temporary files (".tmp-*") older than the grace period that a killed
// publish left behind; they were never renamed into place, so nothing names them.
func (r *Repo) sweepTemps(now time.Time) {
	for _, d := range []string{metadataDir(r.dir), targetsDir(r.dir), filepath.Join(targetsDir(r.dir), packagesDir), filepath.Join(stateDir(r.dir), "projects"), stateDir(r.dir)} {
		entries, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), ".tmp-") && !strings.HasSuffix(e.Name(), ".tmp-link") {
				continue
			}
			if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > r.cfg.Grace {
				if err := os.Remove(filepath.Join(d, e.Name())); err == nil {
					r.log.Debug("removed debris of an interrupted publish", "path", filepath.Join(d, e.Name()))
				}
			}
		}
	}
}
