//go:build !linux

package browsertest

import "os/exec"

// stopWithParent has no portable equivalent outside Linux; TestMain's stop
// still ends the server on a normal exit.
func stopWithParent(cmd *exec.Cmd) {}
