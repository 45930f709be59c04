package repo

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
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
	// Expiries of the roles this Init signs (nil: DefaultExpiries), each at most
	// MaxExpiries. They are not remembered: every Open signs with its own (OpenOptions).
	Expiries *Expiries
	Grace    time.Duration // 0: DefaultGrace
	Now      time.Time     // zero: time.Now()
	Logger   *slog.Logger
}

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
	return &Repo{dir: dir, keysDir: keys, cfg: cfg, exp: exp, lay: layout{bits: cfg.BinBits}, log: logger(opts.Logger)}, nil
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
func Init(ctx context.Context, dir string, opts InitOptions) (*Repo, error) {
	if opts.HashBinBits < 0 || opts.HashBinBits > 14 {
		return nil, fmt.Errorf("hash-bin bits %d: must be between 1 and 14 (0 for the flat layout)", opts.HashBinBits)
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC().Truncate(time.Second)
	exp, err := checkExpiries(opts.Expiries)
	if err != nil {
		return nil, err
	}
	grace := opts.Grace
	if grace == 0 {
		grace = DefaultGrace
	}
	keysDir := opts.KeysDir
	if keysDir == "" {
		keysDir = filepath.Join(dir, "keys")
	}
	absKeys, err := filepath.Abs(keysDir)
	if err != nil {
		return nil, err
	}
	for _, p := range []string{metadataDir(dir), targetsDir(dir), stateDir(dir)} {
		if exists(p) {
			return nil, &ExistsError{Path: p}
		}
	}
	lay := layout{bits: opts.HashBinBits}
	names := []string{keyRoot, keyTargets, keySnapshot, keyTimestamp, keyStable, keyUnstable}
	if lay.hashBins() {
		names = append(names, keyBins)
	}
	for _, n := range names {
		if p := privateKeyPath(absKeys, n); exists(p) {
			return nil, &ExistsError{Path: p}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(absKeys, 0o700); err != nil {
		return nil, &KeyError{Role: "all", Path: absKeys, Err: err}
	}
	for _, p := range []string{metadataDir(dir), filepath.Join(targetsDir(dir), packagesDir), filepath.Join(stateDir(dir), "projects")} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			return nil, err
		}
	}
	cfg := &repoConfig{Format: 1, KeysDir: absKeys, BinBits: lay.bits, Expiries: exp, Grace: grace, JSONPages: opts.JSONPages}
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(configPath(dir), data, 0o644); err != nil {
		return nil, err
	}

	keys := map[string]*metadata.Key{}
	ids := map[string]string{}
	for _, n := range names {
		pub, err := generateKey(absKeys, n)
		if err != nil {
			return nil, err
		}
		k, id, err := tufKey(ed25519.PublicKey(pub))
		if err != nil {
			return nil, err
		}
		keys[n], ids[n] = k, id
	}
	r := &Repo{dir: dir, keysDir: absKeys, cfg: cfg, exp: exp, creating: true, lay: lay, log: logger(opts.Logger)}

	root := metadata.Root(now.Add(exp.Root))
	root.Signed.ConsistentSnapshot = true
	for _, n := range []string{metadata.ROOT, metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP} {
		if err := root.Signed.AddKey(keys[n], n); err != nil {
			return nil, err
		}
	}
	if err := r.signAndWrite(root, metadata.ROOT, filepath.Join(metadataDir(dir), "1.root.json")); err != nil {
		return nil, err
	}
	rootBytes, err := root.ToBytes(true)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(filepath.Join(metadataDir(dir), "root.json"), rootBytes, 0o644); err != nil {
		return nil, err
	}

	// Every targets-type role starts at version 1; the snapshot lists them all.
	roles := map[string]*metadata.Metadata[metadata.TargetsType]{}
	top := metadata.Targets(now.Add(exp.Targets))
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
					delegation(keyStable+"-"+s, ids[keyStable], opts.JSONPages),
					delegation(keyUnstable+"-"+s, ids[keyUnstable], opts.JSONPages),
				},
			}
			roles[keyBins+"-"+s] = bin
		}
	} else {
		top.Signed.Delegations = &metadata.Delegations{
			Keys: map[string]*metadata.Key{ids[keyStable]: keys[keyStable], ids[keyUnstable]: keys[keyUnstable]},
			Roles: []metadata.DelegatedRole{
				delegation(keyStable, ids[keyStable], opts.JSONPages),
				delegation(keyUnstable, ids[keyUnstable], opts.JSONPages),
			},
		}
	}
	roles[metadata.TARGETS] = top
	for _, fam := range []string{keyStable, keyUnstable} {
		for _, name := range lay.familyRoles(fam) {
			roles[name] = metadata.Targets(now.Add(exp.of(name)))
		}
	}
	snap := metadata.Snapshot(now.Add(exp.Snapshot))
	for _, name := range sortedKeys(roles) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		mf, err := r.writeRole(roles[name], name, 1)
		if err != nil {
			return nil, err
		}
		snap.Signed.Meta[name+".json"] = mf
	}
	if _, err := r.writeSnapshot(snap, 1, now); err != nil {
		return nil, err
	}
	ts := metadata.Timestamp(now.Add(exp.Timestamp))
	if err := r.writeTimestamp(ts, snap, 1, now); err != nil {
		return nil, err
	}
	r.log.Info("repository created", "dir", dir, "keys", absKeys, "layout", lay.name())
	return r, nil
}

func (l layout) name() string {
	if l.hashBins() {
		return fmt.Sprintf("hash-bins/%d", 1<<l.bits)
	}
	return "flat"
}
