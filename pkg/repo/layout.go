package repo

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Target path patterns delegated to stable and unstable. `*` never crosses "/" in go-tuf's
// matcher, so the page pattern names index.html explicitly.
const (
	pagePattern    = "simple/*/index.html"
	jsonPattern    = "simple/*/index.json"
	packagePattern = "packages/*"
	packagesDir    = "packages"
)

// Expiries are the lifetimes given to each role's metadata when it is signed.
type Expiries struct {
	Root      time.Duration `json:"root"`
	Targets   time.Duration `json:"targets"` // also the hash-bin roles, signed at init only
	Snapshot  time.Duration `json:"snapshot"`
	Timestamp time.Duration `json:"timestamp"`
	Stable    time.Duration `json:"stable"`
	Unstable  time.Duration `json:"unstable"` // also the online bins of the PEP 458 layout
}

// DefaultExpiries follow PEP 458: root and targets (offline keys) one year; the online
// roles short, so that a stolen online key or a frozen mirror is noticed within days.
// Stable lives longer than unstable because its key is meant to stay offline between
// promote runs; run promote at least every 15 days (it re-signs stable even when nothing
// new is old enough).
var DefaultExpiries = Expiries{
	Root:      365 * 24 * time.Hour,
	Targets:   365 * 24 * time.Hour,
	Snapshot:  7 * 24 * time.Hour,
	Timestamp: 24 * time.Hour,
	Stable:    30 * 24 * time.Hour,
	Unstable:  7 * 24 * time.Hour,
}

// MaxExpiries caps every lifetime an operator may choose: a signature that outlives its
// key's compromise by years is what a freeze or replay attack needs.
var MaxExpiries = Expiries{
	Root:      2 * 365 * 24 * time.Hour,
	Targets:   2 * 365 * 24 * time.Hour,
	Snapshot:  30 * 24 * time.Hour,
	Timestamp: 7 * 24 * time.Hour,
	Stable:    90 * 24 * time.Hour,
	Unstable:  30 * 24 * time.Hour,
}

// checkExpiries returns e (nil: DefaultExpiries) after checking every lifetime is positive
// and at most MaxExpiries.
func checkExpiries(e *Expiries) (Expiries, error) {
	if e == nil {
		return DefaultExpiries, nil
	}
	for _, c := range []struct {
		role     string
		got, max time.Duration
	}{
		{"root", e.Root, MaxExpiries.Root}, {"targets", e.Targets, MaxExpiries.Targets},
		{"snapshot", e.Snapshot, MaxExpiries.Snapshot}, {"timestamp", e.Timestamp, MaxExpiries.Timestamp},
		{"stable", e.Stable, MaxExpiries.Stable}, {"unstable", e.Unstable, MaxExpiries.Unstable},
	} {
		if c.got <= 0 || c.got > c.max {
			return Expiries{}, fmt.Errorf("expiry of role %s: %s is not between 0 and %s", c.role, c.got, c.max)
		}
	}
	return *e, nil
}

// DefaultGrace is how long superseded consistent-snapshot files stay on disk, so a client
// that read the previous timestamp just before a publish can still fetch what it names.
const DefaultGrace = 24 * time.Hour

// repoConfig is stored in DIR/state/config.json. The upload server can write it, so
// nothing the stable side relies on is read from it: KeysDir and Expiries are written for
// the record only (Open takes both from its options), and Layout and BinBits are checked
// against the signed metadata (Repo.checkLayout).
type repoConfig struct {
	Format   int           `json:"format"`
	KeysDir  string        `json:"keys_dir"`
	BinBits  int           `json:"bin_bits"` // 0: flat layout
	Expiries Expiries      `json:"expiries"`
	Grace    time.Duration `json:"grace"`
	// JSONPages: every page is also published as PEP 691 JSON (simple/P/index.json).
	JSONPages bool `json:"json_pages,omitempty"`
	// Layout is LayoutPEP458 or "" (a repository made before the field: stable/unstable,
	// flat or hash-bin by BinBits).
	Layout string `json:"layout,omitempty"`
	// FilesURL (PEP 458 layout) is the base of the pages' file links, "" for relative
	// links (../../packages/F).
	FilesURL string `json:"files_url,omitempty"`
}

