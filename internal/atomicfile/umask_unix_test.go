//go:build unix

package atomicfile

import "syscall"

func syscallUmask(mask int) int { return syscall.Umask(mask) }
