//go:build unix

package atomicfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestWriteFileCreatesFoldersAsOpenAsTheFile(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	for _, tt := range []struct{ file, dir os.FileMode }{{0o600, 0o700}, {0o644, 0o755}} {
		dir := filepath.Join(t.TempDir(), "a", "b")
		if err := WriteFile(filepath.Join(dir, "f"), []byte("x"), tt.file); err != nil {
			t.Fatal(err)
		}
		for _, d := range []string{dir, filepath.Dir(dir)} {
			if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != tt.dir {
				t.Errorf("file mode %v: folder %s has mode %v (%v), want %v", tt.file, d, fi.Mode().Perm(), err, tt.dir)
			}
		}
	}
}
