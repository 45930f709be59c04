package repo

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tufpip/tufpip/internal/atomicfile"
)

// The ledger is promote's own memory of when it first saw each file published by
// unstable. It lives with the stable key, not on the upload server: upload times in
// DIR/state are written by the online side, and an attacker holding the online keys
// could backdate a file there to have it signed by stable at the next promote. The age
// rule therefore counts from the ledger. Only the very first promote, which has no
// ledger yet, takes the recorded upload times as they are (PromoteResult.Bootstrapped).

// ledgerFile is the default ledger location inside the keys directory.
const ledgerFile = "stable-ledger.json"

type ledgerEntry struct {
	SHA256 string    `json:"sha256"`
	Seen   time.Time `json:"seen"`
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
		return nil, err
	}
	if err := json.Unmarshal(data, l); err != nil {
		return nil, fmt.Errorf("%s: corrupt stable ledger (restore it from backup; deleting it makes the next promote trust the upload server's times): %w", path, err)
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
	l.Files[f.Filename] = ledgerEntry{SHA256: f.SHA256, Seen: seen}
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
	return atomicfile.WriteFile(l.path, data, 0o600)
}
