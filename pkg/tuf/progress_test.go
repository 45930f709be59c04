package tuf

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/tufpip/tufpip/internal/tuftest"
)

type countingWriter struct {
	n      int64
	total  int64
	closed bool
}

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }
func (c *countingWriter) Close() error                { c.closed = true; return nil }

func TestDownloadProgress(t *testing.T) {
	repo := tuftest.New(t)
	data := bytes.Repeat([]byte("x"), 300<<10)
	repo.AddFile(tuftest.Stable, "big-1.0-py3-none-any.whl", data)
	repo.Publish()
	srv := repo.Serve(t)
	c, err := Open(context.Background(), Config{MetadataURL: srv.MetadataURL, TargetsURL: srv.TargetsURL, TrustedRoot: repo.RootJSON(), CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	target, err := c.Lookup(context.Background(), "packages/big-1.0-py3-none-any.whl")
	if err != nil {
		t.Fatal(err)
	}
	bar := &countingWriter{}
	dest := filepath.Join(t.TempDir(), "big-1.0-py3-none-any.whl")
	err = c.Download(context.Background(), target, dest, WithProgress(func(total int64) io.Writer {
		bar.total = total
		return bar
	}))
	if err != nil {
		t.Fatal(err)
	}
	if bar.total != int64(len(data)) || bar.n != int64(len(data)) || !bar.closed {
		t.Errorf("progress saw total %d, %d bytes, closed %v; want %d, %d, true", bar.total, bar.n, bar.closed, len(data), len(data))
	}
}
