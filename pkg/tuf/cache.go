package tuf

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gofrs/flock"
	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/trustedmetadata"

	"github.com/tufpip/tufpip/internal/atomicfile"
)

// cacheDirs says where one repository's cache lives. go-tuf owns the files in
// metaDir (unversioned <role>.json); we add the root history and the lock.
type cacheDirs struct {
	baseDir    string // the folder the cache lives in (--cache-dir), checked but not ours alone
	metaDir    string // go-tuf's LocalMetadataDir: root, timestamp, snapshot, targets
	delegated  string // delegated roles, named by role: never beside the trusted top-level files
	targetsDir string // verified small targets (pages), named by hash
	historyDir string // N.root.json for every root we rotated through
	lockPath   string
}

func newCacheDirs(cfg Config) (cacheDirs, error) {
	switch {
	case cfg.MetadataDir != "":
		// The conformance suite reads delegated roles back from the metadata folder
		// itself (CLIENT-CLI.md); checkRoleName keeps them from colliding there.
		l := cacheDirs{
			metaDir:    cfg.MetadataDir,
			delegated:  cfg.MetadataDir,
			targetsDir: cfg.TargetsDir,
			historyDir: filepath.Join(cfg.MetadataDir, "root-history"),
			lockPath:   filepath.Join(cfg.MetadataDir, ".lock"),
		}
		if l.targetsDir == "" {
			l.targetsDir = filepath.Join(cfg.MetadataDir, "targets")
		}
		return l, nil
	case cfg.CacheDir != "":
		return cacheDirs{
			baseDir:    filepath.Dir(filepath.Clean(cfg.CacheDir)),
			metaDir:    filepath.Join(cfg.CacheDir, "metadata"),
			delegated:  filepath.Join(cfg.CacheDir, "metadata", "delegated"),
			targetsDir: filepath.Join(cfg.CacheDir, "targets"),
			historyDir: filepath.Join(cfg.CacheDir, "metadata", "root-history"),
			lockPath:   filepath.Join(cfg.CacheDir, ".lock"),
		}, nil
	}
	return cacheDirs{}, errors.New("tuf: config needs a cache directory")
}

// ensure creates the cache folders and checks each one, and the folder the cache lives in,
// as ssh checks its files: owned by the user and writable by no one else. Whoever can write
// to one of them can rename the cache away, and with it the rollback protection.
func (l cacheDirs) ensure() error {
	dirs := []string{filepath.Dir(l.lockPath), l.metaDir, l.delegated, l.targetsDir, l.historyDir}
	if l.baseDir != "" {
		dirs = append([]string{l.baseDir}, dirs...)
	}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("tuf cache: %w", err)
		}
		if err := checkPrivate(d); err != nil {
			return err
		}
	}
	return nil
}

// topLevelFiles are the only metadata files kept directly in metaDir in the CacheDir arrangement.
var topLevelFiles = map[string]bool{"root.json": true, "timestamp.json": true, "snapshot.json": true, "targets.json": true}

// removeStrayDelegated deletes delegated roles an older tufpip cached beside the top-level
// files: they are never read from there any more, and a role named after a top-level file
// was how a delegation could overwrite trust state.
func removeStrayDelegated(l cacheDirs, log *slog.Logger) {
	if l.delegated == l.metaDir {
		return
	}
	entries, err := os.ReadDir(l.metaDir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if name := e.Name(); e.Type().IsRegular() && strings.HasSuffix(name, ".json") && !topLevelFiles[name] {
			if err := os.Remove(filepath.Join(l.metaDir, name)); err == nil {
				log.Debug("removed a delegated role cached by an older tufpip", "file", name)
			}
		}
	}
}

// lock takes the exclusive inter-process lock on the cache. go-tuf has no
// locking (docs/reference.md, item 6); without it two tufpip processes refreshing at
// once can read each other's half-replaced state.
func (l cacheDirs) lock(ctx context.Context) (func(), error) {
	fl := flock.New(l.lockPath, flock.SetPermissions(0o600))
	ok, err := fl.TryLockContext(ctx, 20*time.Millisecond)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("tuf cache: locking %s: %w", l.lockPath, err)
	}
	if !ok {
		return nil, fmt.Errorf("tuf cache: could not lock %s", l.lockPath)
	}
	return func() { _ = fl.Unlock(); _ = fl.Close() }, nil
}

