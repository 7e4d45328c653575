package web

import (
	"net"

	"golang.org/x/sys/unix"
)

// limitSendQueue sets TCP_NOTSENT_LOWAT on c.
func limitSendQueue(c *net.TCPConn, bytes int) {
	raw, err := c.SyscallConn()
	if err != nil {
		return
	}
	raw.Control(func(fd uintptr) {
		unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_NOTSENT_LOWAT, bytes)
	})
}
