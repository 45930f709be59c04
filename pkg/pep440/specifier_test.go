package pep440

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// containsCases pin the rules that are easy to get wrong. pre is
// Contains(v, true), def is Contains(v, false). oracle_test.go rechecks
// every row against packaging 24.1 when Python 3.13's pip is installed.
var containsCases = []struct {
	spec, version string
	pre, def      bool
}{
	// <V excludes pre-releases of V unless V is one.
	{"<2.0", "2.0.dev1", false, false},
	{"<2.0", "2.0a1", false, false},
	{"<2.0", "1.9", true, true},
	{"<2.0", "1.9a1", true, false},
	{"<2.0rc1", "2.0a1", true, false}, // < never names a pre-release
	{"<2.0.post1", "2.0rc1", false, false},
	{"<2.0.post1", "2.0", true, true},
	{"<2.0", "2.0+local", false, false},
	{"<2.0", "1.0+local", true, true},
	// >V excludes post-releases of V unless V is one, and V's local versions.
	{">2.0", "2.0.post1", false, false},
	{">2.0", "2.0+local", false, false},
	{">2.0", "2.0.1", true, true},
	{">2.0", "2.0.1+local", true, true},
	{">2.0", "2.1.dev1", true, false},
	{">2.0.post1", "2.0.post2", true, true},
	{">2.0.post1", "2.0.post2+local", false, false},
	{">2.0a1", "2.0a2", true, false},
	{">2.0a1", "2.0", true, true},
	// Inclusive comparisons ignore the candidate's local label.
	{"<=2.0", "2.0+local", true, true},
	{"<=2.0", "2.0.post1", false, false},
	{">=2.0", "2.0+local", true, true},
	{">=2.0", "2.0.dev1", false, false},
	{">=1.0.dev0", "1.0.dev0", true, true},
	// == without a local label ignores the candidate's; with one, it must match.
	{"==1.0", "1.0+local", true, true},
	{"==1.0", "1.0.0", true, true},
	{"==1.0", "1.0.post1", false, false},
	{"==1.0+local", "1.0", false, false},
	{"==1.0+local", "1.0+LOCAL", true, true},
	{"==1.0+local", "1.0.0+local", true, true},
	{"==1.0+local", "1.0+local.1", false, false},
	{"!=1.0", "1.0+x", false, false},
	{"!=1.0+x", "1.0+y", true, true},
	// Wildcards match by padded release prefix, public part only.
	{"==2.0.*", "2", true, true},
	{"==2.0.*", "2.0rc1", true, false},
	{"==2.0.*", "2.0.dev0", true, false},
	{"==2.0.*", "2.0.post1", true, true},
	{"==2.0.*", "2.0.5+x", true, true},
	{"==2.0.*", "2.1", false, false},
	{"==2.0.*", "1!2.0", false, false},
	{"==1!2.*", "1!2.5", true, true},
	{"==1!2.*", "2.5", false, false},
	{"==V02.*", "2.5", true, true},
	{"!=2.0.*", "2.1", true, true},
	{"!=2.0.*", "2.0.1", false, false},
	{"!=2.0.*", "2.1a1", true, false},
	// ~=V is >=V plus ==V-without-its-last-number.*
	{"~=2.2", "2.2", true, true},
	{"~=2.2", "2.9", true, true},
	{"~=2.2", "3.0", false, false},
	{"~=2.2", "2.2a1", false, false},
	{"~=2.2", "2.3a1", true, false},
	{"~=2.2", "2.2.post1", true, true},
	{"~=2.2.0", "2.2.5", true, true},
	{"~=2.2.0", "2.3", false, false},
	{"~=1.4.5a4", "1.4.5a4", true, true},
	{"~=1.4.5a4", "1.4.6b1", true, true},
	{"~=1.4.5a4", "1.5", false, false},
	{"~=1!1.0", "1!1.5", true, true},
	{"~=1!1.0", "1.5", false, false},
	{"~=1.0.post1", "1.1", true, true},
	// packaging derives the ~= prefix from the text as written, so these
	// spellings behave differently from their normal forms; pip does this.
	{"~=1.0.r1", "1.1", false, false},
	{"~=1.0.r1", "1.0.5", true, true},
	{"~=1.0c1", "1.1", false, false},
	{"~=1.0rc1", "1.1", true, true},
	{"~=v1.0", "1.0", false, false},
	{"~=1.0a.1", "1.0a1", false, false},
	// === compares normal forms as strings.
	{"===1.0", "1.0", true, true},
	{"===1.0", "v1.0", true, true},
	{"===1.0", "1.0.0", false, false},
	{"===1.0", "1.0+x", false, false},
	{"===1.0A1", "1.0a1", true, true},
	{"===foobar", "1.0", false, false},
	// A pre-release is in a set only when some clause names one.
	{">=1.0,<2.0", "1.5", true, true},
	{">=1.0,<2.0", "2.0a1", false, false},
	{">=1.0,<2.0", "1.5a1", true, false},
	{">=1.0b1,<2", "1.5a1", true, true},
	{"!=1.0b1", "1.0b2", true, false},
	{"==1.0b1.post1.dev1", "1.0b1.post1.dev1", true, true},
	{"", "1.0a1", true, false},
	{"", "1.0", true, true},
	{" >= 1.0 , < 2 , ,", "1.5", true, true},
	// Epochs dominate.
	{">=2013.1", "1!0.1", true, true},
	{"<2013.1", "1!0.1", false, false},
}

