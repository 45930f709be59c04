package repo

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/tufpip/tufpip/internal/atomicfile"
)

// The ledger is the stable side's own record, kept with the stable key, never on the
// upload server: when promote first saw each file published by unstable (the age rule
// counts from there, because the upload times in DIR/state are written by the online side
// and could be backdated), and what the stable side learnt from the file's hash-checked
// bytes (its Requires-Python), so that stable's pages never take a value from DIR/state.
// A missing ledger is refused unless the operator asks for a bootstrap
// (PromoteOptions.Bootstrap): only then are the recorded upload times trusted.

// ledgerFile is the default ledger location inside the keys directory.
const ledgerFile = "stable-ledger.json"

type ledgerEntry struct {
	SHA256 string    `json:"sha256"`
	Seen   time.Time `json:"seen"`
	// Uploaded is the upload time the upload server reported when promote first saw the
	// file (never later than Seen): shown on stable's JSON pages, never used for the age.
	Uploaded time.Time `json:"uploaded,omitzero"`
	// RequiresPython is read from the file's bytes after checking them against the hash a
	// role signed; nil until then.
	RequiresPython *string `json:"requires_python,omitempty"`
	// CoreMetadata is the sha256 of a wheel's own METADATA, read from the same
	// hash-checked bytes ("" for an sdist; nil until read): stable's page advertises it,
	// so the .metadata a client fetches through stable must be the wheel's own.
	CoreMetadata     *string `json:"core_metadata_sha256,omitempty"`
	CoreMetadataSize int64   `json:"core_metadata_size,omitempty"`
}

// Decision is an operator's choice kept in the ledger: a hold, a release, or a
// fast-lane promotion of files before their age.
type Decision struct {
	Action      string    `json:"action"` // "hold", "release" or "promote"
	Requirement string    `json:"requirement"`
	Reason      string    `json:"reason,omitempty"`
	At          time.Time `json:"at"`
	Files       []string  `json:"files,omitempty"` // promote: the files stable signed
}

type ledger struct {
	path  string
	Files map[string]ledgerEntry `json:"files"`
	// Holds are the active holds: files they match stay out of stable whatever their age.
	Holds []Decision `json:"holds,omitempty"`
	// Log lists every hold, release and fast-lane promotion, oldest first.
	Log []Decision `json:"log,omitempty"`
	// OlderThan is the age rule of the last promote that applied one (for repo status).
	OlderThan time.Duration `json:"older_than,omitempty"`

	fresh   bool            // no ledger existed (PromoteOptions.Bootstrap)
	known   map[string]bool // projects the ledger had seen a file of when it was read
	changed bool
}

func readLedger(path string) (*ledger, error) {
	l := &ledger{path: path, Files: map[string]ledgerEntry{}, known: map[string]bool{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		l.fresh = true
		return l, nil
	}
	if err != nil {
		return nil, &LedgerError{Path: path, Reason: "cannot read", Err: err}
	}
	if err := json.Unmarshal(data, l); err != nil {
		return nil, &LedgerError{Path: path, Reason: "corrupt (restore it from backup)", Err: err}
	}
	if l.Files == nil {
		l.Files = map[string]ledgerEntry{}
	}
	for fn := range l.Files {
		if d, err := parseDistFilename(fn); err == nil {
			l.known[d.Project] = true
		}
	}
	return l, nil
}

// observe records that unstable publishes f, a file of project, and returns when promote
// first saw it. ok is false when the ledger knows the filename with other bytes:
// published files never change, so that is a sign of tampering and the file is not
// promoted.
//
// The age counts from the first sighting, or from the recorded upload time when that is
// later. Only for a project the ledger had never seen a file of (its bootstrap: a new
// project, or every project on the first promote) does the recorded upload time count
// when it is earlier, clamped to now: it is the only history there is. A new release of a
// known project can therefore not be backdated into stable by whoever writes DIR/state
// (the upload server, or an upstream index a mirror copies).
func (l *ledger) observe(project string, f fileState, now time.Time) (seen time.Time, ok, bootstrap bool) {
	if e, known := l.Files[f.Filename]; known {
		return e.Seen, e.SHA256 == f.SHA256, false
	}
	seen = now
	switch {
	case !l.known[project]:
		if !f.UploadTime.IsZero() && f.UploadTime.Before(now) {
			seen, bootstrap = f.UploadTime, true
		}
	case f.UploadTime.After(now):
		seen = f.UploadTime
	}
	up := f.UploadTime
	if up.IsZero() || up.After(seen) {
		up = seen
	}
	l.Files[f.Filename] = ledgerEntry{SHA256: f.SHA256, Seen: seen, Uploaded: up}
	l.changed = true
	return seen, true, bootstrap
}

// held returns the active hold that matches a file, nil when none.
func (l *ledger) held(d distName) *Decision {
	for i, h := range l.Holds {
		if req, err := parseRequest(h.Requirement); err == nil && req.matches(d) {
			return &l.Holds[i]
		}
	}
	return nil
}

func (l *ledger) write() error {
	if !l.changed {
		return nil
	}
	data, err := json.Marshal(l)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(l.path), 0o700); err != nil {
		return err
	}
	return atomicfile.WriteFile(l.path, data, 0o600)
}
