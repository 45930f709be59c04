package repo

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// PromoteOptions select what stable signs.
type PromoteOptions struct {
	// OlderThan is the age rule of the 2013 design: files uploaded at least this long
	// before Now are signed by stable (the proposal suggested three months).
	OlderThan time.Duration
	Now       time.Time // zero: time.Now()
	Projects  []string  // only these projects (any spelling); empty: all
	Exclude   []string  // never these projects
}

// PromoteResult reports what a promote published.
type PromoteResult struct {
	Cutoff    time.Time `json:"cutoff"`
	Promoted  []string  `json:"promoted"`  // filenames stable signs from now on
	Projects  []string  `json:"projects"`  // projects whose stable page changed
	Renewed   []string  `json:"renewed"`   // stable roles re-signed only because they were close to expiry
	Published bool      `json:"published"` // a new timestamp was written
}

// Promote makes stable sign every file uploaded at or before Now-OlderThan that unstable
// has published, and, for each project with such files, a page listing exactly the files
// stable signs, so stable's page never lists what stable did not sign. Stable only ever
// grows: a file it signed stays signed when the rule later changes. Stable roles close to
// expiry are re-signed even when nothing is promoted, so run promote regularly (cron)
// with the stable key at hand.
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
	unlock, err := r.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	t, err := r.begin(ctx, now)
	if err != nil {
		return nil, err
	}
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
	for _, p := range all {
		if (len(only) > 0 && !slices.Contains(only, p)) || slices.Contains(exclude, p) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		promoted, changed, err := r.promoteProject(t, p, res.Cutoff)
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

// promoteProject adds project's eligible files to stable and re-signs its stable page.
func (r *Repo) promoteProject(t *txn, project string, cutoff time.Time) ([]string, bool, error) {
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
			if f.UploadTime.After(cutoff) {
				continue
			}
			// Stable vouches only for what unstable has already published: a file
			// recorded by an add that crashed before its commit waits for that add.
			if pub, err := t.signs(keyUnstable, path, f.SHA256); err != nil || !pub {
				if err != nil {
					return nil, false, err
				}
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
		out = append(out, normalize(n))
	}
	return out
}