func TestContains(t *testing.T) {
	for _, c := range containsCases {
		set := MustParseSpecifiers(c.spec)
		v := MustParse(c.version)
		if got := set.Contains(v, true); got != c.pre {
			t.Errorf("%q.Contains(%q, true) = %v, want %v", c.spec, c.version, got, c.pre)
		}
		if got := set.Contains(v, false); got != c.def {
			t.Errorf("%q.Contains(%q, false) = %v, want %v", c.spec, c.version, got, c.def)
		}
	}
}

// specStringCases: the set's String, as str(SpecifierSet).
var specStringCases = []struct{ in, want string }{
	{" >= 1.0 , < 2 ", "<2,>=1.0"},
	{">=1.0,>=1", ">=1.0"}, // equal clauses are kept once, the first one
	{">=1,>=1.0", ">=1"},
	{"~=1.0,~=1.0.0", "~=1.0,~=1.0.0"}, // not equal for ~=
	{"===1.0,===1.0.0", "===1.0"},
	{"== 2.0.*", "==2.0.*"},
	{",,>=1,", ">=1"},
	{"", ""},
	{"===", "==="},
	{"~=1.0RC1", "~=1.0RC1"},
	{"==V1.0", "==V1.0"},
	{"==2.*,!=2.0.*", "!=2.0.*,==2.*"},
	{"\t<3\n", "<3"},
}

