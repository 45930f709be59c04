package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Attacks on the publisher by whoever holds the upload server: the online keys and write
// access to DIR (state/ included), but not the stable key or its ledger (issue 10, 8-11).

// pubRepo is a published repository: FooBar 1.0 and 2.0 uploaded 200 days ago and
// promoted (first promote, --bootstrap), 3.0 uploaded now and seen by that promote.
type pubRepo struct {
	dir, keys, src string
	env            map[string]string
}

func newPubRepo(t *testing.T) *pubRepo {
	t.Helper()
	p := &pubRepo{dir: filepath.Join(t.TempDir(), "pypi"), keys: filepath.Join(t.TempDir(), "keys"), src: t.TempDir(),
		env: map[string]string{"HOME": t.TempDir(), "TUFPIP_CONFIG_DIR": t.TempDir()}}
	old := time.Now().UTC().Add(-200 * 24 * time.Hour).Format(time.RFC3339)
	p.ok(t, "repo", "init", p.dir, "--keys", p.keys)
	p.ok(t, "repo", "add", p.dir, testWheel(t, p.src, "FooBar", "1.0"), testWheel(t, p.src, "FooBar", "2.0"), "--now", old, "--keys", p.keys)
	p.ok(t, "repo", "add", p.dir, testWheel(t, p.src, "FooBar", "3.0"), "--keys", p.keys)
	if r := p.ok(t, "repo", "promote", p.dir, "--older-than", "90d", "--keys", p.keys, "--bootstrap"); !strings.Contains(r.stdout, "promoted 2 files") {
		t.Fatalf("first promote: %+v", r)
	}
	return p
}

func (p *pubRepo) ok(t *testing.T, args ...string) cliResult {
	t.Helper()
	r := runCLI(t, p.env, args...)
	if r.code != 0 {
		t.Fatalf("%v: %+v", args, r)
	}
	return r
}

// role reads the published metadata of a role as the current timestamp names it.
func (p *pubRepo) role(t *testing.T, name string) (version int64, expires time.Time, targets map[string]struct {
	Hashes map[string]string `json:"hashes"`
}) {
	t.Helper()
	var ts, snap struct {
		Signed struct {
			Meta map[string]struct {
				Version int64 `json:"version"`
			} `json:"meta"`
		} `json:"signed"`
	}
	readJSON(t, filepath.Join(p.dir, "metadata", "timestamp.json"), &ts)
	readJSON(t, filepath.Join(p.dir, "metadata", itoa(ts.Signed.Meta["snapshot.json"].Version)+".snapshot.json"), &snap)
	var m struct {
		Signed struct {
			Version int64     `json:"version"`
			Expires time.Time `json:"expires"`
			Targets map[string]struct {
				Hashes map[string]string `json:"hashes"`
			} `json:"targets"`
		} `json:"signed"`
	}
	v := snap.Signed.Meta[name+".json"].Version
	if name == "snapshot" {
		v = ts.Signed.Meta["snapshot.json"].Version
	}
	if name == "root" {
		v = 0
		for ; fileExists(filepath.Join(p.dir, "metadata", itoa(v+1)+".root.json")); v++ {
		}
	}
	readJSON(t, filepath.Join(p.dir, "metadata", itoa(v)+"."+name+".json"), &m)
	return m.Signed.Version, m.Signed.Expires, m.Signed.Targets
}

// stablePage returns the page stable signs for foobar, read from the hash-prefixed file.
func (p *pubRepo) stablePage(t *testing.T) string {
	t.Helper()
	_, _, targets := p.role(t, "stable")
	sum := targets["simple/foobar/index.html"].Hashes["sha256"]
	data, err := os.ReadFile(filepath.Join(p.dir, "targets", "simple", "foobar", sum+".index.html"))
	if err != nil {
		t.Fatalf("stable's page: %v", err)
	}
	return string(data)
}

// resolveStable asks tufpip's client which version of FooBar stable vouches for.
func (p *pubRepo) resolveStable(t *testing.T, req string) (string, cliResult) {
	t.Helper()
	srv := httptest.NewServer(http.FileServer(http.Dir(p.dir)))
	defer srv.Close()
	env := map[string]string{"HOME": t.TempDir(), "TUFPIP_CONFIG_DIR": t.TempDir(), "TUFPIP_CACHE_DIR": t.TempDir(),
		"TUFPIP_METADATA_URL": srv.URL + "/metadata/", "TUFPIP_TARGETS_URL": srv.URL + "/targets/",
		"TUFPIP_ROOT": filepath.Join(p.dir, "metadata", "1.root.json")}
	r := runCLI(t, env, "resolve", req, "--require-role", "stable", "--format", "json", "--python-version", "3.12", "--platform", "any")
	var res struct {
		Results []struct{ Version, Role string }
	}
	if json.Unmarshal([]byte(r.stdout), &res) != nil || len(res.Results) != 1 {
		return "", r
	}
	return res.Results[0].Version, r
}

