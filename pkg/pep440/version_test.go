package pep440

import (
	"errors"
	"slices"
	"testing"
)

// Spellings beyond the shared vectors; each want was checked against
// packaging 24.1 (see oracle_test.go, which rechecks them all).
var parseNormalFormCases = []struct{ in, want string }{
	{"1.0a..post1", "1.0a0.post1"},  // a separator after the label is optional
	{"1.0a-", "1.0a0"},              // ...and consumed even with no number
	{"1.0a.-1", "1.0a0.post1"},      // "-1" after an empty pre number is a post
	{"1.0post-", "1.0.post0"},       //
	{"1.0.r.dev", "1.0.post0.dev0"}, //
	{"1.0-1", "1.0.post1"},          // implicit post-release
	{"1.0-r", "1.0.post0"},          //
	{"V1.0", "1.0"},                 // leading v in any case
	{"\x1c1.0\x1f", "1.0"},          // Python's \s includes these
	{"1.0\n", "1.0"},                //
	{"\u00a01.0\u3000", "1.0"},      // and Unicode spaces
	{"1.0+0a.00", "1.0+0a.0"},       // local numbers lose leading zeros
	{"1!2.0RC1.POST3.DEV4+Ubuntu-01", "1!2.0rc1.post3.dev4+ubuntu.1"},
	{"0!0", "0"},             // epoch 0 is not printed
	{"1.0preview", "1.0rc0"}, //
	{"1.0c", "1.0rc0"},       //
	{"1.0-dev", "1.0.dev0"},  //
	{"1.0_a_1", "1.0a1"},     //
	{"9223372036854775807", "9223372036854775807"},
}

