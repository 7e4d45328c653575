package postgis

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// The monitor checks every database each CheckInterval, on pools of its own:
// the primary's WAL insert position, and whether each replica answers, is a
// standby and how far it has replayed. A replica's lag is how long ago the
// primary first stood past the replica's replay position (as the checks saw
// it), so an idle primary means no lag, a paused or cut-off replica a lag
// that grows with the clock, and no clock of another machine is read.

// positionHistory bounds the primary positions kept: enough for the lag to
// be measured well beyond any maximum lag.
const positionHistory = 4096

type monitor struct {
	s *Store

	mu      sync.Mutex
	history []positionSample // increasing positions, oldest first
}

// positionSample is when the primary was first seen at or past pos.
type positionSample struct {
	pos uint64
	at  time.Time
}

func newMonitor(s *Store) *monitor { return &monitor{s: s} }

func (m *monitor) run(ctx context.Context) {
	t := time.NewTicker(m.s.opt.CheckInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.check(ctx)
		}
	}
}

// checkTimeout bounds one check: a frozen database is down after it.
func (m *monitor) checkTimeout() time.Duration {
	return max(m.s.opt.CheckInterval, time.Second)
}

// check checks the primary, then every replica at once.
func (m *monitor) check(ctx context.Context) {
	m.checkPrimary(ctx)
	var wg sync.WaitGroup
	for _, d := range m.s.replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.checkReplica(ctx, d)
		}()
	}
	wg.Wait()
}

func (m *monitor) checkPrimary(parent context.Context) {
	ctx, cancel := context.WithTimeout(parent, m.checkTimeout())
	defer cancel()
	d := m.s.primary
	var text string
	err := d.bg.QueryRowContext(ctx, sqlWALInsertPosition).Scan(&text)
	if err != nil {
		if parent.Err() == nil { // else the store is closing
			d.record(err)
		}
		return
	}
	p, err := parsePosition(text)
	if err == nil {
		m.notePrimary(p, time.Now())
	}
	d.record(err)
}

func (m *monitor) checkReplica(parent context.Context, d *database) {
	ctx, cancel := context.WithTimeout(parent, m.checkTimeout())
	defer cancel()
	var standby bool
	var text string
	err := d.bg.QueryRowContext(ctx, sqlReplicaPosition).Scan(&standby, &text)
	var replay uint64
	if err == nil && standby {
		replay, err = parsePosition(text)
	}
	if err != nil && parent.Err() != nil {
		return // the store is closing
	}
	now := time.Now()
	d.mu.Lock()
	before := d.st
	d.st = health{checked: now, up: err == nil, standby: standby, replay: replay}
	switch {
	case err != nil:
		d.st.err = err.Error()
	case !standby:
		d.st.err = "not a standby: pg_is_in_recovery() is false, so it is kept out of the rotation"
	default:
		d.st.lag = m.lag(replay, now)
	}
	after := d.st
	d.mu.Unlock()
	m.logChange(d, before, after)
}

// logChange says when a replica leaves or rejoins the rotation.
func (m *monitor) logChange(d *database, before, after health) {
	maxLag := m.s.opt.MaxReplicaLag
	in := func(h health) bool { return h.up && h.standby && h.lag <= maxLag }
	log := m.s.opt.Logger
	switch {
	case in(before) && !in(after):
		reason := after.err
		if reason == "" {
			reason = fmt.Sprintf("lag %s is more than the maximum %s", after.lag.Round(time.Millisecond), maxLag)
		}
		log.Warn("replica left the rotation", "database", d.name, "addr", d.addr, "reason", reason)
	case !in(before) && in(after):
		log.Info("replica in the rotation", "database", d.name, "addr", d.addr, "lag", after.lag.String())
	}
}

// notePrimary records that the primary stood at pos at time at.
func (m *monitor) notePrimary(pos uint64, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if n := len(m.history); n > 0 && m.history[n-1].pos >= pos {
		return
	}
	m.history = append(m.history, positionSample{pos, at})
	// Keep what the lag can need: samples within several maximum lags, and
	// never more than positionHistory.
	horizon := at.Add(-4*m.s.opt.MaxReplicaLag - 4*m.s.opt.CheckInterval)
	drop := 0
	for drop < len(m.history)-1 && (m.history[drop].at.Before(horizon) || len(m.history)-drop > positionHistory) {
		drop++
	}
	m.history = append(m.history[:0], m.history[drop:]...)
}

// lag is how long ago the primary was first seen past replay (0 when the
// replica holds everything seen).
func (m *monitor) lag(replay uint64, now time.Time) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.history {
		if s.pos > replay {
			return max(now.Sub(s.at), 0)
		}
	}
	return 0
}
