package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/badiamap/badiamap/request"
	"github.com/labstack/echo/v5"
	"golang.org/x/time/rate"
)

// routeClass is what answering a route costs. It is a field of every route
// in the route table and decides, in one place, the request's deadline,
// its share of the store (the database pool, or the CPU on the embedded
// store) and whether the per-client rate limit applies.
type routeClass int

const (
	// interactive: a lookup the map or a script waits for (a page, one
	// incident, a tile, statistics). Short deadline, never queued or rate
	// limited, so these always find a connection.
	interactive routeClass = iota
	// download streams every match for as long as the client reads: a long
	// deadline, a bounded number at once, rate limited per client.
	download
	// heavy is a computation (risk zones not in the cache, an area check): a
	// bounded number at once, rate limited per client when it really runs.
	heavy
)

var classNames = [...]string{interactive: "interactive", download: "download", heavy: "heavy"}

func (c routeClass) String() string { return classNames[c] }

// maxInteractivePage is the largest page of incidents that is a lookup:
// the web map's page and the default of /api/incidents. A page asking for
// more (up to request.MaxLimit) streams megabytes for as long as its client
// reads, holding a database connection all along, so it is a download.
const maxInteractivePage = 1000

// pageClass is the class of a request for a page of incidents: a download
// when its limit is above maxInteractivePage. A limit that does not parse
// leaves it interactive: the handler answers it 400 before any work. An
// absent limit is the route's default page, never above the bound.
func pageClass(c *echo.Context) routeClass {
	page, err := request.ParsePage(c.QueryParams(), 1)
	if err == nil && page.Limit > maxInteractivePage {
		return download
	}
	return interactive
}

// ogcItemsClass is pageClass on the incidents collection; a page of
// regions holds a few dozen features whatever its limit.
func ogcItemsClass(c *echo.Context) routeClass {
	if c.Param("collectionId") != collectionIncidents {
		return interactive
	}
	return pageClass(c)
}

// largePageNote says in the API description what a large page costs.
var largePageNote = " A page of more than " + strconv.Itoa(maxInteractivePage) +
	" is a download: rate limited per client (429) and 503 with Retry-After while too many run at once."

// Limits are the deadlines, shares and rates of the request classes, and
// the limits on slow clients. A zero field takes its value from
// DefaultLimits, except RatePerMinute: zero turns the rate limit off.
type Limits struct {
	// Deadlines of a request's context, by class: the store's work for a
	// request is cancelled then, and the request answered 503.
	InteractiveTimeout time.Duration
	DownloadTimeout    time.Duration
	HeavyTimeout       time.Duration
	// WriteStallTimeout cuts a client that has accepted no byte for this
	// long (a per-write deadline, pushed forward while bytes flow).
	WriteStallTimeout time.Duration
	// BodyReadTimeout bounds reading a request body.
	BodyReadTimeout time.Duration
	// MaxDownloads and MaxHeavy bound the downloads and heavy computations in
	// flight at once; on PostGIS their sum stays below the pool size, so
	// interactive requests always find a connection.
	MaxDownloads int
	MaxHeavy     int
	// QueueWait is how long a download or computation waits for a free slot
	// before it is answered 503 with Retry-After.
	QueueWait time.Duration
	// RatePerMinute and RateBurst are the per-client token bucket of the
	// download and heavy classes; over it a client is answered 429 with
	// Retry-After. RatePerMinute 0 turns it off.
	RatePerMinute float64
	RateBurst     int
	// MaxClients bounds the clients the rate limiter tracks at once.
	MaxClients int
}

// DefaultLimits fit the PostGIS pool of 16 connections: 4 downloads and 4
// computations at most, 8 connections always left to interactive requests.
func DefaultLimits() Limits {
	return Limits{
		InteractiveTimeout: 10 * time.Second,
		DownloadTimeout:    10 * time.Minute,
		HeavyTimeout:       time.Minute,
		WriteStallTimeout:  30 * time.Second,
		BodyReadTimeout:    10 * time.Second,
		MaxDownloads:       4,
		MaxHeavy:           4,
		QueueWait:          time.Second,
		RatePerMinute:      60,
		RateBurst:          20,
		MaxClients:         10000,
	}
}

// withDefaults fills the zero fields of l from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	setDur := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	setInt := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	setDur(&l.InteractiveTimeout, d.InteractiveTimeout)
	setDur(&l.DownloadTimeout, d.DownloadTimeout)
	setDur(&l.HeavyTimeout, d.HeavyTimeout)
	setDur(&l.WriteStallTimeout, d.WriteStallTimeout)
	setDur(&l.BodyReadTimeout, d.BodyReadTimeout)
	setDur(&l.QueueWait, d.QueueWait)
	setInt(&l.MaxDownloads, d.MaxDownloads)
	setInt(&l.MaxHeavy, d.MaxHeavy)
	setInt(&l.RateBurst, d.RateBurst)
	setInt(&l.MaxClients, d.MaxClients)
	return l
}

