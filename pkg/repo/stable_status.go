package repo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/tufpip/tufpip/pkg/pep440"
)

// ProjectSummary is one project as repo status shows it: the newest version each side
// signs, and when the next promote takes the newest file that only unstable signs.
type ProjectSummary struct {
	Project  string `json:"project"`
	Unstable string `json:"unstable"` // newest version unstable signs; "" when none
	Stable   string `json:"stable"`   // newest version stable signs; "" when none
	// Upstream is the newest version the upstream index listed at the last sync
	// (DIR/state/upstream/P.json, written by repo sync); "" when the project is not mirrored.
	Upstream string         `json:"upstream"`
	Next     *NextPromotion `json:"next,omitempty"` // nil when stable signs everything unstable does
}

// NextPromotion is the newest file that only unstable signs, and when promote takes it.
type NextPromotion struct {
	Filename string `json:"filename"`
	Version  string `json:"version"`
	// At: a promote at or after this time takes the file (the ledger's first sighting
	// plus the last age rule). Nil when that is not known yet (see State).
	At *time.Time `json:"at,omitempty"`
	// State is "waiting" (At is set), "due" (At has passed), "held" (Hold is set),
	// "unseen" (promote has not seen the file yet: its age counts from the next promote),
	// or "unknown" (no ledger given, or no age rule applied yet).
	State string    `json:"state"`
	Hold  *Decision `json:"hold,omitempty"`
}

// StableSide is what the ledger says: the age rule, holds, decisions and, per project,
// what the next promote does.
type StableSide struct {
	Ledger    string           `json:"ledger"`      // path, "" when not readable from here
	LedgerErr string           `json:"ledgerError"` // why not, "" when read
	OlderThan string           `json:"olderThan"`   // the last age rule applied, "" when none yet
	Holds     []Decision       `json:"holds"`       // active holds
	Log       []Decision       `json:"log"`         // holds, releases, fast-lane promotions, oldest first
	Projects  []ProjectSummary `json:"projects"`
}

// StableStatus reports every project's newest versions and the next promotion, as of now.
// ledgerPath "" means KEYS/stable-ledger.json; a ledger that cannot be read from here
// (not given, inside DIR) only leaves the ledger's columns unknown.
func (r *Repo) StableStatus(ctx context.Context, now time.Time, ledgerPath string) (*StableSide, error) {
	if now.IsZero() {
		now = time.Now()
	}
	if err := r.RequireStable("the stable side's status"); err != nil {
		return nil, err
	}
	out := &StableSide{Holds: []Decision{}, Log: []Decision{}, Projects: []ProjectSummary{}}
	led, err := r.openLedger(ledgerPath)
	var se *StableSideError
	var le *LedgerError
	switch {
	case errors.As(err, &se), errors.As(err, &le):
		out.LedgerErr, led = err.Error(), nil
	case err != nil:
		return nil, err
	case led.fresh:
		out.LedgerErr, led = r.ledgerPath(ledgerPath)+": no ledger here (pass --keys or --ledger where promote keeps it)", nil
	default:
		out.Ledger = led.path
		out.Holds = append(out.Holds, led.Holds...)
		out.Log = append(out.Log, led.Log...)
		if led.OlderThan > 0 {
			out.OlderThan = formatAge(led.OlderThan)
		}
	}
	t, err := r.begin(ctx, now)
	if err != nil {
		return nil, err
	}
	t.lazyVerify = true // read only
	stable, err := t.stableFiles()
	if err != nil {
		return nil, err
	}
	projects, err := r.projects()
	if err != nil {
		return nil, err
	}
	for p := range stable { // a project DIR/state lost still has what stable signs
		if !slices.Contains(projects, p) {
			projects = append(projects, p)
		}
	}
	slices.Sort(projects)
	for _, p := range projects {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		st, err := r.readProject(p)
		if err != nil {
			return nil, err
		}
		ps := ProjectSummary{Project: p, Upstream: upstreamLatest(r.dir, p)}
		var newestUnstable, newestStable, newestOnly *pep440.Version
		var only fileState
		newer := func(cur *pep440.Version, v pep440.Version) bool { return cur == nil || v.Compare(*cur) > 0 }
		for fn := range stable[p] {
			if d, err := parseDistFilename(fn); err == nil && newer(newestStable, d.Version) {
				newestStable = &d.Version
			}
		}
		for _, f := range st.Files {
			ok, err := t.signs(keyUnstable, packagePath(f.Filename), f.SHA256)
			if err != nil {
				return nil, err
			}
			d, derr := parseDistFilename(f.Filename)
			if !ok || derr != nil {
				continue
			}
			if newer(newestUnstable, d.Version) {
				newestUnstable = &d.Version
			}
			if stable[p][f.Filename] == nil && newer(newestOnly, d.Version) {
				newestOnly, only = &d.Version, f
			}
		}
		if newestUnstable != nil {
			ps.Unstable = newestUnstable.String()
		}
		if newestStable != nil {
			ps.Stable = newestStable.String()
		}
		if newestOnly != nil {
			ps.Next = nextPromotion(led, only, *newestOnly, now)
		}
		out.Projects = append(out.Projects, ps)
	}
	return out, nil
}

func nextPromotion(led *ledger, f fileState, v pep440.Version, now time.Time) *NextPromotion {
	n := &NextPromotion{Filename: f.Filename, Version: v.String(), State: "unknown"}
	if led == nil {
		return n
	}
	if d, err := parseDistFilename(f.Filename); err == nil {
		if h := led.held(d); h != nil {
			n.State, n.Hold = "held", h
			return n
		}
	}
	e, seen := led.Files[f.Filename]
	switch {
	case !seen:
		n.State = "unseen"
	case led.OlderThan > 0:
		at := e.Seen.Add(led.OlderThan).UTC()
		n.At, n.State = &at, "waiting"
		if !at.After(now) {
			n.State = "due"
		}
	}
	return n
}

// upstreamLatest reads the newest upstream version that repo sync records for project
// (DIR/state/upstream/P.json, field upstream_latest); "" when there is none. Display only:
// the upload server writes it.
func upstreamLatest(dir, project string) string {
	data, err := os.ReadFile(filepath.Join(stateDir(dir), "upstream", project+".json"))
	if err != nil {
		return ""
	}
	var u struct {
		Latest string `json:"upstream_latest"`
	}
	if json.Unmarshal(data, &u) != nil {
		return ""
	}
	return u.Latest
}

// formatAge writes an age as promote --older-than reads it: "90d", "36h", "1d12h".
func formatAge(d time.Duration) string {
	days := d / (24 * time.Hour)
	rest := d - days*24*time.Hour
	switch {
	case days == 0:
		return rest.String()
	case rest == 0:
		return fmt.Sprintf("%dd", days)
	}
	return fmt.Sprintf("%dd%s", days, rest)
}
