package web

import (
	"context"
	"net/http"

	"github.com/badiamap/badiamap/boundaries"

	"github.com/labstack/echo/v5"
)

// Credit is one data source's attribution and licence, published in the
// metadata of every incident and region response.
type Credit struct {
	Name        string `json:"name"`
	Covers      string `json:"covers"`
	License     string `json:"license"`
	LicenseURL  string `json:"license_url,omitempty"`
	Attribution string `json:"attribution"`
	URL         string `json:"url,omitempty"`
}

// DefaultCredits names the sources badiamap's data comes from.
var DefaultCredits = []Credit{
	{
		Name:        "UCDP Georeferenced Event Dataset (GED)",
		Covers:      "incidents imported from UCDP (external ids ucdp:...)",
		License:     "CC BY 4.0",
		LicenseURL:  "https://creativecommons.org/licenses/by/4.0/",
		Attribution: "Uppsala Conflict Data Program (UCDP) GED; Sundberg and Melander (2013), Journal of Peace Research 50(4)",
		URL:         "https://ucdp.uu.se/downloads/",
	},
	{
		Name:        "OCHA Common Operational Datasets, Syria administrative boundaries (COD-AB)",
		Covers:      "governorate polygons and p-codes, and the Badia regions cut from them",
		License:     boundaries.License,
		LicenseURL:  "https://creativecommons.org/licenses/by/3.0/igo/",
		Attribution: boundaries.Attribution,
		URL:         "https://data.humdata.org/dataset/cod-ab-syr",
	},
	{
		Name:        "Syrian Observatory for Human Rights (SOHR)",
		Covers:      "the demo incidents (external ids sohr-demo:...) reconstructed from SOHR's published running totals",
		License:     "cited as published; figures reproduced for research",
		Attribution: "Syrian Observatory for Human Rights reports",
		URL:         "https://www.syriahr.com/",
	},
}

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