// timeout is the deadline of a request of class c.
func (l Limits) timeout(c routeClass) time.Duration {
	switch c {
	case download:
		return l.DownloadTimeout
	case heavy:
		return l.HeavyTimeout
	}
	return l.InteractiveTimeout
}

// LongestTimeout is the longest request deadline: the database's
// statement_timeout must not cut a request before its own deadline does.
func (l Limits) LongestTimeout() time.Duration {
	l = l.withDefaults()
	return max(l.InteractiveTimeout, l.DownloadTimeout, l.HeavyTimeout)
}

// requestInfo is what the class middleware puts in a request's context for
// the code that admits its expensive work.
type requestInfo struct {
	class  routeClass
	client string // the rate limiter's key for the client
}

type requestInfoKey struct{}

func infoOf(ctx context.Context) requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(requestInfo)
	return info
}

// classify is the first middleware of every route: it gives the request
// its class (classOf's, when the route has one, else fixed), the class's
// deadline, and its reads one snapshot (holdReads). An error the handler returns after that deadline
// becomes a 503 "took too long", whatever the store made of it (a
// cancelled statement, a cut connection); the request is put back with
// its own context, whose cancellation means the client left.
func (s *Server) classify(fixed routeClass, classOf func(*echo.Context) routeClass) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			class := fixed
			if classOf != nil {
				class = classOf(c)
			}
			r := c.Request()
			ctx, cancel := context.WithTimeout(r.Context(), s.limits.timeout(class))
			defer cancel()
			ctx = context.WithValue(ctx, requestInfoKey{}, requestInfo{class: class, client: s.clientKey(r)})
			ctx, end := s.holdReads(ctx, r)
			defer end()
			c.SetRequest(r.WithContext(ctx))
			defer c.SetRequest(r)
			err := next(c)
			if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && r.Context().Err() == nil {
				var pe *Problem
				if !errors.As(err, &pe) {
					err = &deadlineError{class: class, limit: s.limits.timeout(class), err: err}
				}
			}
			return err
		}
	}
}

// deadlineError is a request that ran past its class's deadline.
type deadlineError struct {
	class routeClass
	limit time.Duration
	err   error
}

func (e *deadlineError) Error() string {
	return fmt.Sprintf("%s request past its %v deadline: %v", e.class, e.limit, e.err)
}
func (e *deadlineError) Unwrap() error { return e.err }

// admission bounds the expensive work in flight: a semaphore per class and
// the per-client rate limit.
type admission struct {
	slots   map[routeClass]chan struct{}
	wait    time.Duration
	clients *clientLimiter // nil: no rate limit
	m       *metrics
}

func newAdmission(l Limits, m *metrics) *admission {
	a := &admission{
		slots: map[routeClass]chan struct{}{download: make(chan struct{}, l.MaxDownloads), heavy: make(chan struct{}, l.MaxHeavy)},
		wait:  l.QueueWait,
		m:     m,
	}
	if l.RatePerMinute > 0 {
		a.clients = newClientLimiter(rate.Limit(l.RatePerMinute/60), l.RateBurst, l.MaxClients)
	}
	return a
}

// admit is called where a request's expensive work starts (a download's
// stream, a risk computation): interactive requests pass at once; the
// others are charged to their client's rate limit (429 over it) and wait
// up to the queue wait for a slot of their class (503 when none frees).
// release gives the slot back.
func (s *Server) admit(ctx context.Context) (release func(), err error) {
	return s.admission.enter(ctx, infoOf(ctx))
}

