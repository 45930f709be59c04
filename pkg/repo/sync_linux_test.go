package repo

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

// A file below the repository on another file system (here /dev/shm, a tmpfs) gets a
// syncfs of its own: one syncfs of DIR/targets does not reach a volume mounted below it.
func TestSyncTreesEveryFileSystem(t *testing.T) {
	other, err := os.MkdirTemp("/dev/shm", "tufpip-sync-")
	if err != nil {
		t.Skip("no /dev/shm:", err)
	}
	t.Cleanup(func() { os.RemoveAll(other) })
	dir := t.TempDir()
	var a, b uint64
	if a, err = statDev(dir); err == nil {
		b, err = statDev(other)
	}
	if err != nil || a == b {
		t.Skipf("%s and %s are on one file system (%v)", dir, other, err)
	}
	here, there := filepath.Join(dir, "f"), filepath.Join(other, "g")
	for _, p := range []string{here, there} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := fileSystems([]string{filepath.Join(dir, "missing"), dir, here, there, other})
	if err != nil || !slices.Equal(got, []string{dir, there}) {
		t.Fatalf("fileSystems = %v, %v; want [%s %s]", got, err, dir, there)
	}
	if err := syncTrees([]string{dir}, []string{here, there}); err != nil {
		t.Fatal(err)
	}
}

func statDev(p string) (uint64, error) {
	var st unix.Stat_t
	err := unix.Stat(p, &st)
	return st.Dev, err
}
