// Package atomicfile writes files so that a reader sees the old content or the new, never a
// part: data goes to a temporary file beside the target (named ".tmp-NAME-*", which cleanup
// code recognises), is synced, given its mode and renamed into place. A failed write removes
// the temporary file. Missing folders above the file are created as open as the file is
// readable (DirMode): a private file gets private folders, a published one public folders.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile atomically replaces path with data and perm, fsyncing the data first.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return write(path, data, perm, true)
}

// WriteFileUnsynced is WriteFile without the fsync, for bulk writes that the caller makes
// durable at once (syncfs) before anything refers to them.
func WriteFileUnsynced(path string, data []byte, perm os.FileMode) error {
	return write(path, data, perm, false)
}

// DirMode is the mode of the folders created for a file of mode perm: searchable by whoever
// may read the file, so 0600 gives 0700 and 0644 gives 0755.
func DirMode(perm os.FileMode) os.FileMode {
	perm &= os.ModePerm
	return perm | perm&0o444>>2
}

// TempPrefix starts the name of every temporary file this package creates for base.
func TempPrefix(base string) string { return ".tmp-" + base + "-" }

func write(path string, data []byte, perm os.FileMode, sync bool) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), DirMode(perm)); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), TempPrefix(filepath.Base(path))+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if sync {
		if err = f.Sync(); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.Rename(tmp, path)
}
