package repo

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// syncTrees makes everything written below dirs, and files, durable with one syncfs(2) per
// file system, instead of one fsync per file: a publish of thousands of files would
// otherwise spend most of its time waiting for the disk. files are looked at too: a folder
// below dirs (targets/packages on a volume of its own) may be another file system.
func syncTrees(dirs []string, files []string) error {
	roots, err := fileSystems(append(append([]string{}, dirs...), files...))
	if err != nil {
		return err
	}
	for _, p := range roots {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		err = unix.Syncfs(int(f.Fd()))
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: syncfs: %w", p, err)
		}
	}
	return nil
}

// fileSystems returns the first of paths on each file system they are on, skipping paths
// that do not exist.
func fileSystems(paths []string) ([]string, error) {
	seen := map[uint64]bool{}
	var out []string
	for _, p := range paths {
		var st unix.Stat_t
		if err := unix.Stat(p, &st); errors.Is(err, os.ErrNotExist) {
			continue // gone again (replaced by a link): nothing of it to sync
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if !seen[st.Dev] {
			seen[st.Dev] = true
			out = append(out, p)
		}
	}
	return out, nil
}
