package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tufpip/tufpip/pkg/finder"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// session is one run's view of the repository: one TUF refresh, one finder.
type session struct {
	settings *repoSettings
	client   *tuf.Client
	finder   *finder.Finder
	log      *slog.Logger
}

// openSession refreshes the trusted metadata once and prepares the finder.
func (a *App) openSession(ctx context.Context, requireRole string, explain bool) (*session, error) {
	s, err := a.settings()
	if err != nil {
		return nil, err
	}
	a.Logger.Debug("refreshing trusted metadata", "metadata", s.MetadataURL, "root", s.RootSource, "cache", s.CacheDir)
	client, err := tuf.Open(ctx, tuf.Config{
		MetadataURL: s.MetadataURL,
		TargetsURL:  s.TargetsURL,
		TrustedRoot: s.Root,
		CacheDir:    s.CacheDir,
		UserAgent:   UserAgent(),
		Retries:     2,
		Logger:      a.Logger,
	})
	if err != nil {
		var ve *tuf.VerificationError
		if errors.As(err, &ve) && ve.Path == tuf.TrustedRootPath {
			// The bootstrap root is the user's own file, not something the network served:
			// a configuration error (exit 1), not an attack.
			return nil, withCode(ExitError, withHint(fmt.Errorf("%s: %w", s.RootSource, err),
				"this file is not the repository's root.json: get it again from a source you trust (tufpip never takes a root from the network)"))
		}
		return nil, err
	}
	a.Logger.Debug("trusted metadata refreshed", "root-version", client.TrustedRootVersion(), "expires", client.Expires().Format(time.RFC3339))
	if err := checkRequireRole(ctx, client, requireRole); err != nil {
		return nil, err
	}
	f, err := finder.New(s.finderConfig(client, requireRole, explain, a.Logger))
	if err != nil {
		return nil, err
	}
	return &session{settings: s, client: client, finder: f, log: a.Logger}, nil
}

// checkRequireRole refuses a --require-role naming no role the repository delegates to: a
// typo ("stabel") would otherwise reject every file as "not signed by stabel".
func checkRequireRole(ctx context.Context, client *tuf.Client, role string) error {
	if role == "" {
		return nil
	}
	first, _, _ := strings.Cut(role, "/")
	if first == metadata.TARGETS {
		return nil
	}
	roles, err := client.DelegatedRoles(ctx)
	if err != nil {
		return err
	}
	if slices.Contains(roles, first) {
		return nil
	}
	hint := "this repository delegates to no role"
	if len(roles) > 0 {
		hint = "roles this repository delegates to: " + strings.Join(roles, ", ")
	}
	return usageErrorf(hint, "--require-role %q: the repository has no role %q", role, first)
}

// errNoMatch means at least one requirement had no trusted distribution (exit 4).
type errNoMatch struct{ msg string }

func (e errNoMatch) Error() string { return e.msg }
