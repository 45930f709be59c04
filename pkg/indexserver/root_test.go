package indexserver

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/internal/tuftest"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// /simple/ lists exactly the projects whose page a delegation walk trusts: stable's and
// unstable's, and not a page that a role lists outside the paths it was delegated (its
// signature is valid, the walk for that path never reaches it). HTML and JSON agree, and the
// list is computed once per refresh.
func TestRootListsTrustedProjects(t *testing.T) {
	repo := seed(t)
	fn := "onlyunstable-1.0-py3-none-any.whl"
	repo.AddFile(tuftest.Unstable, fn, []byte(fn))
	repo.SetPage(tuftest.Unstable, "OnlyUnstable", tuftest.File(fn, []byte(fn)))
	repo.Delegate(tuftest.Delegation{Name: "docs", Paths: []string{"docs/*"}})
	evil := []byte(`<!DOCTYPE html><html><body><a href="../../packages/evil-1.0-py3-none-any.whl#sha256=` + strings.Repeat("0", 64) + `">evil-1.0-py3-none-any.whl</a></body></html>`)
	repo.AddTarget("docs", tuftest.PagePath("evil"), evil)
	repo.Publish()
	fx := newFixture(t, repo)

	resp, body := get(t, fx.url+"/simple/", "text/html")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html" {
		t.Fatalf("/simple/: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	want := `<a href="foobar/">foobar</a><br>` + "\n" + `    <a href="onlyunstable/">onlyunstable</a><br>`
	if !strings.Contains(string(body), want) || strings.Contains(string(body), "evil") {
		t.Errorf("HTML list:\n%s\nwant foobar and onlyunstable only", body)
	}
	resp, body = get(t, fx.url+"/simple/", simpleindex.ContentTypeJSON)
	var doc struct {
		Meta     map[string]string `json:"meta"`
		Projects []struct{ Name string }
	}
	if err := json.Unmarshal(body, &doc); err != nil || resp.Header.Get("Content-Type") != simpleindex.ContentTypeJSON {
		t.Fatalf("JSON list: %v %s\n%s", err, resp.Header.Get("Content-Type"), body)
	}
	var names []string
	for _, p := range doc.Projects {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, " "); got != "foobar onlyunstable" || doc.Meta["api-version"] != simpleindex.APIVersion {
		t.Errorf("JSON projects %q, meta %v; want foobar onlyunstable", got, doc.Meta)
	}
	// The page the docs role signed is not served either: the list and the pages agree.
	if resp, _ := get(t, fx.url+"/simple/evil/", "text/html"); resp.StatusCode != 404 {
		t.Errorf("/simple/evil/: %d, want 404", resp.StatusCode)
	}
	// Once per refresh: a second request loads nothing.
	before := len(fx.srv.Requests())
	get(t, fx.url+"/simple/", "text/html")
	if n := len(fx.srv.Requests()) - before; n != 0 {
		t.Errorf("a second /simple/ made %d requests to the repository", n)
	}
}
