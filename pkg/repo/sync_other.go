//go:build !linux

package repo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// syncTrees makes the files written by a publish durable, one fsync per file and per
// folder: dirs and the folder of each file, whose new entries (renames) must last too.
// Other systems have no syncfs. Some cannot fsync a folder (Windows); there the rename's
// own ordering is all there is.
func syncTrees(dirs []string, files []string) error {
	seen := map[string]bool{}
	var todo []string
	for _, group := range [][]string{files, dirs} {
		for _, p := range group {
			for _, q := range []string{p, filepath.Dir(p)} {
				if !seen[q] {
					seen[q] = true
					todo = append(todo, q)
				}
			}
		}
	}
	for _, p := range todo {
		f, err := os.Open(p)
		if errors.Is(err, os.ErrNotExist) {
			continue // gone again (replaced by a link): nothing of it to sync
		}
		if err != nil {
			return err
		}
		st, serr := f.Stat()
		err = f.Sync()
		f.Close()
		if err != nil && serr == nil && st.IsDir() && (errors.Is(err, os.ErrInvalid) || runtime.GOOS == "windows") {
			err = nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return nil
}
