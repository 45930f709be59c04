package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tufpip/tufpip/internal/tuftest"
)

// cliResult is what a user sees of one run.
type cliResult struct {
	stdout, stderr string
	code           int
}

// runCLI runs one tufpip command line in-process with in-memory streams; env replaces the
// process environment entirely.
func runCLI(t *testing.T, env map[string]string, args ...string) cliResult {
	t.Helper()
	var out, errOut bytes.Buffer
	io := &IOStreams{In: bytes.NewReader(nil), Out: &out, ErrOut: &errOut}
	code := Run(context.Background(), args, io, func(k string) string { return env[k] })
	return cliResult{out.String(), errOut.String(), code}
}

// repoEnv serves repo and returns the environment that selects it, with its trusted root.
func repoEnv(t *testing.T, repo *tuftest.Repo) (map[string]string, *tuftest.Server) {
	t.Helper()
	srv := repo.Serve(t)
	dir := t.TempDir()
	root := filepath.Join(dir, "root.json")
	if err := os.WriteFile(root, repo.RootJSON(), 0o644); err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"TUFPIP_METADATA_URL": srv.MetadataURL,
		"TUFPIP_TARGETS_URL":  srv.TargetsURL,
		"TUFPIP_ROOT":         root,
		"TUFPIP_CACHE_DIR":    filepath.Join(dir, "cache"),
		"TUFPIP_CONFIG_DIR":   filepath.Join(dir, "config"),
		"PATH":                os.Getenv("PATH"),
		"HOME":                dir,
	}, srv
}

func wheel(project, version string) (string, []byte) {
	fn := project + "-" + version + "-py3-none-any.whl"
	return fn, []byte("not really a zip: " + fn)
}

// publish signs the given versions of project as files of role, and role's page listing them.
func publish(repo *tuftest.Repo, role, project string, versions ...string) {
	var files []tuftest.PageFile
	for _, v := range versions {
		fn, data := wheel(project, v)
		repo.AddFile(role, fn, data)
		files = append(files, tuftest.File(fn, data))
	}
	repo.SetPage(role, project, files...)
}

// seedRepo is the 2013 design's example: stable signed FooBar 1.0 and 2.0, unstable 1.0, 2.0
// and 2.0.1.
func seedRepo(t *testing.T) *tuftest.Repo {
	repo := tuftest.New(t)
	publish(repo, tuftest.Stable, "foobar", "1.0", "2.0")
	publish(repo, tuftest.Unstable, "foobar", "1.0", "2.0", "2.0.1")
	repo.Publish()
	return repo
}
