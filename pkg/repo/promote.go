package repo

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"time"

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
	Ledger string
}

// PromoteResult reports what a promote published.
type PromoteResult struct {
	Cutoff    time.Time `json:"cutoff"`
	Promoted  []string  `json:"promoted"`  // filenames stable signs from now on
	Projects  []string  `json:"projects"`  // projects whose stable page changed
	Renewed   []string  `json:"renewed"`   // stable roles re-signed only because they were close to expiry
	Published bool      `json:"published"` // a new timestamp was written
	// Bootstrapped: there was no ledger, so the upload times recorded by the upload
	// server were trusted this once.
	Bootstrapped bool     `json:"bootstrapped"`
	Warnings     []string `json:"warnings"`
}

// Promote makes stable sign every file that unstable has published and that promote first
// saw at or before Now-OlderThan (see the ledger), and, for each project with such files,
// a page listing exactly the files stable signs, so stable's page never lists what stable
// did not sign. The first promote of a repository takes the recorded upload times as the
// first sightings; later ones count from their own observations, so run promote often
// (daily) to keep the delay after the age rule short. Stable only ever grows: a file it
// signed stays signed when the rule later changes. Stable roles close to expiry are
// re-signed even when nothing is promoted.
func (r *Repo) Promote(ctx context.Context, opts PromoteOptions) (*PromoteResult, error) {
	if opts.OlderThan < 0 {
		return nil, fmt.Errorf("promote: negative age %s", opts.OlderThan)
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	res := &PromoteResult{Cutoff: now.Add(-opts.OlderThan)}
	// Fail before any work when the stable key is not here (it is usually offline).
	if _, err := r.signer(keyStable); err != nil {
		return nil, err
	}
	t, unlock, err := r.beginLocked(ctx, now)
	if err != nil {
		return nil, err
	}
	defer unlock()
	all, err := r.projects()
	if err != nil {
		return nil, err
	}
	only := normalizeAll(opts.Projects)
	exclude := normalizeAll(opts.Exclude)
	for _, p := range only {
		if !slices.Contains(all, p) {
			return nil, fmt.Errorf("promote: project %s: no file was ever added", p)
		}
	}
	lpath := opts.Ledger
	if lpath == "" {
		lpath = filepath.Join(r.keysDir, ledgerFile)
	}
	led, err := readLedger(lpath)
	if err != nil {
		return nil, err
	}
	res.Bootstrapped = led.fresh
	seen, warnings, err := r.observeAll(t, led, all, now)
	if err != nil {
		return nil, err
	}
	res.Warnings = warnings
	// Written before the commit: the sightings are true whether or not the publish
	// completes, and a retry must not see the files anew.
	if err := t.step("ledger"); err != nil {
		return nil, err
	}
	if err := led.write(); err != nil {
		return nil, err
	}
	for _, p := range all {
		if (len(only) > 0 && !slices.Contains(only, p)) || slices.Contains(exclude, p) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		promoted, changed, err := r.promoteProject(t, p, res.Cutoff, seen)
		if err != nil {
			return nil, err
		}
		res.Promoted = append(res.Promoted, promoted...)
		if changed {
			res.Projects = append(res.Projects, p)
		}
	}
	for _, name := range r.lay.familyRoles(keyStable) {
		m, err := t.role(name)
		if err != nil {
			return nil, err
		}
		if !t.dirty[name] && m.Signed.Expires.Before(t.signAt.Add(r.cfg.Expiries.Stable/2)) {
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

// observeAll records in the ledger every file unstable publishes, for all projects (the
// ledger must not depend on which projects one run promotes), and returns when each
// promotable file was first seen.
func (r *Repo) observeAll(t *txn, led *ledger, projects []string, now time.Time) (map[string]time.Time, []string, error) {
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
			when, ok := led.observe(f, now)
			if !ok {
				warnings = append(warnings, fmt.Sprintf("%s: published with sha256 %s, but promote first saw it with sha256 %s; not promoted", f.Filename, f.SHA256, led.Files[f.Filename].SHA256))
				continue
			}
			seen[f.Filename] = when
		}
	}
	return seen, warnings, nil
}

// promoteProject adds project's eligible files to stable and re-signs its stable page.
func (r *Repo) promoteProject(t *txn, project string, cutoff time.Time, seen map[string]time.Time) ([]string, bool, error) {
	st, err := r.readProject(project)
	if err != nil {
		return nil, false, err
	}
	var signed []fileState
	var promoted []string
	for _, f := range st.Files {
		path := packagePath(f.Filename)
		ok, err := t.signs(keyStable, path, f.SHA256)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			when, known := seen[f.Filename]
			if !known || when.After(cutoff) {
				continue
			}
			if err := t.setTarget(keyStable, path, f.Size, f.SHA256); err != nil {
				return nil, false, err
			}
			promoted = append(promoted, f.Filename)
		}
		signed = append(signed, f)
	}
	if len(signed) == 0 {
		return nil, false, nil
	}
	_, changed, err := r.putPages(t, keyStable, project, signed)
	return promoted, changed, err
}

func normalizeAll(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, simpleindex.NormalizeName(n))
	}
	return out
}
