package pep440

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tufpip/tufpip/internal/testreq"
)

// oraclePython finds an interpreter whose pip vendors packaging 24.1 (pip
// 24.2 on Python 3.13 here): $TUFPIP_PYTHON313, then pyenv's 3.13.0, then
// python3.13 on PATH.
func oraclePython(t *testing.T) string {
	t.Helper()
	var cands []string
	if p := os.Getenv("TUFPIP_PYTHON313"); p != "" {
		cands = append(cands, p)
	}
	if out, err := exec.Command("pyenv", "root").Output(); err == nil {
		cands = append(cands, filepath.Join(strings.TrimSpace(string(out)), "versions", "3.13.0", "bin", "python"))
	}
	if p, err := exec.LookPath("python3.13"); err == nil {
		cands = append(cands, p)
	}
	for _, p := range cands {
		out, err := exec.Command(p, "-c", "from pip._vendor import packaging; print(packaging.__version__)").Output()
		if err == nil && strings.TrimSpace(string(out)) == "24.1" {
			return p
		}
	}
	testreq.Missing(t, "no Python whose pip vendors packaging 24.1 (pip 24.2); set TUFPIP_PYTHON313")
	return ""
}

type oracleAnswer struct {
	Versions []struct {
		Valid   bool   `json:"valid"`
		Str     string `json:"str"`
		Public  string `json:"public"`
		Base    string `json:"base"`
		Pre     bool   `json:"pre"`
		Post    bool   `json:"post"`
		Dev     bool   `json:"dev"`
		Local   string `json:"local"`
		Epoch   int    `json:"epoch"`
		Release []int  `json:"release"`
	} `json:"versions"`
	Rank  []int `json:"rank"`
	Specs []struct {
		Valid       bool     `json:"valid"`
		Str         string   `json:"str"`
		Prereleases *bool    `json:"prereleases"`
		Filter      []string `json:"filter"`
		FilterPre   []string `json:"filter_pre"`
		WithPre     string   `json:"with_pre"`
		Default     string   `json:"default"`
	} `json:"specs"`
}

// TestOracle compares everything with packaging 24.1 itself, on the
// shared vectors, this package's tables and a few thousand generated
// spellings and specifiers (a fixed seed, so failures reproduce).
func TestOracle(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Python; skipped with -short")
	}
	python := oraclePython(t)
	versions, specs := oracleCorpus()

	req, _ := json.Marshal(map[string][]string{"versions": versions, "specs": specs})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "testdata/oracle.py")
	cmd.Stdin = bytes.NewReader(req)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("oracle.py: %v\n%s", err, stderr.Bytes())
	}
	var ans oracleAnswer
	if err := json.Unmarshal(out, &ans); err != nil {
		t.Fatalf("oracle.py output: %v", err)
	}

	var parsed []Version
	var spellings []string
	for i, s := range versions {
		want := ans.Versions[i]
		v, err := Parse(s)
		if (err == nil) != want.Valid {
			t.Errorf("Parse(%q): err = %v, packaging valid = %v", s, err, want.Valid)
			continue
		}
		if !want.Valid {
			continue
		}
		parsed, spellings = append(parsed, v), append(spellings, s)
		if v.String() != want.Str || v.Public() != want.Public || v.BaseVersion() != want.Base ||
			v.Local() != want.Local || v.Epoch() != want.Epoch || !slices.Equal(v.Release(), want.Release) ||
			v.IsPrerelease() != want.Pre || v.IsPostrelease() != want.Post || v.IsDevrelease() != want.Dev {
			t.Errorf("Parse(%q) = %q public %q base %q local %q epoch %d release %v pre %v post %v dev %v; packaging %+v",
				s, v, v.Public(), v.BaseVersion(), v.Local(), v.Epoch(), v.Release(),
				v.IsPrerelease(), v.IsPostrelease(), v.IsDevrelease(), want)
		}
	}
	if t.Failed() {
		t.FailNow() // indexes below assume both sides parsed the same versions
	}
	for i := range parsed {
		for j := range parsed {
			if got, want := parsed[i].Compare(parsed[j]), cmpInt(ans.Rank[i], ans.Rank[j]); got != want {
				t.Errorf("Compare(%q, %q) = %d, packaging %d", spellings[i], spellings[j], got, want)
			}
		}
	}

	checks, validSpecs := 0, 0
	for i, s := range specs {
		want := ans.Specs[i]
		set, err := ParseSpecifiers(s)
		if (err == nil) != want.Valid {
			t.Errorf("ParseSpecifiers(%q): err = %v, packaging valid = %v", s, err, want.Valid)
			continue
		}
		if !want.Valid {
			continue
		}
		validSpecs++
		if set.String() != want.Str {
			t.Errorf("ParseSpecifiers(%q).String() = %q, packaging %q", s, set, want.Str)
		}
		if want.Prereleases != nil && set.Prereleases() != *want.Prereleases {
			t.Errorf("%q.Prereleases() = %v, packaging %v", s, set.Prereleases(), *want.Prereleases)
		}
		for j, v := range parsed {
			for _, c := range []struct {
				pre  bool
				want byte
			}{{true, want.WithPre[j]}, {false, want.Default[j]}} {
				checks++
				// "E": packaging raises for "===foo"; we answer false.
				if got := set.Contains(v, c.pre); got != (c.want == '1') {
					t.Errorf("%q.Contains(%q, %v) = %v, packaging %c", s, spellings[j], c.pre, got, c.want)
				}
			}
		}
		if want.Prereleases != nil {
			compareFilter(t, s, set.Filter(parsed, false), want.Filter, false)
		}
		compareFilter(t, s, set.Filter(parsed, true), want.FilterPre, true)
	}
	t.Logf("packaging 24.1 agrees: %d versions (%d valid), %d pairs compared, %d specifier sets (%d valid), %d contains checks, %d filters",
		len(versions), len(parsed), len(parsed)*len(parsed), len(specs), validSpecs, checks, 2*validSpecs)
}

