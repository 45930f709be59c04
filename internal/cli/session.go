package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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

// openSession resolves the repository settings, refreshes the trusted metadata once and
// prepares the finder.
func (a *App) openSession(ctx context.Context, requireRole string, explain bool) (*session, error) {
	s, err := a.settings()
	if err != nil {
		return nil, err
	}
	return a.openSessionWith(ctx, s, requireRole, explain)
}

// openSessionWith is openSession with the settings already resolved (a command that opens
// sessions more than once, or needs the settings itself, reads them once).
func (a *App) openSessionWith(ctx context.Context, s *repoSettings, requireRole string, explain bool) (*session, error) {
	a.Logger.Debug("refreshing trusted metadata", "metadata", s.MetadataURL, "root", s.RootSource, "cache", s.CacheDir)
	client, err := tuf.Open(ctx, s.tufConfig(a.Logger))
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
// typo ("stabel") would otherwise reject every file as "not signed by stabel". The first name
// must be one the top-level targets role delegates to: one of its delegations (by paths or
// path_hash_prefixes), one of its succinct hash bins, or a role family of tufpip's bin layout
// ("stable").
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
	if roles.Contains(first) {
		return nil
	}
	hint := "this repository delegates to no role"
	if list := roles.String(); list != "" {
		hint = "roles this repository delegates to: " + list
	}
	return usageErrorf(hint, "--require-role %q: the repository has no role %q", role, first)
}

// errNoMatch means at least one requirement had no trusted distribution (exit 4).
type errNoMatch struct{ msg string }

func (e errNoMatch) Error() string { return e.msg }