func (p *pubRepo) editState(t *testing.T, rel string, edit func(map[string]any)) {
	t.Helper()
	path := filepath.Join(p.dir, "state", rel)
	var v map[string]any
	readJSON(t, path, &v)
	edit(v)
	data, _ := json.Marshal(v)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func fileExists(p string) bool { _, err := os.Lstat(p); return err == nil }

// Item 8: the upload server deletes a file from state/projects/foobar.json and edits the
// Requires-Python of another. Promote keeps stable's page as stable signed it.
func TestRepoAttackStateCannotDowngradeStable(t *testing.T) {
	p := newPubRepo(t)
	v0, _, _ := p.role(t, "stable")
	page0 := p.stablePage(t)
	p.editState(t, "projects/foobar.json", func(st map[string]any) {
		var keep []any
		for _, f := range st["files"].([]any) {
			f := f.(map[string]any)
			switch f["version"] {
			case "1.0":
				continue // dropped
			case "2.0":
				f["requires_python"] = ">=3.99"
			}
			keep = append(keep, f)
		}
		st["files"] = keep
	})
	r := p.ok(t, "repo", "promote", p.dir, "--older-than", "90d", "--keys", p.keys)
	if !strings.Contains(r.stdout, "promoted 0 files in 0 projects") {
		t.Fatalf("routine promote: %+v", r)
	}
	if v, _, _ := p.role(t, "stable"); v != v0 {
		t.Fatalf("stable re-signed (version %d -> %d) from the edited state", v0, v)
	}
	if got := p.stablePage(t); got != page0 {
		t.Fatalf("stable's page changed:\n%s", got)
	}
	if v, r := p.resolveStable(t, "FooBar==1.0"); v != "1.0" {
		t.Fatalf("FooBar 1.0 no longer from stable: %+v", r)
	}
	// When stable does sign something new, the page still lists 1.0 and the
	// Requires-Python read from the file.
	later := time.Now().UTC().Add(100 * 24 * time.Hour).Format(time.RFC3339)
	r = p.ok(t, "repo", "promote", p.dir, "--older-than", "90d", "--keys", p.keys, "--now", later)
	if !strings.Contains(r.stdout, "stable signs FooBar-3.0-py3-none-any.whl") || !strings.Contains(r.stdout, "promoted 1 file") {
		t.Fatalf("promote 100 days later: %+v", r)
	}
	page := p.stablePage(t)
	for _, want := range []string{"FooBar-1.0-py3-none-any.whl", "FooBar-2.0-py3-none-any.whl", "FooBar-3.0-py3-none-any.whl"} {
		if !strings.Contains(page, want) {
			t.Errorf("stable's page lacks %s:\n%s", want, page)
		}
	}
	if strings.Contains(page, "3.99") || strings.Count(page, `data-requires-python="&gt;=3.8"`) != 3 {
		t.Errorf("stable's page does not carry the files' own Requires-Python:\n%s", page)
	}
}

// Item 9: the upload server chooses where promote reads the keys and the ledger from:
// state/config.json's keys_dir and a DIR/keys with copies of the online keys, a symbolic
// link to the real stable key and no ledger. A file it uploaded minutes ago, backdated in
// state, must not be signed by stable.
func TestRepoAttackKeysAndLedgerLocation(t *testing.T) {
	p := newPubRepo(t)
	p.ok(t, "repo", "add", p.dir, testWheel(t, p.src, "FooBar", "6.6.6"), "--keys", p.keys)
	p.editState(t, "projects/foobar.json", func(st map[string]any) {
		for _, f := range st["files"].([]any) {
			if f := f.(map[string]any); f["version"] == "6.6.6" {
				f["upload_time"] = time.Now().UTC().Add(-1000 * 24 * time.Hour).Format(time.RFC3339)
			}
		}
	})
	evil := filepath.Join(p.dir, "keys")
	os.MkdirAll(evil, 0o700)
	for _, k := range []string{"timestamp", "snapshot", "unstable"} {
		data, _ := os.ReadFile(filepath.Join(p.keys, k+".key"))
		os.WriteFile(filepath.Join(evil, k+".key"), data, 0o600)
	}
	if err := os.Symlink(filepath.Join(p.keys, "stable.key"), filepath.Join(evil, "stable.key")); err != nil {
		t.Fatal(err)
	}
	p.editState(t, "config.json", func(c map[string]any) { c["keys_dir"] = evil })
	v0, _, _ := p.role(t, "stable")
	ledger := filepath.Join(p.keys, "stable-ledger.json")
	ledger0, _ := os.ReadFile(ledger)
	elsewhere := filepath.Join(t.TempDir(), "stable.key")
	data, _ := os.ReadFile(filepath.Join(p.keys, "stable.key"))
	os.WriteFile(elsewhere, data, 0o600)

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"keys from state", nil, filepath.Join(evil, "stable.key") + ": signing key of role stable is a symbolic link; refusing to use it"},
		{"symlinked stable key", []string{"--keys", evil, "--ledger", ledger}, "signing key of role stable is a symbolic link"},
		{"ledger elsewhere, missing", []string{"--keys", p.keys, "--ledger", filepath.Join(t.TempDir(), "none.json")}, "none.json: stable ledger: does not exist; without it promote would trust the upload times"},
		{"ledger inside DIR", []string{"--keys", p.keys, "--ledger", filepath.Join(p.dir, "state", "ledger.json"), "--bootstrap"}, "stable ledger lies inside the repository directory"},
		{"bootstrap over a ledger", []string{"--keys", p.keys, "--bootstrap"}, "exists, and --bootstrap is only for the first promote"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "symlinked stable key" {
				os.Remove(filepath.Join(evil, "stable.key"))
				os.Symlink(elsewhere, filepath.Join(evil, "stable.key"))
			}
			r := runCLI(t, p.env, append([]string{"repo", "promote", p.dir, "--older-than", "90d"}, tc.args...)...)
			if r.code != ExitError || !strings.Contains(r.stderr, "tufpip: error: ") || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, want %d with %q:\n%s%s", r.code, ExitError, tc.want, r.stdout, r.stderr)
			}
			if v, _, _ := p.role(t, "stable"); v != v0 {
				t.Fatalf("stable signed a new version %d", v)
			}
			if got, _ := os.ReadFile(ledger); string(got) != string(ledger0) {
				t.Fatal("the ledger changed")
			}
			if fileExists(filepath.Join(evil, "stable-ledger.json")) || fileExists(filepath.Join(p.dir, "state", "ledger.json")) {
				t.Fatal("a ledger was created inside the repository")
			}
		})
	}
	if v, r := p.resolveStable(t, "FooBar==6.6.6"); v != "" || r.code != ExitNoMatch {
		t.Fatalf("stable vouches for the backdated 6.6.6: %+v", r)
	}
	// A stable key copied into DIR (not a link) is refused too.
	os.Remove(filepath.Join(evil, "stable.key"))
	os.WriteFile(filepath.Join(evil, "stable.key"), data, 0o600)
	r := runCLI(t, p.env, "repo", "promote", p.dir, "--older-than", "90d", "--ledger", ledger)
	if r.code != ExitError || !strings.Contains(r.stderr, "signing key of role stable lies inside the repository directory") {
		t.Fatalf("stable key inside DIR: %+v", r)
	}
}