func TestSpecifiersString(t *testing.T) {
	for _, c := range specStringCases {
		set, err := ParseSpecifiers(c.in)
		if err != nil {
			t.Errorf("ParseSpecifiers(%q): %v", c.in, err)
			continue
		}
		if got := set.String(); got != c.want {
			t.Errorf("ParseSpecifiers(%q).String() = %q, want %q", c.in, got, c.want)
		}
		again := MustParseSpecifiers(set.String())
		if again.String() != set.String() {
			t.Errorf("String of %q does not round-trip: %q then %q", c.in, set, again)
		}
		if set.IsEmpty() != (c.want == "") || set.Len() != len(strings.Split(c.want, ","))-boolInt(c.want == "") {
			t.Errorf("ParseSpecifiers(%q): IsEmpty %v, Len %d", c.in, set.IsEmpty(), set.Len())
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

var invalidSpecCases = []struct{ in, msg string }{
	{">=1.0 ;", `invalid specifier ">=1.0 ;": bad version`},
	{"<=1.0)", `invalid specifier "<=1.0)": bad version`},
	{">1.0+local", `invalid specifier ">1.0+local": local version label not allowed with >`},
	{"~=1.0+local", `invalid specifier "~=1.0+local": local version label not allowed with ~=`},
	{"~=1", `invalid specifier "~=1": ~= needs at least two release numbers`},
	{"~=1.0.*", `invalid specifier "~=1.0.*": bad version`},
	{"==1.0.*.*", `invalid specifier "==1.0.*.*": .* must follow a release such as 2.0`},
	{"==1.0a1.*", `invalid specifier "==1.0a1.*": .* must follow a release such as 2.0`},
	{"==1.0+local.*", `invalid specifier "==1.0+local.*": .* must follow a release such as 2.0`},
	{">=1.*", `invalid specifier ">=1.*": bad version`},
	{"=>1.0", `invalid specifier "=>1.0": no operator`},
	{"1.0", `invalid specifier "1.0": no operator`},
	{"==", `invalid specifier "==": bad version`},
	{">= 1.0 1", `invalid specifier ">= 1.0 1": bad version`},
	{">=1.0,foo", `invalid specifier "foo": no operator`},
	{"===1.0 x", `invalid specifier "===1.0 x": === version contains whitespace, ";" or ")"`},
	{"== 2.0. *", `invalid specifier "== 2.0. *": bad version`},
}

func TestParseSpecifiersInvalid(t *testing.T) {
	for _, c := range invalidSpecCases {
		set, err := ParseSpecifiers(c.in)
		var ise *InvalidSpecifierError
		if !errors.As(err, &ise) {
			t.Errorf("ParseSpecifiers(%q) = %q, %v; want *InvalidSpecifierError", c.in, set, err)
			continue
		}
		if err.Error() != c.msg {
			t.Errorf("ParseSpecifiers(%q) error = %q, want %q", c.in, err, c.msg)
		}
	}
}

var prereleasesCases = []struct {
	spec string
	want bool
}{
	{">=1.0b1", true}, {"<=1.0.dev0", true}, {"~=1.0a1", true}, {"==1.0a1+local", true},
	{"===1.0a1", true}, {">=1,<=2.0rc1", true},
	{"<2.0b1", false}, {">1.0a1", false}, {"!=1.0b1", false}, {"==2.0.*", false},
	{"===foo", false}, {"", false}, {">=1.0.post1", false},
}

func TestPrereleases(t *testing.T) {
	for _, c := range prereleasesCases {
		if got := MustParseSpecifiers(c.spec).Prereleases(); got != c.want {
			t.Errorf("%q.Prereleases() = %v, want %v", c.spec, got, c.want)
		}
	}
}

// filterCases: pip's choice among available versions, without and with --pre.
var filterCases = []struct {
	spec           string
	versions       string // space-separated, in the order given to Filter
	noPre, withPre string
}{
	// Only the empty set falls back to pre-releases when nothing else is there.
	{"", "1.0a1 2.0b1", "1.0a1 2.0b1", "1.0a1 2.0b1"},
	{"", "1.0a1 1.0 2.0b1", "1.0", "1.0a1 1.0 2.0b1"},
	{">=1", "2.0a1", "", "2.0a1"},
	{">=1", "0.5 2.0a1", "", "2.0a1"},
	{">=1.0a1", "1.0a1 1.0 0.9", "1.0a1 1.0", "1.0a1 1.0"},
	{">=1,<3", "3.0a1 2.5 1.0 2.6b1 0.9", "2.5 1.0", "2.5 1.0 2.6b1"},
	{"==2.*", "2.0.post1 2.1.dev0 2.0+local", "2.0.post1 2.0+local", "2.0.post1 2.1.dev0 2.0+local"},
	{"<2", "", "", ""},
}

func TestFilter(t *testing.T) {
	for _, c := range filterCases {
		set := MustParseSpecifiers(c.spec)
		var vs []Version
		for s := range strings.FieldsSeq(c.versions) {
			vs = append(vs, MustParse(s))
		}
		for _, pre := range []bool{false, true} {
			want := c.noPre
			if pre {
				want = c.withPre
			}
			var got []string
			for _, v := range set.Filter(vs, pre) {
				got = append(got, v.String())
			}
			if strings.Join(got, " ") != want {
				t.Errorf("%q.Filter(%q, %v) = %q, want %q", c.spec, c.versions, pre, got, want)
			}
		}
	}
}

func TestZeroSpecifiers(t *testing.T) {
	var s Specifiers
	if !s.IsEmpty() || s.String() != "" || s.Prereleases() {
		t.Errorf("zero Specifiers = %q, want the empty set", s)
	}
	if !s.Contains(MustParse("1.0"), false) || s.Contains(MustParse("1.0a1"), false) || !s.Contains(MustParse("1.0a1"), true) {
		t.Error("zero Specifiers does not behave as the empty set")
	}
}

func TestTextMarshaling(t *testing.T) {
	type report struct {
		Version   Version    `json:"version"`
		Specifier Specifiers `json:"specifier"`
	}
	in := report{MustParse("V1.0-1"), MustParseSpecifiers(">=1.0 , <2")}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	// encoding/json escapes < and > in strings.
	if want := `{"version":"1.0.post1","specifier":"\u003c2,\u003e=1.0"}`; string(b) != want {
		t.Errorf("json.Marshal = %s, want %s", b, want)
	}
	var out report
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !out.Version.Equal(in.Version) || out.Specifier.String() != in.Specifier.String() {
		t.Errorf("round trip gave %v %v", out.Version, out.Specifier)
	}
	var ive *InvalidVersionError
	if err := json.Unmarshal([]byte(`{"version":"1..0"}`), &out); !errors.As(err, &ive) {
		t.Errorf("bad version in JSON: %v, want *InvalidVersionError", err)
	}
	var ise *InvalidSpecifierError
	if err := json.Unmarshal([]byte(`{"specifier":">>1"}`), &out); !errors.As(err, &ise) {
		t.Errorf("bad specifier in JSON: %v, want *InvalidSpecifierError", err)
	}
}
