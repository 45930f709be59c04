package mirror

import (
	"fmt"

	"github.com/tufpip/tufpip/pkg/lockfile"
)

// RequirementsFromFile reads a requirements file, pylock.toml or uv.lock (as tufpip
// verify reads them) and returns what sync mirrors for it: each requirement line as
// written, each locked file as NAME==VERSION. Direct references (URLs, paths, VCS,
// editables) name no index file and are skipped with a warning; constraint files
// restrict, they do not select, and are skipped.
func RequirementsFromFile(path string) (reqs, warnings []string, err error) {
	lf, err := lockfile.Load(path)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	addReq := func(r string) {
		if !seen[r] {
			seen[r] = true
			reqs = append(reqs, r)
		}
	}
	for _, e := range lf.Entries {
		switch {
		case e.Constraint:
			continue
		case e.Kind == lockfile.KindDirectory && !e.Editable:
			continue // a uv.lock's own project: no index serves it
		case e.Kind == lockfile.KindVCS, e.Kind == lockfile.KindDirectory, e.Kind == lockfile.KindArchive,
			e.URL != "" && e.Kind == lockfile.KindRequirement, e.Path != "" && e.Kind == lockfile.KindRequirement, e.Editable:
			warnings = append(warnings, fmt.Sprintf("%s: %s is a direct reference, not an index file; not mirrored", e.Pos, e.Name))
		case e.Kind == lockfile.KindRequirement:
			addReq(e.Raw)
		case e.Version != "":
			r := e.Name + "==" + e.Version
			if e.Marker != "" {
				r += "; " + e.Marker
			}
			addReq(r)
		}
	}
	return reqs, warnings, nil
}
