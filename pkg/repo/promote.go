package repo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// PromoteOptions select what stable signs.
type PromoteOptions struct {
	// OlderThan is the age rule of the 2013 design: files uploaded at least this long
	// before Now are signed by stable (the proposal suggested three months).
	OlderThan time.Duration
	Now       time.Time // zero: time.Now()
	Projects  []string  // only these projects (any spelling); empty: all
	Exclude   []string  // never these projects
	// Ledger is promote's record of when it first saw each file (default
	// KEYS/stable-ledger.json). Keep it with the stable key: ages count from it, not from
	// the upload server's state, which an attacker holding the online keys could backdate.
	// It must not lie inside the repository directory, nor be a symbolic link.
	Ledger string
	// Bootstrap allows the first promote of a repository, which has no ledger yet: it
	// creates one, taking the upload times recorded by the upload server as the first
	// sightings. Without it a missing ledger is refused; with it an existing one is.
	Bootstrap bool
	// Requests are PEP 508 requirements ("foobar==2.0.1") whose matching files stable
	// signs now, before their age (the fast lane), unless a hold matches them. Each must
	// match a file unstable publishes; Reason is required and kept in the ledger.
	Requests []string
	Reason   string
	// OnlyRequests skips the age rule: only the Requests are promoted.
	OnlyRequests bool
}

// PromoteResult reports what a promote published.
type PromoteResult struct {
	Cutoff    time.Time `json:"cutoff"`
	Promoted  []string  `json:"promoted"`  // filenames stable signs from now on
	Projects  []string  `json:"projects"`  // projects whose stable page changed
	FastLane  []string  `json:"fastLane"`  // of Promoted, the files signed before their age (Requests)
	Held      []Held    `json:"held"`      // files old enough that a hold kept out
	Renewed   []string  `json:"renewed"`   // stable roles re-signed only because they were close to expiry
	Published bool      `json:"published"` // a new timestamp was written
	// Bootstrapped: there was no ledger (PromoteOptions.Bootstrap).
	Bootstrapped bool `json:"bootstrapped"`
	// BootstrapFiles files of BootstrapProjects projects the ledger had never seen a file
	// of took their recorded upload time (clamped to now) as their first sighting.
	BootstrapFiles    int      `json:"bootstrapFiles"`
	BootstrapProjects []string `json:"bootstrapProjects"`
	Warnings          []string `json:"warnings"`
}