func compareFilter(t *testing.T, spec string, got []Version, want []string, pre bool) {
	t.Helper()
	gs := make([]string, len(got))
	for i, v := range got {
		gs[i] = v.String()
	}
	if !slices.Equal(gs, want) && !(len(gs) == 0 && len(want) == 0) {
		t.Errorf("%q.Filter(all, %v) = %q, packaging %q", spec, pre, gs, want)
	}
}

// oracleCorpus gathers versions and specifier sets to ask packaging about.
func oracleCorpus() (versions, specs []string) {
	for _, c := range containsCases {
		versions = append(versions, c.version)
		specs = append(specs, c.spec)
	}
	for _, c := range specStringCases {
		specs = append(specs, c.in)
	}
	for _, c := range invalidSpecCases {
		specs = append(specs, c.in)
	}
	for _, c := range prereleasesCases {
		specs = append(specs, c.spec)
	}
	for _, c := range filterCases {
		specs = append(specs, c.spec)
		versions = append(versions, strings.Fields(c.versions)...)
	}
	// Version tables, minus the deliberate refusals (non-ASCII letters,
	// numbers beyond int64) that packaging accepts.
	for _, c := range parseNormalFormCases {
		versions = append(versions, c.in)
	}
	for _, c := range parseInvalidCases {
		if !strings.Contains(c.msg, "number too large") && !strings.ContainsRune(c.in, 'ſ') {
			versions = append(versions, c.in)
		}
	}
	r := rand.New(rand.NewPCG(440, 1))
	for range 300 {
		versions = append(versions, genVersion(r))
	}
	for range 200 {
		versions = append(versions, mutate(r, genVersion(r)))
	}
	for range 200 {
		specs = append(specs, genSpecifiers(r))
	}
	for range 150 {
		specs = append(specs, mutate(r, genSpecifiers(r)))
	}
	slices.Sort(versions)
	slices.Sort(specs)
	return slices.Compact(versions), slices.Compact(specs)
}

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

// genVersion spells a random valid version in one of the many ways PEP 440
// allows, small numbers so that generated versions collide and compare
// equal often.
func genVersion(r *rand.Rand) string {
	var b strings.Builder
	sep := func() string { return pick(r, "", "", ".", "-", "_") }
	num := func() string { return pick(r, "0", "1", "2", "00", "01", "10", "3") }
	if r.IntN(8) == 0 {
		b.WriteString(pick(r, "v", "V", " ", "\t"))
	}
	if r.IntN(8) == 0 {
		b.WriteString(pick(r, "0", "1", "2") + "!")
	}
	b.WriteString(num())
	for range r.IntN(4) {
		b.WriteString("." + num())
	}
	if r.IntN(3) == 0 {
		b.WriteString(sep() + pick(r, "a", "b", "c", "rc", "alpha", "beta", "pre", "preview", "RC", "Alpha") + sep())
		if r.IntN(4) > 0 {
			b.WriteString(num())
		}
	}
	switch r.IntN(6) {
	case 0:
		b.WriteString("-" + num())
	case 1:
		b.WriteString(sep() + pick(r, "post", "rev", "r", "POST") + sep())
		if r.IntN(4) > 0 {
			b.WriteString(num())
		}
	}
	if r.IntN(4) == 0 {
		b.WriteString(sep() + pick(r, "dev", "DEV") + sep())
		if r.IntN(4) > 0 {
			b.WriteString(num())
		}
	}
	if r.IntN(5) == 0 {
		b.WriteString("+" + pick(r, "local", "abc", "1", "01", "Ubuntu", "0a", "z"))
		for range r.IntN(3) {
			b.WriteString(pick(r, ".", "-", "_") + pick(r, "local", "abc", "1", "2", "0a", "x"))
		}
	}
	return b.String()
}

var specOps = []string{"==", "!=", "<=", ">=", "<", ">", "~=", "==="}

// genSpecifiers builds a random specifier set of one to three clauses.
func genSpecifiers(r *rand.Rand) string {
	var clauses []string
	for range 1 + r.IntN(3) {
		op := pick(r, specOps...)
		v := strings.TrimSpace(genVersion(r))
		if (op == "==" || op == "!=") && r.IntN(3) == 0 {
			v = pick(r, "1", "2", "1.0", "2.0", "0", "1!1", "01.0", "1.0.0") + ".*"
		}
		clauses = append(clauses, pick(r, "", " ")+op+pick(r, "", "", " ")+v+pick(r, "", " "))
	}
	if r.IntN(10) == 0 {
		return ""
	}
	return strings.Join(clauses, ",")
}

// mutate inserts, deletes or replaces one character, to probe where
// validity ends.
func mutate(r *rand.Rand, s string) string {
	const alphabet = "0123456789.-_+!*abcdeprvlost ,;=<>~"
	i := r.IntN(len(s) + 1)
	c := string(alphabet[r.IntN(len(alphabet))])
	switch {
	case r.IntN(3) == 0 && i < len(s):
		return s[:i] + s[i+1:]
	case r.IntN(2) == 0 && i < len(s):
		return s[:i] + c + s[i+1:]
	}
	return s[:i] + c + s[i:]
}
