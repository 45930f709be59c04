package cli

import (
	"context"

	"github.com/tufpip/tufpip/pkg/finder"
)

// download streams one trusted file into dest through pkg/verify: nothing unverified is
// ever left at dest.
func (a *App) download(ctx context.Context, sess *session, f *finder.File, dest string) error {
	a.Logger.Debug("downloading", "file", f.File.Filename, "role", f.Role, "url", sess.client.TargetURL(f.Target))
	return sess.client.Download(ctx, f.Target, dest)
}
