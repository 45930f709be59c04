//go:build linux

package resolve

import (
	"fmt"
	"os"
	"syscall"
)

// statKey names a file's identity and content version: replacing or rewriting the file
// (a Python upgrade, a venv rebuilt in place) changes it.
func statKey(path string, fi os.FileInfo) string {
	s := fmt.Sprintf("%q size=%d mode=%v mtime=%d", path, fi.Size(), fi.Mode(), fi.ModTime().UnixNano())
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s += fmt.Sprintf(" dev=%d ino=%d ctime=%d.%d", st.Dev, st.Ino, st.Ctim.Sec, st.Ctim.Nsec)
	}
	return s + "\n"
}
