//go:build !linux

package repo

import "os"

// syncTrees makes the files written by a publish durable, one fsync per file and per
// directory (other systems have no syncfs).
func syncTrees(dirs []string, files []string) error {
	for _, p := range append(append([]string{}, files...), dirs...) {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
