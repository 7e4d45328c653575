package postgis

import (
	"context"
	"database/sql/driver"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
)

// A query whose context ends is cancelled by lib/pq: it marks the
// connection and sends PostgreSQL a cancel request on a new connection.
// A frozen server (SIGSTOP, a hung host) answers neither, and lib/pq then
// waits on the socket for ever, holding the request and a pool connection.
// The pool's connections are therefore opened with a dialer of their own:
// the cancel request is dialed through it, which tells it the query was
// cancelled, and from then on a read that waits longer than cancelGrace
// fails, so the stuck connection is dropped (lib/pq marks it bad) and the
// caller gets its error within its deadline plus cancelGrace.
const (
	// cancelGrace is how long a live server gets to answer a cancel
	// request before the connection is cut.
	cancelGrace = 500 * time.Millisecond
	// cancelRequestTimeout bounds the cancel request's own connection.
	cancelRequestTimeout = 2 * time.Second
)

// connector opens the pool's connections (database/sql's driver.Connector).
type connector struct {
	cfg   pq.Config
	sends *atomic.Int64 // counts the connections' socket writes; nil: none
}

func (c *connector) Driver() driver.Driver { return &pq.Driver{} }

// Connect opens one connection. The caller's context bounds the whole
// handshake, not only the dial: a frozen server accepts the TCP connection
// and then says nothing.
func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	d := &connDialer{sends: c.sends}
	pc, err := pq.NewConnectorConfig(c.cfg)
	if err != nil {
		return nil, err
	}
	pc.Dialer(d)
	stop := context.AfterFunc(ctx, d.abort)
	conn, err := pc.Connect(ctx)
	stop()
	if err != nil {
		return nil, err
	}
	d.established()
	pc2, ok := conn.(pqConn)
	if !ok {
		return conn, nil
	}
	return &beginGuard{pqConn: pc2, d: d}, nil
}

// pqConn is what database/sql uses of lib/pq's connection.
type pqConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.QueryerContext
	driver.ExecerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

// beginGuard is a pool connection whose BEGIN its context can cut: lib/pq
// watches the context of a transaction only once BEGIN has answered, so on
// a frozen server BeginTx (a snapshot's, a tile's) would wait for ever.
// When the context ends first the socket's deadline passes at once: BEGIN
// fails, and lib/pq gives the connection up.
type beginGuard struct {
	pqConn
	d *connDialer
}

func (b *beginGuard) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	stop := context.AfterFunc(ctx, func() {
		b.d.mu.Lock()
		g := b.d.main
		b.d.mu.Unlock()
		if g != nil {
			g.doom(time.Now())
		}
	})
	defer stop()
	return b.pqConn.BeginTx(ctx, opts)
}

// connDialer dials one pool connection, then the cancel requests for it.
type connDialer struct {
	net   net.Dialer
	sends *atomic.Int64

	mu      sync.Mutex
	open    bool // the connection is up: a later dial is a cancel request
	aborted bool
	main    *guardedConn
}

func (d *connDialer) Dial(network, address string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

func (d *connDialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return d.DialContext(ctx, network, address)
}

func (d *connDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	d.mu.Lock()
	open, main := d.open, d.main
	d.mu.Unlock()
	if open {
		// lib/pq cancels the query running on main.
		main.doom(time.Now().Add(cancelGrace))
		c, err := d.net.DialContext(ctx, network, address)
		if err != nil {
			return nil, err
		}
		limit := time.Now().Add(cancelRequestTimeout)
		_ = c.SetDeadline(limit)
		return &cappedConn{Conn: c, limit: limit}, nil
	}
	c, err := d.net.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	g := &guardedConn{Conn: c, sends: d.sends}
	d.mu.Lock()
	d.main = g
	if d.aborted {
		_ = c.SetDeadline(time.Now())
	}
	d.mu.Unlock()
	return g, nil
}

// abort cuts the handshake in progress: the caller's context ended.
func (d *connDialer) abort() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.aborted = true
	if d.main != nil {
		_ = d.main.SetDeadline(time.Now())
	}
}

func (d *connDialer) established() {
	d.mu.Lock()
	d.open = true
	d.mu.Unlock()
}

// guardedConn is a pool connection's socket. Once its query is cancelled
// it is doomed: reads and writes fail past the doom deadline, until lib/pq
// sends the next message (a new query on a connection that survived).
type guardedConn struct {
	net.Conn
	sends  *atomic.Int64
	mu     sync.Mutex
	doomed bool
}

func (g *guardedConn) doom(at time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.doomed = true
	_ = g.Conn.SetDeadline(at)
}

func (g *guardedConn) Write(p []byte) (int, error) {
	g.mu.Lock()
	if g.doomed {
		g.doomed = false
		_ = g.Conn.SetDeadline(time.Time{})
	}
	g.mu.Unlock()
	if g.sends != nil {
		g.sends.Add(1)
	}
	return g.Conn.Write(p)
}

// cappedConn is a cancel request's socket: lib/pq may set its own
// deadline, never a later one than the cap.
type cappedConn struct {
	net.Conn
	limit time.Time
}

func (c *cappedConn) SetDeadline(t time.Time) error {
	if t.IsZero() || t.After(c.limit) {
		t = c.limit
	}
	return c.Conn.SetDeadline(t)
}
