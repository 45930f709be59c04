//go:build !unix

package pyfix

import (
	"os"
	"os/exec"
)

// Without Unix process groups only the server itself is stopped (the fork server needs
// os.fork anyway, so it does not start on these systems).
func ownProcessGroup(*exec.Cmd) {}

func killProcessGroup(p *os.Process) { _ = p.Kill() }
