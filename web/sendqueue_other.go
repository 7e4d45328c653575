//go:build !linux

package web

import "net"

// limitSendQueue does nothing where TCP_NOTSENT_LOWAT is not set here.
func limitSendQueue(*net.TCPConn, int) {}
