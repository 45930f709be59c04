package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/internal/tuftest"
)

// A richer repository than seedRepo, and lockfiles generated from it the way pip-compile,
// uv export and uv lock write them, for the acceptance tests of tufpip verify.

// relFile is one distribution file of a release.
type relFile struct {
	fn     string
	data   []byte
	target bool // a TUF target itself; otherwise trusted through the page's sha256 (rule b)
}

func (f relFile) sha256() string {
	s := sha256.Sum256(f.data)
	return hex.EncodeToString(s[:])
}

// release is one version of a project and who signed it.
type release struct {
	project, version string // project normalised
	files            []relFile
	stable, unstable bool
	yanked           string // yank reason; "" when not yanked
	marker           string // the marker a lock writes for it
}

// platformWheels returns the files of a compiled release: wheels for CPython 3.11 and 3.12
// on Linux, macOS and Windows, and an sdist trusted through the page's hash only.
func platformWheels(project, version string) []relFile {
	var out []relFile
	for _, py := range []string{"cp311", "cp312"} {
		for _, plat := range []string{"manylinux_2_17_x86_64.manylinux2014_x86_64", "macosx_11_0_arm64", "win_amd64"} {
			out = append(out, relFile{fn: fmt.Sprintf("%s-%s-%s-%s-%s.whl", project, version, py, py, plat), target: true})
		}
	}
	out = append(out, relFile{fn: project + "-" + version + ".tar.gz"})
	return fillData(out)
}

func pureWheel(project, version string) []relFile {
	return fillData([]relFile{
		{fn: project + "-" + version + "-py3-none-any.whl", target: true},
		{fn: project + "-" + version + ".tar.gz", target: true},
	})
}

// fillData gives every file distinct bytes of a distinct size.
func fillData(fs []relFile) []relFile {
	for i := range fs {
		fs[i].data = []byte(strings.Repeat(fs[i].fn+"\n", 3+len(fs[i].fn)%7+i))
	}
	return fs
}

// richRepo: alpha 1.0 and 1.1 signed by both roles, 1.2 by unstable only; beta-utils 1.9
// (yanked) and 2.0; gamma 0.3 with Windows wheels only; newproj 0.1 signed by unstable only.
func richReleases() []release {
	alpha := func(v string, stable bool) release {
		return release{project: "alpha", version: v, files: platformWheels("alpha", v), stable: stable, unstable: true}
	}
	gamma := fillData([]relFile{
		{fn: "gamma-0.3-cp311-cp311-win_amd64.whl", target: true},
		{fn: "gamma-0.3-cp312-cp312-win_amd64.whl", target: true},
		{fn: "gamma-0.3-cp312-cp312-win32.whl", target: true},
	})
	return []release{
		alpha("1.0", true), alpha("1.1", true), alpha("1.2", false),
		{project: "beta-utils", version: "1.9", files: pureWheel("beta_utils", "1.9"), stable: true, unstable: true, yanked: "regression in 1.9: data loss"},
		{project: "beta-utils", version: "2.0", files: pureWheel("beta_utils", "2.0"), stable: true, unstable: true},
		{project: "gamma", version: "0.3", files: gamma, stable: true, unstable: true, marker: `sys_platform == "win32"`},
		{project: "newproj", version: "0.1", files: pureWheel("newproj", "0.1"), unstable: true},
	}
}

// publishReleases signs every release's files and each role's pages.
func publishReleases(repo *tuftest.Repo, rels []release) {
	for _, role := range []string{tuftest.Stable, tuftest.Unstable} {
		pages := map[string][]tuftest.PageFile{}
		var order []string
		for _, r := range rels {
			if role == tuftest.Stable && !r.stable || role == tuftest.Unstable && !r.unstable {
				continue
			}
			if _, ok := pages[r.project]; !ok {
				order = append(order, r.project)
			}
			for _, f := range r.files {
				if f.target {
					repo.AddFile(role, f.fn, f.data)
				}
				pf := tuftest.File(f.fn, f.data)
				pf.RequiresPython = ">=3.11"
				pf.Yanked, pf.YankedReason = r.yanked != "", r.yanked
				pages[r.project] = append(pages[r.project], pf)
			}
		}
		for _, p := range order {
			repo.SetPage(role, p, pages[p]...)
		}
	}
	repo.Publish()
}

func richRepo(t *testing.T) *tuftest.Repo {
	repo := tuftest.New(t)
	publishReleases(repo, richReleases())
	return repo
}

// pick returns the releases named "project==version".
func pick(t *testing.T, rels []release, pins ...string) []release {
	t.Helper()
	var out []release
	for _, pin := range pins {
		found := false
		for _, r := range rels {
			if r.project+"=="+r.version == pin {
				out, found = append(out, r), true
			}
		}
		if !found {
			t.Fatalf("no release %s", pin)
		}
	}
	return out
}

func sortedFiles(r release) []relFile {
	fs := append([]relFile(nil), r.files...)
	sort.Slice(fs, func(i, j int) bool { return fs[i].sha256() < fs[j].sha256() })
	return fs
}

func sdistOf(r release) (relFile, []relFile) {
	var wheels []relFile
	var sdist relFile
	for _, f := range r.files {
		if strings.HasSuffix(f.fn, ".tar.gz") {
			sdist = f
		} else {
			wheels = append(wheels, f)
		}
	}
	return sdist, wheels
}

