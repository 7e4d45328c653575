package web

import (
	"math"
	"sync"
	"time"
)

// maxLimiterKeys bounds the buckets one limiter holds (about 100 bytes
// each): a flood of new names or addresses cannot grow the server.
const maxLimiterKeys = 100_000

// limiter is a token bucket per key: burst attempts at once, then one per
// every. Memory is bounded: a bucket that has refilled is the same as none
// and is dropped when room is needed; when every bucket is still in use,
// new keys are refused (a flood blocks sign-ins for a while rather than
// lift the limit on anyone).
type limiter struct {
	burst float64
	every time.Duration
	max   int

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastPrune time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(burst int, every time.Duration, max int) *limiter {
	return &limiter{burst: float64(burst), every: every, max: max, buckets: map[string]*bucket{}}
}

// level is b's tokens at now.
func (l *limiter) level(b *bucket, now time.Time) float64 {
	return math.Min(l.burst, b.tokens+float64(now.Sub(b.at))/float64(l.every))
}

// take spends one attempt of key at now; when none is left it says how
// long until the next.
func (l *limiter) take(key string, now time.Time) (ok bool, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= l.max {
			l.prune(now)
		}
		if len(l.buckets) >= l.max {
			return false, l.every
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens, b.at = l.level(b, now), now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) * float64(l.every))
	}
	b.tokens--
	return true, 0
}

// prune drops the buckets that have refilled, at most once a second.
func (l *limiter) prune(now time.Time) {
	if now.Sub(l.lastPrune) < time.Second {
		return
	}
	l.lastPrune = now
	for k, b := range l.buckets {
		if l.level(b, now) >= l.burst {
			delete(l.buckets, k)
		}
	}
}
