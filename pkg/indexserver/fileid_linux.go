//go:build linux

package indexserver

import (
	"os"
	"syscall"
)

// fileID identifies an open file's exact content version: any write to the file, a
// replacement, or a chmod changes its ctime, which no process can set back. Two equal IDs
// mean the bytes are those verified before.
type fileID struct {
	dev, ino         uint64
	size             int64
	mtimeNs, ctimeNs int64
}

func identify(fh *os.File) (fileID, bool) {
	fi, err := fh.Stat()
	if err != nil {
		return fileID{}, false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, false
	}
	return fileID{dev: uint64(st.Dev), ino: st.Ino, size: st.Size,
		mtimeNs: st.Mtim.Nano(), ctimeNs: st.Ctim.Nano()}, true
}
