package e2e

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/internal/pyfix"
)

// The generator makes random projects for the differential test: each project is one
// index page (a small random index of its own) plus a requirement on it. Everything comes
// from one seed, so a failure is reproduced by rerunning with the seed it prints.

type genFile struct {
	Filename       string
	Data           []byte
	Version        string // as spelled in the filename
	RequiresPython string // both data-requires-python and the file's own metadata
	Yanked         bool
	YankedReason   string
	Wheel          bool
	Tag            string // wheels: the filename's tag
	Build          string // wheels: the build tag, "" for none
	Pre            bool   // a pre-release or development release
	Local, Epoch   bool
	Foreign        bool // a file of another project listed on this page
	VPrefix        bool
}

type genProject struct {
	Name        string // as written on the page and in the archives
	Requirement string // a spelling of the name, maybe a specifier
	Files       []genFile
	Unstable    bool // signed by unstable instead of stable in the TUF repository
}

// version is a PEP 440 version built from parts, so the generator knows which spellings
// are the same version without asking the code under test.
type version struct {
	epoch   int
	release []int
	pre     string // "", "a", "b", "rc": normalised kind
	preSp   string // kind as spelled: "alpha", "c", "RC", "preview", ...
	preN    int
	preNone bool // number left out ("1.0a" is 1.0a0)
	post    int  // -1: none
	postSp  string
	dev     int // -1: none
	local   string
	vPrefix bool // "v1.0": PEP 440 allows a leading v
}

func (v version) String() string {
	var b strings.Builder
	if v.vPrefix {
		b.WriteByte('v')
	}
	if v.epoch > 0 {
		fmt.Fprintf(&b, "%d!", v.epoch)
	}
	for i, r := range v.release {
		if i > 0 {
			b.WriteByte('.')
		}
		fmt.Fprint(&b, r)
	}
	if v.pre != "" {
		b.WriteString(v.preSp)
		if !v.preNone {
			fmt.Fprint(&b, v.preN)
		}
	}
	if v.post >= 0 {
		fmt.Fprintf(&b, "%s%d", v.postSp, v.post)
	}
	if v.dev >= 0 {
		fmt.Fprintf(&b, ".dev%d", v.dev)
	}
	if v.local != "" {
		b.WriteString("+" + v.local)
	}
	return b.String()
}

// key identifies the version up to spelling: trailing zero release segments and the
// pre-release spelling do not count; the local label compares case-insensitively.
func (v version) key() string {
	rel := append([]int(nil), v.release...)
	for len(rel) > 1 && rel[len(rel)-1] == 0 {
		rel = rel[:len(rel)-1]
	}
	return fmt.Sprintf("%d!%v|%s%d|%d|%d|%s", v.epoch, rel, v.pre, v.preN, v.post, v.dev, strings.ToLower(v.local))
}

// releaseString is the release segment alone, for "==X.*" and "~=X.Y".
func (v version) releaseString(n int) string {
	parts := make([]string, n)
	for i := 0; i < n; i++ {
		parts[i] = fmt.Sprint(v.release[i])
	}
	s := strings.Join(parts, ".")
	if v.epoch > 0 {
		s = fmt.Sprintf("%d!%s", v.epoch, s)
	}
	return s
}

// gen draws from r; the rarer oddities (foreign files, invalid Requires-Python, a "v"
// prefix) draw from odd, so adding one does not reshuffle every project of a seed.
type gen struct{ r, odd *rand.Rand }

func (g *gen) p(prob float64) bool { return g.r.Float64() < prob }
func (g *gen) pick(xs ...string) string {
	return xs[g.r.Intn(len(xs))]
}

func (g *gen) version() version {
	v := version{post: -1, dev: -1}
	if g.p(0.06) {
		v.epoch = 1 + g.r.Intn(2)
	}
	n := 1 + g.r.Intn(3)
	for i := 0; i < n; i++ {
		v.release = append(v.release, g.r.Intn(4))
	}
	if g.p(0.25) {
		sp := g.pick("a", "b", "rc", "alpha", "beta", "c", "RC", "pre", "preview", ".a", "-a")
		sp = strings.Replace(sp, "-", "_", 1) // no dash in filenames; "_" is a valid separator
		v.preSp = sp
		switch strings.TrimLeft(strings.ToLower(sp), "._") {
		case "a", "alpha":
			v.pre = "a"
		case "b", "beta":
			v.pre = "b"
		default:
			v.pre = "rc"
		}
		v.preN = g.r.Intn(3)
		v.preNone = g.p(0.1)
		if v.preNone {
			v.preN = 0
		}
	}
	if g.p(0.12) {
		v.post = g.r.Intn(3)
		v.postSp = g.pick(".post", "post", ".rev", ".r")
	}
	if g.p(0.1) {
		v.dev = g.r.Intn(3)
	}
	if g.p(0.06) {
		v.local = g.pick("local.1", "ubuntu2", "7", "Cpu")
	}
	v.vPrefix = g.odd.Float64() < 0.06
	return v
}

