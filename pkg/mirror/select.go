package mirror

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tufpip/tufpip/pkg/pep440"
	"github.com/tufpip/tufpip/pkg/resolve"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// When the operator gives no --python-version or no --platform, markers are evaluated for
// each of these (a dependency is followed when it applies to any), and wheels are not
// filtered on that dimension.
var (
	defaultPythons   = []string{"3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14"}
	defaultPlatforms = []string{"manylinux2014_x86_64", "manylinux2014_aarch64", "macosx_11_0_arm64", "macosx_10_12_x86_64", "win_amd64"}
)

// selector decides which files of a page are mirrored.
type selector struct {
	onlyBinary bool
	latest     int
	// Exactly one of the tag filters is set when the operator restricted wheels.
	tags      map[resolve.Tag]bool // --python-version and --platform
	pyABI     map[[2]string]bool   // --python-version only: interpreter and ABI, any platform
	platforms map[string]bool      // --platform only: platform, any interpreter
	pythons   []pep440.Version     // --python-version: for Requires-Python
	envs      []map[string]string  // marker environments for dependencies
}

func newSelector(pythons, platforms []string, onlyBinary bool, latest int) (*selector, error) {
	s := &selector{onlyBinary: onlyBinary, latest: latest}
	pys, plats := pythons, platforms
	if len(pys) == 0 {
		pys = defaultPythons
	}
	if len(plats) == 0 {
		plats = defaultPlatforms
	}
	switch {
	case len(pythons) > 0 && len(platforms) > 0:
		s.tags = map[resolve.Tag]bool{}
	case len(pythons) > 0:
		s.pyABI = map[[2]string]bool{}
	case len(platforms) > 0:
		s.platforms = map[string]bool{"any": true}
	}
	for _, py := range pys {
		for _, plat := range plats {
			env, err := resolve.NewEnvironment(resolve.TargetOptions{PythonVersion: py, Platforms: []string{plat}})
			if err != nil {
				return nil, &UsageError{Msg: err.Error()}
			}
			s.envs = append(s.envs, env.Markers)
			for _, t := range env.Tags {
				switch {
				case s.tags != nil:
					s.tags[t] = true
				case s.pyABI != nil:
					s.pyABI[[2]string{t.Interpreter, t.ABI}] = true
				case s.platforms != nil:
					s.platforms[t.Platform] = true
				}
			}
		}
		if len(pythons) > 0 {
			v, err := pep440.Parse(env3(py))
			if err != nil {
				return nil, &UsageError{Msg: fmt.Sprintf("--python-version %q: %v", py, err)}
			}
			s.pythons = append(s.pythons, v)
		}
	}
	return s, nil
}

// env3 pads "3.11" to "3.11.0": Requires-Python compares the full version.
func env3(py string) string {
	if !strings.Contains(py, ".") && len(py) > 1 {
		py = py[:1] + "." + py[1:]
	}
	for strings.Count(py, ".") < 2 {
		py += ".0"
	}
	return py
}

// candidate is a page file the selector can consider.
type candidate struct {
	file simpleindex.File
	dist resolve.Dist
}

// allowed returns the page's files that the target filters admit, with their parsed
// filenames. Files whose names do not parse for the project are left out (and named).
func (s *selector) allowed(project string, files []simpleindex.File) (out []candidate, bad []string) {
	for _, f := range files {
		d, err := resolve.ParseFilenameFor(project, f.Filename)
		if err != nil {
			// Eggs, Windows installers and other legacy formats are not for pip: skip
			// them quietly, as pip does; name only malformed wheels and sdists.
			if strings.HasSuffix(f.Filename, ".whl") || strings.HasSuffix(f.Filename, ".tar.gz") || strings.HasSuffix(f.Filename, ".zip") {
				bad = append(bad, f.Filename)
			}
			continue
		}
		if d.Wheel && !s.wheelOK(d) {
			continue
		}
		if !d.Wheel && s.onlyBinary {
			continue
		}
		if !s.pythonOK(f.RequiresPython) {
			continue
		}
		out = append(out, candidate{file: f, dist: d})
	}
	return out, bad
}