// Item 10: the upload server edits the expiries in state/config.json; promote and renew
// sign with their own (stable 30 days, root and targets a year).
func TestRepoAttackExpiriesNotFromState(t *testing.T) {
	p := newPubRepo(t)
	p.editState(t, "config.json", func(c map[string]any) {
		e := c["expiries"].(map[string]any)
		for _, k := range []string{"stable", "root", "targets", "snapshot", "timestamp", "unstable"} {
			e[k] = float64(290 * 365 * 24 * time.Hour)
		}
	})
	later := time.Now().UTC().Add(100 * 24 * time.Hour)
	r := p.ok(t, "repo", "promote", p.dir, "--older-than", "90d", "--keys", p.keys, "--now", later.Format(time.RFC3339))
	if !strings.Contains(r.stdout, "promoted 1 file") {
		t.Fatalf("promote: %+v", r)
	}
	if _, exp, _ := p.role(t, "stable"); exp.After(later.Add(31 * 24 * time.Hour)) {
		t.Fatalf("stable expires %s, from the upload server's config", exp)
	}
	wall := time.Now().UTC()
	p.ok(t, "repo", "renew", p.dir, "--keys", p.keys)
	for _, role := range []string{"root", "targets", "snapshot"} {
		if _, exp, _ := p.role(t, role); exp.After(wall.Add(366 * 24 * time.Hour)) {
			t.Errorf("%s expires %s, from the upload server's config", role, exp)
		}
	}
	if r := p.ok(t, "repo", "timestamp", p.dir, "--keys", p.keys); !strings.Contains(r.stdout, "expires "+wall.Add(24*time.Hour).Format("2006-01-02")) &&
		!strings.Contains(r.stdout, "expires "+wall.Add(25*time.Hour).Format("2006-01-02")) {
		t.Errorf("timestamp: %+v", r)
	}
}