func (a *admission) enter(ctx context.Context, info requestInfo) (func(), error) {
	slots := a.slots[info.class]
	if slots == nil {
		return func() {}, nil
	}
	if a.clients != nil {
		if ok, retry := a.clients.allow(info.client, time.Now()); !ok {
			a.m.rejected.WithLabelValues(info.class.String(), "rate_limited").Inc()
			p := newProblem(http.StatusTooManyRequests, fmt.Sprintf(
				"Too many downloads and computations from your address; retry in %d s. Downloads, area checks and new risk zones are limited per client.", ceilSeconds(retry)))
			p.retryAfter = ceilSeconds(retry)
			return nil, p
		}
	}
	release := func() {
		<-slots
		a.m.admitted.WithLabelValues(info.class.String()).Dec()
	}
	select {
	case slots <- struct{}{}:
	default:
		t := time.NewTimer(a.wait)
		defer t.Stop()
		select {
		case slots <- struct{}{}:
		case <-t.C:
			a.m.rejected.WithLabelValues(info.class.String(), "busy").Inc()
			p := newProblem(http.StatusServiceUnavailable, fmt.Sprintf(
				"The server is busy: %d %ss are in progress, the most it runs at once. Retry in a few seconds.", cap(slots), info.class))
			p.retryAfter = retryAfterSeconds
			return nil, p
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	a.m.admitted.WithLabelValues(info.class.String()).Inc()
	return release, nil
}

func ceilSeconds(d time.Duration) int { return max(1, int(math.Ceil(d.Seconds()))) }

// clientLimiter is a token bucket per key (a client, an account name) with
// a bounded table: a key idle long enough for its bucket to refill holds
// nothing worth keeping and is dropped first. When the table is still
// full, the key seen least recently goes; or, with refuseWhenFull, the new
// key is refused (sign-ins: a flood of names blocks sign-ins for a while
// rather than lift the limit on anyone).
type clientLimiter struct {
	limit          rate.Limit
	burst          int
	max            int
	idle           time.Duration // time to refill an empty bucket
	refuseWhenFull bool

	mu      sync.Mutex
	clients map[string]*clientBucket
}

type clientBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newClientLimiter(limit rate.Limit, burst, maxClients int) *clientLimiter {
	idle := time.Duration(float64(burst) / float64(limit) * float64(time.Second))
	return &clientLimiter{limit: limit, burst: burst, max: maxClients, idle: idle, clients: map[string]*clientBucket{}}
}

// allow takes a token of client's bucket, or says how long until one is there.
func (l *clientLimiter) allow(client string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.clients[client]
	if b == nil {
		if len(l.clients) >= l.max && !l.evict(now) {
			return false, time.Duration(float64(time.Second) / float64(l.limit))
		}
		b = &clientBucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.clients[client] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// evict makes room for one key, or reports that it may not.
func (l *clientLimiter) evict(now time.Time) bool {
	var oldest string
	var oldestSeen time.Time
	for k, b := range l.clients {
		if now.Sub(b.seen) >= l.idle {
			delete(l.clients, k)
			continue
		}
		if oldest == "" || b.seen.Before(oldestSeen) {
			oldest, oldestSeen = k, b.seen
		}
	}
	if len(l.clients) < l.max {
		return true
	}
	if l.refuseWhenFull {
		return false
	}
	delete(l.clients, oldest)
	return true
}

// tracked is how many clients the table holds.
func (l *clientLimiter) tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// clientAddress is the request's client: the peer, or with TrustForwarded
// the address the proxy appended last to X-Forwarded-For.
func (s *Server) clientAddress(r *http.Request) string {
	if s.cfg.TrustForwarded {
		if v := r.Header.Values("X-Forwarded-For"); len(v) > 0 {
			parts := strings.Split(v[len(v)-1], ",")
			if addr := strings.TrimSpace(parts[len(parts)-1]); addr != "" {
				return addr
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// clientKey is the address the rate limit counts a request against. An
// IPv6 client is counted by its /64, the block one subscriber gets.
func (s *Server) clientKey(r *http.Request) string {
	addr := s.clientAddress(r)
	ip := net.ParseIP(addr)
	if ip == nil {
		return addr
	}
	if ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return ip.String()
}

// stallWriter pushes the connection's write deadline forward while the
// client accepts bytes: a slow download goes on, a client that accepts
// nothing for the stall timeout is cut (its write fails). net/http's own
// WriteTimeout cannot do this: it bounds the whole response.
type stallWriter struct {
	http.ResponseWriter
	rc    *http.ResponseController
	stall time.Duration
	set   time.Time // when the deadline was last pushed
	cut   bool      // a write failed on the deadline
}

// refreshEvery spares a deadline update on every small write; the stall
// window is then between stall-refreshEvery and stall.
const refreshEvery = 250 * time.Millisecond

func (w *stallWriter) extend() {
	now := time.Now()
	if now.Sub(w.set) < refreshEvery {
		return
	}
	w.set = now
	_ = w.rc.SetWriteDeadline(now.Add(w.stall)) // unsupported by a test recorder: no deadline then
}

func (w *stallWriter) WriteHeader(status int) {
	w.extend()
	w.ResponseWriter.WriteHeader(status)
}

func (w *stallWriter) Write(p []byte) (int, error) {
	w.extend()
	n, err := w.ResponseWriter.Write(p)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		w.cut = true
	}
	return n, err
}

// stalled reports whether the client of w was cut for accepting nothing.
func stalled(w http.ResponseWriter) bool {
	for {
		switch t := w.(type) {
		case *stallWriter:
			return t.cut
		case interface{ Unwrap() http.ResponseWriter }:
			w = t.Unwrap()
		default:
			return false
		}
	}
}

func (w *stallWriter) FlushError() error {
	w.extend()
	err := w.rc.Flush()
	if errors.Is(err, os.ErrDeadlineExceeded) {
		w.cut = true
	}
	return err
}

func (w *stallWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// deadlineBody clears the body's read deadline once the whole body is
// read, so that net/http's background read does not cancel a long answer
// with it. After a failed read the deadline stays: net/http then gives up
// on the rest of the body at once instead of waiting for it.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// readBody reads a request body of at most limit bytes: 413 past it, 408
// when the client sends it slower than the body read timeout allows.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, newProblem(http.StatusRequestTimeout, "The request body arrived too slowly; send it at once.")
	}
	if err != nil {
		return nil, badRequest("The request body could not be read: " + err.Error())
	}
	if int64(len(body)) > limit {
		return nil, newProblem(http.StatusRequestEntityTooLarge, "The body is larger than "+strconv.FormatInt(limit, 10)+" bytes; no request needs that much.")
	}
	return body, nil
}
