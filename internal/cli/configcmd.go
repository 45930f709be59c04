package cli

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func init() { register(newConfigCmd) }

// configListing is tufpip config --format json.
type configListing struct {
	ConfigFile   string             `json:"configFile"`
	CacheDir     string             `json:"cacheDir"`
	Default      string             `json:"default,omitempty"`
	Repositories []configListedRepo `json:"repositories"`
}

type configListedRepo struct {
	Name        string   `json:"name"`
	MetadataURL string   `json:"metadataURL"`
	TargetsURL  string   `json:"targetsURL"`
	IndexPath   string   `json:"indexPath,omitempty"`
	PageURL     string   `json:"pageURL,omitempty"`
	FilesURLs   []string `json:"filesURLs,omitempty"`
	Root        string   `json:"root"`
	Default     bool     `json:"default"`
}

func newConfigCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "list the saved repositories and where the configuration and cache live",
		Long: `config lists the repositories saved with tufpip init (the default one marked), the file
they are saved in and the cache directory. TUFPIP_CONFIG_DIR and --cache-dir or
TUFPIP_CACHE_DIR move them.`,
		Example: `  tufpip config
  tufpip config --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, dir, err := app.loadConfig()
			if err != nil {
				return err
			}
			cache, err := app.cacheBase()
			if err != nil {
				return err
			}
			l := configListing{ConfigFile: filepath.Join(dir, "config.json"), CacheDir: cache, Default: cfg.Default, Repositories: []configListedRepo{}}
			names := make([]string, 0, len(cfg.Repositories))
			for n := range cfg.Repositories {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				r := cfg.Repositories[n]
				l.Repositories = append(l.Repositories, configListedRepo{
					Name: n, MetadataURL: r.MetadataURL, TargetsURL: r.TargetsURL, IndexPath: r.IndexPath,
					PageURL: r.PageURL, FilesURLs: r.FilesURLs,
					Root: rootFile(dir, n), Default: n == cfg.Default,
				})
			}
			if app.flags.format == "json" {
				return printJSON(app.out(), l)
			}
			w := app.out()
			fmt.Fprintf(w, "config file: %s\ncache:       %s\n", l.ConfigFile, l.CacheDir)
			if len(l.Repositories) == 0 {
				fmt.Fprintln(w, "\nno repositories saved yet: run tufpip init")
				return nil
			}
			fmt.Fprintf(w, "\n%s saved:\n", plural(len(l.Repositories), "repository", "repositories"))
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "  NAME\tMETADATA URL\tTARGETS URL\tROOT")
			for _, r := range l.Repositories {
				name := r.Name
				if r.Default {
					name += " (default)"
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", safeText(name, false), safeText(r.MetadataURL, false), safeText(r.TargetsURL, false), r.Root)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			// Where pages and files are found, for the repositories that say (a PEP 458 index).
			for _, r := range l.Repositories {
				for _, kv := range [][2]string{{"index path", r.IndexPath}, {"page url", r.PageURL}, {"files urls", strings.Join(r.FilesURLs, " ")}} {
					if kv[1] != "" {
						fmt.Fprintf(w, "  %s %s: %s\n", safeText(r.Name, false), kv[0], safeText(kv[1], false))
					}
				}
			}
			return nil
		},
	}
}