func stateDir(dir string) string    { return filepath.Join(dir, "state") }
func configPath(dir string) string  { return filepath.Join(stateDir(dir), "config.json") }
func metadataDir(dir string) string { return filepath.Join(dir, "metadata") }
func targetsDir(dir string) string  { return filepath.Join(dir, "targets") }

func readConfig(dir string) (*repoConfig, error) {
	data, err := os.ReadFile(configPath(dir))
	if err != nil {
		return nil, &NotRepositoryError{Dir: dir, Err: err}
	}
	var c repoConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, &NotRepositoryError{Dir: dir, Err: fmt.Errorf("%s: %w", configPath(dir), err)}
	}
	if c.Format != 1 {
		return nil, &NotRepositoryError{Dir: dir, Err: fmt.Errorf("%s: unknown format %d", configPath(dir), c.Format)}
	}
	if c.Layout != "" && (c.Layout != LayoutPEP458 || c.BinBits < 1) {
		return nil, &NotRepositoryError{Dir: dir, Err: fmt.Errorf("%s: unknown layout %q with %d bin bits", configPath(dir), c.Layout, c.BinBits)}
	}
	// The files URL goes into every page the bins sign: only what init accepts.
	if err := checkFilesURL(c.FilesURL); err != nil || (c.FilesURL != "" && c.Layout != LayoutPEP458) {
		return nil, &NotRepositoryError{Dir: dir, Err: fmt.Errorf("%s: files_url %q: not a files URL init accepts for layout %q (%v)", configPath(dir), c.FilesURL, c.Layout, err)}
	}
	return &c, nil
}

// layout is how the roles are arranged, flat or hash-bin (shown by repo status as "layout"); it
// answers "which role signs this path". In this package "layout" means only this; the folders
// of DIR are described in the package doc under "Files on disk".
//
// Flat: targets -> [stable, unstable].
// Hash bins: targets -> succinct bins-XX (TAP 15) -> [stable-XX, unstable-XX]. Succinct
// delegations are terminating, so stable and unstable are ordered, non-terminating children
// of each bin rather than bins of their own (docs/reference.md, item 3); each role has exactly one
// delegator (item 13).
//
// PEP 458 (as accepted, LayoutPEP458): targets -> succinct bins-XXXX, signed by one online
// key, which list the pages (target path: the bare project name) and the files themselves.
// There is no stable or unstable role.
type layout struct {
	bits   int
	pep458 bool
}

// Layout names, as given to tufpip repo init --layout and recorded in DIR/state/config.json.
const (
	LayoutStableUnstable = "stable-unstable"
	LayoutPEP458         = "pep458"
)

func (l layout) hashBins() bool { return l.bits > 0 }

// offlineBins reports whether there are hash bins signed with the offline bins key, as
// renew signs them (stable/unstable layout); PEP 458's bins are online, and timestamp
// renews them.
func (l layout) offlineBins() bool { return l.hashBins() && !l.pep458 }

// describe names the layout in a message: "the pep458 layout with 256 bins".
func (l layout) describe() string {
	switch {
	case l.pep458:
		return fmt.Sprintf("the %s layout with %d bins", LayoutPEP458, 1<<l.bits)
	case l.hashBins():
		return fmt.Sprintf("the stable/unstable layout with %d hash bins", 1<<l.bits)
	}
	return "the flat stable/unstable layout"
}

