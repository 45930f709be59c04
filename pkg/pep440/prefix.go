package pep440

import (
	"strconv"
	"strings"
)

// prefix is the left side of a wildcard, "2.0" in "==2.0.*", and matches
// the versions whose public part begins with it once the release is padded
// with zeros: "==2.0.*" admits 2, 2.0.post1 and 2.0.5rc1 but not 2.1.
//
// packaging compares dot-separated strings here, not numbers, and ~=
// builds its prefix from the specifier's text as written, so a few odd
// spellings ("~=1.0.r1", "~=v1.0") get prefixes that are not plain
// releases. Those keep the string form (items) and are compared the same
// way; every plain release takes the numeric path (nums).
type prefix struct {
	nums  []int    // epoch, then release numbers; nil when items is used
	items []string // split form, for prefixes that are not plain releases
}

// newPrefix builds the prefix for text, the part before ".*".
func newPrefix(text string) *prefix {
	canon := text
	if v, err := Parse(text); err == nil {
		canon = v.String()
	}
	items := splitVersion(canon)
	nums := make([]int, 0, len(items))
	for _, it := range items {
		n, err := strconv.Atoi(it)
		if err != nil || !allDigits(it) || (len(it) > 1 && it[0] == '0') {
			return &prefix{items: items}
		}
		nums = append(nums, n)
	}
	return &prefix{nums: nums}
}

func (p *prefix) match(v Version) bool {
	if p.items != nil {
		return p.matchItems(v)
	}
	if v.epoch != p.nums[0] {
		return false
	}
	for i, want := range p.nums[1:] {
		got := 0 // padding, when the version's release is shorter
		if i < len(v.release) {
			got = v.release[i]
		}
		if got != want {
			return false
		}
	}
	return true
}

// matchItems is the string comparison: split the candidate's public
// version, pad its release with "0" to the prefix's release length, cut
// it to the prefix's length and compare item by item.
func (p *prefix) matchItems(v Version) bool {
	got := padRelease(splitVersion(v.Public()), leadingDigits(p.items))
	if len(got) < len(p.items) {
		return false
	}
	for i, want := range p.items {
		if got[i] != want {
			return false
		}
	}
	return true
}

// splitVersion splits a version string into its epoch ("0" when absent)
// and dot-separated items, with a pre-release glued to a release number
// split off: "1!2.0rc1.post3" gives [1 2 0 rc1 post3].
func splitVersion(s string) []string {
	epoch, rest := "0", s
	if i := strings.LastIndexByte(s, '!'); i >= 0 {
		epoch, rest = s[:i], s[i+1:]
		if epoch == "" {
			epoch = "0"
		}
	}
	items := []string{epoch}
	for _, it := range strings.Split(rest, ".") {
		if n, suffix, ok := cutPreSuffix(it); ok {
			items = append(items, n, suffix)
		} else {
			items = append(items, it)
		}
	}
	return items
}

// cutPreSuffix splits "0rc1" into "0" and "rc1": digits, then a, b, c or
// rc (lowercase only), then digits.
func cutPreSuffix(it string) (n, suffix string, ok bool) {
	i := 0
	for i < len(it) && isDigit(it[i]) {
		i++
	}
	if i == 0 {
		return "", "", false
	}
	label := it[i:]
	switch {
	case strings.HasPrefix(label, "rc"):
		label = label[2:]
	case strings.HasPrefix(label, "a"), strings.HasPrefix(label, "b"), strings.HasPrefix(label, "c"):
		label = label[1:]
	default:
		return "", "", false
	}
	if label == "" || !allDigits(label) {
		return "", "", false
	}
	return it[:i], it[i:], true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// leadingDigits counts the all-digit items at the start of items: the
// epoch and the release.
func leadingDigits(items []string) int {
	n := 0
	for n < len(items) && allDigits(items[n]) {
		n++
	}
	return n
}

// padRelease inserts "0" items after the leading numeric run of items
// until it is at least n long.
func padRelease(items []string, n int) []string {
	k := leadingDigits(items)
	if k >= n {
		return items
	}
	out := make([]string, 0, len(items)+n-k)
	out = append(out, items[:k]...)
	for range n - k {
		out = append(out, "0")
	}
	return append(out, items[k:]...)
}

// compatiblePrefix gives the prefix half of "~=text" the way packaging
// derives it from the text as written: split it, keep the items before the
// first one that starts like a suffix (dev, a, b, rc, post), drop the
// last, and join them as "epoch!r1.r2". For normal spellings this is the
// release without its last number: "~=1.4.5rc1" gives "0!1.4".
func compatiblePrefix(text string) string {
	var kept []string
	for _, it := range splitVersion(text) {
		if isSuffixItem(it) {
			break
		}
		kept = append(kept, it)
	}
	if len(kept) < 2 { // not reachable: ~= requires two release numbers
		return text
	}
	kept = kept[:len(kept)-1]
	return kept[0] + "!" + strings.Join(kept[1:], ".")
}

func isSuffixItem(it string) bool {
	for _, p := range []string{"dev", "a", "b", "rc", "post"} {
		if strings.HasPrefix(it, p) {
			return true
		}
	}
	return false
}
