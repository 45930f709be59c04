package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// The scripts in testdata/script run the real tufpip command line, in its own process, and
// check what a user sees: stdout, stderr, exit code and the files left behind.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"tufpip": func() { os.Exit(Main()) },
	})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script"),
		Setup: func(e *testscript.Env) error {
			e.Setenv("TUFPIP_CONFIG_DIR", filepath.Join(e.WorkDir, ".config"))
			e.Setenv("TUFPIP_CACHE_DIR", filepath.Join(e.WorkDir, ".cache"))
			// Every script gets a served seed repository: $METADATA_URL, $TARGETS_URL, $ROOT.
			repo := seedRepo(t)
			srv := repo.Serve(t)
			root := filepath.Join(e.WorkDir, ".root.json")
			if err := os.WriteFile(root, repo.RootJSON(), 0o644); err != nil {
				return err
			}
			e.Setenv("METADATA_URL", srv.MetadataURL)
			e.Setenv("TARGETS_URL", srv.TargetsURL)
			e.Setenv("ROOT", root)
			return nil
		},
		Cmds: scriptCommands,
	})
}
