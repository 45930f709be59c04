package repo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/tufpip/tufpip/internal/atomicfile"
)

// AddResult reports what an add published.
type AddResult struct {
	Added     []string `json:"added"`     // filenames newly published
	Present   []string `json:"present"`   // filenames already published with the same bytes
	Projects  []string `json:"projects"`  // projects whose unstable page was (re)checked
	Published bool     `json:"published"` // a new timestamp was written
	// Repaired lists stored page copies (PEP 458 layout) whose bytes were not what the bins
	// sign, rewritten from the state: someone or something changed the served tree.
	Repaired []string `json:"repaired,omitempty"`
}

// Add publishes distribution files: each is checked (filename, archive, core metadata),
// copied under targets/packages/ (plain and hash-prefixed), recorded with its upload time
// now, and signed by unstable together with the project's regenerated unstable page;
// then a new snapshot and timestamp are written. Unstable signs every file.
//
// now is the recorded upload time; a now in the past (a backfill) does not date the
// signatures, whose expiries count from the wall clock. Adding a file that is already
// published with the same bytes is a no-op; with other bytes it is a *ConflictError.
// Add needs the online keys only (unstable, snapshot, timestamp).
func (r *Repo) Add(ctx context.Context, files []string, now time.Time) (*AddResult, error) {
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	names, err := checkUploads(files)
	if err != nil {
		return nil, err
	}
	if err := r.checkOnlineKeys(); err != nil {
		return nil, err
	}
	t, unlock, err := r.beginLocked(ctx, now)
	if err != nil {
		return nil, err
	}
	defer unlock()
	res := &AddResult{}
	if res.Projects, err = r.journalPending(t, names); err != nil {
		return nil, err
	}
	if err := r.copyUploads(t, files, names, now, res); err != nil {
		return nil, err
	}
	reconcile := r.reconcileUnstable
	if r.lay.pep458 {
		reconcile = func(t *txn, p string) ([]byte, error) { return r.reconcileBins(t, p, res) }
	}
	pages := map[string][]byte{}
	for _, p := range res.Projects {
		page, err := reconcile(t, p)
		if err != nil {
			return nil, err
		}
		pages[p] = page
	}
	if res.Published, err = t.commit(false, false); err != nil {
		return nil, err
	}
	if !res.Published {
		if err := r.clearPending(); err != nil {
			r.log.Warn("cannot clear the pending journal", "err", err)
		}
	}
	r.writePlainPages(pages)
	sort.Strings(res.Added)
	r.log.Info("added", "files", len(res.Added), "present", len(res.Present), "published", res.Published)
	return res, nil
}

// checkUploads parses the distribution filename of each file and checks that it is a
// regular file, before anything is locked or copied.
func checkUploads(files []string) ([]distName, error) {
	names := make([]distName, len(files))
	for i, f := range files {
		d, err := parseDistFilename(filepath.Base(f))
		if err != nil {
			var de *DistError
			if errors.As(err, &de) {
				de.File = f // the path as the user gave it
			}
			return nil, err
		}
		st, err := os.Stat(f)
		if err != nil {
			return nil, &DistError{File: f, Reason: "cannot read", Err: err}
		}
		if !st.Mode().IsRegular() {
			return nil, &DistError{File: f, Reason: "not a regular file"}
		}
		names[i] = d
	}
	return names, nil
}

// checkOnlineKeys fails before anything is copied when an online key is missing.
func (r *Repo) checkOnlineKeys() error {
	for _, k := range r.lay.onlineKeys() {
		if _, err := r.signer(k); err != nil {
			return err
		}
	}
	return nil
}

// journalPending records, before any change, the projects this add touches (with those a
// crashed earlier add left pending), so that a crash is completed later. It returns them
// sorted.
func (r *Repo) journalPending(t *txn, names []distName) ([]string, error) {
	pending, err := r.readPending()
	if err != nil {
		return nil, err
	}
	touched := map[string]bool{}
	for _, p := range pending {
		touched[p] = true
	}
	for _, d := range names {
		touched[d.Project] = true
	}
	projects := sortedKeys(touched)
	if err := t.step("pending"); err != nil {
		return nil, err
	}
	if err := r.writePending(projects); err != nil {
		return nil, err
	}
	return projects, nil
}