func TestParseNormalForm(t *testing.T) {
	for _, tt := range parseNormalFormCases {
		v, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := v.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

var parseInvalidCases = []struct{ in, msg string }{
	{"1.0..0", `invalid version "1.0..0"`},
	{"", `invalid version ""`},
	{"  ", `invalid version "  "`},
	{"1.0-_1", `invalid version "1.0-_1"`}, // "-N" post takes no second separator
	{"1.0a1a2", `invalid version "1.0a1a2"`},
	{"1.0.post1.post2", `invalid version "1.0.post1.post2"`},
	{"1.0dev1.post1", `invalid version "1.0dev1.post1"`}, // segments come in order
	{"1.0+", `invalid version "1.0+"`},
	{"1.0+a..b", `invalid version "1.0+a..b"`},
	{"1.0+a_", `invalid version "1.0+a_"`},
	{"1.0 1", `invalid version "1.0 1"`},
	{"vv1.0", `invalid version "vv1.0"`},
	{"1!", `invalid version "1!"`},
	{"!1", `invalid version "!1"`},
	{"1.*", `invalid version "1.*"`},
	{"1.0+\u017f", "invalid version \"1.0+\u017f\""}, // Python admits the long s; we refuse it
	{"99999999999999999999", `invalid version "99999999999999999999": number too large`},
	{"1.0+99999999999999999999", `invalid version "1.0+99999999999999999999": number too large`},
}

func TestParseInvalid(t *testing.T) {
	for _, tt := range parseInvalidCases {
		v, err := Parse(tt.in)
		var ive *InvalidVersionError
		if !errors.As(err, &ive) {
			t.Errorf("Parse(%q) = %q, %v; want *InvalidVersionError", tt.in, v, err)
			continue
		}
		if ive.Version != tt.in || err.Error() != tt.msg {
			t.Errorf("Parse(%q) error = %q (Version %q), want %q", tt.in, err, ive.Version, tt.msg)
		}
	}
}

func TestAccessors(t *testing.T) {
	v := MustParse("2!1.02.3rc4.post5.dev6+Ubuntu-07.x")
	if got := v.Epoch(); got != 2 {
		t.Errorf("Epoch = %d", got)
	}
	if got := v.Release(); !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("Release = %v", got)
	}
	if l, n, ok := v.Pre(); l != "rc" || n != 4 || !ok {
		t.Errorf("Pre = %q %d %v", l, n, ok)
	}
	if n, ok := v.Post(); n != 5 || !ok {
		t.Errorf("Post = %d %v", n, ok)
	}
	if n, ok := v.Dev(); n != 6 || !ok {
		t.Errorf("Dev = %d %v", n, ok)
	}
	if got := v.Local(); got != "ubuntu.7.x" {
		t.Errorf("Local = %q", got)
	}
	if got := v.Public(); got != "2!1.2.3rc4.post5.dev6" {
		t.Errorf("Public = %q", got)
	}
	if got := v.BaseVersion(); got != "2!1.2.3" {
		t.Errorf("BaseVersion = %q", got)
	}
	if !v.IsPrerelease() || !v.IsPostrelease() || !v.IsDevrelease() || !v.HasLocal() {
		t.Errorf("flags = %v %v %v %v", v.IsPrerelease(), v.IsPostrelease(), v.IsDevrelease(), v.HasLocal())
	}
	// Release returns a copy: callers cannot change a shared Version.
	v.Release()[0] = 99
	if v.Release()[0] != 1 {
		t.Error("Release exposes the version's own slice")
	}

	f := MustParse("1.0")
	if _, _, ok := f.Pre(); ok {
		t.Error("1.0 has a pre-release")
	}
	if _, ok := f.Post(); ok {
		t.Error("1.0 has a post-release")
	}
	if _, ok := f.Dev(); ok {
		t.Error("1.0 has a dev release")
	}
	if f.IsPrerelease() || f.IsPostrelease() || f.IsDevrelease() || f.HasLocal() || f.Local() != "" {
		t.Error("1.0 has flags set")
	}
	// A post-release's own dev release is a pre-release; a post-release is not.
	if !MustParse("1.0.post1.dev0").IsPrerelease() || MustParse("1.0.post1").IsPrerelease() {
		t.Error("post/dev pre-release classification wrong")
	}
}

func TestZeroVersion(t *testing.T) {
	var z Version
	if z.String() != "0" || !z.Equal(MustParse("0.0")) || z.IsPrerelease() {
		t.Errorf("zero Version = %q, want the version 0", z)
	}
	if !slices.Equal(z.Release(), []int{0}) {
		t.Errorf("zero Version release = %v", z.Release())
	}
}

func TestCompare(t *testing.T) {
	// Each line is strictly increasing; versions in one string are equal.
	ordered := [][]string{
		{"1.0.dev0", "1.0.dev1", "1.0a0.dev0", "1.0a0", "1.0a1", "1.0a1.post0.dev0", "1.0a1.post0", "1.0a2",
			"1.0b1", "1.0rc1", "1.0", "1.0.post0.dev0", "1.0.post0", "1.0.post1", "1.0.1.dev0", "1.0.1"},
		{"1.0", "1.0+abc", "1.0+abd", "1.0+abd.a", "1.0+0", "1.0+1", "1.0+1.a", "1.0+1.0", "1.0+1.1", "1.0+2"},
		{"9.9", "10", "2013.1", "0!99999", "1!0.dev0", "1!0", "2!0"},
		{"1.9", "1.10", "1.10.0.1", "1.11"},
	}
	for _, line := range ordered {
		for i := range line {
			for j := range line {
				a, b := MustParse(line[i]), MustParse(line[j])
				if got, want := a.Compare(b), cmpInt(i, j); got != want {
					t.Errorf("Compare(%q, %q) = %d, want %d", line[i], line[j], got, want)
				}
			}
		}
	}
	equal := [][2]string{
		{"1", "1.0.0.0"}, {"1.0+abc", "1.0.0+ABC"}, {"0!1.0", "1"}, {"1.0a", "1.0-alpha-0"},
		{"1.0+a.01", "1.0+a.1"}, {"1.0-1", "1.0.post1"}, {"v1.0", "1.0"},
	}
	for _, p := range equal {
		a, b := MustParse(p[0]), MustParse(p[1])
		if a.Compare(b) != 0 || b.Compare(a) != 0 || !a.Equal(b) || a.Less(b) {
			t.Errorf("%q and %q should be equal", p[0], p[1])
		}
	}
	if !MustParse("1.0a1").Less(MustParse("1.0")) || MustParse("1.0").Less(MustParse("1.0a1")) {
		t.Error("Less disagrees with Compare")
	}
}

func TestMustParsePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParse(\"x\") did not panic")
		}
	}()
	MustParse("x")
}
