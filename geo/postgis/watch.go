package postgis

import (
	"context"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
)

// The watch keeps the data version in memory, so a server answers from its
// caches without asking the database whether the data changed. Every
// writing transaction NOTIFYs versionChannel with its new version at commit
// (commitWrite, sql/notify_data_version.sql); the watch LISTENs on the primary (standbys
// hear no notifications), and reads the version again whenever it
// (re)connects, since notifications sent meanwhile are lost. While the
// listening connection is down, or when there is none (behind a pooler in
// transaction mode, without a ListenURL), it polls the primary every
// pollInterval. The version it holds is current unless it has heard nothing
// for longer than staleAfter: KnownDataVersion then says so, and callers ask
// the database.

// versionChannel is the channel of the data version's notifications.
const versionChannel = "badiamap_data_version"

const (
	pollInterval = time.Second
	// staleAfter: a poll may fail once (a blip) before the version is
	// no longer vouched for.
	staleAfter = 2*pollInterval + 500*time.Millisecond
	// pingTimeout bounds the check that the listening connection lives.
	pingTimeout = 2 * time.Second
)

type versionWatch struct {
	s         *Store
	listenURL string // "" polls only

	version   atomic.Int64
	listening atomic.Bool  // LISTEN is up and the version was read after it
	polled    atomic.Int64 // unix nanoseconds of the last good read
}

func newVersionWatch(s *Store, listenURL string) *versionWatch {
	if listenURL != "" {
		listenURL = withConnectTimeout(listenURL)
	}
	return &versionWatch{s: s, listenURL: listenURL}
}

// known is the version held and whether it is current.
func (w *versionWatch) known() (int64, bool) {
	v := w.version.Load()
	if w.listening.Load() {
		return v, true
	}
	return v, time.Since(time.Unix(0, w.polled.Load())) < staleAfter
}

// state is listen, poll or stale.
func (w *versionWatch) state() string {
	switch _, ok := w.known(); {
	case w.listening.Load():
		return "listen"
	case ok:
		return "poll"
	}
	return "stale"
}

// raise takes v if it is newer: notifications and reads may cross.
func (w *versionWatch) raise(v int64) {
	for {
		old := w.version.Load()
		if v <= old || w.version.CompareAndSwap(old, v) {
			return
		}
	}
}

// sync reads the version from the primary.
func (w *versionWatch) sync(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	var v int64
	if err := w.s.primary.bg.QueryRowContext(ctx, sqlDataVersion).Scan(&v); err != nil {
		return err
	}
	w.raise(v)
	w.polled.Store(time.Now().UnixNano())
	return nil
}

func (w *versionWatch) run(ctx context.Context) {
	log := w.s.opt.Logger
	var (
		notes     <-chan *pq.Notification
		listener  *pq.Listener
		connected = make(chan struct{}, 1)
		pinged    = make(chan error, 1)
		pinging   bool
		pingStart time.Time
		// up: the listener's connection is up, as its events say; retry: a
		// read of the version after it came up failed (before the first
		// migration, say), so the tick reads again until one succeeds.
		up    atomic.Bool
		retry bool
	)
	if w.listenURL != "" {
		listener = pq.NewDialListener(plainDialer{}, w.listenURL, 100*time.Millisecond, 5*time.Second,
			func(ev pq.ListenerEventType, err error) {
				switch ev {
				case pq.ListenerEventDisconnected:
					up.Store(false)
					w.listening.Store(false)
					log.Warn("lost the LISTEN connection to the primary: polling the data version", "error", errText(err))
				case pq.ListenerEventConnected, pq.ListenerEventReconnected:
					up.Store(true)
					select {
					case connected <- struct{}{}:
					default:
					}
				}
			})
		defer func() { go listener.Close() }() // Close waits for a ping that may hang
		notes = listener.NotificationChannel()
		go func() {
			if err := listener.Listen(versionChannel); err != nil && ctx.Err() == nil {
				log.Error("cannot LISTEN for the data version: polling it", "error", err.Error())
			}
		}()
	}
	resync := func() {
		if err := w.sync(ctx); err != nil {
			w.listening.Store(false)
			retry = true
			return
		}
		retry = false
		if !w.listening.Swap(true) {
			log.Info("listening for the data version on the primary", "version", w.version.Load())
		}
	}
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case n := <-notes:
			if n == nil { // reconnected: what was sent meanwhile is lost
				resync()
				continue
			}
			if v, err := strconv.ParseInt(n.Extra, 10, 64); err == nil {
				w.raise(v)
			}
		case <-connected:
			resync()
		case err := <-pinged:
			pinging = false
			switch {
			case err != nil:
				w.listening.Store(false) // the listener reconnects by itself
			case !w.listening.Load():
				resync() // a connection that hung has come back
			}
		case <-t.C:
			switch {
			case listener != nil && w.listening.Load() && !pinging:
				pinging, pingStart = true, time.Now()
				go func() { pinged <- listener.Ping() }()
			case listener != nil && pinging && time.Since(pingStart) > pingTimeout:
				if w.listening.Swap(false) {
					log.Warn("the LISTEN connection to the primary does not answer: polling the data version")
				}
			}
			switch {
			case retry && up.Load() && !pinging:
				resync()
			case !w.listening.Load():
				_ = w.sync(ctx)
			}
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// plainDialer dials the listening connection (lib/pq's Dialer).
type plainDialer struct{}

func (plainDialer) Dial(network, address string) (net.Conn, error) {
	return net.Dial(network, address)
}

func (plainDialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	return net.DialTimeout(network, address, timeout)
}
