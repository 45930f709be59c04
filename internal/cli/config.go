package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/tufpip/tufpip/internal/atomicfile"
	"github.com/tufpip/tufpip/pkg/finder"
	"github.com/tufpip/tufpip/pkg/simpleindex"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// config is the saved state of `tufpip init`: named repositories and which one is the default.
// Each repository's trusted root is a separate file beside it, so that it can be inspected
// and replaced with ordinary tools.
type config struct {
	Default      string                      `json:"default,omitempty"`
	Repositories map[string]*savedRepository `json:"repositories"`
}

type savedRepository struct {
	MetadataURL string   `json:"metadataURL"`
	TargetsURL  string   `json:"targetsURL"`
	IndexPath   string   `json:"indexPath,omitempty"`
	PageURL     string   `json:"pageURL,omitempty"`
	FilesURLs   []string `json:"filesURLs,omitempty"`
}

var repoNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// configDir is $TUFPIP_CONFIG_DIR, else tufpip/ under the user's config directory.
func (a *App) configDir() (string, error) {
	if d := a.Getenv("TUFPIP_CONFIG_DIR"); d != "" {
		return d, nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", withHint(errorf("cannot find the user config directory: %w", err), "set TUFPIP_CONFIG_DIR")
	}
	return filepath.Join(d, "tufpip"), nil
}

func (a *App) loadConfig() (*config, string, error) {
	dir, err := a.configDir()
	if err != nil {
		return nil, "", err
	}
	path := filepath.Join(dir, "config.json")
	cfg := &config{Repositories: map[string]*savedRepository{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, dir, nil
	}
	if err != nil {
		return nil, "", errorf("reading %s: %w", path, err)
	}
	if err := json.Unmarshal(data, cfg); err != nil {
		return nil, "", withHint(errorf("%s: not valid JSON: %v", path, err), "fix the file or run tufpip init again")
	}
	if cfg.Repositories == nil {
		cfg.Repositories = map[string]*savedRepository{}
	}
	return cfg, dir, nil
}

func saveConfig(dir string, cfg *config) error {
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, "config.json"), append(data, '\n'), 0o600)
}

func rootFile(configDir, name string) string {
	return filepath.Join(configDir, "repositories", name, "root.json")
}

// repoSettings is the repository one run talks to, after flags, environment and config.
type repoSettings struct {
	Name        string
	MetadataURL string
	TargetsURL  string
	IndexPath   string
	PageURL     string   // "" : pages are fetched from their target path
	FilesURLs   []string // further bases of trusted files (finder.Config.FilesURLs)
	CacheDir    string
	Root        []byte
	RootSource  string // the file the trusted root came from, for messages
}

// settings resolves the repository selection: flag, then environment, then config file.
func (a *App) settings() (*repoSettings, error) {
	cfg, dir, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	s, rootPath := a.settingsFromFlagsAndEnv()
	if rootPath, err = s.fillFromConfig(cfg, dir, rootPath); err != nil {
		return nil, err
	}
	if err := s.checkURLs(); err != nil {
		return nil, err
	}
	if err := s.readRoot(rootPath); err != nil {
		return nil, err
	}
	if s.CacheDir, err = a.repoCacheDir(s.MetadataURL); err != nil {
		return nil, err
	}
	return s, nil
}

// settingsFromFlagsAndEnv returns what the flags, else the environment, select, and the
// trusted root file they name ("" if none).
func (a *App) settingsFromFlagsAndEnv() (s *repoSettings, rootPath string) {
	o := a.repoOptions()
	s = &repoSettings{
		Name:        o.repo,
		MetadataURL: o.metadataURL,
		TargetsURL:  o.targetsURL,
		IndexPath:   o.indexPath,
		PageURL:     o.pageURL,
		FilesURLs:   o.filesURLs,
	}
	return s, o.root
}

