package repo

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/bits"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/tufpip/tufpip/internal/atomicfile"
)

// InitOptions configure a new repository.
type InitOptions struct {
	// KeysDir receives the private keys (default DIR/keys). Put it outside DIR in
	// production: root, targets (and bins) keys belong offline once Init has run.
	KeysDir string
	// HashBinBits > 0 selects the hash-bin layout with 2^HashBinBits bins (1..14). Use it
	// when one role's metadata would pass a few MB (see the package documentation).
	HashBinBits int
	// JSONPages also publishes every page as PEP 691 JSON at simple/P/index.json, with
	// PEP 700's sizes, upload times and versions (clients: --index-path
	// simple/{project}/index.json). It doubles the page entries in every role.
	JSONPages bool
	// Layout is LayoutPEP458 for PEP 458 as accepted (PyPI's plan): targets delegates to
	// succinct hash bins bins-XXXX signed by one online key, which sign the pages (target
	// path: the project name, hashes blake2b-256 and sha256) and the files; no stable or
	// unstable. "" or LayoutStableUnstable: this package's stable/unstable layout.
	Layout string
	// FilesURL (PEP 458 layout only) makes pages link files as FilesURL + "packages/F":
	// an absolute URL ending in "/" (https://files.example.org/, or where DIR/targets/ is
	// served) or a path from the server's root ("/targets/"). Such links resolve the same
	// from every place a page is read (its content-addressed name, the names generic TUF
	// clients use, its target path); the default relative links (../../packages/F) resolve
	// from the content-addressed name and simple/P/ only.
	FilesURL string
	// Bins is the number of bins of the PEP 458 layout, a power of two from 2 to 16,384
	// (0: 16,384, what PEP 458 recommends).
	Bins int
	// Expiries of the roles this Init signs (nil: DefaultExpiries), each at most
	// MaxExpiries. They are not remembered: every Open signs with its own (OpenOptions).
	Expiries *Expiries
	Grace    time.Duration // 0: DefaultGrace
	Now      time.Time     // zero: time.Now()
	Logger   *slog.Logger
}

// DefaultPEP458Bins is the number of hash bins PEP 458 recommends, and the most Init makes.
const DefaultPEP458Bins = 1 << 14

// Repo is an open repository directory.
type Repo struct {
	dir     string
	keysDir string
	cfg     *repoConfig
	lay     layout
	log     *slog.Logger
	// exp are the lifetimes this process signs with: the operator's, never
	// DIR/state/config.json, which the upload server can write.
	exp Expiries
	// creating: Init writes the keys, possibly under DIR (the default, with a warning).
	creating bool

	// failAt, when set (tests), is called before every file a publish writes; an error
	// stops the publish there, as a crash would.
	failAt func(step string) error

	signers map[string]signature.Signer // by key name; nil entry: key not usable
	keyErrs map[string]error            // why a key is not usable

	// spare is a transaction read but not used (Open's layout check, BeginMirror's
	// check), handed to the next begin if timestamp.json is still the same bytes: a
	// snapshot of 16,384 bins takes a tenth of a second or more to read and verify. Never
	// a lazyVerify transaction: the roles it loaded are taken as verified.
	spare atomic.Pointer[txn]
}

// OpenOptions configure Open.
type OpenOptions struct {
	// KeysDir holds the private keys (and by default the stable ledger); default DIR/keys.
	// The folder recorded at init in DIR/state is never used: the upload server can write
	// it, and would choose which keys and which ledger promote reads.
	KeysDir  string
	Expiries *Expiries // lifetimes to sign with (nil: DefaultExpiries), each at most MaxExpiries
	Logger   *slog.Logger
}

// Open opens a repository created by Init.
func Open(dir string, opts OpenOptions) (*Repo, error) {
	cfg, err := readConfig(dir)
	if err != nil {
		return nil, err
	}
	keys := opts.KeysDir
	if keys == "" {
		keys = filepath.Join(dir, "keys")
	}
	exp, err := checkExpiries(opts.Expiries)
	if err != nil {
		return nil, err
	}
	r := &Repo{dir: dir, keysDir: keys, cfg: cfg, exp: exp, lay: layout{bits: cfg.BinBits, pep458: cfg.Layout == LayoutPEP458}, log: logger(opts.Logger)}
	t, err := r.begin(context.Background(), time.Now())
	if err != nil {
		return nil, err
	}
	if err := r.checkLayout(t); err != nil {
		return nil, err
	}
	r.spare.Store(t)
	return r, nil
}

