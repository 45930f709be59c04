package tuftest

import (
	"sync"
	"time"
)

// Role names used by the default repository layout.
const (
	Root      = "root"
	Targets   = "targets"
	Snapshot  = "snapshot"
	Timestamp = "timestamp"
	Stable    = "stable"
	Unstable  = "unstable"
)

// DefaultPaths are the path patterns that targets delegates to stable and
// unstable: the PEP 503 pages and the distribution files. `*` never crosses
// a `/` in go-tuf, hence one pattern per layout.
var DefaultPaths = []string{"simple/*/index.html", "packages/*"}

// Delegation describes one delegated targets role. Roles are listed in their
// parent in the order given, which is the order go-tuf's pre-order walk
// tries them: the first role that lists a path wins.
type Delegation struct {
	Name        string
	Parent      string   // delegating role; "" means targets
	Paths       []string // nil means DefaultPaths, unless PathHashPrefixes is set
	Terminating bool
	Keys        int // number of keys; 0 means 1
	Threshold   int // 0 means 1

	// PathHashPrefixes delegates by hex prefixes of the SHA-256 of the target path (TUF's
	// path_hash_prefixes) instead of by Paths.
	PathHashPrefixes []string
}

// Option configures New.
type Option func(*settings)

type settings struct {
	keys        map[string][2]int // role -> {keys, threshold}
	delegations []Delegation
	clock       func() time.Time
	lifetimes   map[string]time.Duration
	sha512      bool
	metaHashes  bool
	bins        int // succinct hash-bin bit length; 0 = the flat layout

	delegatedMetaHashes []string // see WithDelegatedMetaHashes
	binsOnly            bool     // see WithSuccinctBins
	topMetaHashes       []string // see WithTopMetaHashes
}

func defaultSettings() *settings {
	return &settings{
		keys: map[string][2]int{},
		delegations: []Delegation{
			{Name: Stable},
			{Name: Unstable},
		},
		clock: time.Now,
		lifetimes: map[string]time.Duration{
			Root:      365 * 24 * time.Hour,
			Targets:   365 * 24 * time.Hour,
			Snapshot:  7 * 24 * time.Hour,
			Timestamp: 24 * time.Hour,
		},
	}
}

// WithKeys gives a role (top-level or delegated) n keys and a threshold.
// The default is one key, threshold one.
func WithKeys(role string, n, threshold int) Option {
	return func(c *settings) { c.keys[role] = [2]int{n, threshold} }
}

// WithDelegations replaces the default stable/unstable delegations with ds,
// for custom delegation trees. Roles whose Parent is another delegated role
// must come after that role.
func WithDelegations(ds ...Delegation) Option {
	return func(c *settings) { c.delegations = append([]Delegation(nil), ds...) }
}

// WithRole appends an extra delegated role after the configured ones.
func WithRole(d Delegation) Option {
	return func(c *settings) { c.delegations = append(c.delegations, d) }
}

// WithTerminating makes the named delegations terminating: a path they match
// is never looked up in the roles that come after them.
func WithTerminating(names ...string) Option {
	return func(c *settings) {
		for i := range c.delegations {
			for _, n := range names {
				if c.delegations[i].Name == n {
					c.delegations[i].Terminating = true
				}
			}
		}
	}
}

// WithClock sets the clock that expiry dates are computed from, so tests can
// sign metadata "in the past" and move time on (freeze attacks).
func WithClock(now func() time.Time) Option {
	return func(c *settings) { c.clock = now }
}

// WithExpiry sets how long after signing a role's metadata expires.
// Defaults: root and targets roles 365 days, snapshot 7 days, timestamp 1 day.
func WithExpiry(role string, d time.Duration) Option {
	return func(c *settings) { c.lifetimes[role] = d }
}

// WithSHA512 signs every target with sha512 as well as sha256, and stores it
// under both hash-prefixed names.
func WithSHA512() Option {
	return func(c *settings) { c.sha512 = true }
}

// WithMetaHashes makes snapshot and timestamp list the length and sha256 of
// the metadata they refer to, not only its version.
func WithMetaHashes() Option {
	return func(c *settings) { c.metaHashes = true }
}

// Clock is a settable clock for WithClock, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t.UTC()} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// WithHashBins lays the repository out as tufpip repo init --hash-bins does: targets delegates
// to 2^bits succinct hash bins "bins-X" (TAP 15, one shared key), and each bin to its own
// stable-X then unstable-X (non-terminating, DefaultPaths). Bin(role, path) names the role of
// a family that signs a path. It replaces the default delegations.
func WithHashBins(bits int) Option {
	return func(c *settings) {
		c.bins = bits
		c.delegations = nil
	}
}