// checkLayout refuses a repository whose recorded layout is not the one its published
// metadata delegates. The layout decides which roles a publish signs and which keys count
// as online, and DIR/state/config.json, where it is recorded, can be written by the upload
// server: flipped to pep458, a stable/unstable repository would have add sign straight into
// the bins (above stable) with the bins key, and take that key from inside DIR. t is a
// transaction over the published metadata (Open keeps it for the first publish).
func (r *Repo) checkLayout(t *txn) error {
	top, err := t.role(metadata.TARGETS)
	if err != nil {
		return err
	}
	var signed layout
	if d := top.Signed.Delegations; d != nil && d.SuccinctRoles != nil && d.SuccinctRoles.NamePrefix == keyBins {
		if signed.bits = d.SuccinctRoles.BitLength; signed.bits < 1 || signed.bits > 14 {
			return &MetadataError{Path: configPath(r.dir), Role: metadata.TARGETS, Reason: fmt.Sprintf("the signed metadata delegates %d-bit hash bins, which tufpip does not make", signed.bits)}
		}
		// tufpip's stable/unstable bins delegate to stable-X and unstable-X, listed in the
		// snapshot; PEP 458's bins sign the targets themselves.
		_, su := t.snap.Signed.Meta[keyStable+"-"+signed.suffixes()[0]+".json"]
		signed.pep458 = !su
	}
	if signed != r.lay {
		return &MetadataError{Path: configPath(r.dir), Role: metadata.TARGETS,
			Reason: fmt.Sprintf("records %s, but the signed metadata delegates %s; refusing to use it (was DIR/state changed?)", r.lay.describe(), signed.describe())}
	}
	return nil
}

// families are the families of roles that sign pages and files, in precedence order.
func (l layout) families() []string {
	if l.pep458 {
		return []string{keyBins}
	}
	return []string{keyStable, keyUnstable}
}

// onlineKeys are the keys add and the timestamp cron job sign with.
func (l layout) onlineKeys() []string {
	if l.pep458 {
		return []string{keyTimestamp, keySnapshot, keyBins}
	}
	return OnlineKeys
}

// pagePath is the target path of project's HTML page.
func (l layout) pagePath(project string) string {
	if l.pep458 {
		return project
	}
	return pagePath(project)
}

// lifetime is how long role's metadata is valid when signed. PEP 458's bins are online
// and re-signed by every add and by the timestamp cron job: they live as long as unstable,
// the other online targets role.
func (l layout) lifetime(e Expiries, role string) time.Duration {
	if l.pep458 && familyOf(role) == keyBins {
		return e.Unstable
	}
	return e.of(role)
}

func (l layout) succinct() *metadata.SuccinctRoles {
	return &metadata.SuccinctRoles{BitLength: l.bits, NamePrefix: keyBins, Threshold: 1}
}

// binSuffix is the hex suffix of the bin that go-tuf's client assigns path to.
func (l layout) binSuffix(path string) string {
	name := l.succinct().GetRolesForTarget(path)[0].Name
	return strings.TrimPrefix(name, keyBins+"-")
}

// roleFor returns the role of family (stable or unstable) that signs path.
func (l layout) roleFor(family, path string) string {
	if !l.hashBins() {
		return family
	}
	return family + "-" + l.binSuffix(path)
}

// suffixes lists every bin suffix in order.
func (l layout) suffixes() []string {
	var out []string
	for _, r := range l.succinct().GetRoles() {
		out = append(out, strings.TrimPrefix(r, keyBins+"-"))
	}
	return out
}

// familyRoles returns every role of family (all shards in the hash-bin layout).
func (l layout) familyRoles(family string) []string {
	if !l.hashBins() {
		return []string{family}
	}
	var out []string
	for _, s := range l.suffixes() {
		out = append(out, family+"-"+s)
	}
	return out
}

// familyOf returns "stable", "unstable", "bins" or the role itself.
func familyOf(role string) string { return keyFor(role) }

func (e Expiries) of(role string) time.Duration {
	switch familyOf(role) {
	case metadata.ROOT:
		return e.Root
	case metadata.SNAPSHOT:
		return e.Snapshot
	case metadata.TIMESTAMP:
		return e.Timestamp
	case keyStable:
		return e.Stable
	case keyUnstable:
		return e.Unstable
	}
	return e.Targets
}

// delegation is the entry a parent lists for stable or unstable: both non-terminating, so
// the pre-order walk visits stable first and falls through to unstable.
func delegation(name, keyID string, jsonPages bool) metadata.DelegatedRole {
	paths := []string{pagePattern, packagePattern}
	if jsonPages {
		paths = []string{pagePattern, jsonPattern, packagePattern}
	}
	return metadata.DelegatedRole{
		Name:        name,
		KeyIDs:      []string{keyID},
		Threshold:   1,
		Terminating: false,
		Paths:       paths,
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
