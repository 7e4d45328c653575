package postgis

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/lib/pq"
)

// IsUnavailable reports whether err means the database cannot be reached or
// cannot take the request now (refused or reset connection, server shutting
// down or starting up, too many connections), as opposed to a bad request.
// A server answers such errors with 503; the pool reconnects by itself once
// the database is back.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if e := pq.As(err); e != nil {
		switch string(e.Code.Class()) {
		case "08", // connection exception
			"53", // insufficient resources: too many connections, out of memory or disk
			"57": // operator intervention: admin or crash shutdown, cannot connect now
			return e.Code != "57014" // query_canceled is the caller's own timeout or cancel
		}
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) {
		return true
	}
	// Dial failures and timeouts talking to the server (*net.OpError is one).
	var netErr net.Error
	return errors.As(err, &netErr)
}

// IsQueryCanceled reports whether err is a statement PostgreSQL cancelled
// (57014): its statement_timeout, an operator's pg_cancel_backend, or the
// cancel request lib/pq sends when the caller's context ends. The caller
// tells the last apart by its own context.
func IsQueryCanceled(err error) bool {
	e := pq.As(err)
	return e != nil && e.Code == "57014"
}
