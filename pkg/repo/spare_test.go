package repo

import (
	"path/filepath"
	"testing"
	"time"
)

// Open reads the published metadata to check the layout and keeps it for the first publish
// only while timestamp.json is unchanged: a second process that published in between (or
// a sync session opened earlier) must not have its work signed away by a stale snapshot.
func TestPublishAfterAnotherProcessPublished(t *testing.T) {
	for _, tc := range []struct {
		name string
		init InitOptions
	}{
		{"flat", InitOptions{}},
		{"hash bins", InitOptions{HashBinBits: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "repo")
			keys := t.TempDir()
			tc.init.KeysDir = keys
			mustInit(t, dir, tc.init)
			src := t.TempDir()
			first, err := Open(dir, OpenOptions{KeysDir: keys})
			if err != nil {
				t.Fatal(err)
			}
			second, err := Open(dir, OpenOptions{KeysDir: keys})
			if err != nil {
				t.Fatal(err)
			}
			mustAdd(t, second, t0, buildWheel(t, src, "alpha", "1.0", ""))
			mustAdd(t, first, t0, buildWheel(t, src, "beta", "1.0", ""))

			// go-tuf's client fails the test unless each file is signed.
			c := newClient(t, dir, served(t, dir), time.Now())
			for _, fn := range []string{"alpha-1.0-py3-none-any.whl", "beta-1.0-py3-none-any.whl"} {
				c.file(fn)
			}
		})
	}
}
