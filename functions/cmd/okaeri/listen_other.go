//go:build !unix

package main

import "net"

// listenPrivate listens on a Unix socket at path; outside Unix the socket
// file's permissions come from its folder (serveControl still chmods it).
func listenPrivate(path string) (net.Listener, error) { return net.Listen("unix", path) }
