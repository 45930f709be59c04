//go:build unix

package tuf

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
		return fmt.Errorf("tuf cache: %w", err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return &UnsafeCacheError{Dir: dir, Reason: fmt.Sprintf("belongs to another user (uid %d)", st.Uid)}
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		who := "every user"
		if perm&0o002 == 0 {
			who = "its group"
		}
		return &UnsafeCacheError{Dir: dir, Reason: fmt.Sprintf("is writable by %s (mode %#o)", who, perm), Writable: true}
	}
	return nil
}
