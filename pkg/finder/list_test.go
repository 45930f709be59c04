package finder

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/internal/tuftest"
)

// In the hash-bin layout the list needs every bin: projects signed by stable and by unstable
// in different bins are all listed, a page a bin signs for a path of another bin is not (the
// walk for that path never reaches it), and with --require-role stable only stable's are.
func TestProjectsAcrossHashBins(t *testing.T) {
	repo := tuftest.New(t, tuftest.WithHashBins(3))
	var want, stableOnly []string
	for i := range 12 {
		name := fmt.Sprintf("p%02d", i)
		role := tuftest.Stable
		if i%3 == 0 {
			role = tuftest.Unstable
		} else {
			stableOnly = append(stableOnly, name)
		}
		page := tuftest.PagePath(name)
		repo.AddTarget(repo.Bin(role, page), page, []byte("page of "+name))
		want = append(want, name)
	}
	// A page signed by a bin the path does not hash to.
	stray := tuftest.PagePath("stray")
	other := tuftest.PagePath("p00")
	for i := 0; repo.Bin(tuftest.Stable, stray) == repo.Bin(tuftest.Stable, other); i++ {
		other = tuftest.PagePath(fmt.Sprintf("p%02d", i))
	}
	repo.AddTarget(repo.Bin(tuftest.Stable, other), stray, []byte("stray page"))
	repo.Publish()
	srv := repo.Serve(t)

	got, err := open(t, repo, srv, Config{}).Projects(context.Background())
	if err != nil || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Projects() = %q, %v; want %q", got, err, want)
	}
	got, err = open(t, repo, srv, Config{RequireRole: tuftest.Stable}).Projects(context.Background())
	if err != nil || strings.Join(got, " ") != strings.Join(stableOnly, " ") {
		t.Errorf("Projects() with --require-role stable = %q, %v; want %q", got, err, stableOnly)
	}
}
