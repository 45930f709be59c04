package tuftest

import (
	"slices"
	"sort"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// RootJSON returns version 1 of root: the trusted root a client bootstraps
// from.
func (r *Repo) RootJSON() []byte {
	r.t.Helper()
	return r.Signed(Root, 1)
}

// Root returns the signed bytes of a root version.
func (r *Repo) Root(version int64) []byte {
	r.t.Helper()
	return r.Signed(Root, version)
}

// Signed returns the signed bytes of any published version of a role.
func (r *Repo) Signed(role string, version int64) []byte {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	data, ok := r.history[role][version]
	if !ok {
		r.t.Fatalf("tuftest: role %s has no signed version %d", role, version)
	}
	return slices.Clone(data)
}

// Version returns the version of a role that the repository currently
// publishes (for targets roles: the one the current snapshot lists).
func (r *Repo) Version(role string) int64 {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.version(role)
}

func (r *Repo) version(role string) int64 {
	switch role {
	case Root:
		return r.root.Signed.Version
	case Timestamp:
		return r.timestamp.Signed.Version
	case Snapshot:
		return r.timestamp.Signed.Meta["snapshot.json"].Version
	}
	mf, ok := r.snapshot.Signed.Meta[role+".json"]
	if !ok {
		r.t.Fatalf("tuftest: snapshot does not list role %s", role)
	}
	return mf.Version
}

// Keys returns the current keys of a role.
func (r *Repo) Keys(role string) []*Key {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	ks, ok := r.keys[role]
	if !ok {
		r.t.Fatalf("tuftest: no role %s", role)
	}
	return slices.Clone(ks)
}

// Roles lists targets and the delegated roles in the order they were added.
func (r *Repo) Roles() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.targetsRoles()
}

// TargetInfo returns a copy of role's entry for a target, as it will be
// signed at the next Publish, or nil when role does not list it.
func (r *Repo) TargetInfo(role, targetPath string) *metadata.TargetFiles {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	md, ok := r.targets[role]
	if !ok {
		r.t.Fatalf("tuftest: no targets role %s", role)
	}
	tf, ok := md.Signed.Targets[targetPath]
	if !ok {
		return nil
	}
	c := *tf
	c.Hashes = metadata.Hashes{}
	for k, v := range tf.Hashes {
		c.Hashes[k] = slices.Clone(v)
	}
	return &c
}

// Files lists the served paths (relative to the server root), sorted.
func (r *Repo) Files() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.files))
	for p := range r.files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// file returns the served bytes and logical name of a served path.
func (r *Repo) file(p string) ([]byte, string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	data, ok := r.files[strings.TrimPrefix(p, "/")]
	return data, r.logical[strings.TrimPrefix(p, "/")], ok
}
