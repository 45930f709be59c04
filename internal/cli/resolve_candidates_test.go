package cli

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/tufpip/tufpip/pkg/finder"
	"github.com/tufpip/tufpip/pkg/resolve"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// Leaving out the files a specifier can never admit changes neither the choice nor what is
// reported: finals, pre-releases, yanked files, incompatible wheels and sdists, for pinned,
// wildcard, range and pre-release specifiers, with and without --pre.
func TestCandidatesForSelectsAsAllCandidates(t *testing.T) {
	var files []*finder.File
	add := func(fn string, yanked bool) {
		d, err := resolve.ParseFilenameFor("foo", fn)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, &finder.File{Candidate: resolve.Candidate{
			File: simpleindex.File{Filename: fn, URL: "https://example.org/" + fn, Size: -1, Yanked: yanked}, Dist: d, Role: "stable"}})
	}
	for _, v := range []string{"1.0", "1.1", "2.0a1", "2.0", "2.1rc1", "3.0.dev1", "17.5", "17.10", "18.0b2"} {
		add("foo-"+v+"-py3-none-any.whl", v == "17.10")
		add("foo-"+v+"-cp27-cp27m-win32.whl", false)
		add("foo-"+v+".tar.gz", false)
	}
	proj := &finder.Project{Name: "foo", Files: files}
	env, err := resolve.NewEnvironment(resolve.TargetOptions{PythonVersion: "3.11", Platforms: []string{"manylinux_2_17_x86_64"}, Implementation: "cp"})
	if err != nil {
		t.Fatal(err)
	}
	for _, spec := range []string{"foo", "foo==1.0", "foo==17.*", "foo>=2.0", "foo>=2.0a1", "foo<2", "foo==2.1rc1", "foo~=17.5", "foo==17.10", "foo==9.*", "foo!=2.0"} {
		for _, pre := range []bool{false, true} {
			req, err := resolve.ParseRequirement(spec)
			if err != nil {
				t.Fatal(err)
			}
			opts := resolve.Options{Pre: pre}
			report := func(cands []resolve.Candidate) string {
				sel := resolve.Select(req, cands, env, opts)
				best := "none"
				if sel.Best != nil {
					best = sel.Best.File.Filename
				}
				return fmt.Sprintf("best %s, skipped %v, warnings %v", best, couldMatch(req, sel.Skipped), sel.Warnings)
			}
			want, got := report(proj.Candidates()), report(candidatesFor(req, proj))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s (pre %v):\n got %s\nwant %s", spec, pre, got, want)
			}
		}
	}
}