// tagPool: tags with distinct best positions in pip's supported-tag list, for python 3.11
// and 3.13 on x86_64 glibc 2.36 (compatible with both, one, or neither).
var tagPool = []string{
	"py3-none-any", "py2.py3-none-any", "py38-none-any", "py311-none-any", "cp311-none-any",
	"cp313-none-any", "py3-none-manylinux_2_17_x86_64", "py3-none-linux_x86_64",
	"cp37-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64", "cp312-abi3-linux_x86_64",
	"cp311-cp311-manylinux_2_28_x86_64", "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
	"cp313-cp313-manylinux_2_28_x86_64",
	// never compatible here (from compatibleTags on)
	"py2-none-any", "cp27-cp27m-win32", "cp311-cp311-win_amd64", "cp313-cp313-macosx_11_0_arm64",
	"cp311-cp311-musllinux_1_1_x86_64", "cp311-cp311-manylinux_2_39_x86_64",
	"pp310-pypy310_pp73-manylinux_2_17_x86_64",
}

const compatibleTags = 13

// sameBest are pool tags whose best supported tag is the same: never both on one version,
// or pip would face a tie it breaks by page order.
var sameBest = map[string]string{"py3-none-any": "A", "py2.py3-none-any": "A"}

var invalidRequiresPython = []string{">=3.x", "python3", ">=3.8,", "=>3.6"}

var requiresPythonPool = []string{
	">=3.8", ">=3.12", "<3.12", ">=4", "~=3.11", "!=3.13.*", "==3.11.*", ">=3.7,<3.14",
	">=3", "<3", "==3.13.*", ">3.11", ">=3.11.0", "~=3.13.0", ">= 3.9", "!=3.11.*,>=3.6",
}

func (g *gen) nameSpelling(name string) string {
	switch g.r.Intn(4) {
	case 0:
		return strings.ToUpper(name)
	case 1:
		return strings.ReplaceAll(name, "-", "_")
	case 2:
		return strings.ReplaceAll(name, "-", ".")
	}
	return name
}

// project makes project i: 1-6 versions, each with up to three wheels and maybe an sdist.
func (g *gen) project(t testing.TB, i int) genProject {
	name := fmt.Sprintf("Proj-%03d-%s", i, g.pick("alpha", "Beta", "gamma_x", "delta.y", "eps"))
	p := genProject{Name: name, Unstable: g.p(0.3)}
	seen := map[string]bool{}
	var versions []version
	for n := 1 + g.r.Intn(6); len(versions) < n; {
		v := g.version()
		if seen[v.key()] {
			if g.p(0.7) {
				continue
			}
			break
		}
		seen[v.key()] = true
		versions = append(versions, v)
	}
	for _, v := range versions {
		rp := ""
		if g.p(0.2) {
			rp = g.pick(requiresPythonPool...)
		}
		if g.odd.Float64() < 0.03 {
			// pip ignores a Requires-Python it cannot parse, on the page and in metadata.
			rp = invalidRequiresPython[g.odd.Intn(len(invalidRequiresPython))]
		}
		vs := v.String()
		used := map[string]bool{}
		for w := g.r.Intn(4); w > 0; w-- {
			tag := g.pick(tagPool[:compatibleTags]...)
			if g.p(0.25) {
				tag = g.pick(tagPool[compatibleTags:]...)
			}
			if used[tag] || (sameBest[tag] != "" && used[sameBest[tag]]) {
				continue
			}
			used[tag] = true
			if sameBest[tag] != "" {
				used[sameBest[tag]] = true
			}
			builds := []string{""}
			if g.p(0.1) {
				builds = []string{"", "1", g.pick("2", "10", "1a")}[:1+g.r.Intn(3)]
				if builds[0] == "" && g.p(0.5) {
					builds = builds[1:]
				}
			}
			for _, b := range builds {
				fn, data := pyfix.Wheel(t, pyfix.WheelSpec{Name: name, Version: vs, Build: b,
					Tags: []string{tag}, RequiresPython: rp})
				f := g.file(fn, data, v, rp, true)
				f.Tag, f.Build = tag, b
				p.Files = append(p.Files, f)
			}
		}
		if len(used) == 0 || g.p(0.4) {
			fn, data := pyfix.Sdist(t, pyfix.SdistSpec{Name: name, Version: vs, RequiresPython: rp})
			p.Files = append(p.Files, g.file(fn, data, v, rp, false))
		}
	}
	if g.odd.Float64() < 0.05 {
		// A file of another project, newer than anything here: pip skips it by name.
		fn, data := pyfix.Wheel(t, pyfix.WheelSpec{Name: fmt.Sprintf("Other-%03d", i), Version: "99.0"})
		p.Files = append(p.Files, genFile{Filename: fn, Data: data, Version: "99.0", Wheel: true,
			Tag: "py3-none-any", Foreign: true})
	}
	g.r.Shuffle(len(p.Files), func(a, b int) { p.Files[a], p.Files[b] = p.Files[b], p.Files[a] })
	p.Requirement = g.nameSpelling(name) + g.specifier(versions)
	if g.odd.Float64() < 0.05 {
		// PEP 592's one use of a yanked file: a pin (== or ===) that only yanked files match.
		v := versions[g.odd.Intn(len(versions))]
		for i := range p.Files {
			if !p.Files[i].Foreign && p.Files[i].Version == v.String() {
				p.Files[i].Yanked = true
			}
		}
		p.Requirement = g.nameSpelling(name) + []string{"==", "==="}[g.odd.Intn(2)] + v.String()
	}
	return p
}

