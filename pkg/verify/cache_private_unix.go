//go:build unix

package verify

import (
	"fmt"
	"os"
	"syscall"
)

// checkPrivate refuses a cache directory another user can change. The cache holds trust
// state: deleting a cached timestamp or snapshot undoes TUF's rollback protection, a held
// lock stops every run, and planted files would be read back. MkdirAll does not fix the
// mode or owner of a directory that already exists (a --cache-dir someone else created in
// /tmp), so we look.
func checkPrivate(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%s belongs to another user (uid %d): tufpip keeps trust state there; use a cache directory of your own", dir, st.Uid)
	}
	if fi.Mode().Perm()&0o002 != 0 {
		return fmt.Errorf("%s is writable by every user (mode %#o): tufpip keeps trust state there; chmod 700 it or use another cache directory", dir, fi.Mode().Perm())
	}
	return nil
}
