package repo

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// editConfig rewrites DIR/state/config.json as the upload server could.
func editConfig(t *testing.T, dir string, edit func(c *repoConfig)) {
	t.Helper()
	var c repoConfig
	if err := json.Unmarshal(mustRead(t, configPath(dir)), &c); err != nil {
		t.Fatal(err)
	}
	edit(&c)
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(configPath(dir), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The layout recorded in DIR/state is checked against the signed targets metadata. An
// upload server that flips a stable/unstable hash-bin repository to pep458 would otherwise
// have the next routine add sign its state's files straight into bins-X with the bins key
// (offline in that layout, above stable), and take that key from inside DIR without
// complaint (pep458 counts it online). The other flips misroute signatures into bins no
// client reads.
func TestRecordedLayoutMustMatchSignedMetadata(t *testing.T) {
	for _, tc := range []struct {
		name string
		init InitOptions
		edit func(c *repoConfig)
		want string
	}{
		{"stable/unstable hash bins flipped to pep458", InitOptions{HashBinBits: 2},
			func(c *repoConfig) { c.Layout = LayoutPEP458 },
			"records the pep458 layout with 4 bins, but the signed metadata delegates the stable/unstable layout with 4 hash bins"},
		{"pep458 flipped to stable/unstable", InitOptions{Layout: LayoutPEP458, Bins: 4},
			func(c *repoConfig) { c.Layout = "" },
			"records the stable/unstable layout with 4 hash bins, but the signed metadata delegates the pep458 layout with 4 bins"},
		{"pep458 with other bins of the same width", InitOptions{Layout: LayoutPEP458, Bins: 256},
			func(c *repoConfig) { c.BinBits = 7 },
			"records the pep458 layout with 128 bins, but the signed metadata delegates the pep458 layout with 256 bins"},
		{"flat stable/unstable given hash bins", InitOptions{},
			func(c *repoConfig) { c.BinBits = 1 },
			"records the stable/unstable layout with 2 hash bins, but the signed metadata delegates the flat stable/unstable layout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "repo")
			r := mustInit(t, dir, tc.init)
			src := t.TempDir()
			mustAdd(t, r, t0, buildWheel(t, src, "FooBar", "1.0", ""))
			ts := mustRead(t, filepath.Join(dir, "metadata", "timestamp.json"))
			editConfig(t, dir, tc.edit)
			// and the state's hashes, as a pep458 add would have recorded them
			st, err := r.readProject("foobar")
			if err != nil {
				t.Fatal(err)
			}
			for i := range st.Files {
				st.Files[i].Blake2b256 = blake2bHex(mustRead(t, filepath.Join(dir, "targets", "packages", st.Files[i].Filename)))
			}
			if err := r.writeProject(st); err != nil {
				t.Fatal(err)
			}

			r2, err := Open(dir, OpenOptions{KeysDir: r.keysDir})
			if err == nil {
				_, err = r2.Add(t.Context(), []string{buildWheel(t, src, "FooBar", "2.0", "")}, t0)
			}
			var me *MetadataError
			if !errors.As(err, &me) || me.Path != configPath(dir) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("open and add with the layout changed in DIR/state: %v, want a MetadataError on %s saying %q", err, configPath(dir), tc.want)
			}
			if !bytes.Equal(ts, mustRead(t, filepath.Join(dir, "metadata", "timestamp.json"))) {
				t.Fatal("published a new timestamp")
			}
		})
	}
}

// DIR/state/pending.json names projects an add reconciles; the upload server can write it.
// A name that is not a normalised project name would put page files outside DIR/targets.
func TestPendingProjectOutsideTargets(t *testing.T) {
	for _, init := range []InitOptions{{}, {Layout: LayoutPEP458, Bins: 4}} {
		t.Run(init.Layout, func(t *testing.T) {
			top := t.TempDir()
			dir := filepath.Join(top, "a", "b", "repo")
			r := mustInit(t, dir, init)
			if err := os.WriteFile(pendingPath(dir), []byte(`["../../../../evil"]`), 0o644); err != nil {
				t.Fatal(err)
			}
			ts := mustRead(t, filepath.Join(dir, "metadata", "timestamp.json"))
			_, err := r.Add(t.Context(), []string{buildWheel(t, t.TempDir(), "FooBar", "1.0", "")}, t0)
			if err == nil || !strings.Contains(err.Error(), pendingPath(dir)) || !strings.Contains(err.Error(), `"../../../../evil" is not a normalised project name`) {
				t.Errorf("add with a bad name in the pending journal: %v", err)
			}
			if exists(filepath.Join(top, "a", "evil")) || exists(filepath.Join(top, "evil")) {
				t.Error("add wrote outside the repository")
			}
			if !bytes.Equal(ts, mustRead(t, filepath.Join(dir, "metadata", "timestamp.json"))) {
				t.Error("published a new timestamp")
			}
		})
	}
}

// The files URL recorded in DIR/state goes into every page: a value init would refuse is
// refused on open too.
func TestRecordedFilesURLChecked(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	r := mustInit(t, dir, InitOptions{Layout: LayoutPEP458, Bins: 4})
	for _, u := range []string{"javascript:alert(1)//", "https://files.example.org/x?q=1/", "ftp://files.example.org/", "packages"} {
		editConfig(t, dir, func(c *repoConfig) { c.FilesURL = u })
		_, err := Open(dir, OpenOptions{KeysDir: r.keysDir})
		var ne *NotRepositoryError
		if !errors.As(err, &ne) || !strings.Contains(err.Error(), "files_url") {
			t.Errorf("files_url %q: %v, want a NotRepositoryError naming files_url", u, err)
		}
	}
}
