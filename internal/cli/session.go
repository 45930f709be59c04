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
	"github.com/tufpip/tufpip/pkg/resolve"
	"github.com/tufpip/tufpip/pkg/verify"
)

// session is one run's view of the repository: one TUF refresh, one finder.
type session struct {
	settings *repoSettings
	client   *verify.Client
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
	client, err := verify.Open(ctx, verify.Config{
		MetadataURL: s.MetadataURL,
		TargetsURL:  s.TargetsURL,
		TrustedRoot: s.Root,
		CacheDir:    s.CacheDir,
		UserAgent:   UserAgent(),
		Retries:     2,
		Logger:      a.Logger,
	})
	if err != nil {
		var ve *verify.VerificationError
		if errors.As(err, &ve) && ve.Path == "trusted root" {
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
	f, err := finder.New(finder.Config{
		TUF: client, TargetsURL: s.TargetsURL, IndexPath: s.IndexPath,
		RequireRole: requireRole, Explain: explain, Logger: a.Logger,
	})
	if err != nil {
		return nil, err
	}
	return &session{settings: s, client: client, finder: f, log: a.Logger}, nil
}

// checkRequireRole refuses a --require-role naming no role the repository delegates to: a
// typo ("stabel") would otherwise reject every file as "not signed by stabel".
func checkRequireRole(ctx context.Context, client *verify.Client, role string) error {
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

// The mapping of library errors to exit codes (DESIGN.md). Verification failures come
// first: an error that wraps both a verification failure and something else is still a
// verification failure.
func init() {
	classifiers = append(classifiers, func(err error) (int, bool) {
		var np *finder.NoPageError
		var ur *resolve.URLRequirementError
		var re *resolve.RequirementError
		switch {
		case verify.IsVerification(err):
			return ExitVerification, true
		case errors.As(err, &np), verify.IsNotFound(err), errors.As(err, &errNoMatch{}):
			return ExitNoMatch, true
		case errors.As(err, &ur), errors.As(err, &re):
			return ExitUsage, true
		case verify.IsNetwork(err):
			return ExitError, true
		}
		return 0, false
	})
}

// errNoMatch means at least one requirement had no trusted distribution (exit 4).
type errNoMatch struct{ msg string }

func (e errNoMatch) Error() string { return e.msg }

// hintForError suggests what to do about common failures.
func hintForError(err error) string {
	var np *finder.NoPageError
	var uc *verify.UnsafeCacheError
	switch {
	case errors.As(err, &uc) && uc.Writable:
		return "chmod go-w " + uc.Dir + ", or pass --cache-dir with a folder only you can write to"
	case errors.As(err, &uc):
		return "pass --cache-dir with a folder of your own"
	case errors.As(err, &np) && len(np.Roles) > 0:
		return "the project is vouched for only by " + np.Roles[0] + "; drop --require-role to accept it"
	case errors.As(err, &np):
		return "check the project name, or whether this repository serves it (tufpip --repo NAME ...)"
	case verify.IsVerification(err):
		return "the repository or something between it and you served data that does not verify; do not install from it until this is explained"
	case verify.IsNetwork(err):
		return "check the URL and your connection; tufpip retries only connection errors and 5xx"
	}
	return ""
}
