package resolve

import (
	"testing"

	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// The tag index is kept between selections for the same tags; a caller who edits env.Tags
// in place must still be answered from the edited list.
func TestTagIndexFollowsEditedTags(t *testing.T) {
	req, err := ParseRequirement("foo")
	if err != nil {
		t.Fatal(err)
	}
	fn := "foo-1.0-cp311-none-any.whl"
	d, err := ParseFilenameFor("foo", fn)
	if err != nil {
		t.Fatal(err)
	}
	cands := []Candidate{{File: simpleindex.File{Filename: fn, URL: "https://x/" + fn, Size: -1}, Dist: d}}
	env := &Environment{Tags: []Tag{{"py3", "none", "any"}}, PythonFullVersion: "3.11.0"}
	if sel := Select(req, cands, env, Options{}); sel.Best != nil {
		t.Fatalf("%s chosen for py3-none-any only", fn)
	}
	env.Tags[0] = Tag{"cp311", "none", "any"}
	if sel := Select(req, cands, env, Options{}); sel.Best == nil {
		t.Fatalf("not chosen once the tags include cp311-none-any: %+v", sel.Skipped)
	}
	env.Tags[0] = Tag{"py3", "none", "any"}
	if sel := Select(req, cands, env, Options{}); sel.Best != nil {
		t.Fatalf("chosen again after the tag was edited away")
	}
}
