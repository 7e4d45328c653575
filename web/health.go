package web

import (
	"context"
	"net/http"
	"sync"

	"github.com/badiamap/badiamap/attribution"
	"github.com/badiamap/badiamap/geo"

	"github.com/labstack/echo/v5"
)

// Credit is one data source's attribution and licence, published in the
// metadata of every incident and region response.
type Credit = attribution.Credit

// DefaultCredits names the sources badiamap's data comes from.
var DefaultCredits = attribution.Default

// healthz answers while the process runs, whatever the database does.
func (s *Server) healthz(c *echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 only when the store answers and is fully migrated, so
// a load balancer sends no traffic to a server that would only give 503s;
// either way it lists the state of each database (a replica out of the
// rotation does not make the server unready: its reads go elsewhere).
// It answers within the ping timeout whatever the database does (frozen,
// pool exhausted): the check runs on its own, one at a time, and a request
// stops waiting for it at the timeout. A failure names a reason code; the
// detail goes to the log only.
func (s *Server) readyz(c *echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.PingTimeout)
	defer cancel()
	check := s.ready.start(s.checkReady)
	reason := reasonTimeout
	select {
	case <-check.done:
		reason = check.reason
	case <-ctx.Done():
		s.logger.Warn("not ready: the readiness check did not finish in time", "timeout", s.cfg.PingTimeout.String())
	}
	dbs := s.databasesJSON()
	if reason == "" {
		return c.JSON(http.StatusOK, readyJSON{Status: "ready", Databases: dbs})
	}
	p := newProblem(http.StatusServiceUnavailable, readyDetails[reason])
	p.Reason = reason
	p.Databases = dbs
	p.retryAfter = retryAfterSeconds
	return p
}

type readyJSON struct {
	Status    string         `json:"status"`
	Databases []databaseJSON `json:"databases,omitempty"`
}

// databaseJSON is a database as /readyz shows it: what a load balancer or
// an operator needs, no address or error text (those go to the log).
type databaseJSON struct {
	Name       string   `json:"name"`
	Role       string   `json:"role"`
	State      string   `json:"state"`
	InRotation *bool    `json:"in_rotation,omitempty"`
	LagSeconds *float64 `json:"lag_seconds,omitempty"`
	Position   string   `json:"position,omitempty"`
	// DataVersion is how the server learns of new data from it: listen,
	// poll or stale (neither works now: it asks for each request).
	DataVersion string `json:"data_version,omitempty"`
}

func (s *Server) databasesJSON() []databaseJSON {
	if s.cfg.Databases == nil {
		return nil
	}
	var out []databaseJSON
	for _, d := range s.cfg.Databases() {
		j := databaseJSON{Name: d.Name, Role: d.Role, State: d.State, Position: d.Position, DataVersion: d.Watch}
		if j.State == "" {
			j.State = "unchecked"
		}
		if d.Role == geo.DatabaseReplica {
			in, lag := d.InRotation, d.Lag.Seconds()
			j.InRotation, j.LagSeconds = &in, &lag
		}
		out = append(out, j)
	}
	return out
}

// The reason codes of a failed /readyz.
const (
	reasonUnreachable = "database_unreachable"
	reasonMigrations  = "migrations_pending"
	reasonTimeout     = "timeout"
)

var readyDetails = map[string]string{
	reasonUnreachable: "The database does not answer; the server retries by itself.",
	reasonMigrations:  "The database lacks migrations; run badiamap migrate.",
	reasonTimeout:     "The readiness check did not finish in time.",
}

// checkReady pings the store and lists pending migrations, within the ping
// timeout; it returns a reason code, "" when ready.
func (s *Server) checkReady() string {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.PingTimeout)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.logger.Warn("not ready: store does not answer", "error", err.Error())
		if ctx.Err() != nil {
			return reasonTimeout
		}
		return reasonUnreachable
	}
	if s.cfg.PendingMigrations == nil {
		return ""
	}
	pending, err := s.cfg.PendingMigrations(ctx)
	switch {
	case err != nil:
		s.logger.Warn("not ready: cannot read the schema version", "error", err.Error())
		if ctx.Err() != nil {
			return reasonTimeout
		}
		return reasonUnreachable
	case len(pending) > 0:
		s.logger.Warn("not ready: migrations not applied (run badiamap migrate, or serve without --no-migrate)", "pending", pending)
		return reasonMigrations
	}
	return ""
}

// readiness runs one readiness check at a time: concurrent /readyz
// requests wait for the same one, so a hanging database holds one
// goroutine, not one per probe.
type readiness struct {
	mu      sync.Mutex
	running *readyCheck
}

type readyCheck struct {
	done   chan struct{}
	reason string // set before done is closed
}

// start returns the check in flight, or starts one.
func (r *readiness) start(check func() string) *readyCheck {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running != nil {
		return r.running
	}
	rc := &readyCheck{done: make(chan struct{})}
	r.running = rc
	go func() {
		rc.reason = check()
		r.mu.Lock()
		r.running = nil
		r.mu.Unlock()
		close(rc.done)
	}()
	return rc
}