// repoOptions are the global repository options, each one the flags left empty taken from
// its environment variable (repoFlagSpecs).
func (a *App) repoOptions() repoOptions {
	o := a.flags.repoOptions
	for _, spec := range repoFlagSpecs {
		if p := spec.value(&o); *p == "" {
			*p = a.Getenv(spec.env)
		}
	}
	if len(o.filesURLs) == 0 {
		o.filesURLs = strings.Fields(a.Getenv(filesURLEnv))
	}
	return o
}

// fillFromConfig fills what flags and environment left empty from the saved repository:
// the one named, else (when no metadata URL was given either) the default or the only one.
// It returns the trusted root file to use.
func (s *repoSettings) fillFromConfig(cfg *config, dir, rootPath string) (string, error) {
	if s.Name == "" && s.MetadataURL == "" {
		s.Name = cfg.Default
		if s.Name == "" && len(cfg.Repositories) == 1 {
			for n := range cfg.Repositories {
				s.Name = n
			}
		}
	}
	if s.Name == "" {
		return rootPath, nil
	}
	saved, ok := cfg.Repositories[s.Name]
	if !ok {
		return "", withHint(errorf("no repository named %q in %s", s.Name, filepath.Join(dir, "config.json")),
			knownRepos(cfg))
	}
	if s.MetadataURL == "" {
		s.MetadataURL = saved.MetadataURL
	}
	if s.TargetsURL == "" {
		s.TargetsURL = saved.TargetsURL
	}
	if s.IndexPath == "" {
		s.IndexPath = saved.IndexPath
	}
	if s.PageURL == "" {
		s.PageURL = saved.PageURL
	}
	if len(s.FilesURLs) == 0 {
		s.FilesURLs = saved.FilesURLs
	}
	if rootPath == "" {
		rootPath = rootFile(dir, s.Name)
	}
	return rootPath, nil
}

// checkURLs requires a metadata URL, checks it and the targets URL (deriving the latter if
// empty), and defaults the index path.
func (s *repoSettings) checkURLs() error {
	if s.MetadataURL == "" {
		return usageErrorf("pass --metadata-url URL and --root FILE, or save one with tufpip init", "no repository selected")
	}
	if s.IndexPath == "" {
		s.IndexPath = simpleindex.DefaultPathTemplate
	}
	var err error
	if s.TargetsURL, err = checkRepoURLs(s.MetadataURL, s.TargetsURL); err != nil {
		return err
	}
	s.FilesURLs, err = checkPageOptions(s.IndexPath, s.PageURL, s.FilesURLs)
	return err
}

// checkPageOptions checks where pages and files are found (--index-path, --page-url,
// --files-url), so that a mistake is a usage error (exit 2) naming the flag before any
// network use, and returns the files URLs as the finder will use them.
func checkPageOptions(indexPath, pageURL string, filesURLs []string) ([]string, error) {
	if indexPath != "" {
		var pe *simpleindex.PathError
		if _, err := simpleindex.PagePath(indexPath, "a"); errors.As(err, &pe) {
			return nil, usageErrorf("use a target path with {project}, such as "+simpleindex.DefaultPathTemplate+" or {project}",
				"--index-path %q: %s", indexPath, pe.Reason)
		}
	}
	if pageURL != "" {
		var pe *simpleindex.PageURLError
		if err := simpleindex.CheckPageURL(pageURL); errors.As(err, &pe) {
			return nil, usageErrorf("use {project} and {hash} in a path relative to the targets url or in an absolute http(s) url, such as 'simple/{project}/{hash}.{project}.html'",
				"--page-url %q: %s", pageURL, pe.Reason)
		}
	}
	out := make([]string, 0, len(filesURLs))
	for _, raw := range filesURLs {
		u, err := finder.CheckFilesURL(raw)
		var fe *finder.FilesURLError
		if errors.As(err, &fe) {
			return nil, usageErrorf("use the files host's base URL, such as https://files.example.org/", "--files-url %q: %s", raw, fe.Reason)
		}
		out = append(out, u.String())
	}
	return out, nil
}

