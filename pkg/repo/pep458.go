package repo

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/blake2b"

	"github.com/tufpip/tufpip/internal/atomicfile"
)

// The PEP 458 layout (InitOptions.Layout = LayoutPEP458) is what PyPI would serve: the
// bins sign every project's page under the bare project name, and every file, each with
// blake2b-256 (PyPI's hash) and sha256 (what a go-tuf or pip-side check knows). A page's
// bytes are stored where three kinds of client look:
//
//	targets/simple/P/<blake2b>.P.html   PyPI's content-addressed name (tufpip --page-url)
//	targets/<blake2b>.P, targets/<sha256>.P
//	                                    a generic consistent-snapshot TUF client (python-tuf's
//	                                    ngclient, go-tuf), whichever hash it picks
//
// all three hard links to one file. The page links files as ../../packages/F, which is
// right from the content-addressed name and from simple/P/ (the unsigned copy plain pip
// reads) but not from the other two names (whose base is targets/); with
// InitOptions.FilesURL it links FilesURL + packages/F, right from everywhere. Files are
// stored at packages/F and packages/<hash>.F for each of their two hashes.

// Client settings for a PEP 458 repository, printed by tufpip repo init.
const (
	PEP458IndexPath = "{project}"
	PEP458PageURL   = "simple/{project}/{hash}.{project}.html"
)

// LayoutError reports an operation the repository's layout has no place for.
type LayoutError struct {
	Layout    string
	Operation string
	Reason    string
}

func (e *LayoutError) Error() string {
	return fmt.Sprintf("%s: not available in the %s layout: %s", e.Operation, e.Layout, e.Reason)
}

// Layout returns LayoutPEP458 or LayoutStableUnstable.
func (r *Repo) Layout() string {
	if r.lay.pep458 {
		return LayoutPEP458
	}
	return LayoutStableUnstable
}

// OnlineKeys are the keys this repository's add and timestamp sign with.
func (r *Repo) OnlineKeys() []string { return r.lay.onlineKeys() }

// RequireStable refuses op, an operation of the stable side, in the PEP 458 layout.
func (r *Repo) RequireStable(op string) error {
	if !r.lay.pep458 {
		return nil
	}
	reason := "its bins sign every file as soon as it is added, with one online key; there is no stable role"
	if op == "sync" {
		reason = "sync publishes through the unstable role, which this layout does not have; download the files and publish them with tufpip repo add"
	}
	return &LayoutError{Layout: LayoutPEP458, Operation: op, Reason: reason}
}

// checkFilesURL accepts "", an http(s) URL or a path from the server's root, ending in "/".
func checkFilesURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("files URL %q: %w", s, err)
	case !strings.HasSuffix(u.Path, "/") || u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("files URL %q: must end in / (pages link FILES-URL + packages/F)", s)
	case u.Scheme == "" && u.Host == "" && strings.HasPrefix(u.Path, "/") && !strings.HasPrefix(u.Path, "//"):
		return nil
	case (u.Scheme == "https" || u.Scheme == "http") && u.Host != "":
		return nil
	}
	return fmt.Errorf("files URL %q: must be an http(s) URL or a path from the server's root (/targets/)", s)
}

func blake2bHex(data []byte) string {
	s := blake2b.Sum256(data)
	return hex.EncodeToString(s[:])
}

// reconcileBins makes the bins sign every file the state lists for project and a page
// listing them all. It returns the page.
func (r *Repo) reconcileBins(t *txn, project string, res *AddResult) ([]byte, error) {
	st, err := r.readProject(project)
	if err != nil {
		return nil, err
	}
	for _, f := range st.Files {
		if f.Blake2b256 == "" {
			return nil, &MetadataError{Path: projectPath(r.dir, project), Role: r.lay.roleFor(keyBins, packagePath(f.Filename)),
				Reason: fmt.Sprintf("%s has no blake2b-256 (the state was not written by a %s add)", f.Filename, LayoutPEP458)}
		}
		if err := t.setTargetHashes(keyBins, packagePath(f.Filename), f.Size, map[string]string{"sha256": f.SHA256, "blake2b-256": f.Blake2b256}); err != nil {
			return nil, err
		}
	}
	base := r.cfg.FilesURL
	if base == "" {
		base = "../../"
	}
	page, err := renderPageLinking(project, st.Files, base)
	if err != nil {
		return nil, err
	}
	return page, r.putPEP458Page(t, project, page, res)
}

