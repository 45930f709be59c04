// Package pep440 parses, orders and matches Python package versions as
// PEP 440 defines them, agreeing with the packaging library (24.1) that pip
// 24.2 vendors: the same versions are valid, they print in the same normal
// form, sort in the same order, and the same versions satisfy the same
// specifier sets, including the pre-release rules pip applies when it
// picks a distribution and the quirks of its ~= operator. tufpip must
// choose exactly what pip would choose, so any disagreement with packaging
// is a bug. The deliberate ones refuse input rather than guess: numbers
// beyond int64, non-ASCII letters that Python's case folding admits, and
// versions over 1 KiB are invalid here; "===text" where text is no version
// matches nothing instead of raising as packaging does.
//
// Map pip's calls as follows: finder filtering is Filter(vs, pre) with pre
// set by --pre; a Requires-Python check is Contains(python, false).
package pep440

import (
	"strconv"
	"strings"
)

// Pre-release kinds, in PEP 440 order.
const (
	preNone = iota
	preAlpha
	preBeta
	preRC
)

var preLabels = [...]string{preAlpha: "a", preBeta: "b", preRC: "rc"}

// localPart is one dot-separated part of a local version label. Numeric
// parts compare as numbers and sort after alphanumeric ones.
type localPart struct {
	s   string // lowercased text when !num
	n   int    // value when num
	num bool
}

// Version is a parsed PEP 440 version. It is immutable; the zero value is
// the version "0". Use Compare (or Equal), not ==, to compare versions:
// "1.0" and "1.0.0" are equal versions with different normal forms.
type Version struct {
	epoch   int
	release []int
	preKind uint8
	preNum  int
	hasPost bool
	post    int
	hasDev  bool
	dev     int
	local   []localPart
}

// MustParse is like Parse but panics on an invalid version. It is meant for
// constants in programs and tests.
func MustParse(s string) Version {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

// String returns the normal form of v, as str(packaging.version.Version):
// "v1.0-1" becomes "1.0.post1", "1.0ALPHA" becomes "1.0a0".
func (v Version) String() string {
	var b strings.Builder
	b.Grow(16)
	v.writePublic(&b)
	if len(v.local) > 0 {
		b.WriteByte('+')
		b.WriteString(v.Local())
	}
	return b.String()
}

// Public returns the normal form without the local version label.
func (v Version) Public() string {
	var b strings.Builder
	v.writePublic(&b)
	return b.String()
}

// BaseVersion returns the normal form of the epoch and release only:
// "1!2.0rc1.post3+x" gives "1!2.0".
func (v Version) BaseVersion() string {
	var b strings.Builder
	v.writeBase(&b)
	return b.String()
}

func (v Version) writeBase(b *strings.Builder) {
	if v.epoch != 0 {
		b.WriteString(strconv.Itoa(v.epoch))
		b.WriteByte('!')
	}
	if len(v.release) == 0 {
		b.WriteByte('0')
	}
	for i, n := range v.release {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.Itoa(n))
	}
}

func (v Version) writePublic(b *strings.Builder) {
	v.writeBase(b)
	if v.preKind != preNone {
		b.WriteString(preLabels[v.preKind])
		b.WriteString(strconv.Itoa(v.preNum))
	}
	if v.hasPost {
		b.WriteString(".post")
		b.WriteString(strconv.Itoa(v.post))
	}
	if v.hasDev {
		b.WriteString(".dev")
		b.WriteString(strconv.Itoa(v.dev))
	}
}

// Epoch returns the epoch, 0 when none was written.
func (v Version) Epoch() int { return v.epoch }

// Release returns a copy of the release numbers as written, trailing zeros
// included: "1.0" gives [1 0].
func (v Version) Release() []int {
	if len(v.release) == 0 {
		return []int{0}
	}
	return append([]int(nil), v.release...)
}

// Pre returns the pre-release label ("a", "b" or "rc") and number; ok is
// false when v is not an alpha, beta or release candidate.
func (v Version) Pre() (label string, n int, ok bool) {
	if v.preKind == preNone {
		return "", 0, false
	}
	return preLabels[v.preKind], v.preNum, true
}

// Post returns the post-release number; ok is false when there is none.
func (v Version) Post() (n int, ok bool) { return v.post, v.hasPost }

// Dev returns the development release number; ok is false when there is
// none.
func (v Version) Dev() (n int, ok bool) { return v.dev, v.hasDev }

// Local returns the normalised local version label without the "+", or ""
// when there is none: "1.0+Ubuntu-01" gives "ubuntu.1".
func (v Version) Local() string {
	var b strings.Builder
	for i, p := range v.local {
		if i > 0 {
			b.WriteByte('.')
		}
		if p.num {
			b.WriteString(strconv.Itoa(p.n))
		} else {
			b.WriteString(p.s)
		}
	}
	return b.String()
}

// IsPrerelease reports whether v has a pre-release or development segment,
// as packaging's is_prerelease: "1.0a1", "1.0.dev0" and "1.0.post1.dev2" are
// pre-releases, "1.0.post1" is not.
func (v Version) IsPrerelease() bool { return v.preKind != preNone || v.hasDev }

// IsPostrelease reports whether v has a post-release segment.
func (v Version) IsPostrelease() bool { return v.hasPost }

// IsDevrelease reports whether v has a development release segment.
func (v Version) IsDevrelease() bool { return v.hasDev }

// HasLocal reports whether v has a local version label.
func (v Version) HasLocal() bool { return len(v.local) > 0 }

// publicVersion returns v without its local label.
func (v Version) publicVersion() Version {
	v.local = nil
	return v
}

// baseVersion returns v's epoch and release only.
func (v Version) baseVersion() Version {
	return Version{epoch: v.epoch, release: v.release}
}

// MarshalText implements encoding.TextMarshaler with the normal form, so
// a Version in a JSON report reads "1.0.post1".
func (v Version) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with Parse.
func (v *Version) UnmarshalText(b []byte) error {
	p, err := Parse(string(b))
	if err != nil {
		return err
	}
	*v = p
	return nil
}
