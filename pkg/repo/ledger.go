package repo

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"time"
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
}

type ledger struct {
	path    string
	Files   map[string]ledgerEntry `json:"files"`
	fresh   bool                   // no ledger existed: bootstrap from upload times
	changed bool
}

func readLedger(path string) (*ledger, error) {
	l := &ledger{path: path, Files: map[string]ledgerEntry{}}
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
	return l, nil
}

// observe records that unstable publishes f and returns when promote first saw it. ok is
// false when the ledger knows the filename with other bytes: published files never
// change, so that is a sign of tampering and the file is not promoted.
func (l *ledger) observe(f fileState, now time.Time) (seen time.Time, ok bool) {
	if e, known := l.Files[f.Filename]; known {
		return e.Seen, e.SHA256 == f.SHA256
	}
	seen = now
	if l.fresh && f.UploadTime.Before(now) {
		seen = f.UploadTime
	}
	up := f.UploadTime
	if up.IsZero() || up.After(seen) {
		up = seen
	}
	l.Files[f.Filename] = ledgerEntry{SHA256: f.SHA256, Seen: seen, Uploaded: up}
	l.changed = true
	return seen, true
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
	return writeFileAtomic(l.path, data, 0o600)
}
