//go:build !linux

package resolve

import (
	"fmt"
	"os"
)

// statKey names a file's identity and content version: replacing or rewriting the file
// (a Python upgrade, a venv rebuilt in place) changes it.
func statKey(path string, fi os.FileInfo) string {
	return fmt.Sprintf("%q size=%d mode=%v mtime=%d\n", path, fi.Size(), fi.Mode(), fi.ModTime().UnixNano())
}
