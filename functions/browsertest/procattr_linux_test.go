package browsertest

import (
	"os/exec"
	"syscall"
)

// stopWithParent makes the kernel stop the server when the test binary dies
// (a go test timeout, a ^C), so no okaeri is left holding a port.
func stopWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
