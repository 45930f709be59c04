package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The PEP 458 layout from the command line: init prints the client settings, add and the
// cron jobs work, the stable side's commands are refused with exit 2.
func TestRepoPEP458Commands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pypi")
	keys := filepath.Join(t.TempDir(), "keys")
	src := t.TempDir()
	env := map[string]string{"HOME": t.TempDir(), "TUFPIP_CONFIG_DIR": t.TempDir()}

	r := runCLI(t, env, "repo", "init", dir, "--keys", keys, "--layout", "pep458", "--bins", "16")
	if r.code != 0 || !strings.Contains(r.stdout, "(pep458/16)") || !strings.Contains(r.stdout, "online: timestamp, snapshot, bins") ||
		!strings.Contains(r.stdout, "--index-path '{project}' --page-url 'simple/{project}/{hash}.{project}.html'") {
		t.Fatalf("repo init --layout pep458: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(keys, "stable.key")); err == nil {
		t.Fatal("a pep458 repository got a stable key")
	}
	wheels := []string{testWheel(t, src, "FooBar", "1.0"), testWheel(t, src, "FooBar", "2.0")}
	if r := runCLI(t, env, append([]string{"repo", "add", dir, "--keys", keys}, wheels...)...); r.code != 0 || !strings.Contains(r.stdout, "added FooBar-2.0-py3-none-any.whl") {
		t.Fatalf("repo add: %+v", r)
	}
	ts, _ := os.ReadFile(filepath.Join(dir, "metadata", "timestamp.json"))
	if r := runCLI(t, env, "repo", "add", dir, wheels[0], "--keys", keys); r.code != 0 || !strings.Contains(r.stdout, "already published FooBar-1.0-py3-none-any.whl") {
		t.Fatalf("repo add again: %+v", r)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "metadata", "timestamp.json")); string(again) != string(ts) {
		t.Fatal("adding a published file again wrote a new timestamp")
	}
	if r := runCLI(t, env, "repo", "timestamp", dir, "--keys", keys); r.code != 0 {
		t.Fatalf("repo timestamp: %+v", r)
	}
	if r := runCLI(t, env, "repo", "renew", dir, "--keys", keys); r.code != 0 || strings.Contains(r.stdout, "bins") {
		t.Fatalf("repo renew (root and targets only; the online bins are the timestamp job's): %+v", r)
	}
	r = runCLI(t, env, "repo", "status", dir, "--keys", keys)
	if r.code != 0 || !strings.Contains(r.stdout, "bins-* (16 shards)") || strings.Contains(r.stdout, "stable") {
		t.Fatalf("repo status: %+v", r)
	}
	if r := runCLI(t, env, "repo", "status", dir, "--project", "FooBar"); r.code != 0 || !strings.Contains(r.stdout, "clients get the page of bins-") {
		t.Fatalf("repo status --project: %+v", r)
	}

	ts, _ = os.ReadFile(filepath.Join(dir, "metadata", "timestamp.json"))
	before := listTree(t, dir, keys)
	for _, args := range [][]string{
		{"promote", dir, "--older-than", "1d", "--keys", keys, "--bootstrap"},
		{"hold", dir, "foobar>=2", "--reason", "r", "--keys", keys},
		{"release", dir, "foobar>=2", "--keys", keys},
		{"sync", dir, "--upstream", "http://127.0.0.1:9/simple/", "foobar", "--keys", keys},
	} {
		r := runCLI(t, env, append([]string{"repo"}, args...)...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "tufpip: error: "+args[0]+": not available in the pep458 layout") {
			t.Errorf("repo %s: %+v", args[0], r)
		}
	}
	// The refusals wrote nothing: no ledger, no lock, no new metadata.
	if after := listTree(t, dir, keys); after != before {
		t.Errorf("refused commands changed the files:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "metadata", "timestamp.json")); string(again) != string(ts) {
		t.Fatal("a refused command wrote a new timestamp")
	}
}

// listTree lists every file below roots, one path a line.
func listTree(t *testing.T, roots ...string) string {
	t.Helper()
	var b strings.Builder
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			b.WriteString(p + "\n")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// A layout recorded in DIR/state that the signed metadata does not delegate is refused by
// every command, naming the file: here a stable/unstable repository marked pep458, which
// would have add sign into the hash bins with the bins key.
func TestRepoLayoutChangedInState(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pypi")
	keys := filepath.Join(t.TempDir(), "keys")
	env := map[string]string{"HOME": t.TempDir(), "TUFPIP_CONFIG_DIR": t.TempDir()}
	if r := runCLI(t, env, "repo", "init", dir, "--keys", keys, "--hash-bins", "2"); r.code != 0 {
		t.Fatalf("repo init: %+v", r)
	}
	cfg := filepath.Join(dir, "state", "config.json")
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), "{", `{"layout": "pep458",`, 1))
	if err := os.WriteFile(cfg, data, 0o644); err != nil {
		t.Fatal(err)
	}
	before := listTree(t, dir, keys)
	for _, args := range [][]string{
		{"add", dir, testWheel(t, t.TempDir(), "FooBar", "1.0"), "--keys", keys},
		{"timestamp", dir, "--keys", keys},
		{"status", dir},
	} {
		r := runCLI(t, env, append([]string{"repo"}, args...)...)
		if r.code != ExitError || !strings.Contains(r.stderr, "tufpip: error: "+cfg+": metadata of role targets: records the pep458 layout with 4 bins, but the signed metadata delegates the stable/unstable layout with 4 hash bins; refusing to use it (was DIR/state changed?)") ||
			strings.Contains(r.stderr, "hint: create it with") {
			t.Errorf("repo %s: %+v", args[0], r)
		}
	}
	if after := listTree(t, dir, keys); after != before {
		t.Errorf("refused commands changed the files:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestRepoInitLayoutUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--layout", "pep458", "--bins", "3"},
		{"--layout", "pep458", "--bins", "32768"},
		{"--bins", "16"},
		{"--files-url", "https://files.example.org/"},
		{"--layout", "pypi"},
		{"--layout", "pep458", "--hash-bins", "4"},
		{"--layout", "pep458", "--json-pages"},
	} {
		dir := filepath.Join(t.TempDir(), "pypi")
		r := runCLI(t, nil, append([]string{"repo", "init", dir, "--keys", filepath.Join(t.TempDir(), "keys")}, args...)...)
		if r.code != ExitUsage || !strings.HasPrefix(r.stderr, "tufpip: error: ") {
			t.Errorf("repo init %v: %+v", args, r)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("repo init %v left %s behind", args, dir)
		}
	}
}
