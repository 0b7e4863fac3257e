//go:build unix

package main

import (
	"net"
	"sync"
	"syscall"
)

// umaskMu keeps two listenPrivate calls from restoring each other's umask.
var umaskMu sync.Mutex

// listenPrivate listens on a Unix socket at path that only this user can
// connect to from the moment it exists: the socket file is created under
// umask 077 (mode 0600 at most), and the process's umask is restored at
// once. A chmod after net.Listen would leave an instant in which another
// user could connect and run commands on the server's store. The umask is
// the process's: a file another goroutine creates in that instant is made
// private too, which is harmless.
func listenPrivate(path string) (net.Listener, error) {
	umaskMu.Lock()
	defer umaskMu.Unlock()
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	return net.Listen("unix", path)
}
