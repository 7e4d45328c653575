package web

import (
	"context"
	"net/http"

	"github.com/badiamap/badiamap/attribution"

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
// a load balancer sends no traffic to a server that would only give 503s.
func (s *Server) readyz(c *echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.PingTimeout)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.logger.Warn("not ready: store does not answer", "error", err.Error())
		p := newProblem(http.StatusServiceUnavailable, "The database does not answer; the server retries by itself.")
		p.retryAfter = retryAfterSeconds
		return p
	}
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(ctx); err != nil {
			s.logger.Warn("not ready", "error", err.Error())
			p := newProblem(http.StatusServiceUnavailable, "Not ready: "+err.Error())
			p.retryAfter = retryAfterSeconds
			return p
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}
