package cli

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// Every command's --format json starts with the shared "version" and follows the same
// conventions (README, "JSON output").
func TestJSONEnvelope(t *testing.T) {
	env, _ := repoEnv(t, seedRepo(t))
	lock := writeFile(t, t.TempDir(), "requirements.txt", requirementsTxt("https://x/simple/", nil)+"foobar==9.9 --hash=sha256:"+strings.Repeat("a", 64)+"\n")
	repoDir := filepath.Join(t.TempDir(), "pypi")
	if r := runCLI(t, env, "repo", "init", repoDir, "--keys", filepath.Join(t.TempDir(), "keys")); r.code != 0 {
		t.Fatalf("repo init: %+v", r)
	}
	for _, tc := range []struct {
		args []string
		code int
		keys []string // top-level keys, in order
	}{
		{[]string{"version"}, 0, []string{"version", "tufpip", "commit", "goTUF", "go"}},
		{[]string{"resolve", "FooBar==2.0.*", "--python-version", "3.12", "--platform", "any"}, 0, []string{"version", "ok", "results"}},
		{[]string{"resolve", "FooBar==7", "--python-version", "3.12", "--platform", "any"}, ExitNoMatch, []string{"version", "ok", "results"}},
		{[]string{"verify", lock}, ExitNoMatch, []string{"version", "ok", "entries"}},
		{[]string{"repo", "status", repoDir}, 0, []string{"version", "dir", "keysDir", "layout", "projects", "files", "roles", "stableSide"}},
	} {
		r := runCLI(t, env, append(tc.args, "--format", "json")...)
		if r.code != tc.code {
			t.Errorf("%v: exit %d, want %d\n%s", tc.args, r.code, tc.code, r.stderr)
			continue
		}
		dec := json.NewDecoder(strings.NewReader(r.stdout))
		var keys []string
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			t.Fatalf("%v: not an object: %s", tc.args, r.stdout)
		}
		for dec.More() {
			k, _ := dec.Token()
			keys = append(keys, k.(string))
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			if k == "version" && string(v) != "1" {
				t.Errorf("%v: version %s", tc.args, v)
			}
			if bytes.Equal(v, []byte("null")) {
				t.Errorf("%v: %s is null", tc.args, k)
			}
		}
		if strings.Join(keys, ",") != strings.Join(tc.keys, ",") {
			t.Errorf("%v: keys %v, want %v", tc.args, keys, tc.keys)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatal(err)
		}
		if ok, has := doc["ok"]; has && ok != (tc.code == 0) {
			t.Errorf("%v: ok %v with exit %d", tc.args, ok, tc.code)
		}
	}
}

func TestPrintJSONRefusesItsOwnVersion(t *testing.T) {
	var b bytes.Buffer
	if err := printJSON(&b, map[string]int{"version": 2}); err == nil {
		t.Error("a body with its own version was accepted")
	}
	if err := printJSON(&b, []int{1}); err == nil {
		t.Error("an array body was accepted")
	}
	b.Reset()
	if err := printJSON(&b, struct{}{}); err != nil || b.String() != "{\n  \"version\": 1\n}\n" {
		t.Errorf("empty body: %v %q", err, b.String())
	}
}
