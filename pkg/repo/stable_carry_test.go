package repo

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Stable's page carries what a sync put on unstable's: the upstream's yank, and the core
// metadata, but only when it is the wheel's own METADATA (checked against the
// hash-checked file): state and .metadata edited by the online side do not make stable
// vouch for other dependencies.
func TestStablePageCarriesYankAndMetadata(t *testing.T) {
	for _, tamper := range []bool{false, true} {
		keys := t.TempDir()
		dir := filepath.Join(t.TempDir(), "repo")
		r := mustInit(t, dir, InitOptions{KeysDir: keys})
		src := t.TempDir()
		files := map[string][]string{"foobar": {buildWheel(t, src, "FooBar", "1.0", ""), buildWheel(t, src, "FooBar", "2.0", "")}}
		if err := mirrorOnce(r, t0.Add(-200*day), files); err != nil {
			t.Fatal(err)
		}
		if err := mirrorOnce(r, t0.Add(-200*day), files); err != nil { // yanks 1.0
			t.Fatal(err)
		}
		if tamper {
			st, err := r.readProject("foobar")
			if err != nil {
				t.Fatal(err)
			}
			evil := []byte("Metadata-Version: 2.1\nName: FooBar\nVersion: 2.0\nRequires-Dist: evil\n")
			for i := range st.Files {
				if st.Files[i].Filename == "FooBar-2.0-py3-none-any.whl" {
					st.Files[i].CoreMetadata, st.Files[i].CoreMetadataSize = sha256Hex(evil), int64(len(evil))
				}
			}
			if err := r.writeProject(st); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "targets", "packages", "FooBar-2.0-py3-none-any.whl.metadata"), evil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		mustPromote(t, r, PromoteOptions{OlderThan: 90 * day, Now: t0})
		c := newClient(t, dir, served(t, dir), t0)
		role, _ := c.page("foobar")
		if role != "stable" {
			t.Fatalf("page from %s", role)
		}
		tf := c.loadRole("stable").Signed.Targets["simple/foobar/index.html"]
		page := string(mustRead(t, filepath.Join(dir, "targets", "simple", "foobar", hex.EncodeToString(tf.Hashes["sha256"])+".index.html")))
		if !strings.Contains(page, `data-yanked="old"`) {
			t.Errorf("tamper %v: stable's page lacks the yank:\n%s", tamper, page)
		}
		lines := strings.Split(page, "\n")
		for _, l := range lines {
			if !strings.Contains(l, "FooBar-2.0-py3-none-any.whl") {
				continue
			}
			if has := strings.Contains(l, "data-core-metadata="); has == tamper {
				t.Errorf("tamper %v: stable's page core metadata shown %v: %s", tamper, has, l)
			}
		}
	}
}
