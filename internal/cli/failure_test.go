package cli

import (
	"strings"
	"testing"

	"github.com/tufpip/tufpip/internal/tuftest"
	"github.com/tufpip/tufpip/pkg/finder"
	"github.com/tufpip/tufpip/pkg/indexserver"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// A refused page is reported as the page, whatever its text: "page of P: " is added when
// the failure is of the repository's metadata, even if that text happens to contain P (a
// project named like a role), and not when it is of the page itself.
func TestFailureErrorNamesThePageOnce(t *testing.T) {
	meta := &tuf.VerificationError{Path: "stable.json", Role: "stable", Reason: "signature threshold not met"}
	page := &finder.PageError{Project: "foobar", Path: "simple/foobar/index.html",
		Err: &tuf.VerificationError{Path: "simple/foobar/index.html", Reason: "sha256 does not match the hash signed by role stable"}}
	for _, tc := range []struct {
		f    indexserver.Failure
		want string
	}{
		{indexserver.Failure{Project: "stable", Err: meta}, "page of stable: stable.json: signature threshold not met"},
		{indexserver.Failure{Project: "foobar", Err: meta}, "page of foobar: stable.json: signature threshold not met"},
		{indexserver.Failure{Project: "foobar", Err: page}, "simple/foobar/index.html: sha256 does not match the hash signed by role stable"},
	} {
		if got := failureError(tc.f).Error(); got != tc.want {
			t.Errorf("project %s, %v:\n got %q\nwant %q", tc.f.Project, tc.f.Err, got, tc.want)
		}
	}
}

// A page the index refuses is named once, by its path, without "page of".
func TestPipWrapperReportsRefusedPage(t *testing.T) {
	repo := seedRepo(t)
	env, _ := repoEnv(t, repo)
	fake := newFakePip(t, "fetch")
	repo.Tamper("simple/foobar/index.html", tuftest.FlipByte)
	r := runPip(t, env, "install", "--python", fake.python, "foobar")
	want := "tufpip: error: simple/foobar/index.html: "
	if r.code != ExitVerification || !strings.Contains(r.stderr, want) {
		t.Fatalf("exit %d, want 3 and %q\n%s", r.code, want, r.stderr)
	}
	if strings.Contains(r.stderr, "page of foobar") || strings.Count(r.stderr, "simple/foobar/index.html:") != 1 {
		t.Errorf("the page is not named exactly once:\n%s", r.stderr)
	}
}
