package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Every --format json document starts with "version": 1 (README, "JSON output"), whichever
// command wrote it: the publisher's commands, init and config included.
func TestEveryJSONDocumentIsVersioned(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pypi")
	pep := filepath.Join(t.TempDir(), "pep458")
	keys, pepKeys := filepath.Join(t.TempDir(), "keys"), filepath.Join(t.TempDir(), "keys")
	src := t.TempDir()
	env := map[string]string{"HOME": t.TempDir(), "TUFPIP_CONFIG_DIR": t.TempDir(), "TUFPIP_CACHE_DIR": t.TempDir()}
	old := time.Now().UTC().Add(-120 * 24 * time.Hour).Format(time.RFC3339)
	whl := testWheel(t, src, "FooBar", "1.0")

	for _, c := range []struct {
		args []string
		want []string // further top-level keys the document must have
	}{
		{[]string{"repo", "init", dir, "--keys", keys}, []string{"layout", "roles"}},
		{[]string{"repo", "init", pep, "--keys", pepKeys, "--layout", "pep458", "--bins", "16"}, []string{"layout", "clients"}},
		{[]string{"repo", "add", dir, whl, "--now", old, "--keys", keys}, nil},
		{[]string{"repo", "add", pep, whl, "--keys", pepKeys}, nil},
		{[]string{"repo", "promote", dir, "--older-than", "90d", "--bootstrap", "--keys", keys}, nil},
		{[]string{"repo", "timestamp", dir, "--keys", keys}, []string{"timestampVersion"}},
		{[]string{"repo", "renew", dir, "--keys", keys}, []string{"rootVersion"}},
		{[]string{"repo", "status", pep}, []string{"layout"}},
		{[]string{"init", "--name", "acme", "--root", filepath.Join(pep, "metadata", "1.root.json"), "--offline",
			"--metadata-url", "http://127.0.0.1:9/metadata/", "--index-path", "{project}",
			"--page-url", "simple/{project}/{hash}.{project}.html", "--files-url", "http://127.0.0.1:9/files/"},
			[]string{"pageURL", "filesURLs", "indexPath"}},
		{[]string{"config"}, []string{"repositories"}},
		{[]string{"version"}, []string{"tufpip"}},
	} {
		args := append([]string{"--format", "json"}, c.args...)
		r := runCLI(t, env, args...)
		if r.code != 0 {
			t.Errorf("tufpip %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
			continue
		}
		var doc map[string]json.RawMessage
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Errorf("tufpip %s: not one JSON object: %v\n%s", strings.Join(args, " "), err, r.stdout)
			continue
		}
		if !strings.HasPrefix(r.stdout, "{\n  \"version\": 1,") {
			t.Errorf("tufpip %s: does not start with \"version\": 1:\n%s", strings.Join(args, " "), r.stdout)
		}
		for _, k := range c.want {
			if _, ok := doc[k]; !ok {
				t.Errorf("tufpip %s: no %q in\n%s", strings.Join(args, " "), k, r.stdout)
			}
		}
	}
}