// Dir returns the repository directory.
func (r *Repo) Dir() string { return r.dir }

func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// Init creates an empty signed repository in dir: keys, root, targets delegating to
// stable then unstable, empty stable and unstable, snapshot and timestamp. It refuses to
// touch a directory that already holds a repository or key files (*ExistsError).
func Init(ctx context.Context, dir string, opts InitOptions) (_ *Repo, err error) {
	plan, err := planInit(dir, opts)
	if err != nil {
		return nil, err
	}
	if err := plan.refuseExisting(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// A failed or interrupted init removes what it made: a half-signed repository and its
	// keys would only make the next init refuse.
	undo := plan.undoer()
	defer func() {
		if err != nil {
			undo()
		}
	}()
	if err := plan.makeFolders(); err != nil {
		return nil, err
	}
	cfg, err := plan.writeConfig()
	if err != nil {
		return nil, err
	}
	keys, ids, err := plan.makeKeys()
	if err != nil {
		return nil, err
	}
	// The keys reach the disk before the root that names them: a crash must not leave a
	// durable root whose private keys were lost with the page cache (the keys folder is
	// often another file system than DIR).
	var keyFiles []string
	for _, n := range plan.keyNames {
		keyFiles = append(keyFiles, privateKeyPath(plan.keysDir, n))
	}
	if err := syncTrees([]string{plan.keysDir}, keyFiles); err != nil {
		return nil, &KeyError{Role: "all", Path: plan.keysDir, Err: err}
	}
	r := &Repo{dir: dir, keysDir: plan.keysDir, cfg: cfg, exp: plan.exp, creating: true, lay: plan.lay, log: logger(opts.Logger)}
	if err := r.publishFirstRoot(plan.now, keys); err != nil {
		return nil, err
	}
	roles := plan.buildTargetsRoles(keys, ids)
	if err := r.publishFirst(ctx, roles, plan.now); err != nil {
		return nil, err
	}
	r.log.Info("repository created", "dir", dir, "keys", plan.keysDir, "layout", plan.lay.name())
	return r, nil
}

// initPlan is what Init will create, from validated options.
type initPlan struct {
	dir      string
	opts     InitOptions
	now      time.Time // UTC, whole seconds
	exp      Expiries
	grace    time.Duration
	keysDir  string // absolute
	lay      layout
	keyNames []string // the key files to create
}

// planInit checks opts and fills in their defaults.
func planInit(dir string, opts InitOptions) (*initPlan, error) {
	if opts.HashBinBits < 0 || opts.HashBinBits > 14 {
		return nil, fmt.Errorf("hash-bin bits %d: must be between 1 and 14 (0 for the flat layout)", opts.HashBinBits)
	}
	p := &initPlan{dir: dir, opts: opts, now: opts.Now, grace: opts.Grace, lay: layout{bits: opts.HashBinBits}}
	switch opts.Layout {
	case "", LayoutStableUnstable:
		if opts.Bins != 0 || opts.FilesURL != "" {
			return nil, fmt.Errorf("bins and files URL: only the %s layout has them (the stable/unstable layout shards with hash-bin bits)", LayoutPEP458)
		}
	case LayoutPEP458:
		if opts.HashBinBits != 0 || opts.JSONPages {
			return nil, fmt.Errorf("layout %s: hash-bin bits and JSON pages belong to the stable/unstable layout (give the number of bins instead)", LayoutPEP458)
		}
		bins := opts.Bins
		if bins == 0 {
			bins = DefaultPEP458Bins
		}
		if bins < 2 || bins > DefaultPEP458Bins || bins&(bins-1) != 0 {
			return nil, fmt.Errorf("bins %d: must be a power of two from 2 to %d", bins, DefaultPEP458Bins)
		}
		p.lay = layout{bits: bits.TrailingZeros(uint(bins)), pep458: true}
		if err := checkFilesURL(opts.FilesURL); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("layout %q: must be %s or %s", opts.Layout, LayoutStableUnstable, LayoutPEP458)
	}
	if p.now.IsZero() {
		p.now = time.Now()
	}
	p.now = p.now.UTC().Truncate(time.Second)
	exp, err := checkExpiries(opts.Expiries)
	if err != nil {
		return nil, err
	}
	p.exp = exp
	if p.grace == 0 {
		p.grace = DefaultGrace
	}
	keysDir := opts.KeysDir
	if keysDir == "" {
		keysDir = filepath.Join(dir, "keys")
	}
	if p.keysDir, err = filepath.Abs(keysDir); err != nil {
		return nil, err
	}
	for _, served := range []string{metadataDir(dir), targetsDir(dir)} {
		if inside(p.keysDir, served) {
			return nil, &KeyError{Role: "all", Path: p.keysDir, Err: fmt.Errorf("lies in %s, which is served: a web server would publish the private keys; pass a folder outside %s and %s", served, metadataDir(dir), targetsDir(dir))}
		}
	}
	p.keyNames = []string{keyRoot, keyTargets, keySnapshot, keyTimestamp, keyStable, keyUnstable}
	if p.lay.pep458 {
		p.keyNames = []string{keyRoot, keyTargets, keySnapshot, keyTimestamp, keyBins}
	} else if p.lay.hashBins() {
		p.keyNames = append(p.keyNames, keyBins)
	}
	return p, nil
}

// refuseExisting returns an *ExistsError if the repository folders or a key file exist.
func (p *initPlan) refuseExisting() error {
	for _, path := range []string{metadataDir(p.dir), targetsDir(p.dir), stateDir(p.dir)} {
		if exists(path) {
			return &ExistsError{Path: path}
		}
	}
	for _, n := range p.keyNames {
		if path := privateKeyPath(p.keysDir, n); exists(path) {
			return &ExistsError{Path: path}
		}
	}
	return nil
}

// undoer returns a function that removes what Init makes, given that refuseExisting found
// none of it: the repository folders, the key files, and DIR and the keys folder if they
// did not exist and are left empty.
func (p *initPlan) undoer() func() {
	newDirs := []string{}
	for _, d := range []string{p.keysDir, p.dir} {
		if !exists(d) {
			newDirs = append(newDirs, d)
		}
	}
	return func() {
		for _, d := range []string{metadataDir(p.dir), targetsDir(p.dir), stateDir(p.dir)} {
			os.RemoveAll(d)
		}
		for _, n := range p.keyNames {
			os.Remove(privateKeyPath(p.keysDir, n))
			os.Remove(publicKeyPath(p.keysDir, n))
		}
		for _, d := range newDirs {
			os.Remove(d) // only when empty
		}
	}
}

func (p *initPlan) makeFolders() error {
	if err := os.MkdirAll(p.keysDir, 0o700); err != nil {
		return &KeyError{Role: "all", Path: p.keysDir, Err: err}
	}
	for _, path := range []string{metadataDir(p.dir), filepath.Join(targetsDir(p.dir), packagesDir), filepath.Join(stateDir(p.dir), "projects")} {
		if err := os.MkdirAll(path, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// writeConfig writes the repository's settings to its state folder.
func (p *initPlan) writeConfig() (*repoConfig, error) {
	cfg := &repoConfig{Format: 1, KeysDir: p.keysDir, BinBits: p.lay.bits, Expiries: p.exp, Grace: p.grace, JSONPages: p.opts.JSONPages}
	if p.lay.pep458 {
		cfg.Layout, cfg.FilesURL = LayoutPEP458, p.opts.FilesURL
	}
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(configPath(p.dir), data, 0o644); err != nil {
		return nil, err
	}
	return cfg, nil
}

// makeKeys generates one key pair per key name and returns the public keys and their ids
// by name.
func (p *initPlan) makeKeys() (keys map[string]*metadata.Key, ids map[string]string, err error) {
	keys, ids = map[string]*metadata.Key{}, map[string]string{}
	for _, n := range p.keyNames {
		pub, err := generateKey(p.keysDir, n)
		if err != nil {
			return nil, nil, err
		}
		k, id, err := tufKey(ed25519.PublicKey(pub))
		if err != nil {
			return nil, nil, err
		}
		keys[n], ids[n] = k, id
	}
	return keys, ids, nil
}

// publishFirstRoot signs and writes version 1 of root, as 1.root.json and root.json.
func (r *Repo) publishFirstRoot(now time.Time, keys map[string]*metadata.Key) error {
	dir := r.dir
	root := metadata.Root(now.Add(r.exp.Root))
	root.Signed.ConsistentSnapshot = true
	for _, n := range []string{metadata.ROOT, metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP} {
		if err := root.Signed.AddKey(keys[n], n); err != nil {
			return err
		}
	}
	if err := r.signAndWrite(root, metadata.ROOT, filepath.Join(metadataDir(dir), "1.root.json")); err != nil {
		return err
	}
	rootBytes, err := root.ToBytes(true)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(metadataDir(dir), "root.json"), rootBytes, 0o644)
}

// buildTargetsRoles returns every targets-type role, empty, by name: targets delegating
// (through the hash bins if any) to stable then unstable, and the stable and unstable roles.
func (p *initPlan) buildTargetsRoles(keys map[string]*metadata.Key, ids map[string]string) map[string]*metadata.Metadata[metadata.TargetsType] {
	now, exp, lay, jsonPages := p.now, p.exp, p.lay, p.opts.JSONPages
	roles := map[string]*metadata.Metadata[metadata.TargetsType]{}
	top := metadata.Targets(now.Add(exp.Targets))
	if lay.pep458 {
		sr := lay.succinct()
		sr.KeyIDs = []string{ids[keyBins]}
		top.Signed.Delegations = &metadata.Delegations{
			Keys:          map[string]*metadata.Key{ids[keyBins]: keys[keyBins]},
			SuccinctRoles: sr,
		}
		roles[metadata.TARGETS] = top
		for _, name := range lay.familyRoles(keyBins) {
			roles[name] = metadata.Targets(now.Add(lay.lifetime(exp, name)))
		}
		return roles
	}
	if lay.hashBins() {
		sr := lay.succinct()
		sr.KeyIDs = []string{ids[keyBins]}
		top.Signed.Delegations = &metadata.Delegations{
			Keys:          map[string]*metadata.Key{ids[keyBins]: keys[keyBins]},
			SuccinctRoles: sr,
		}
		for _, s := range lay.suffixes() {
			bin := metadata.Targets(now.Add(exp.Targets))
			bin.Signed.Delegations = &metadata.Delegations{
				Keys: map[string]*metadata.Key{ids[keyStable]: keys[keyStable], ids[keyUnstable]: keys[keyUnstable]},
				Roles: []metadata.DelegatedRole{
					delegation(keyStable+"-"+s, ids[keyStable], jsonPages),
					delegation(keyUnstable+"-"+s, ids[keyUnstable], jsonPages),
				},
			}
			roles[keyBins+"-"+s] = bin
		}
	} else {
		top.Signed.Delegations = &metadata.Delegations{
			Keys: map[string]*metadata.Key{ids[keyStable]: keys[keyStable], ids[keyUnstable]: keys[keyUnstable]},
			Roles: []metadata.DelegatedRole{
				delegation(keyStable, ids[keyStable], jsonPages),
				delegation(keyUnstable, ids[keyUnstable], jsonPages),
			},
		}
	}
	roles[metadata.TARGETS] = top
	for _, fam := range []string{keyStable, keyUnstable} {
		for _, name := range lay.familyRoles(fam) {
			roles[name] = metadata.Targets(now.Add(exp.of(name)))
		}
	}
	return roles
}

// publishFirst writes version 1 of every targets-type role, then the snapshot listing them
// all and the timestamp.
func (r *Repo) publishFirst(ctx context.Context, roles map[string]*metadata.Metadata[metadata.TargetsType], now time.Time) error {
	snap := metadata.Snapshot(now.Add(r.exp.Snapshot))
	var written []string
	for _, name := range sortedKeys(roles) {
		if err := ctx.Err(); err != nil {
			return err
		}
		mf, err := r.writeRole(roles[name], name, 1)
		if err != nil {
			return err
		}
		written = append(written, r.versionedPath(name, 1))
		snap.Signed.Meta[name+".json"] = mf
	}
	if err := syncTrees([]string{metadataDir(r.dir)}, written); err != nil {
		return err
	}
	if _, err := r.writeSnapshot(snap, 1, now); err != nil {
		return err
	}
	ts := metadata.Timestamp(now.Add(r.exp.Timestamp))
	return r.writeTimestamp(ts, snap, 1, now)
}

func (l layout) name() string {
	if l.pep458 {
		return fmt.Sprintf("%s/%d", LayoutPEP458, 1<<l.bits)
	}
	if l.hashBins() {
		return fmt.Sprintf("hash-bins/%d", 1<<l.bits)
	}
	return "flat"
}
