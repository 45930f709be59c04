package pep440

import (
	"strings"
	"testing"
)

// FuzzParse checks that normal forms are stable and that Compare is a
// consistent order: String parses back to an equal version with the same
// String, Compare is antisymmetric, and Compare says equal exactly when
// the normal forms agree once trailing zero release numbers are dropped.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"1.0", "v1!2.0rc1.post3.dev4+Ubuntu-01", "1.0-1", "1.0a..post1", " 1.0 ", "1.0+a.01"} {
		f.Add(s, "1.0.0")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		va, errA := Parse(a)
		vb, errB := Parse(b)
		if errA == nil {
			roundTrip(t, a, va)
		}
		if errB == nil {
			roundTrip(t, b, vb)
		}
		if errA != nil || errB != nil {
			return
		}
		ab, ba := va.Compare(vb), vb.Compare(va)
		if ab != -ba || ab < -1 || ab > 1 {
			t.Fatalf("Compare(%q, %q) = %d but Compare(%q, %q) = %d", a, b, ab, b, a, ba)
		}
		if eq := trimZeros(va) == trimZeros(vb); (ab == 0) != eq {
			t.Fatalf("Compare(%q, %q) = %d, but equal normal forms = %v (%q, %q)", a, b, ab, eq, trimZeros(va), trimZeros(vb))
		}
		// Public and local parts order consistently with the whole.
		if c := va.publicVersion().Compare(vb.publicVersion()); c != 0 && c != ab {
			t.Fatalf("public parts of %q, %q compare %d, whole versions %d", a, b, c, ab)
		}
	})
}

func roundTrip(t *testing.T, in string, v Version) {
	t.Helper()
	s := v.String()
	w, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q) = %q, which does not parse: %v", in, s, err)
	}
	if w.String() != s || v.Compare(w) != 0 {
		t.Fatalf("Parse(%q) = %q, which parses as %q", in, s, w)
	}
	if strings.ToLower(s) != s || strings.TrimSpace(s) != s {
		t.Fatalf("normal form %q of %q is not lowercase and trimmed", s, in)
	}
	if v.IsPrerelease() != (strings.ContainsAny(v.Public(), "abc") || strings.Contains(v.Public(), ".dev")) {
		t.Fatalf("IsPrerelease(%q) = %v", s, v.IsPrerelease())
	}
}

// FuzzSpecifiers checks that a parsed set prints as a set that parses
// back to the same set, and that matching never panics.
func FuzzSpecifiers(f *testing.F) {
	for _, s := range []string{">=1.0,<2", "==2.0.*", "~=1.4.2", "", "===foo", "!=1.0+local", "~=v1.0", "< 2.0rc1 , >1.0.post1"} {
		f.Add(s, "1.5")
	}
	f.Fuzz(func(t *testing.T, spec, version string) {
		set, err := ParseSpecifiers(spec)
		if err != nil {
			return
		}
		again, err := ParseSpecifiers(set.String())
		if err != nil || again.String() != set.String() {
			t.Fatalf("ParseSpecifiers(%q) prints %q, which parses as %q, %v", spec, set, again, err)
		}
		v, err := Parse(version)
		if err != nil {
			return
		}
		for _, pre := range []bool{false, true} {
			if set.Contains(v, pre) != again.Contains(v, pre) {
				t.Fatalf("%q and its printed form %q disagree on %q", spec, set, version)
			}
		}
		if set.Contains(v, false) && !set.Contains(v, true) {
			t.Fatalf("%q admits %q without pre-releases but not with them", spec, version)
		}
	})
}
