package tuftest

import (
	"encoding/hex"
	"encoding/json"
	"path"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Repo is a TUF repository under construction. It keeps every signed
// version of every role, and the files a server would host: consistent
// snapshot metadata (N.role.json, plus timestamp.json) and hash-prefixed
// targets. Methods fail the test on error; they are safe to call while a
// Server is serving the repository.
type Repo struct {
	t   testing.TB
	cfg *settings

	mu        sync.Mutex
	keys      map[string][]*Key
	delegs    map[string]*Delegation // delegated roles by name
	order     []string               // delegated roles in the order they were added
	root      *metadata.Metadata[metadata.RootType]
	targets   map[string]*metadata.Metadata[metadata.TargetsType]
	snapshot  *metadata.Metadata[metadata.SnapshotType]
	timestamp *metadata.Metadata[metadata.TimestampType]

	// oldRootKeys signed the last published root: the next root version must
	// carry a threshold of their signatures as well as of its own keys.
	oldRootKeys []*Key

	dirty       map[string]bool
	published   map[string]bool
	nextVersion map[string]int64
	expires     map[string]time.Time
	signWith    map[string][]*Key

	impostors    map[string]*impostor // attack roles by name, see Impostor
	snapshotPins map[string]int64     // role -> version the next snapshots list, see SnapshotLists

	history map[string]map[int64][]byte // role -> version -> signed bytes
	files   map[string][]byte           // served files, by URL path without leading "/"
	logical map[string]string           // served file -> target path or role name
	orig    map[string][]byte           // served bytes before Tamper/ServeVersion
}

// New builds a repository: root, targets delegating DefaultPaths to stable
// then unstable (both non-terminating, unless options say otherwise),
// snapshot and timestamp, all published as version 1.
func New(t testing.TB, opts ...Option) *Repo {
	t.Helper()
	cfg := defaultSettings()
	for _, o := range opts {
		o(cfg)
	}
	r := &Repo{
		t:            t,
		cfg:          cfg,
		keys:         map[string][]*Key{},
		delegs:       map[string]*Delegation{},
		targets:      map[string]*metadata.Metadata[metadata.TargetsType]{},
		dirty:        map[string]bool{},
		published:    map[string]bool{},
		nextVersion:  map[string]int64{},
		expires:      map[string]time.Time{},
		signWith:     map[string][]*Key{},
		history:      map[string]map[int64][]byte{},
		files:        map[string][]byte{},
		logical:      map[string]string{},
		orig:         map[string][]byte{},
		impostors:    map[string]*impostor{},
		snapshotPins: map[string]int64{},
	}
	r.root = metadata.Root(r.expiry(Root))
	for _, role := range []string{Root, Targets, Snapshot, Timestamp} {
		n, th := r.keyCount(role, 0, 0)
		r.keys[role] = newKeys(t, n)
		for _, k := range r.keys[role] {
			r.check(r.root.Signed.AddKey(k.Metadata(), role))
		}
		r.root.Signed.Roles[role].Threshold = th
	}
	r.oldRootKeys = r.keys[Root]
	r.targets[Targets] = metadata.Targets(r.expiry(Targets))
	r.snapshot = metadata.Snapshot(r.expiry(Snapshot))
	r.timestamp = metadata.Timestamp(r.expiry(Timestamp))
	if cfg.bins > 0 {
		r.addHashBins(cfg.bins)
	}
	for _, d := range cfg.delegations {
		r.addDelegation(d)
	}
	for _, role := range []string{Root, Targets, Snapshot, Timestamp} {
		r.dirty[role] = true
	}
	r.Publish()
	return r
}

func (r *Repo) keyCount(role string, n, th int) (int, int) {
	if kt, ok := r.cfg.keys[role]; ok {
		n, th = kt[0], kt[1]
	}
	if n <= 0 {
		n = 1
	}
	if th <= 0 {
		th = 1
	}
	return n, th
}

func (r *Repo) check(err error) {
	r.t.Helper()
	if err != nil {
		r.t.Fatalf("tuftest: %v", err)
	}
}

func (r *Repo) isTargetsRole(role string) bool {
	_, ok := r.targets[role]
	return ok
}

// Delegate adds a delegated role to an existing repository; its parent is
// re-signed at the next Publish.
func (r *Repo) Delegate(d Delegation) {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.addDelegation(d)
}

func (r *Repo) addDelegation(d Delegation) {
	r.t.Helper()
	if d.Parent == "" {
		d.Parent = Targets
	}
	if d.Paths == nil && d.PathHashPrefixes == nil {
		d.Paths = DefaultPaths
	}
	d.Keys, d.Threshold = r.keyCount(d.Name, d.Keys, d.Threshold)
	parent, ok := r.targets[d.Parent]
	if !ok {
		r.t.Fatalf("tuftest: delegation %s: parent role %s does not exist (yet)", d.Name, d.Parent)
	}
	if r.isTargetsRole(d.Name) {
		r.t.Fatalf("tuftest: role %s already exists", d.Name)
	}
	if parent.Signed.Delegations == nil {
		parent.Signed.Delegations = &metadata.Delegations{Keys: map[string]*metadata.Key{}}
	}
	parent.Signed.Delegations.Roles = append(parent.Signed.Delegations.Roles, metadata.DelegatedRole{
		Name:        d.Name,
		KeyIDs:      []string{},
		Threshold:   d.Threshold,
		Terminating: d.Terminating,
		Paths:       slices.Clone(d.Paths),

		PathHashPrefixes: slices.Clone(d.PathHashPrefixes),
	})
	r.keys[d.Name] = newKeys(r.t, d.Keys)
	for _, k := range r.keys[d.Name] {
		r.check(parent.Signed.AddKey(k.Metadata(), d.Name))
	}
	r.delegs[d.Name] = &d
	r.order = append(r.order, d.Name)
	r.targets[d.Name] = metadata.Targets(r.expiry(d.Name))
	r.dirty[d.Name] = true
	r.dirty[d.Parent] = true
}

// AddTarget signs data as target path in role (at the next Publish) and
// hosts it at once under its hash-prefixed name(s).
func (r *Repo) AddTarget(role, targetPath string, data []byte) {
	r.t.Helper()
	r.addTarget(role, targetPath, data, nil)
}

// AddTargetCustom is AddTarget with a "custom" object in the target's entry.
func (r *Repo) AddTargetCustom(role, targetPath string, data []byte, custom json.RawMessage) {
	r.t.Helper()
	r.addTarget(role, targetPath, data, custom)
}

func (r *Repo) addTarget(role, targetPath string, data []byte, custom json.RawMessage) {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	md, ok := r.targets[role]
	if !ok {
		r.t.Fatalf("tuftest: add target %s: no targets role %s", targetPath, role)
	}
	algs := []string{"sha256"}
	if r.cfg.sha512 {
		algs = append(algs, "sha512")
	}
	tf, err := metadata.TargetFile().FromBytes(targetPath, data, algs...)
	r.check(err)
	if custom != nil {
		c := slices.Clone(custom)
		tf.Custom = (*json.RawMessage)(&c)
	}
	md.Signed.Targets[targetPath] = tf
	for _, alg := range algs {
		r.host(HashedPath(targetPath, hex.EncodeToString(tf.Hashes[alg])), targetPath, slices.Clone(data))
	}
	r.dirty[role] = true
}

// AddFile signs data as the distribution file packages/<filename> in role.
func (r *Repo) AddFile(role, filename string, data []byte) {
	r.t.Helper()
	r.AddTarget(role, "packages/"+filename, data)
}

// RemoveTarget drops a target from role's metadata at the next Publish. The
// hosted file stays, as it would on a real mirror.
func (r *Repo) RemoveTarget(role, targetPath string) {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	md, ok := r.targets[role]
	if !ok {
		r.t.Fatalf("tuftest: remove target %s: no targets role %s", targetPath, role)
	}
	if _, ok := md.Signed.Targets[targetPath]; !ok {
		r.t.Fatalf("tuftest: remove target %s: role %s does not list it", targetPath, role)
	}
	delete(md.Signed.Targets, targetPath)
	r.dirty[role] = true
}

// HashedPath is the consistent-snapshot name of a target under the targets
// URL: "dir/<hexhash>.<basename>".
func HashedPath(targetPath, hexHash string) string {
	dir, base := path.Split(targetPath)
	return "targets/" + dir + hexHash + "." + base
}

// host makes data available at served path p (relative to the server root).
func (r *Repo) host(p, logical string, data []byte) {
	r.files[p] = data
	r.logical[p] = logical
	delete(r.orig, p)
}

// Host serves data under its hash-prefixed name(s) for targetPath without
// listing it in any role: bytes for forged metadata to point at.
func (r *Repo) Host(targetPath string, data []byte) {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	algs := []string{"sha256"}
	if r.cfg.sha512 {
		algs = append(algs, "sha512")
	}
	tf, err := metadata.TargetFile().FromBytes(targetPath, data, algs...)
	r.check(err)
	for _, alg := range algs {
		r.host(HashedPath(targetPath, hex.EncodeToString(tf.Hashes[alg])), targetPath, slices.Clone(data))
	}
}