// Promote makes stable sign every file that unstable has published and that promote first
// saw at or before Now-OlderThan (see the ledger), and, for each project with such files,
// a page listing exactly the files stable signs, so stable's page never lists what stable
// did not sign. The first promote of a repository (Bootstrap) takes the recorded upload
// times as the first sightings; later ones count from their own observations, so run
// promote often (daily) to keep the delay after the age rule short. Stable roles close to
// expiry are re-signed even when nothing is promoted.
//
// What stable signs is derived only from what stable already signs (its verified
// metadata), the ledger and the file bytes checked against a signed hash: stable only ever
// grows, whatever DIR/state says, and the Requires-Python on its pages comes from the
// files themselves.
func (r *Repo) Promote(ctx context.Context, opts PromoteOptions) (*PromoteResult, error) {
	if opts.OlderThan < 0 {
		return nil, fmt.Errorf("promote: negative age %s", opts.OlderThan)
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	if err := r.RequireStable("promote"); err != nil {
		return nil, err
	}
	res := &PromoteResult{Cutoff: now.Add(-opts.OlderThan)}
	// Fail before any work when the stable key is not here (it is usually offline).
	if _, err := r.signer(keyStable); err != nil {
		return nil, err
	}
	lpath := opts.Ledger
	if lpath == "" {
		lpath = filepath.Join(r.keysDir, ledgerFile)
	}
	if err := r.checkStableSide(lpath, "stable ledger"); err != nil {
		return nil, err
	}
	led, err := readLedger(lpath)
	if err != nil {
		return nil, err
	}
	switch {
	case led.fresh && !opts.Bootstrap:
		return nil, &LedgerError{Path: lpath, Reason: "does not exist; without it promote would trust the upload times the upload server recorded (first promote of this repository: pass --bootstrap; otherwise pass --keys or --ledger where the ledger is)"}
	case !led.fresh && opts.Bootstrap:
		return nil, &LedgerError{Path: lpath, Reason: "exists, and --bootstrap is only for the first promote of a repository; run without it"}
	}
	res.Bootstrapped = led.fresh
	t, unlock, err := r.beginLocked(ctx, now)
	if err != nil {
		return nil, err
	}
	defer unlock()
	all, err := r.projects()
	if err != nil {
		return nil, err
	}
	stable, err := t.stableFiles()
	if err != nil {
		return nil, err
	}
	projects := slices.Clone(all)
	for p := range stable {
		if !slices.Contains(projects, p) {
			projects = append(projects, p)
		}
	}
	slices.Sort(projects)
	only := normalizeAll(opts.Projects)
	exclude := normalizeAll(opts.Exclude)
	for _, p := range only {
		if !slices.Contains(projects, p) {
			return nil, fmt.Errorf("promote: project %s: no file was ever added", p)
		}
	}
	seen, warnings, err := r.observeAll(t, led, all, now, res)
	if err != nil {
		return nil, err
	}
	res.Warnings = warnings
	requests, err := r.checkRequests(t, led, opts, stable, seen)
	if err != nil {
		return nil, err
	}
	if opts.OnlyRequests {
		res.Cutoff = time.Time{}
	} else {
		led.OlderThan, led.changed = opts.OlderThan, led.changed || led.OlderThan != opts.OlderThan
	}
	for _, p := range projects {
		if (len(only) > 0 && !slices.Contains(only, p)) || slices.Contains(exclude, p) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		promoted, changed, err := r.promoteProject(t, led, p, res, seen, stable[p], requests)
		if err != nil {
			return nil, err
		}
		res.Promoted = append(res.Promoted, promoted...)
		if changed {
			res.Projects = append(res.Projects, p)
		}
	}
	for _, q := range requests {
		var files []string
		for _, f := range res.FastLane {
			if d, err := parseDistFilename(f); err == nil && q.matches(d) {
				files = append(files, f)
			}
		}
		led.Log = append(led.Log, Decision{Action: "promote", Requirement: q.key(), Reason: opts.Reason, At: now, Files: files})
		led.changed = true
	}
	// Written before the commit: the sightings are true whether or not the publish
	// completes, and a retry must not see the files anew.
	if err := t.step("ledger"); err != nil {
		return nil, err
	}
	if err := led.write(); err != nil {
		return nil, &LedgerError{Path: lpath, Reason: "cannot write", Err: err}
	}
	for _, name := range r.lay.familyRoles(keyStable) {
		m, err := t.role(name)
		if err != nil {
			return nil, err
		}
		if !t.dirty[name] && m.Signed.Expires.Before(t.signAt.Add(r.exp.Stable/2)) {
			t.dirty[name] = true
			res.Renewed = append(res.Renewed, name)
		}
	}
	if res.Published, err = t.commit(false, false); err != nil {
		return nil, err
	}
	r.log.Info("promoted", "files", len(res.Promoted), "projects", len(res.Projects), "cutoff", res.Cutoff)
	return res, nil
}

// Held is a file a hold kept out of stable.
type Held struct {
	Filename    string    `json:"filename"`
	Requirement string    `json:"requirement"`
	Reason      string    `json:"reason"`
	Since       time.Time `json:"since"`
}

// checkRequests parses the fast-lane requests and checks, before anything is written, that
// each matches a file unstable publishes (as the ledger saw it) and that no hold matches
// a file it would promote.
func (r *Repo) checkRequests(t *txn, led *ledger, opts PromoteOptions, stable map[string]map[string]*metadata.TargetFiles, seen map[string]time.Time) ([]request, error) {
	if len(opts.Requests) > 0 && opts.Reason == "" {
		return nil, &RequestError{Requirement: opts.Requests[0], Reason: "a fast-lane promotion needs a reason (--reason)"}
	}
	var out []request
	for _, s := range opts.Requests {
		q, err := parseRequest(s)
		if err != nil {
			return nil, err
		}
		st, err := r.readProject(q.Project)
		if err != nil {
			return nil, err
		}
		matched := 0
		for _, f := range st.Files {
			d, err := parseDistFilename(f.Filename)
			if err != nil || !q.matches(d) {
				continue
			}
			if _, ok := seen[f.Filename]; !ok {
				continue // not published by unstable with the bytes the ledger saw
			}
			matched++
			if stable[q.Project][f.Filename] != nil {
				continue
			}
			if h := led.held(d); h != nil {
				return nil, &RequestError{Requirement: s, Reason: fmt.Sprintf("%s is held by %q since %s (%s); release the hold first", f.Filename, h.Requirement, h.At.Format(time.RFC3339), h.Reason)}
			}
		}
		if matched == 0 {
			return nil, &RequestError{Requirement: s, Reason: "matches no file that unstable publishes", NoMatch: true}
		}
		out = append(out, q)
	}
	return out, nil
}

// stableFiles returns, by project, the distribution files stable's current (verified)
// metadata signs.
func (t *txn) stableFiles() (map[string]map[string]*metadata.TargetFiles, error) {
	out := map[string]map[string]*metadata.TargetFiles{}
	for _, name := range t.r.lay.familyRoles(keyStable) {
		if err := t.ctx.Err(); err != nil {
			return nil, err
		}
		m, err := t.role(name)
		if err != nil {
			return nil, err
		}
		for path, tf := range m.Signed.Targets {
			fn, ok := strings.CutPrefix(path, packagesDir+"/")
			if !ok {
				continue
			}
			d, err := parseDistFilename(fn)
			if err != nil {
				continue // on no page: nothing to keep listing
			}
			if out[d.Project] == nil {
				out[d.Project] = map[string]*metadata.TargetFiles{}
			}
			out[d.Project][fn] = tf
		}
	}
	return out, nil
}

// observeAll records in the ledger every file unstable publishes, for all projects (the
// ledger must not depend on which projects one run promotes), and returns when each
// promotable file was first seen.
func (r *Repo) observeAll(t *txn, led *ledger, projects []string, now time.Time, res *PromoteResult) (map[string]time.Time, []string, error) {
	seen := map[string]time.Time{}
	var warnings []string
	for _, p := range projects {
		if err := t.ctx.Err(); err != nil {
			return nil, nil, err
		}
		st, err := r.readProject(p)
		if err != nil {
			return nil, nil, err
		}
		for _, f := range st.Files {
			// Only what unstable has published counts: a file recorded by an add that
			// crashed before its commit is seen once that add completes.
			pub, err := t.signs(keyUnstable, packagePath(f.Filename), f.SHA256)
			if err != nil {
				return nil, nil, err
			}
			if !pub {
				continue
			}
			when, ok, boot := led.observe(p, f, now)
			if boot {
				res.BootstrapFiles++
				if !slices.Contains(res.BootstrapProjects, p) {
					res.BootstrapProjects = append(res.BootstrapProjects, p)
				}
			}
			if !ok {
				warnings = append(warnings, fmt.Sprintf("%s: published with sha256 %s, but promote first saw it with sha256 %s; not promoted", f.Filename, f.SHA256, led.Files[f.Filename].SHA256))
				continue
			}
			seen[f.Filename] = when
		}
	}
	return seen, warnings, nil
}

// promoteProject adds project's eligible files to stable and re-signs its stable page,
// which lists every file stable signs for the project (signed) and those it adds now.
// DIR/state only proposes candidates: each must be signed by unstable with the bytes the
// ledger saw, and old enough by the ledger.
func (r *Repo) promoteProject(t *txn, led *ledger, project string, res *PromoteResult, seen map[string]time.Time, signed map[string]*metadata.TargetFiles, requests []request) ([]string, bool, error) {
	st, err := r.readProject(project)
	if err != nil {
		return nil, false, err
	}
	byName := map[string]fileState{}
	for _, f := range st.Files {
		byName[f.Filename] = f
	}
	var files []fileState
	for _, fn := range sortedKeys(signed) {
		fs, err := r.stableFile(t, led, fn, keyStable, signed[fn])
		if err != nil {
			return nil, false, err
		}
		carry(&fs, byName[fn], led.Files[fn])
		files = append(files, fs)
	}
	var promoted []string
	for _, f := range st.Files {
		if signed[f.Filename] != nil {
			continue
		}
		when, known := seen[f.Filename]
		if !known {
			continue
		}
		d, err := parseDistFilename(f.Filename)
		if err != nil {
			continue
		}
		fast := slices.ContainsFunc(requests, func(q request) bool { return q.matches(d) })
		if !fast && (res.Cutoff.IsZero() || when.After(res.Cutoff)) {
			continue
		}
		if h := led.held(d); h != nil {
			res.Held = append(res.Held, Held{Filename: f.Filename, Requirement: h.Requirement, Reason: h.Reason, Since: h.At})
			continue
		}
		path := packagePath(f.Filename)
		tf, err := t.target(keyUnstable, path)
		if err != nil {
			return nil, false, err
		}
		fs, err := r.stableFile(t, led, f.Filename, keyUnstable, tf)
		var fe *FileCheckError
		if errors.As(err, &fe) {
			res.Warnings = append(res.Warnings, err.Error())
			continue
		}
		if err != nil {
			return nil, false, err
		}
		if err := t.setTarget(keyStable, path, fs.Size, fs.SHA256); err != nil {
			return nil, false, err
		}
		carry(&fs, f, led.Files[f.Filename])
		files = append(files, fs)
		promoted = append(promoted, f.Filename)
		if fast && (res.Cutoff.IsZero() || when.After(res.Cutoff)) {
			res.FastLane = append(res.FastLane, f.Filename)
		}
	}
	if len(files) == 0 {
		return nil, false, nil
	}
	_, changed, err := r.putPages(t, keyStable, project, files)
	return promoted, changed, err
}

// carry takes from DIR/state what stable's page may show about a file stable signs: the
// upstream's yank (repo sync), which changes which signed file pip prefers, never which
// files stable signs; and the core metadata a sync serves beside it, only when its hash is
// that of the wheel's own METADATA read from the hash-checked bytes (ledger), so stable
// never vouches for dependencies the wheel does not declare.
func carry(fs *fileState, st fileState, e ledgerEntry) {
	fs.Yanked, fs.YankedReason = st.Yanked, st.YankedReason
	if st.CoreMetadata != "" && e.CoreMetadata != nil && *e.CoreMetadata == st.CoreMetadata {
		fs.CoreMetadata, fs.CoreMetadataSize = st.CoreMetadata, st.CoreMetadataSize
	}
}

// stableFile describes a file for stable's page from what the stable side knows: the
// target role signed (sha256, length), the filename, and the ledger, which holds the
// Requires-Python read once from the hash-checked bytes.
func (r *Repo) stableFile(t *txn, led *ledger, fn, role string, tf *metadata.TargetFiles) (fileState, error) {
	sum := hex.EncodeToString(tf.Hashes["sha256"])
	d, err := parseDistFilename(fn)
	if err != nil {
		return fileState{}, err
	}
	e, known := led.Files[fn]
	if known && e.SHA256 != sum {
		return fileState{}, &FileCheckError{Path: fn, Role: role, Reason: fmt.Sprintf("role %s signed sha256 %s, but the stable ledger recorded sha256 %s", role, sum, e.SHA256)}
	}
	if !known {
		e = ledgerEntry{SHA256: sum, Seen: t.now, Uploaded: t.now}
	}
	if e.RequiresPython == nil || e.CoreMetadata == nil {
		rp, md, err := r.checkedFacts(fn, d, role, sum, tf.Length)
		if err != nil {
			return fileState{}, err
		}
		mdSum := ""
		if md != nil {
			mdSum = sha256Hex(md)
		}
		e.RequiresPython, e.CoreMetadata, e.CoreMetadataSize = &rp, &mdSum, int64(len(md))
		led.Files[fn] = e
		led.changed = true
	}
	up := e.Uploaded
	if up.IsZero() {
		up = e.Seen
	}
	return fileState{Filename: fn, Version: d.Version.String(), SHA256: sum, Size: tf.Length, UploadTime: up, RequiresPython: *e.RequiresPython}, nil
}

// checkedFacts copies the stored file out of the repository while hashing it
// (the upload server could change it between a check and a read), checks length and
// sha256 against what role signed, and reads Requires-Python and a wheel's METADATA (for
// the core metadata stable's page advertises) from the copy.
func (r *Repo) checkedFacts(fn string, d distName, role, sum string, length int64) (string, []byte, error) {
	src := filepath.Join(targetsDir(r.dir), packagesDir, sum+"."+fn)
	in, err := os.Open(src)
	if err != nil {
		return "", nil, &FileCheckError{Path: src, Role: role, Reason: "cannot read the file role " + role + " signs: " + err.Error()}
	}
	defer in.Close()
	tmp, err := os.CreateTemp("", ".tufpip-check-*"+d.Ext)
	if err != nil {
		return "", nil, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(in, length+1))
	if err != nil {
		return "", nil, &FileCheckError{Path: src, Role: role, Reason: "cannot read the file role " + role + " signs: " + err.Error()}
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != length || got != sum {
		return "", nil, &FileCheckError{Path: src, Role: role, Reason: fmt.Sprintf("has %d bytes with sha256 %s, but role %s signed %d bytes with sha256 %s", n, got, role, length, sum)}
	}
	if err := tmp.Close(); err != nil {
		return "", nil, err
	}
	return distFacts(tmp.Name(), d, src)
}

func normalizeAll(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, simpleindex.NormalizeName(n))
	}
	return out
}
