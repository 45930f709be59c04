package repo

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/tufpip/tufpip/pkg/resolve"
)

// The stable side may choose to interfere with the age rule (the 2013 design): a fast-lane
// promotion signs matching files into stable before their age (a fix that cannot wait out
// the cooldown), a hold keeps matching files out of stable whatever their age, a release
// ends a hold. All three are recorded in the ledger, with the stable key, never in DIR.

// request is a PEP 508 requirement naming a project and versions: no extras, no marker,
// no URL.
type request struct {
	resolve.Requirement
}

func parseRequest(s string) (request, error) {
	req, err := resolve.ParseRequirement(s)
	if err != nil {
		return request{}, err
	}
	if len(req.Extras) > 0 || req.Marker != "" {
		return request{}, &RequestError{Requirement: s, Reason: "name a project and versions only (no extras, no marker)"}
	}
	return request{req}, nil
}

// key is the request in a normal form: the normalised project and the specifier.
func (q request) key() string { return q.Project + q.Specifier.String() }

// matches reports whether a file's project and version satisfy the request.
// Pre-releases match as any version does: a hold on "foobar>=3" holds 3.0rc1 too.
func (q request) matches(d distName) bool {
	return q.Project == d.Project && q.Specifier.Contains(d.Version, true)
}

// RequestError reports a hold, release or fast-lane requirement that cannot be applied.
type RequestError struct {
	Requirement string
	Reason      string
	NoMatch     bool // it matches no file unstable publishes
}

func (e *RequestError) Error() string {
	return fmt.Sprintf("%q: %s", e.Requirement, e.Reason)
}

// DecideOptions locate the ledger for Hold and Release.
type DecideOptions struct {
	Ledger string // default KEYS/stable-ledger.json
	Reason string
	Now    time.Time // zero: time.Now()
}

// Hold keeps every file matching requirement (PEP 508, e.g. "foobar>=3") out of stable,
// whatever its age, until Release; files stable already signs stay signed. The hold is
// recorded in the ledger, which must exist (a promote created it).
func (r *Repo) Hold(ctx context.Context, requirement string, opts DecideOptions) (*Decision, error) {
	if err := r.RequireStable("hold"); err != nil {
		return nil, err
	}
	if opts.Reason == "" {
		return nil, &RequestError{Requirement: requirement, Reason: "a hold needs a reason (--reason)"}
	}
	return r.decide(ctx, opts, func(led *ledger, now time.Time) (*Decision, error) {
		req, err := parseRequest(requirement)
		if err != nil {
			return nil, err
		}
		for _, h := range led.Holds {
			if h.Requirement == req.key() {
				return nil, &RequestError{Requirement: requirement, Reason: fmt.Sprintf("already held since %s (%s)", h.At.Format(time.RFC3339), h.Reason)}
			}
		}
		d := Decision{Action: "hold", Requirement: req.key(), Reason: opts.Reason, At: now}
		led.Holds = append(led.Holds, d)
		return &d, nil
	})
}

// Release ends the hold on requirement (as given to Hold, in any spelling).
func (r *Repo) Release(ctx context.Context, requirement string, opts DecideOptions) (*Decision, error) {
	if err := r.RequireStable("release"); err != nil {
		return nil, err
	}
	return r.decide(ctx, opts, func(led *ledger, now time.Time) (*Decision, error) {
		req, err := parseRequest(requirement)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(led.Holds, func(h Decision) bool { return h.Requirement == req.key() })
		if i < 0 {
			return nil, &RequestError{Requirement: requirement, Reason: "no such hold (tufpip repo status lists them)"}
		}
		led.Holds = slices.Delete(led.Holds, i, i+1)
		return &Decision{Action: "release", Requirement: req.key(), Reason: opts.Reason, At: now}, nil
	})
}

// decide changes the ledger under the repository lock, so it never races a promote.
func (r *Repo) decide(ctx context.Context, opts DecideOptions, change func(*ledger, time.Time) (*Decision, error)) (*Decision, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	led, err := r.openLedger(opts.Ledger)
	if err != nil {
		return nil, err
	}
	if led.fresh {
		return nil, &LedgerError{Path: led.path, Reason: "does not exist; holds are kept in the ledger that promote creates (pass --keys or --ledger where it is)"}
	}
	unlock, err := r.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if led, err = readLedger(led.path); err != nil { // again, under the lock
		return nil, err
	}
	d, err := change(led, now)
	if err != nil {
		return nil, err
	}
	led.Log = append(led.Log, *d)
	led.changed = true
	if err := led.write(); err != nil {
		return nil, &LedgerError{Path: led.path, Reason: "cannot write", Err: err}
	}
	return d, nil
}

// ledgerPath returns where the ledger is: the operator's path, else in the keys folder.
func (r *Repo) ledgerPath(p string) string {
	if p == "" {
		return filepath.Join(r.keysDir, ledgerFile)
	}
	return p
}

// LedgerPath returns where promote, hold and release read the ledger: p, else
// KEYS/stable-ledger.json.
func (r *Repo) LedgerPath(p string) string { return r.ledgerPath(p) }

// openLedger reads the ledger after checking it is on the stable side.
func (r *Repo) openLedger(p string) (*ledger, error) {
	p = r.ledgerPath(p)
	if err := r.checkStableSide(p, "stable ledger"); err != nil {
		return nil, err
	}
	return readLedger(p)
}
