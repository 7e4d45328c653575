// Package web is badiamap's HTTP server: the JSON/GeoJSON API, the CSV,
// GeoJSON and KML downloads, statistics, OGC API - Features, health and
// metrics, and the embedded web map, on echo v5.
//
// Every request's query is parsed once into a geo.IncidentFilter (see
// ParseIncidentFilter) and handed to a geo.Store; web never builds SQL.
// Results stream from the store to the response, so memory does not grow
// with the size of a download.
package web

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/postgis"
	"github.com/badiamap/badiamap/web/ui"
	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
)

// Config is what the server needs besides its store.
type Config struct {
	// CORSOrigins are the origins a browser may call the API from, e.g.
	// https://maps.example.org, or "*" for any. None: same origin only.
	CORSOrigins []string
	// UI serves the web map at "/"; nil serves the embedded map (ui.Handler).
	UI http.Handler
	// Unavailable reports whether a store error means the database is down
	// (a 503 with Retry-After). Nil uses postgis.IsUnavailable.
	Unavailable func(error) bool
	// Ready is an extra readiness check beyond the store's Ping, such as
	// "every migration is applied". Nil checks Ping only.
	Ready func(ctx context.Context) error
	// DBStats reports the database connection pool for /metrics. Nil uses
	// the store's own when it has a
	// DBStats() sql.DBStats or DB() *sql.DB method.
	DBStats func() sql.DBStats
	// Credits are the data's attribution and licences, as published in every
	// response's metadata. Nil uses DefaultCredits.
	Credits []Credit
	// PingTimeout bounds the store check of /readyz; 0 means one second.
	PingTimeout time.Duration
}

// Server is the echo application serving one store.
type Server struct {
	echo        *echo.Echo
	store       geo.Store
	logger      *slog.Logger
	cfg         Config
	unavailable func(error) bool
	metrics     *metrics
	openAPI     []byte
	extents     extentCache

	regionsMu   sync.Mutex
	regions     []geo.Region // governorates and Badia regions, for parsing names
	regionsAt   time.Time
	regionsVers int64
}

// New builds the server on store. logger receives one line per request.
func New(cfg Config, store geo.Store, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.Default()
	}
	if cfg.Credits == nil {
		cfg.Credits = DefaultCredits
	}
	if cfg.PingTimeout <= 0 {
		cfg.PingTimeout = time.Second
	}
	s := &Server{store: store, logger: logger, cfg: cfg, unavailable: cfg.Unavailable}
	if s.unavailable == nil {
		s.unavailable = postgis.IsUnavailable
	}
	s.metrics = newMetrics(cfg.DBStats, store)
	e := echo.NewWithConfig(echo.Config{
		Logger:           logger,
		HTTPErrorHandler: s.handleError,
		Router:           echo.NewRouter(echo.RouterConfig{AutoHandleHEAD: true}),
	})
	s.echo = e
	e.Use(s.logRequests, s.recoverPanics, limitQuery)
	if len(cfg.CORSOrigins) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:  cfg.CORSOrigins,
			AllowMethods:  []string{http.MethodGet, http.MethodHead, http.MethodOptions},
			AllowHeaders:  []string{"Accept", "Accept-Encoding", "If-None-Match"},
			ExposeHeaders: []string{"Content-Disposition", "Link", "Retry-After", "ETag"},
			MaxAge:        3600,
		}))
	}
	// Level 1: downloads are large and CPU-bound; JSON compresses well even so.
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{Skipper: skipGzip, MinLength: 512, Level: 1}))
	s.routes()
	s.openAPI = buildOpenAPI()
	return s
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Echo is the underlying echo application, for a caller that adds routes
// (the tile routes of issue 4, say) before serving.
func (s *Server) Echo() *echo.Echo { return s.echo }