// copyUploads copies the files not yet published into targets/packages/, records them in
// res, and writes the state of every project that got a new file.
func (r *Repo) copyUploads(t *txn, files []string, names []distName, now time.Time, res *AddResult) error {
	states := map[string]*projectState{}
	changed := map[string]bool{}
	for i, src := range files {
		d := names[i]
		st := states[d.Project]
		if st == nil {
			var err error
			if st, err = r.readProject(d.Project); err != nil {
				return err
			}
			states[d.Project] = st
		}
		fs, added, err := r.copyIn(t, src, d, st, now)
		if err != nil {
			return err
		}
		if added {
			st.Files = append(st.Files, *fs)
			changed[d.Project] = true
			res.Added = append(res.Added, fs.Filename)
		} else {
			res.Present = append(res.Present, fs.Filename)
		}
	}
	for _, p := range sortedKeys(changed) {
		if err := t.step("state " + p); err != nil {
			return err
		}
		if err := r.writeProject(states[p]); err != nil {
			return err
		}
		t.unsynced = append(t.unsynced, projectPath(r.dir, p))
	}
	return nil
}

// writePlainPages writes plain (non-TUF) copies of unstable's pages, so the tree also works
// as an ordinary PEP 503 index. Clients of TUF never read them; a failure is only logged.
func (r *Repo) writePlainPages(pages map[string][]byte) {
	for _, p := range sortedKeys(pages) {
		if err := atomicfile.WriteFileUnsynced(filepath.Join(targetsDir(r.dir), "simple", p, "index.html"), pages[p], 0o644); err != nil {
			r.log.Warn("cannot write the plain page copy", "project", p, "err", err)
		}
	}
}

// copyIn copies one upload into targets/packages/ unless st already has it.
func (r *Repo) copyIn(t *txn, src string, d distName, st *projectState, now time.Time) (*fileState, bool, error) {
	fn := filepath.Base(src)
	pkgDir := filepath.Join(targetsDir(r.dir), packagesDir)
	if err := t.step("copy " + fn); err != nil {
		return nil, false, err
	}
	tmp, sum, b2, size, err := copyToTemp(src, pkgDir, r.lay.pep458)
	if err != nil {
		return nil, false, err
	}
	defer os.Remove(tmp)
	for _, f := range st.Files {
		if f.Filename != fn {
			continue
		}
		if f.SHA256 != sum {
			return nil, false, &ConflictError{Filename: fn, Existing: f.SHA256, Uploaded: sum, UploadedAt: f.UploadTime.Format(time.RFC3339)}
		}
		return &f, false, nil
	}
	rp, err := readRequiresPython(tmp, d, src)
	if err != nil {
		return nil, false, err
	}
	if err := os.Rename(tmp, filepath.Join(pkgDir, sum+"."+fn)); err != nil {
		return nil, false, err
	}
	if err := t.step("link " + fn); err != nil {
		return nil, false, err
	}
	// The plain name is replaced, not kept: a file there that the state does not list is
	// debris of a crashed add and was never signed.
	if err := replaceWithLink(filepath.Join(pkgDir, sum+"."+fn), filepath.Join(pkgDir, fn)); err != nil {
		return nil, false, err
	}
	t.unsynced = append(t.unsynced, filepath.Join(pkgDir, sum+"."+fn), filepath.Join(pkgDir, fn), pkgDir)
	if b2 != "" {
		// Where a generic consistent-snapshot client looks when it picks blake2b-256.
		if err := replaceWithLink(filepath.Join(pkgDir, sum+"."+fn), filepath.Join(pkgDir, b2+"."+fn)); err != nil {
			return nil, false, err
		}
		t.unsynced = append(t.unsynced, filepath.Join(pkgDir, b2+"."+fn))
	}
	return &fileState{Filename: fn, Version: d.Version.String(), SHA256: sum, Blake2b256: b2, Size: size, UploadTime: now, RequiresPython: rp}, true, nil
}

// reconcileUnstable makes unstable sign every file the state lists for project and a page
// listing them all. It returns the page.
func (r *Repo) reconcileUnstable(t *txn, project string) ([]byte, error) {
	st, err := r.readProject(project)
	if err != nil {
		return nil, err
	}
	for _, f := range st.Files {
		if err := t.setTarget(keyUnstable, packagePath(f.Filename), f.Size, f.SHA256); err != nil {
			return nil, err
		}
		if f.CoreMetadata != "" {
			if err := t.setTarget(keyUnstable, metadataPath(f.Filename), f.CoreMetadataSize, f.CoreMetadata); err != nil {
				return nil, err
			}
		}
	}
	page, _, err := r.putPages(t, keyUnstable, project, st.Files)
	return page, err
}