func (s *selector) wheelOK(d resolve.Dist) bool {
	if s.tags == nil && s.pyABI == nil && s.platforms == nil {
		return true
	}
	for _, t := range d.Tags {
		switch {
		case s.tags != nil && s.tags[t]:
			return true
		case s.pyABI != nil && s.pyABI[[2]string{t.Interpreter, t.ABI}]:
			return true
		case s.platforms != nil && s.platforms[t.Platform]:
			return true
		}
	}
	return false
}

func (s *selector) pythonOK(rp string) bool {
	if len(s.pythons) == 0 || strings.TrimSpace(rp) == "" {
		return true
	}
	spec, err := pep440.ParseSpecifiers(rp)
	if err != nil {
		return true // pip ignores a Requires-Python it cannot parse
	}
	for _, v := range s.pythons {
		if spec.Contains(v, true) {
			return true
		}
	}
	return false
}

// request is one reason to mirror a project: a specifier (empty: any version) and the
// extras whose dependencies are wanted.
type request struct {
	spec   pep440.Specifiers
	extras []string
}

func (r request) key() string {
	x := append([]string(nil), r.extras...)
	sort.Strings(x)
	return r.spec.String() + "[" + strings.Join(x, ",") + "]"
}

// pick returns the versions to mirror: for each request, the versions that satisfy it
// (pre-releases only when it names one, or with no --latest when no request restricts),
// newest --latest of them; yanked versions only when a request pins them.
func (s *selector) pick(cands []candidate, reqs []request) map[string]bool {
	type ver struct {
		v      pep440.Version
		yanked bool // every file of the version is yanked
	}
	byVer := map[string]*ver{}
	for _, c := range cands {
		k := c.dist.Version.String()
		if e := byVer[k]; e != nil {
			e.yanked = e.yanked && c.file.Yanked
			continue
		}
		byVer[k] = &ver{v: c.dist.Version, yanked: c.file.Yanked}
	}
	vers := make([]*ver, 0, len(byVer))
	for _, v := range byVer {
		vers = append(vers, v)
	}
	sort.Slice(vers, func(i, j int) bool { return vers[j].v.Less(vers[i].v) }) // newest first
	out := map[string]bool{}
	for _, r := range reqs {
		pinned := isPin(r.spec)
		var match []pep440.Version
		for _, v := range vers {
			if v.yanked && !pinned && s.latest > 0 {
				continue
			}
			match = append(match, v.v)
		}
		// With --latest, pip's view: final releases unless the specifier names a
		// pre-release (or there is nothing else). Without it, mirror every version.
		match = r.spec.Filter(match, s.latest == 0)
		if s.latest > 0 && len(match) > s.latest {
			match = match[:s.latest]
		}
		for _, v := range match {
			out[v.String()] = true
		}
	}
	return out
}

func isPin(s pep440.Specifiers) bool {
	t := s.String()
	return s.Len() == 1 && (strings.HasPrefix(t, "==") && !strings.HasSuffix(t, ".*") || strings.HasPrefix(t, "==="))
}

// newestVersion is the upstream's newest version for repo status: final releases that
// are not entirely yanked, or any version when there are none.
func newestVersion(project string, files []simpleindex.File) string {
	var best, bestAny *pep440.Version
	for _, f := range files {
		d, err := resolve.ParseFilenameFor(project, f.Filename)
		if err != nil {
			continue
		}
		v := d.Version
		if bestAny == nil || bestAny.Less(v) {
			bestAny = &v
		}
		if !f.Yanked && !v.IsPrerelease() && (best == nil || best.Less(v)) {
			best = &v
		}
	}
	switch {
	case best != nil:
		return best.String()
	case bestAny != nil:
		return bestAny.String()
	}
	return ""
}
