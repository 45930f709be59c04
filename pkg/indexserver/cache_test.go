package indexserver

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// What every pip from 20.3 to 26 and uv read without complaint: PEP 700 versions and sizes,
// no metadata keys that are false (pip 23.0 crashes on them), the api-version in both forms.
func TestPageShapeForEveryClient(t *testing.T) {
	fx := newFixture(t, seed(t))
	resp, body := get(t, fx.url+"/simple/foobar/", pipAccept)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if v, _ := json.Marshal(doc["versions"]); string(v) != `["1.0","2.0"]` {
		t.Errorf("versions = %s", v)
	}
	if m, _ := json.Marshal(doc["meta"]); string(m) != `{"api-version":"1.1"}` {
		t.Errorf("meta = %s", m)
	}
	for _, f := range doc["files"].([]any) {
		f := f.(map[string]any)
		if _, ok := f["size"]; !ok {
			t.Errorf("%s: no size", f["filename"])
		}
		for _, k := range []string{"dist-info-metadata", "core-metadata"} {
			if v, ok := f[k]; ok && v == false {
				t.Errorf("%s: %s is false", f["filename"], k)
			}
		}
		if _, ok := f["dist-info-metadata"]; ok {
			t.Errorf("%s: dist-info-metadata present (pip 23.0 reads it as a string)", f["filename"])
		}
	}
	for _, tc := range []struct{ accept, ctype, want string }{
		{pipAccept, simpleindex.ContentTypeJSON, `"projects":[{"name":"foobar"}]`},
		{"text/html", "text/html", `<meta name="pypi:repository-version" content="1.1">`},
	} {
		resp, body := get(t, fx.url+"/simple/", tc.accept)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tc.ctype || !strings.Contains(string(body), tc.want) {
			t.Errorf("/simple/ for %q: %d %s\n%s", tc.accept, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
}

// Pages revalidate by an ETag bound to their bytes (and refresh); files are immutable by
// hash and can be resumed.
func TestCacheHeaders(t *testing.T) {
	fx := newFixture(t, seed(t))
	resp, body := get(t, fx.url+"/simple/foobar/", pipAccept)
	etag := resp.Header.Get("ETag")
	if etag == "" || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("page headers: %v", resp.Header)
	}
	if r2, _ := get(t, fx.url+"/simple/foobar/", "text/html"); r2.Header.Get("ETag") == etag {
		t.Errorf("HTML and JSON pages share the ETag %s", etag)
	}
	req, _ := http.NewRequest("GET", fx.url+"/simple/foobar/", nil)
	req.Header.Set("Accept", pipAccept)
	req.Header.Set("If-None-Match", etag)
	r3, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r3.Body.Close()
	if r3.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match %s: status %d, want 304", etag, r3.StatusCode)
	}

	var doc struct {
		Files []struct{ URL string } `json:"files"`
	}
	json.Unmarshal(body, &doc)
	fileURL := mustURL(fx.url + "/simple/foobar/").ResolveReference(mustURL(doc.Files[0].URL)).String()
	resp, data := get(t, fileURL, "")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || resp.Header.Get("ETag") == "" {
		t.Fatalf("file: %d %v", resp.StatusCode, resp.Header)
	}
	req, _ = http.NewRequest("GET", fileURL, nil)
	req.Header.Set("Range", "bytes=2-")
	r4, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r4.Body.Close()
	buf := make([]byte, len(data))
	n, _ := r4.Body.Read(buf)
	if r4.StatusCode != http.StatusPartialContent || string(buf[:n]) != string(data[2:]) {
		t.Errorf("range: status %d, %q", r4.StatusCode, buf[:n])
	}
	if r5, _ := get(t, fx.url+"/files/foobar/00/nope.whl", ""); r5.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("an error is cacheable: %v", r5.Header)
	}
}
