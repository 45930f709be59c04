package indexserver

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tufpip/tufpip/internal/tuftest"
	"github.com/tufpip/tufpip/pkg/simpleindex"
)

// A refused file goes to OnRefusal when it is set, and then not to the log: the wrappers
// report refusals after pip's output, without filtering the index's log by its message.
func TestOnRefusalReplacesTheLogLine(t *testing.T) {
	for _, hook := range []bool{false, true} {
		repo := seed(t)
		srv := repo.Serve(t)
		cache := t.TempDir()
		var logged bytes.Buffer
		var mu sync.Mutex
		var told []Failure
		cfg := Config{
			Open: opener(repo, srv, filepath.Join(cache, "tuf"), ""), CacheDir: filepath.Join(cache, "index"),
			Logger: slog.New(slog.NewTextHandler(&logged, nil)),
		}
		if hook {
			cfg.OnRefusal = func(f Failure) { mu.Lock(); told = append(told, f); mu.Unlock() }
		}
		ix, err := New(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(ix.Handler())
		_, body := get(t, hs.URL+"/simple/foobar/", "text/html")
		page, _ := simpleindex.ParseHTML(body, mustURL(hs.URL+"/simple/foobar/"), nil)
		repo.Tamper("packages/foobar-1.0-py3-none-any.whl", tuftest.FlipByte)
		get(t, page.Files[0].URL, "")
		hs.Close()

		inLog := bytes.Contains(logged.Bytes(), []byte("msg=refused"))
		if len(ix.Failures()) != 1 || inLog == hook || (hook && (len(told) != 1 || told[0].Filename != "foobar-1.0-py3-none-any.whl")) {
			t.Errorf("hook %v: failures %v, told %v, log:\n%s", hook, ix.Failures(), told, logged.String())
		}
	}
}
