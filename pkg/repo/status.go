package repo

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// TimestampResult reports what a timestamp run re-signed.
type TimestampResult struct {
	Version  int64     `json:"timestampVersion"`
	Expires  time.Time `json:"expires"`
	Renewed  []string  `json:"renewed"`  // roles re-signed besides timestamp
	Warnings []string  `json:"warnings"` // roles close to expiry whose key is not here
}

// Timestamp re-signs timestamp.json with a fresh expiry (run it from cron, more often than
// the timestamp lifetime, e.g. hourly). It also re-signs, as new versions, every role past
// half of its lifetime whose key is in the keys directory (snapshot and unstable on the
// upload server; stable where its key is), and warns about the others.
func (r *Repo) Timestamp(ctx context.Context, now time.Time) (*TimestampResult, error) {
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	t, unlock, err := r.beginLocked(ctx, now)
	if err != nil {
		return nil, err
	}
	defer unlock()
	// timestamp signs as of now even when now is in the past (unlike add and promote, whose
	// --now dates uploads): expiries count from it, which is how an operator rehearses an
	// expiring repository.
	t.signAt = now
	// An hourly run reads every role for its expiry and re-signs few: check signatures
	// only of those it re-signs.
	t.lazyVerify = true
	res := &TimestampResult{}
	soon := func(expires time.Time, life time.Duration) bool { return expires.Before(t.signAt.Add(life / 2)) }
	haveKey := func(name string) bool { return r.signerFor(name) != nil }
	families := []string{keyUnstable, keyStable}
	if r.lay.pep458 {
		families = []string{keyBins}
	}
	for _, fam := range families {
		for _, name := range r.lay.familyRoles(fam) {
			m, err := t.role(name)
			if err != nil {
				return nil, err
			}
			if !soon(m.Signed.Expires, r.lay.lifetime(r.exp, name)) {
				continue
			}
			if !haveKey(fam) {
				res.Warnings = append(res.Warnings, name+" expires "+m.Signed.Expires.Format(time.RFC3339)+" and its key is not usable from "+r.keysDir)
				continue
			}
			if err := t.renew(name); err != nil {
				return nil, err
			}
			res.Renewed = append(res.Renewed, name)
		}
	}
	var root *metadata.Metadata[metadata.RootType]
	if data, err := os.ReadFile(filepath.Join(metadataDir(r.dir), "root.json")); err == nil {
		root, _ = metadata.Root().FromBytes(data)
	}
	ow, err := t.offlineWarnings(root)
	if err != nil {
		return nil, err
	}
	res.Warnings = append(res.Warnings, ow...)
	forceSnap := soon(t.snap.Signed.Expires, r.exp.Snapshot)
	if forceSnap || len(t.dirty) > 0 {
		res.Renewed = append(res.Renewed, metadata.SNAPSHOT)
	}
	if _, err := t.commit(forceSnap, true); err != nil {
		return nil, err
	}
	res.Version, res.Expires = t.ts.Signed.Version, t.ts.Signed.Expires
	r.sweepTemps(t.signAt)
	return res, nil
}

// RoleStatus describes one role, or one family of sharded roles in the hash-bin layout
// (then Version is the highest, Expires the earliest and the counts are sums).
type RoleStatus struct {
	Role      string    `json:"role"`
	Shards    int       `json:"shards,omitempty"`
	Version   int64     `json:"version"`
	Expires   time.Time `json:"expires"`
	Files     int       `json:"files"`
	Pages     int       `json:"pages"`
	Bytes     int64     `json:"bytes"` // size of the signed metadata (all shards)
	MaxBytes  int64     `json:"maxBytes"`
	Online    bool      `json:"online"`     // key meant to live on the upload server
	KeyHere   bool      `json:"keyPresent"` // private key found in the keys directory
	Expired   bool      `json:"expired"`
	ExpiresIn string    `json:"expiresIn"`
}

// Status summarises a repository.
type Status struct {
	Dir      string       `json:"dir"`
	KeysDir  string       `json:"keysDir"`
	Layout   string       `json:"layout"`
	Projects int          `json:"projects"`
	Files    int          `json:"files"`
	Roles    []RoleStatus `json:"roles"`
	// Stable is filled by the caller from StableStatus (repo status does).
	Stable *StableSide `json:"stableSide,omitempty"`
}

