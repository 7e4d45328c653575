package web

import (
	"time"

	"golang.org/x/time/rate"
)

// maxLimiterKeys bounds the buckets a sign-in limiter holds (about 100
// bytes each): a flood of new names or addresses cannot grow the server.
const maxLimiterKeys = 100_000

// newLoginLimiter allows burst sign-in attempts per key at once, then one
// every every; past maxLimiterKeys live keys new ones are refused.
func newLoginLimiter(burst int, every time.Duration) *clientLimiter {
	l := newClientLimiter(rate.Every(every), burst, maxLimiterKeys)
	l.refuseWhenFull = true
	return l
}
