package cli

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseAge(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"90d": 90 * 24 * time.Hour, "2w": 14 * 24 * time.Hour, "36h": 36 * time.Hour,
		"1d12h": 36 * time.Hour, "0s": 0, "90m": 90 * time.Minute,
	} {
		if got, err := parseAge(in); err != nil || got != want {
			t.Errorf("parseAge(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "90", "d", "-1h", "90days", "1d-", "3x"} {
		if _, err := parseAge(in); err == nil {
			t.Errorf("parseAge(%q) accepted", in)
		}
	}
}

// testWheel writes a minimal real wheel for the publisher.
func testWheel(t *testing.T, dir, name, version string) string {
	t.Helper()
	p := filepath.Join(dir, fmt.Sprintf("%s-%s-py3-none-any.whl", name, version))
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	di := fmt.Sprintf("%s-%s.dist-info/", name, version)
	for n, body := range map[string]string{
		di + "METADATA": fmt.Sprintf("Metadata-Version: 2.1\nName: %s\nVersion: %s\nRequires-Python: >=3.8\n", name, version),
		di + "WHEEL":    "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
		di + "RECORD":   "",
	} {
		w, _ := zw.Create(n)
		w.Write([]byte(body))
	}
	zw.Close()
	f.Close()
	return p
}

func TestRepoCommands(t *testing.T) {
	t.Run("flat", func(t *testing.T) { testRepoCommands(t, nil, nil) })
	t.Run("hash-bins+json", func(t *testing.T) {
		testRepoCommands(t, []string{"--hash-bins", "4", "--json-pages"}, []string{"--index-path", "simple/{project}/index.json"})
	})
}

func testRepoCommands(t *testing.T, initFlags, resolveFlags []string) {
	dir := filepath.Join(t.TempDir(), "pypi")
	keys := filepath.Join(t.TempDir(), "keys")
	src := t.TempDir()
	env := map[string]string{"HOME": t.TempDir(), "TUFPIP_CONFIG_DIR": t.TempDir()}
	now := time.Now().UTC()
	old := now.Add(-120 * 24 * time.Hour).Format(time.RFC3339)

	r := runCLI(t, env, append([]string{"repo", "init", dir, "--keys", keys}, initFlags...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "1.root.json") {
		t.Fatalf("repo init: %+v", r)
	}
	if r := runCLI(t, env, "repo", "init", dir, "--keys", keys); r.code != ExitError || !strings.Contains(r.stderr, "refusing to overwrite") {
		t.Fatalf("second repo init: %+v", r)
	}
	r = runCLI(t, env, "repo", "add", dir, testWheel(t, src, "FooBar", "1.0"), testWheel(t, src, "FooBar", "2.0"), "--now", old, "--keys", keys)
	if r.code != 0 || !strings.Contains(r.stdout, "added FooBar-2.0-py3-none-any.whl") {
		t.Fatalf("repo add: %+v", r)
	}
	if r = runCLI(t, env, "repo", "add", dir, testWheel(t, src, "FooBar", "2.0.1"), "--keys", keys); r.code != 0 {
		t.Fatalf("repo add: %+v", r)
	}
	r = runCLI(t, env, "repo", "promote", dir, "--older-than", "90d", "--keys", keys, "--bootstrap")
	if r.code != 0 || !strings.Contains(r.stdout, "promoted 2 files in 1 project ") {
		t.Fatalf("repo promote: %+v", r)
	}
	if r := runCLI(t, env, "repo", "promote", dir, "--older-than", "ninety"); r.code != ExitUsage {
		t.Fatalf("bad age: %+v", r)
	}
	if r = runCLI(t, env, "repo", "timestamp", dir, "--keys", keys); r.code != 0 || !strings.Contains(r.stdout, "timestamp version") {
		t.Fatalf("repo timestamp: %+v", r)
	}
	r = runCLI(t, env, "repo", "status", dir, "--format", "json")
	var st struct {
		Files int `json:"files"`
		Roles []struct {
			Role  string `json:"role"`
			Files int    `json:"files"`
		} `json:"roles"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &st) != nil || st.Files != 3 {
		t.Fatalf("repo status: %+v", r)
	}
	for _, role := range st.Roles {
		if want := map[string]int{"stable": 2, "unstable": 3, "stable-*": 2, "unstable-*": 3}[role.Role]; want != 0 && role.Files != want {
			t.Errorf("status: %s signs %d files, want %d", role.Role, role.Files, want)
		}
	}
	if r := runCLI(t, env, "repo", "status", dir); r.code != 0 || !strings.Contains(r.stdout, "unstable") {
		t.Fatalf("repo status text: %+v", r)
	}
	if r := runCLI(t, env, "repo", "status", dir, "--project", "FooBar"); r.code != 0 || !strings.Contains(r.stdout, "clients get the page of stable") {
		t.Fatalf("repo status --project: %+v", r)
	}

	// tufpip's own resolver reads what the publisher wrote: stable's 2.0, not unstable's 2.0.1.
	// In the hash-bin layout too the vouching role is "stable": bins are transparent.
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	env["TUFPIP_METADATA_URL"] = srv.URL + "/metadata/"
	env["TUFPIP_TARGETS_URL"] = srv.URL + "/targets/"
	env["TUFPIP_ROOT"] = filepath.Join(dir, "metadata", "1.root.json")
	env["TUFPIP_CACHE_DIR"] = t.TempDir()
	r = runCLI(t, env, append([]string{"resolve", "FooBar==2.0.*", "--require-role", "stable", "--format", "json", "--python-version", "3.12", "--platform", "any"}, resolveFlags...)...)
	var res struct {
		Results []struct {
			Version, Role string
		}
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &res) != nil || len(res.Results) != 1 ||
		res.Results[0].Version != "2.0" || res.Results[0].Role != "stable" {
		t.Fatalf("tufpip resolve against the published repository: %+v", r)
	}
}

func TestRepoHelpHasExamples(t *testing.T) {
	for _, sub := range []string{"init", "add", "promote", "timestamp", "status", "renew", "hold", "release"} {
		r := runCLI(t, nil, "repo", sub, "--help")
		if r.code != 0 || !strings.Contains(r.stdout, "Examples:\n") || !strings.Contains(r.stdout, "tufpip repo "+sub+" /srv/pypi") {
			t.Errorf("repo %s --help: %+v", sub, r)
		}
	}
}