// requirementsTxt writes what pip-compile --generate-hashes writes: one requirement per
// release, every file's hash (sorted), markers, "# via" comments, an option line.
func requirementsTxt(indexURL string, rels []release) string {
	var b strings.Builder
	b.WriteString("#\n# This file is autogenerated by pip-compile with Python 3.12\n# by the following command:\n#\n")
	b.WriteString("#    pip-compile --generate-hashes --output-file=requirements.txt requirements.in\n#\n")
	fmt.Fprintf(&b, "--index-url %s\n\n", indexURL)
	for _, r := range rels {
		b.WriteString(r.project + "==" + r.version)
		if r.marker != "" {
			b.WriteString(" ; " + r.marker)
		}
		for _, f := range sortedFiles(r) {
			fmt.Fprintf(&b, " \\\n    --hash=sha256:%s", f.sha256())
		}
		b.WriteString("\n    # via -r requirements.in\n")
	}
	return b.String()
}

// pylockTOML writes a PEP 751 lockfile as uv export --format pylock.toml does, with the
// project itself as an editable directory.
func pylockTOML(targetsURL, indexURL string, rels []release) string {
	var b strings.Builder
	b.WriteString("lock-version = \"1.0\"\ncreated-by = \"uv\"\nrequires-python = \">=3.11\"\n\n")
	b.WriteString("[[packages]]\nname = \"app\"\ndirectory = { path = \".\", editable = true }\n")
	for _, r := range rels {
		fmt.Fprintf(&b, "\n[[packages]]\nname = %q\nversion = %q\nindex = %q\n", r.project, r.version, indexURL)
		if r.marker != "" {
			fmt.Fprintf(&b, "marker = %q\n", strings.ReplaceAll(r.marker, `"`, "'"))
		}
		sdist, wheels := sdistOf(r)
		if sdist.fn != "" {
			fmt.Fprintf(&b, "sdist = { name = %q, url = %q, upload-time = 2024-03-01T12:00:00Z, size = %d, hashes = { sha256 = %q } }\n",
				sdist.fn, targetsURL+"packages/"+sdist.fn, len(sdist.data), sdist.sha256())
		}
		b.WriteString("wheels = [\n")
		for _, w := range wheels {
			fmt.Fprintf(&b, "    { url = %q, upload-time = 2024-03-01T12:00:00Z, size = %d, hashes = { sha256 = %q } },\n",
				targetsURL+"packages/"+w.fn, len(w.data), w.sha256())
		}
		b.WriteString("]\n")
	}
	return b.String()
}

// uvLock writes a uv.lock as uv lock does, with the project itself as an editable package.
func uvLock(targetsURL, indexURL string, rels []release) string {
	var b strings.Builder
	b.WriteString("version = 1\nrevision = 2\nrequires-python = \">=3.11\"\n")
	b.WriteString("\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\nsource = { editable = \".\" }\ndependencies = [\n")
	for _, r := range rels {
		fmt.Fprintf(&b, "    { name = %q },\n", r.project)
	}
	b.WriteString("]\n")
	for _, r := range rels {
		fmt.Fprintf(&b, "\n[[package]]\nname = %q\nversion = %q\nsource = { registry = %q }\n", r.project, r.version, indexURL)
		sdist, wheels := sdistOf(r)
		if sdist.fn != "" {
			fmt.Fprintf(&b, "sdist = { url = %q, hash = \"sha256:%s\", size = %d, upload-time = \"2024-03-01T12:00:00Z\" }\n",
				targetsURL+"packages/"+sdist.fn, sdist.sha256(), len(sdist.data))
		}
		b.WriteString("wheels = [\n")
		for _, w := range wheels {
			fmt.Fprintf(&b, "    { url = %q, hash = \"sha256:%s\", size = %d, upload-time = \"2024-03-01T12:00:00Z\" },\n",
				targetsURL+"packages/"+w.fn, w.sha256(), len(w.data))
		}
		b.WriteString("]\n")
	}
	return b.String()
}

// lockfiles writes the three formats for rels into dir and returns their paths.
func lockfiles(t *testing.T, dir, targetsURL string, rels []release) (req, pylock, uv string) {
	t.Helper()
	index := strings.TrimSuffix(targetsURL, "targets/") + "simple/"
	return writeFile(t, dir, "requirements.txt", requirementsTxt(index, rels)),
		writeFile(t, dir, "pylock.toml", pylockTOML(targetsURL, index, rels)),
		writeFile(t, dir, "uv.lock", uvLock(targetsURL, index, rels))
}

// entryCount is how many entries each format has for rels: one per release in a
// requirements file, one per file in the TOML formats (plus the local project).
func entryCount(rels []release) (req, toml int) {
	for _, r := range rels {
		req++
		toml += len(r.files)
	}
	return req, toml
}

// lineOf returns the 1-based line of the first line containing s, and for requirements
// files the line of the requirement it continues (lines are joined with a backslash).
func lineOf(t *testing.T, text, s string, requirement bool) int {
	t.Helper()
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if !strings.Contains(l, s) {
			continue
		}
		if requirement {
			for i > 0 && strings.HasPrefix(lines[i], " ") {
				i--
			}
		}
		return i + 1
	}
	t.Fatalf("%q not in lockfile", s)
	return 0
}
