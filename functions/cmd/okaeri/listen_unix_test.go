//go:build unix

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The control socket is private from its first instant: created under a
// restrictive umask even when the process's own umask lets everyone in.
func TestControlSocketIsNeverOpenToOthers(t *testing.T) {
	old := syscall.Umask(0) // the most permissive: a plain net.Listen makes the socket 0777
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), controlSocket)
	ln, err := listenPrivate(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode()&os.ModeSocket == 0 {
		t.Fatalf("%s is not a socket: %v", path, st.Mode())
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("socket mode %v: group or others may connect", perm)
	}
	if now := syscall.Umask(0); now != 0 {
		t.Errorf("the process's umask was not restored: %o", now)
	}
}
