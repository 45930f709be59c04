package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/tufpip/tufpip/internal/atomicfile"
	"github.com/tufpip/tufpip/pkg/tuf"
)

func init() { register(newInitCmd) }

type initOptions struct {
	repoOptions
	name                        string
	makeDefault, force, offline bool
}

func newInitCmd(app *App) *cobra.Command {
	var o initOptions
	cmd := &cobra.Command{
		Use:   "init --name NAME --metadata-url URL --root FILE [--targets-url URL]",
		Short: "save a repository and a copy of its trusted root",
		Long: `init saves a repository under a name, with a copy of its trusted root.json. The root
must come out of band (from your organisation, a release page, a signed commit): tufpip never
trusts a root it first sees on the network. Later runs select it with --repo NAME, or use it
by default when it is the only one or was saved with --default.

Before saving, init refreshes the metadata from --metadata-url with the given root, so a
mistyped URL or the wrong root is caught now rather than on first use; --offline saves
without contacting the repository.`,
		Example: `  tufpip init --name acme --root root.json \
      --metadata-url https://pypi.acme.org/metadata/ --targets-url https://pypi.acme.org/targets/
  tufpip --repo acme resolve 'FooBar==2.0.*'

  # a PEP 458 index as PyPI plans it: the page target is the bare project name, its bytes
  # are stored by hash, and the files live on another host
  tufpip init --name pypi --root root.json --metadata-url https://pypi.example/metadata/ \
      --index-path '{project}' --page-url 'simple/{project}/{hash}.{project}.html' \
      --files-url https://files.example/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// init's flags shadow the global ones of the same name.
			return runInit(cmd.Context(), app, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.name, "name", "", "name to save the repository under (lowercase letters, digits, . _ -)")
	addRepoFlags(f, &o.repoOptions, false, "metadata-url", "targets-url", "root", "index-path", "page-url", "files-url")
	f.BoolVar(&o.makeDefault, "default", false, "use this repository when none is selected")
	f.BoolVar(&o.force, "force", false, "replace a saved repository of the same name (and its root)")
	f.BoolVar(&o.offline, "offline", false, "save without first refreshing the metadata from the repository")
	for _, n := range []string{"name", "metadata-url", "root"} {
		_ = cmd.MarkFlagRequired(n)
	}
	return cmd
}

func runInit(ctx context.Context, app *App, o initOptions) error {
	if !repoNameRE.MatchString(o.name) {
		return usageErrorf("use lowercase letters, digits, '.', '_' and '-'", "invalid repository name %q", o.name)
	}
	var err error
	if o.targetsURL, err = checkRepoURLs(o.metadataURL, o.targetsURL); err != nil {
		return err
	}
	if o.filesURLs, err = checkPageOptions(o.indexPath, o.pageURL, o.filesURLs); err != nil {
		return err
	}
	rootBytes, err := os.ReadFile(o.root)
	if err != nil {
		return errorf("reading trusted root: %w", err)
	}
	version, err := checkRoot(rootBytes)
	if err != nil {
		// The user's own file, not something the network served: a configuration error.
		return withCode(ExitError, withHint(errorf("%s: %v", o.root, err), "get the repository's root.json again from a source you trust"))
	}

	cfg, dir, err := app.loadConfig()
	if err != nil {
		return err
	}
	if _, exists := cfg.Repositories[o.name]; exists && !o.force {
		return withHint(errorf("a repository named %q is already saved", o.name), "pass --force to replace it and its trusted root")
	}
	if !o.offline {
		if err := tryRepository(ctx, app, o, rootBytes); err != nil {
			return err
		}
	}
	if err := atomicfile.WriteFile(rootFile(dir, o.name), rootBytes, 0o600); err != nil {
		return errorf("saving trusted root: %w", err)
	}
	cfg.Repositories[o.name] = &savedRepository{MetadataURL: o.metadataURL, TargetsURL: o.targetsURL, IndexPath: o.indexPath,
		PageURL: o.pageURL, FilesURLs: o.filesURLs}
	if o.makeDefault || len(cfg.Repositories) == 1 {
		cfg.Default = o.name
	}
	if err := saveConfig(dir, cfg); err != nil {
		return errorf("saving configuration: %w", err)
	}
	if app.flags.format == "json" {
		saved := map[string]any{
			"name": o.name, "metadataURL": o.metadataURL, "targetsURL": o.targetsURL,
			"rootVersion": version, "root": rootFile(dir, o.name), "default": cfg.Default == o.name,
		}
		// As tufpip config shows them: only what was set.
		for k, v := range map[string]string{"indexPath": o.indexPath, "pageURL": o.pageURL} {
			if v != "" {
				saved[k] = v
			}
		}
		if len(o.filesURLs) > 0 {
			saved["filesURLs"] = o.filesURLs
		}
		return printJSON(app.out(), saved)
	}
	app.report("saved repository %s (root version %d) in %s\n", o.name, version, filepath.Dir(rootFile(dir, o.name)))
	return nil
}

// tryRepository refreshes the repository's metadata with the given root, into the cache
// later runs use.
func tryRepository(ctx context.Context, app *App, o initOptions, root []byte) error {
	cache, err := app.repoCacheDir(o.metadataURL)
	if err != nil {
		return err
	}
	s := &repoSettings{MetadataURL: o.metadataURL, TargetsURL: o.targetsURL, Root: root, CacheDir: cache}
	client, err := tuf.Open(ctx, s.tufConfig(app.Logger))
	if err != nil {
		hint := "check --metadata-url and your connection, or pass --offline to save it without checking"
		if tuf.IsVerification(err) {
			hint = "the repository's metadata does not verify with " + o.root + ": is it this repository's root.json? (--offline saves it without checking)"
		}
		return withHint(fmt.Errorf("checking %s: %w", o.metadataURL, err), hint)
	}
	app.Logger.Debug("repository checked", "metadata", o.metadataURL, "root-version", client.TrustedRootVersion())
	return nil
}

// checkRoot makes sure the bytes are a root that its own keys sign to threshold. That does
// not make it trustworthy (only its origin does), but it catches the wrong file early.
func checkRoot(data []byte) (version int64, err error) {
	defer func() {
		if r := recover(); r != nil { // go-tuf panics on some malformed keys
			err = fmt.Errorf("not a valid TUF root: %v", r)
		}
	}()
	root, err := metadata.Root().FromBytes(data)
	if err != nil {
		return 0, fmt.Errorf("not a valid TUF root: %w", err)
	}
	if err := root.VerifyDelegate(metadata.ROOT, root); err != nil {
		return 0, fmt.Errorf("root is not signed by its own root keys: %w", err)
	}
	return root.Signed.Version, nil
}