func (g *gen) file(fn string, data []byte, v version, rp string, wheel bool) genFile {
	f := genFile{Filename: fn, Data: data, Version: v.String(), RequiresPython: rp, Wheel: wheel,
		Pre: v.pre != "" || v.dev >= 0, Local: v.local != "", Epoch: v.epoch > 0, VPrefix: v.vPrefix}
	if g.p(0.08) {
		f.Yanked = true
		if g.p(0.5) {
			f.YankedReason = g.pick("broken build", "security: CVE-0000-1", "<bad> & \"quoted\"")
		}
	}
	return f
}

// specifier returns "" or a specifier set (with its leading space or operator) aimed at
// the project's versions, so that matches, near misses and no-matches all happen.
func (g *gen) specifier(vs []version) string {
	if g.p(0.2) {
		return ""
	}
	clauses := 1
	if g.p(0.25) {
		clauses = 2
	}
	var parts []string
	for i := 0; i < clauses; i++ {
		parts = append(parts, g.clause(vs[g.r.Intn(len(vs))]))
	}
	sep := g.pick(",", ", ", " ,")
	if strings.HasPrefix(parts[0], "===") {
		sep = " ," // an arbitrary-equality value runs up to whitespace, commas included
	}
	lead := g.pick("", " ")
	return lead + strings.Join(parts, sep)
}

func (g *gen) clause(v version) string {
	if g.p(0.03) {
		// Nothing matches. Not "===nope": pip 24.2's packaging crashes on a non-version
		// arbitrary-equality value when it checks for pre-releases.
		return g.pick("==9.9", ">100", "<0", "===9.9")
	}
	exact := v.String()
	if v.local != "" {
		// PEP 440 allows a local label only with ==, != and ===.
		return g.pick("==", "!=", "===", "!=") + exact
	}
	// Ranges more often than pins: a pin on one version whose files all fail the tags or
	// Requires-Python ends in "no match", and those cost a pip rerun each.
	switch g.r.Intn(20) {
	case 0, 1:
		return "==" + exact
	case 2, 3:
		return "==" + v.releaseString(1+g.r.Intn(len(v.release))) + ".*"
	case 4, 5:
		if len(v.release) >= 2 {
			return "~=" + v.releaseString(len(v.release))
		}
		return ">=" + exact
	case 6, 7, 8:
		return "!=" + exact
	case 9, 10:
		return "<" + exact
	case 11, 12:
		return ">" + exact
	case 13:
		return "<=" + exact
	case 14, 15, 16:
		return ">=" + exact
	case 17:
		return "===" + exact
	}
	return "!=" + v.releaseString(1) + ".*"
}

// generate makes n projects from seed.
func generate(t testing.TB, seed int64, n int) []genProject {
	g := &gen{r: rand.New(rand.NewSource(seed)), odd: rand.New(rand.NewSource(seed ^ 0x5eed))}
	out := make([]genProject, n)
	for i := range out {
		out[i] = g.project(t, i)
	}
	return out
}
