package main

import (
	"os/exec"
	"syscall"
)

// dieWithHarness has the kernel send the child SIGTERM when the harness
// dies, killed or crashed, so that no server is left serving on a shared
// machine.
func dieWithHarness(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