func (s *Server) routes() {
	e := s.echo
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.metrics.handler())

	e.GET("/api/openapi.json", s.openAPIDoc)
	e.GET("/api/incidents", s.listIncidents)
	e.GET("/api/incidents/:id", s.getIncident)
	e.GET("/api/incidents.geojson", s.downloadGeoJSON)
	e.GET("/api/incidents.csv", s.downloadCSV)
	e.GET("/api/incidents.kml", s.downloadKML)
	e.GET("/api/regions", s.listRegions)
	e.GET("/api/stats", s.stats)

	e.GET("/ogc", s.ogcLanding)
	e.GET("/ogc/", s.ogcLanding)
	e.GET("/ogc/api", s.openAPIDoc)
	e.GET("/ogc/conformance", s.ogcConformance)
	e.GET("/ogc/collections", s.ogcCollections)
	e.GET("/ogc/collections/:collectionId", s.ogcCollection)
	e.GET("/ogc/collections/:collectionId/items", s.ogcItems)
	e.GET("/ogc/collections/:collectionId/items/:featureId", s.ogcItem)

	s.registerReportRoutes()

	uiHandler := s.cfg.UI
	if uiHandler == nil {
		uiHandler = ui.Handler()
	}
	serveUI := echo.WrapHandler(uiHandler)
	notFoundAPI := func(c *echo.Context) error { return echo.ErrNotFound }
	e.GET("/", serveUI)
	e.GET("/*", func(c *echo.Context) error {
		p := c.Request().URL.Path
		for _, prefix := range []string{"/api/", "/ogc/", "/tiles/"} {
			if strings.HasPrefix(p, prefix) {
				return notFoundAPI(c)
			}
		}
		return serveUI(c)
	})
}

// skipGzip leaves uncompressed what is compressed already or must not be:
// vector tiles (gzipped when cached, issue 4), metrics (compressed by the
// Prometheus handler itself) and the web map's files.
func skipGzip(c *echo.Context) bool {
	p := c.Request().URL.Path
	return strings.HasPrefix(p, "/tiles/") || p == "/metrics" ||
		!(strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/ogc"))
}

// limitQuery refuses query strings longer than any real filter needs.
func limitQuery(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if len(c.Request().URL.RawQuery) > maxQueryLength {
			return newProblem(http.StatusRequestURITooLong,
				"The query string is longer than 16 KiB; no filter needs that much.")
		}
		return next(c)
	}
}

// recoverPanics turns a handler's panic into a 500 (logged with its value);
// an aborted stream (http.ErrAbortHandler) goes on up to net/http.
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.logger.Error("panic", "route", c.Path(), "value", r)
				err = errors.New("panic in handler")
			}
		}()
		return next(c)
	}
}

// logRequests is the outermost middleware: it turns errors into responses
// (so the status it logs is the one sent), logs one line per request and
// counts it in the metrics. A stream that fails after its first byte is
// aborted, so the client sees a broken transfer, not a short file.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		start := time.Now()
		s.metrics.inflight.Inc()
		defer s.metrics.inflight.Dec()
		err := next(c)
		resp, _ := echo.UnwrapResponse(c.Response())
		committed := resp != nil && resp.Committed
		if err != nil && !committed {
			s.handleError(c, err)
		}
		status := http.StatusOK
		var size int64
		if resp != nil {
			status, size = resp.Status, resp.Size
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		elapsed := time.Since(start)
		s.metrics.observe(route, c.Request().Method, status, elapsed)
		attrs := []any{"method", c.Request().Method, "route", route, "path", clip(c.Request().URL.Path, 200),
			"status", status, "duration_ms", float64(elapsed.Microseconds()) / 1000, "bytes", size}
		if err != nil && committed {
			attrs = append(attrs, "error", err.Error())
			s.logger.Error("request failed after the response started", attrs...)
			if !errors.Is(err, context.Canceled) {
				panic(http.ErrAbortHandler)
			}
			return nil
		}
		s.logger.Info("request", attrs...)
		return nil
	}
}

// knownRegions is the governorates and Badia regions the store holds,
// cached for a minute and refreshed when the data version changes; while
// the store is down the last list is kept (or none: the parser then falls
// back on the p-code pattern and the gazetteer).
func (s *Server) knownRegions(ctx context.Context) []geo.Region {
	s.regionsMu.Lock()
	defer s.regionsMu.Unlock()
	if s.regions != nil && time.Since(s.regionsAt) < time.Minute {
		return s.regions
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	v, err := s.store.DataVersion(ctx)
	if err == nil && s.regions != nil && v == s.regionsVers {
		s.regionsAt = time.Now()
		return s.regions
	}
	if err != nil {
		return s.regions
	}
	regions, err := s.store.Regions(ctx, geo.KindGovernorate, geo.KindBadia)
	if err != nil {
		return s.regions
	}
	// Only names and codes are needed here; dropping the polygons keeps the
	// cache small.
	for i := range regions {
		regions[i].Geom = nil
	}
	s.regions, s.regionsAt, s.regionsVers = regions, time.Now(), v
	return regions
}

// filter parses the request's query into the shared filter, allowing the
// endpoint's own parameters extra.
func (s *Server) filter(c *echo.Context, extra ...string) (geo.IncidentFilter, error) {
	return ParseIncidentFilter(c.QueryParams(), s.knownRegions(c.Request().Context()), extra...)
}
