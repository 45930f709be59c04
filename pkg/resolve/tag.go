package resolve

import (
	"slices"
	"strings"
)

// Tag is one PEP 425 compatibility tag: interpreter, ABI and platform.
type Tag struct{ Interpreter, ABI, Platform string }

// String returns the tag as pip prints it: "cp311-cp311-manylinux_2_17_x86_64".
func (t Tag) String() string { return t.Interpreter + "-" + t.ABI + "-" + t.Platform }

// expandTags expands a compressed tag set ("py2.py3-none-any") into every combination, in
// the order the parts are written, dropping repeats.
func expandTags(py, abi, plat string) []Tag {
	pys := strings.Split(py, ".")
	abis := strings.Split(abi, ".")
	plats := strings.Split(plat, ".")
	n := len(pys) * len(abis) * len(plats)
	out := make([]Tag, 0, n)
	var seen map[Tag]bool
	if n > 16 {
		seen = make(map[Tag]bool, n) // a scan would be quadratic on hostile names
	}
	for _, p := range pys {
		for _, a := range abis {
			for _, pl := range plats {
				t := Tag{p, a, pl}
				if seen != nil {
					if seen[t] {
						continue
					}
					seen[t] = true
				} else if slices.Contains(out, t) {
					continue
				}
				out = append(out, t)
			}
		}
	}
	return out
}