// pageCopies are the three names of a page's bytes, relative to the repository.
func pageCopies(project, b2, sum string) []string {
	return []string{
		filepath.Join("targets", "simple", project, b2+"."+project+".html"),
		filepath.Join("targets", b2+"."+project),
		filepath.Join("targets", sum+"."+project),
	}
}

// putPEP458Page makes project's bin sign page under the target path project, writing its
// copies first. When the bin already signs these bytes it checks the copies instead, and
// rewrites any that differ (reported in res.Repaired).
func (r *Repo) putPEP458Page(t *txn, project string, page []byte, res *AddResult) error {
	path := r.lay.pagePath(project)
	hashes := map[string]string{"sha256": sha256Hex(page), "blake2b-256": blake2bHex(page)}
	old, err := t.target(keyBins, path)
	if err != nil {
		return err
	}
	copies := pageCopies(project, hashes["blake2b-256"], hashes["sha256"])
	if old != nil && old.Length == int64(len(page)) && sameHashes(old.Hashes, hashes) {
		bad := 0
		for _, c := range copies {
			if data, err := os.ReadFile(filepath.Join(r.dir, c)); err != nil || !bytes.Equal(data, page) {
				r.log.Warn("stored page does not have the bytes its bin signs; rewriting it (was the served tree changed?)", "path", c, "role", r.lay.roleFor(keyBins, path))
				res.Repaired = append(res.Repaired, c)
				bad++
			}
		}
		if bad == 0 {
			return nil
		}
	}
	if err := t.step("page " + path); err != nil {
		return err
	}
	first := filepath.Join(r.dir, copies[0])
	if err := atomicfile.WriteFileUnsynced(first, page, 0o644); err != nil {
		return err
	}
	t.unsynced = append(t.unsynced, first, filepath.Dir(first), targetsDir(r.dir))
	for _, c := range copies[1:] {
		if err := replaceWithLink(first, filepath.Join(r.dir, c)); err != nil {
			return err
		}
		t.unsynced = append(t.unsynced, filepath.Join(r.dir, c))
	}
	if old != nil && !sameHashes(old.Hashes, hashes) {
		t.superseded = append(t.superseded, pageCopies(project, hex.EncodeToString(old.Hashes["blake2b-256"]), hex.EncodeToString(old.Hashes["sha256"]))...)
	}
	return t.setTargetHashes(keyBins, path, int64(len(page)), hashes)
}

// referencedPEP458 is txn.referenced for the PEP 458 layout: a page copy is referenced
// while its project's bin signs a hash its name carries.
func (t *txn) referencedPEP458(parts []string) bool {
	var project, sum string
	switch {
	case len(parts) == 2 && parts[0] == "metadata":
		return t.referencedMetadata(parts[1])
	case len(parts) == 4 && parts[0] == "targets" && parts[1] == "simple" && parts[3] == hashPrefix(parts[3])+"."+parts[2]+".html":
		project, sum = parts[2], hashPrefix(parts[3])
	case len(parts) == 2 && parts[0] == "targets" && hashPrefix(parts[1]) != "":
		project, sum = parts[1][len(hashPrefix(parts[1]))+1:], hashPrefix(parts[1])
	default:
		return true // never delete what we do not understand
	}
	tf, err := t.target(keyBins, t.r.lay.pagePath(project))
	if err != nil || tf == nil {
		return err != nil
	}
	for _, h := range tf.Hashes {
		if hex.EncodeToString(h) == sum {
			return true
		}
	}
	return false
}

// hashPrefix returns the 64-hex-digit prefix of name before a dot, or "".
func hashPrefix(name string) string {
	if len(name) < 66 || name[64] != '.' {
		return ""
	}
	if _, err := hex.DecodeString(name[:64]); err != nil {
		return ""
	}
	return name[:64]
}
