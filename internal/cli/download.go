package cli

import (
	"context"
	"io"

	"github.com/tufpip/tufpip/pkg/finder"
	"github.com/tufpip/tufpip/pkg/tuf"
)

// download streams one trusted file into dest through pkg/tuf: nothing unverified is
// ever left at dest. On a terminal, stderr shows a progress bar.
func (a *App) download(ctx context.Context, sess *session, f *finder.File, dest string) error {
	from := f.Source
	if from == "" {
		from = sess.client.TargetURL(f.Target)
	}
	a.Logger.Debug("downloading", "file", f.File.Filename, "role", f.Role, "url", from)
	opts := f.DownloadOptions()
	if a.IO.ErrTTY && !a.flags.quiet {
		opts = append(opts, tuf.WithProgress(func(total int64) io.Writer {
			return newProgressBar(a.IO.ErrOut, f.File.Filename, total, nil)
		}))
	}
	return sess.client.Download(ctx, f.Target, dest, opts...)
}
