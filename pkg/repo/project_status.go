package repo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// FileStatus is one published file and the roles that sign it.
type FileStatus struct {
	Filename       string    `json:"filename"`
	Version        string    `json:"version"`
	SHA256         string    `json:"sha256"`
	Size           int64     `json:"size"`
	UploadTime     time.Time `json:"uploadTime"`
	RequiresPython string    `json:"requiresPython,omitempty"`
	SignedBy       []string  `json:"signedBy"` // roles whose metadata lists the file, stable first
}

// ProjectStatus tells what each role signs for one project: which page clients get
// (stable's when stable signs one) and which files each role vouches for.
type ProjectStatus struct {
	Project  string       `json:"project"`
	PageFrom string       `json:"pageFrom"` // the role whose page clients use; "" when none
	Pages    []string     `json:"pages"`    // roles that sign a page
	Files    []FileStatus `json:"files"`
}

// ProjectStatus reports project (any spelling) as the published metadata has it.
func (r *Repo) ProjectStatus(ctx context.Context, project string, now time.Time) (*ProjectStatus, error) {
	project = simpleindex.NormalizeName(project)
	all, err := r.projects()
	if err != nil {
		return nil, err
	}
	if !slices.Contains(all, project) {
		return nil, fmt.Errorf("project %s: no file was ever added", project)
	}
	t, err := r.begin(ctx, now)
	if err != nil {
		return nil, err
	}
	t.lazyVerify = true // read only
	st, err := r.readProject(project)
	if err != nil {
		return nil, err
	}
	ps := &ProjectStatus{Project: project}
	for _, fam := range r.lay.families() {
		name := r.lay.roleFor(fam, r.lay.pagePath(project))
		m, err := t.role(name)
		if err != nil {
			return nil, err
		}
		if m.Signed.Targets[r.lay.pagePath(project)] != nil {
			ps.Pages = append(ps.Pages, name)
			if ps.PageFrom == "" {
				ps.PageFrom = name
			}
		}
	}
	for _, f := range st.Files {
		fs := FileStatus{Filename: f.Filename, Version: f.Version, SHA256: f.SHA256, Size: f.Size, UploadTime: f.UploadTime, RequiresPython: f.RequiresPython, SignedBy: []string{}}
		for _, fam := range r.lay.families() {
			ok, err := t.signs(fam, packagePath(f.Filename), f.SHA256)
			if err != nil {
				return nil, err
			}
			if ok {
				fs.SignedBy = append(fs.SignedBy, r.lay.roleFor(fam, packagePath(f.Filename)))
			}
		}
		ps.Files = append(ps.Files, fs)
	}
	return ps, nil
}