// Status reads what each role signs, its version and expiry, as of now.
func (r *Repo) Status(ctx context.Context, now time.Time) (*Status, error) {
	if now.IsZero() {
		now = time.Now()
	}
	t, err := r.begin(ctx, now)
	if err != nil {
		return nil, err
	}
	t.lazyVerify = true // read only
	s := &Status{Dir: r.dir, KeysDir: r.keysDir, Layout: r.lay.name()}
	projects, err := r.projects()
	if err != nil {
		return nil, err
	}
	s.Projects = len(projects)
	for _, p := range projects {
		st, err := r.readProject(p)
		if err != nil {
			return nil, err
		}
		s.Files += len(st.Files)
	}
	add := func(name string, version int64, expires time.Time, files, pages int, size int64, shards int) {
		key := keyFor(name)
		rs := RoleStatus{Role: name, Shards: shards, Version: version, Expires: expires, Files: files, Pages: pages, Bytes: size, MaxBytes: size,
			Online: slices.Contains(r.lay.onlineKeys(), key), KeyHere: exists(privateKeyPath(r.keysDir, key)), Expired: !now.Before(expires),
			ExpiresIn: expires.Sub(now).Round(time.Minute).String()}
		s.Roles = append(s.Roles, rs)
	}
	size := func(p string) int64 {
		st, err := os.Stat(p)
		if err != nil {
			return 0
		}
		return st.Size()
	}
	rootData, err := os.ReadFile(filepath.Join(metadataDir(r.dir), "root.json"))
	if err != nil {
		return nil, &MetadataError{Path: filepath.Join(metadataDir(r.dir), "root.json"), Role: metadata.ROOT, Reason: "cannot read", Err: err}
	}
	root, err := metadata.Root().FromBytes(rootData)
	if err != nil {
		return nil, &MetadataError{Path: filepath.Join(metadataDir(r.dir), "root.json"), Role: metadata.ROOT, Reason: "cannot parse", Err: err}
	}
	add(metadata.ROOT, root.Signed.Version, root.Signed.Expires, 0, 0, size(r.versionedPath(metadata.ROOT, root.Signed.Version)), 0)
	add(metadata.TIMESTAMP, t.ts.Signed.Version, t.ts.Signed.Expires, 0, 0, size(filepath.Join(metadataDir(r.dir), "timestamp.json")), 0)
	add(metadata.SNAPSHOT, t.snap.Signed.Version, t.snap.Signed.Expires, 0, 0, t.ts.Signed.Meta["snapshot.json"].Length, 0)
	groups := [][]string{{metadata.TARGETS}}
	if r.lay.hashBins() {
		groups = append(groups, r.lay.familyRoles(keyBins))
	}
	if !r.lay.pep458 {
		groups = append(groups, r.lay.familyRoles(keyStable), r.lay.familyRoles(keyUnstable))
	}
	for _, g := range groups {
		var rs RoleStatus
		for i, name := range g {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			m, err := t.role(name)
			if err != nil {
				return nil, err
			}
			files, pages := 0, 0
			for p := range m.Signed.Targets {
				if strings.HasPrefix(p, "simple/") || (r.lay.pep458 && !strings.Contains(p, "/")) {
					pages++
				} else {
					files++
				}
			}
			n := t.snap.Signed.Meta[name+".json"].Length
			if i == 0 || m.Signed.Expires.Before(rs.Expires) {
				rs.Expires = m.Signed.Expires
			}
			rs.Version = max(rs.Version, m.Signed.Version)
			rs.Files += files
			rs.Pages += pages
			rs.Bytes += n
			rs.MaxBytes = max(rs.MaxBytes, n)
			delete(t.roles, name) // bounded memory over thousands of shards
		}
		name, shards := g[0], 0
		if len(g) > 1 {
			name, shards = keyFor(g[0])+"-*", len(g)
		}
		add(name, rs.Version, rs.Expires, rs.Files, rs.Pages, rs.Bytes, shards)
		s.Roles[len(s.Roles)-1].MaxBytes = rs.MaxBytes
	}
	return s, nil
}
