package lockcheck_test

import (
	"fmt"

	"github.com/tufpip/tufpip/pkg/finder"
	"github.com/tufpip/tufpip/pkg/lockcheck"
	"github.com/tufpip/tufpip/pkg/lockfile"
	"github.com/tufpip/tufpip/pkg/resolve"
	"github.com/tufpip/tufpip/pkg/simpleindex"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// A requirement line pinning two hashes: the first is the trusted wheel, the second is
// nobody's, and pip would accept a download matching either, so the entry fails.
func ExampleCheck() {
	const fn = "foobar-2.0-py3-none-any.whl"
	good := "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
	dist, _ := resolve.ParseFilenameFor("foobar", fn)
	proj := &finder.Project{
		Name: "foobar",
		Page: &tuf.Target{Path: "simple/foobar/index.html", Role: "stable", Chain: []string{"targets", "stable"}},
		Files: []*finder.File{{
			Candidate: resolve.Candidate{File: simpleindex.File{Filename: fn, Size: -1}, Dist: dist, Role: "stable"},
			Target: &tuf.Target{Path: "packages/" + fn, Length: 3, Hashes: map[string]string{"sha256": good},
				Role: "stable", Chain: []string{"targets", "stable"}},
		}},
	}
	entry := lockfile.Entry{
		Kind: lockfile.KindRequirement, Name: "foobar", Version: "2.0", Pinned: true, Size: -1,
		Hashes: []lockfile.Hash{{Algorithm: "sha256", Hex: good}},
	}
	r := lockcheck.Check(entry, proj, nil, "")
	fmt.Println(r.Status, r.Role, r.Files)

	entry.Hashes = append(entry.Hashes, lockfile.Hash{Algorithm: "sha256", Hex: "0000000000000000000000000000000000000000000000000000000000000000"})
	r = lockcheck.Check(entry, proj, nil, "")
	fmt.Println(r.Status)
	fmt.Println(r.Reason)
	// Output:
	// ok stable [foobar-2.0-py3-none-any.whl]
	// hash-not-trusted
	// foobar==2.0: hash sha256:0000000000000000… is not a trusted file of foobar 2.0
}
