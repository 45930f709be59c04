package pep440

import "strings"

// Compare returns -1, 0 or +1 as v sorts before, equal to or after o in
// PEP 440's total order:
//
//   - epochs first, then release numbers, trailing zeros ignored
//     ("1.0" == "1.0.0");
//   - "1.0.dev1" < "1.0a1.dev1" < "1.0a1" < "1.0a1.post1" < "1.0b1" <
//     "1.0rc1" < "1.0" < "1.0.post1.dev1" < "1.0.post1";
//   - a version without a local label sorts before the same version with
//     one; local labels compare part by part, numbers as numbers and after
//     any alphanumeric part, and a label that is a prefix of another sorts
//     first ("1.0" < "1.0+abc" < "1.0+1" < "1.0+1.0").
func (v Version) Compare(o Version) int {
	if c := cmpInt(v.epoch, o.epoch); c != 0 {
		return c
	}
	if c := compareRelease(v.release, o.release); c != 0 {
		return c
	}
	if c := cmpInt(v.preRank(), o.preRank()); c != 0 {
		return c
	}
	if v.preKind != preNone {
		if c := cmpInt(v.preNum, o.preNum); c != 0 {
			return c
		}
	}
	if c := cmpOptional(v.hasPost, v.post, o.hasPost, o.post, -1); c != 0 {
		return c
	}
	if c := cmpOptional(v.hasDev, v.dev, o.hasDev, o.dev, +1); c != 0 {
		return c
	}
	return compareLocal(v.local, o.local)
}

// Equal reports whether v and o are the same version: Compare(o) == 0.
func (v Version) Equal(o Version) bool { return v.Compare(o) == 0 }

// Less reports whether v sorts before o, for sort.Slice and slices.SortFunc
// helpers.
func (v Version) Less(o Version) bool { return v.Compare(o) < 0 }

// preRank places the pre-release segment: a bare development release of a
// final ("1.0.dev0") sorts before every alpha of it, a final or
// post-release after every release candidate.
func (v Version) preRank() int {
	switch {
	case v.preKind != preNone:
		return int(v.preKind)
	case v.hasDev && !v.hasPost:
		return preNone - 1
	default:
		return preRC + 1
	}
}

// cmpOptional compares optional numbers; absent sorts before every
// number when absent is -1 (post-releases) and after when +1 (dev).
func cmpOptional(hasA bool, a int, hasB bool, b int, absent int) int {
	switch {
	case hasA && hasB:
		return cmpInt(a, b)
	case hasA:
		return -absent
	case hasB:
		return absent
	}
	return 0
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareRelease compares release numbers as if the shorter were padded
// with zeros, so trailing zeros never matter.
func compareRelease(a, b []int) int {
	n := max(len(a), len(b))
	for i := range n {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if c := cmpInt(x, y); c != 0 {
			return c
		}
	}
	return 0
}

func compareLocal(a, b []localPart) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		switch {
		case x.num && y.num:
			if c := cmpInt(x.n, y.n); c != 0 {
				return c
			}
		case x.num:
			return 1
		case y.num:
			return -1
		default:
			if c := strings.Compare(x.s, y.s); c != 0 {
				return c
			}
		}
	}
	return cmpInt(len(a), len(b))
}
