//go:build unix

package pyfix

import (
	"os"
	"os/exec"
	"syscall"
)

// ownProcessGroup starts cmd in its own process group, so that stopping it also stops its
// children (pip's build subprocesses).
func ownProcessGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

func killProcessGroup(p *os.Process) { _ = syscall.Kill(-p.Pid, syscall.SIGKILL) }
