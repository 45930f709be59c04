package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A metadata URL pkg/tuf cannot use is a usage error found before any client is opened
// (exit 2), for a one-off repository and for tufpip init alike; it used to pass the CLI's
// check (file:// was allowed) and fail in the library with exit 1.
func TestUnusableRepositoryURLsAreUsageErrors(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root.json")
	if err := os.WriteFile(root, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"TUFPIP_CACHE_DIR": filepath.Join(dir, "cache"), "TUFPIP_CONFIG_DIR": filepath.Join(dir, "config"), "HOME": dir,
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"file metadata URL", []string{"--metadata-url", "file://" + dir + "/metadata/", "--root", root, "resolve", "foo"},
			`--metadata-url "file://`},
		{"file targets URL", []string{"--metadata-url", "https://x.example/metadata/", "--targets-url", "file:///srv/targets/", "--root", root, "resolve", "foo"},
			`--targets-url "file:///srv/targets/" is not a usable URL`},
		{"no host", []string{"--metadata-url", "https:///metadata/", "--root", root, "resolve", "foo"},
			`--metadata-url "https:///metadata/" is not a usable URL`},
		{"no targets URL to derive", []string{"--metadata-url", "https://x.example/tuf/", "--root", root, "resolve", "foo"},
			"no targets URL for repository https://x.example/tuf/"},
		{"init with a file URL", []string{"init", "--name", "acme", "--metadata-url", "file://" + dir + "/metadata/", "--root", root, "--offline"},
			`--metadata-url "file://`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, env, tt.args...)
			if r.code != ExitUsage || !strings.Contains(r.stderr, "tufpip: error: "+tt.want) || !strings.Contains(r.stderr, "tufpip: hint: ") {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and %q with a hint", r.code, r.stderr, ExitUsage, tt.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "config", "config.json")); err == nil {
				t.Errorf("a configuration was saved")
			}
		})
	}
}