// metadataFileName turns a metadata URL into the file name for messages:
// ".../3.snapshot.json" -> "3.snapshot.json", unescaped.
func metadataFileName(u string) string {
	base := path.Base(u)
	if s, err := url.PathUnescape(base); err == nil {
		return s
	}
	return base
}

var rootFileRe = regexp.MustCompile(`^([0-9]+)\.root\.json$`)

func rootVersion(name string) (int64, bool) {
	m := rootFileRe.FindStringSubmatch(name)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseInt(m[1], 10, 64)
	return v, err == nil
}

// chooseRoot picks the root to hand go-tuf: the cached root.json when go-tuf
// itself can verify the rotation chain from the bootstrap root to it (through
// the roots we kept in historyDir), else the bootstrap root. updater.New
// overwrites root.json with whatever we pass (docs/reference.md, item 7), so passing
// the bootstrap root blindly would downgrade trust after every rotation;
// passing the cached root blindly would trust whatever is on disk.
func chooseRoot(bootstrap []byte, l cacheDirs, log *slog.Logger) (root []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, recovered(r, "root.json")
		}
	}()
	boot, err := trustedmetadata.New(bootstrap)
	if err != nil {
		return nil, &VerificationError{Path: TrustedRootPath, Role: metadata.ROOT, Reason: "invalid trusted root: " + err.Error(), Err: err}
	}
	cached, err := os.ReadFile(filepath.Join(l.metaDir, "root.json"))
	if err != nil {
		return bootstrap, nil
	}
	cachedMD, err := metadata.Root().FromBytes(cached)
	if err != nil {
		log.Warn("ignoring unreadable cached root.json", "error", err)
		return bootstrap, nil
	}
	bv, cv := boot.Root.Signed.Version, cachedMD.Signed.Version
	if cv <= bv {
		return bootstrap, nil
	}
	for v := bv + 1; v < cv; v++ {
		data, err := os.ReadFile(filepath.Join(l.historyDir, fmt.Sprintf("%d.root.json", v)))
		if err != nil {
			log.Warn("cached root.json has no recorded rotation chain: starting from the trusted root", "missing", v)
			return bootstrap, nil
		}
		if _, err := boot.UpdateRoot(data); err != nil {
			log.Warn("cached root history does not verify: starting from the trusted root", "version", v, "error", err)
			return bootstrap, nil
		}
	}
	if _, err := boot.UpdateRoot(cached); err != nil {
		log.Warn("cached root.json does not chain from the trusted root: starting from the trusted root", "error", err)
		return bootstrap, nil
	}
	return cached, nil
}

// recordRoots keeps the root files go-tuf accepted during a refresh, so the
// next run can verify the chain to the cached root.json.
func recordRoots(l cacheDirs, seen map[int64][]byte, accepted int64) error {
	for v, data := range seen {
		if v > accepted {
			continue // fetched but rejected by go-tuf
		}
		if err := atomicfile.WriteFile(filepath.Join(l.historyDir, fmt.Sprintf("%d.root.json", v)), data, 0o600); err != nil {
			return fmt.Errorf("tuf cache: %w", err)
		}
	}
	return nil
}

// removeCorrupt deletes cached metadata files (never root.json) that do not
// even parse. go-tuf falls back to the remote copy only when a cached file
// fails verification; a syntax error blocks every later refresh instead
// (docs/reference.md, item 8). Returns the names removed.
func removeCorrupt(l cacheDirs, log *slog.Logger) []string {
	entries, err := os.ReadDir(l.metaDir)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasSuffix(name, ".json") || name == "root.json" {
			continue
		}
		p := filepath.Join(l.metaDir, name)
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		perr := parseCached(name, data)
		if perr == nil {
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			log.Warn("cannot remove corrupt cached metadata", "file", p, "error", err)
			continue
		}
		log.Warn("removed corrupt cached metadata; it will be downloaded again", "file", p, "error", perr)
		removed = append(removed, name)
	}
	return removed
}

func parseCached(name string, data []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	switch name {
	case "timestamp.json":
		_, err = metadata.Timestamp().FromBytes(data)
	case "snapshot.json":
		_, err = metadata.Snapshot().FromBytes(data)
	default:
		_, err = metadata.Targets().FromBytes(data)
	}
	return err
}

// CheckPrivateDir reports whether dir (which must exist) is safe to keep trust state in:
// owned by the user and writable by no one else. Callers that cache anything next to the
// TUF cache (the CLI's interpreter facts) use it so that every cache folder follows one rule.
func CheckPrivateDir(dir string) error { return checkPrivate(dir) }