// tufConfig is the TUF client's view of the repository settings.
func (s *repoSettings) tufConfig(log *slog.Logger) tuf.Config {
	return tuf.Config{
		MetadataURL: s.MetadataURL, TargetsURL: s.TargetsURL, TrustedRoot: s.Root, CacheDir: s.CacheDir,
		UserAgent: UserAgent(), Retries: 2, Logger: log,
	}
}

// finderConfig is the finder's view of the repository settings.
func (s *repoSettings) finderConfig(client finder.TUF, requireRole string, explain bool, log *slog.Logger) finder.Config {
	return finder.Config{
		TUF: client, TargetsURL: s.TargetsURL, IndexPath: s.IndexPath, PageURL: s.PageURL, FilesURLs: s.FilesURLs,
		RequireRole: requireRole, Explain: explain, Logger: log,
	}
}

// readRoot reads the trusted root from rootPath, which must be given: tufpip never trusts a
// root on first use.
func (s *repoSettings) readRoot(rootPath string) error {
	if rootPath == "" {
		return usageErrorf("pass --root FILE with the repository's root.json obtained out of band, or run tufpip init; tufpip never trusts a root on first use",
			"no trusted root for %s", s.MetadataURL)
	}
	root, err := os.ReadFile(rootPath)
	if err != nil {
		return withHint(errorf("reading trusted root: %w", err), "pass --root FILE or run tufpip init")
	}
	s.Root, s.RootSource = root, rootPath
	return nil
}

// cacheBase is the folder that holds every repository's cache (--cache-dir,
// TUFPIP_CACHE_DIR, else the user cache dir).
func (a *App) cacheBase() (string, error) {
	if base := a.repoOptions().cacheDir; base != "" {
		return base, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", withHint(errorf("cannot find the user cache directory: %w", err), "pass --cache-dir DIR")
	}
	return filepath.Join(d, "tufpip"), nil
}

// repoCacheDir is the cache directory of the repository at metadataURL.
func (a *App) repoCacheDir(metadataURL string) (string, error) {
	base, err := a.cacheBase()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, cacheKey(metadataURL)), nil
}

// cacheKey gives each metadata URL its own cache directory: readable, and unique by hash.
func cacheKey(metadataURL string) string {
	sum := sha256.Sum256([]byte(strings.TrimRight(metadataURL, "/")))
	host := "repo"
	if u, err := url.Parse(metadataURL); err == nil && u.Host != "" {
		host = strings.NewReplacer(":", "_", "[", "", "]", "").Replace(u.Host)
	}
	return host + "-" + hex.EncodeToString(sum[:6])
}

// checkRepoURLs checks the metadata and targets URLs with pkg/tuf's own rule, so that
// what the client would refuse is a usage error (exit 2) here, and returns the targets URL,
// derived as pkg/tuf derives it when none is given.
func checkRepoURLs(metadataURL, targetsURL string) (string, error) {
	if err := checkURL("--metadata-url", metadataURL); err != nil {
		return "", err
	}
	if targetsURL == "" {
		derived, ok := tuf.DefaultTargetsURL(metadataURL)
		if !ok {
			return "", usageErrorf("pass --targets-url URL (the URL that target paths are relative to)",
				"no targets URL for repository %s", metadataURL)
		}
		targetsURL = derived
	}
	return targetsURL, checkURL("--targets-url", targetsURL)
}

func checkURL(flag, raw string) error {
	if tuf.CheckBaseURL(raw) != nil {
		return usageErrorf("use an absolute http(s) URL such as https://example.org/metadata/", "%s %q is not a usable URL", flag, raw)
	}
	return nil
}

func knownRepos(cfg *config) string {
	if len(cfg.Repositories) == 0 {
		return "no repositories are saved yet: run tufpip init"
	}
	names := make([]string, 0, len(cfg.Repositories))
	for n := range cfg.Repositories {
		names = append(names, n)
	}
	sort.Strings(names)
	return fmt.Sprintf("saved repositories: %s", strings.Join(names, ", "))
}
