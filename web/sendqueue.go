package web

import (
	"net"
)

// sendQueueLimit bounds the unsent bytes the kernel queues for a client
// (TCP_NOTSENT_LOWAT, Linux). A write then blocks only until the client
// has taken about half of it, so the write stall timeout measures what it
// says: how long the client accepted nothing. With the kernel's default a
// loopback or fast link grows the send buffer to megabytes, and a slow
// client that is reading would block a write for minutes. It also bounds
// the memory a slow client holds in the kernel.
const sendQueueLimit = 16 << 10

// Listener is ln with the send-queue limit set on every TCP connection it
// accepts; serve it with the server's handler.
func Listener(ln net.Listener) net.Listener { return sendQueueListener{ln} }

type sendQueueListener struct{ net.Listener }

func (l sendQueueListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		limitSendQueue(tc, sendQueueLimit) // best effort: elsewhere the kernel's default stays
	}
	return c, nil
}
