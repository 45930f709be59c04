//go:build unix

package e2e

import (
	"os"
	"syscall"
)

// maxRSSMiB is the peak resident set of a finished child process (Linux reports KiB).
func maxRSSMiB(st *os.ProcessState) int64 {
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		return int64(ru.Maxrss) / 1024
	}
	return -1
}
