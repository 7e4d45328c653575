// Package web is badiamap's HTTP server: the JSON/GeoJSON API, the CSV,
// GeoJSON and KML downloads, statistics, OGC API - Features, vector tiles,
// the risk endpoints, published reports, health and metrics, and the
// embedded web map, on echo v5.
//
// Every route is one entry of the route table (routes.go), which registers
// it, refuses the parameters it does not take, and produces the OpenAPI
// description. Handlers read their whole query through package request
// before any work starts and hand typed queries to a geo.Store; web never
// builds SQL. Results stream from the store to the response, so memory does
// not grow with the size of a download.
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
	"github.com/badiamap/badiamap/geo/risk"
	"github.com/badiamap/badiamap/request"
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
	// (a 503 with Retry-After). Nil: no store error does.
	Unavailable func(error) bool
	// Ready is an extra readiness check beyond the store's Ping, such as
	// "every migration is applied". Nil checks Ping only.
	Ready func(ctx context.Context) error
	// DBStats reports the database connection pool for /metrics; nil for a
	// store without one.
	DBStats func() sql.DBStats
	// Credits are the data's attribution and licences, as published in every
	// response's metadata. Nil uses DefaultCredits.
	Credits []Credit
	// PingTimeout bounds the store check of /readyz; 0 means one second.
	PingTimeout time.Duration
	// Tiles configures the vector tiles.
	Tiles TileConfig
	// Risk are the risk model's parameters; the zero Params means
	// risk.DefaultParams.
	Risk risk.Params
}

// Server is the echo application serving one store.
type Server struct {
	echo    *echo.Echo
	store   geo.Store
	logger  *slog.Logger
	cfg     Config
	metrics *metrics
	openAPI []byte
	ogcAPI  []byte // the OGC API's own definition (ogcAPIDocument)
	extents extentCache
	tiles   *tileServer
	risk    *riskService
	regions regionNames
	places  placeSearch
	// gpkgSlots admits maxGPKGExports GeoPackage downloads at once.
	gpkgSlots chan struct{}
}

// New builds the server on store and registers every route of the route
// table. logger receives one line per request.
func New(cfg Config, store geo.Store, logger *slog.Logger) (*Server, error) {
	if logger == nil {
		logger = slog.Default()
	}
	if cfg.Credits == nil {
		cfg.Credits = DefaultCredits
	}
	if cfg.PingTimeout <= 0 {
		cfg.PingTimeout = time.Second
	}
	if cfg.Unavailable == nil {
		cfg.Unavailable = func(error) bool { return false }
	}
	if cfg.Risk == (risk.Params{}) {
		cfg.Risk = risk.DefaultParams()
	}
	if err := cfg.Risk.Validate(); err != nil {
		return nil, err
	}
	s := &Server{store: store, logger: logger, cfg: cfg, gpkgSlots: make(chan struct{}, maxGPKGExports)}
	s.metrics = newMetrics(cfg.DBStats)
	s.tiles = newTileServer(s, cfg.Tiles)
	s.risk = &riskService{s: s, p: cfg.Risk, zones: map[string]*risk.Zones{}}
	s.regions.store = store
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
			ExposeHeaders: []string{"Content-Disposition", "Link", "Retry-After", "ETag", HeaderIllustrative},
			MaxAge:        3600,
		}))
	}
	// Level 1: downloads are large and CPU-bound; JSON compresses well even so.
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{Skipper: skipGzip, MinLength: 512, Level: 1}))
	table := s.routeTable()
	for _, r := range table {
		var mw []echo.MiddlewareFunc
		if !r.anyQuery {
			mw = append(mw, onlyParams(r.query))
		}
		e.Add(r.method, r.path, r.handle, mw...)
	}
	s.openAPI = openAPIDocument(table)
	s.ogcAPI = ogcAPIDocument(s.openAPI)
	return s, nil
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Routes are the routes the server answers, as its router holds them.
func (s *Server) Routes() echo.Routes { return s.echo.Router().Routes() }

// onlyParams refuses, before the handler runs, any query parameter the
// route does not take, so a typo never silently widens a download.
func onlyParams(allowed []request.Param) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			if err := request.Only(c.QueryParams(), allowed); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// skipGzip leaves uncompressed what is compressed already or must not be:
// vector tiles (the tile path compresses them itself), metrics (compressed
// by the Prometheus handler) and the web map's files.
func skipGzip(c *echo.Context) bool {
	p := c.Request().URL.Path
	// Tiles gzip themselves (web/tiles.go); a GeoPackage goes out with its
	// Content-Length.
	return strings.HasPrefix(p, "/tiles/") || strings.Contains(p, "/tiles/") || strings.HasSuffix(p, ".gpkg") || p == "/metrics" ||
		!(strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/ogc"))
}

// limitQuery refuses query strings longer than any real filter needs.
func limitQuery(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if len(c.Request().URL.RawQuery) > request.MaxQueryLength {
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
		attrs := []any{"method", c.Request().Method, "route", route, "path", request.Clip(c.Request().URL.Path, 200),
			"status", status, "duration_ms", float64(elapsed.Microseconds()) / 1000, "bytes", size}
		if q := c.Request().URL.RawQuery; q != "" {
			// What a client asked for: a filter it pushed down, or not.
			attrs = append(attrs, "query", request.Clip(q, 500))
		}
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

// regionNames are the governorates and Badia regions the store holds, for
// parsing names and codes: refreshed at most once a minute, and when the
// data version changes. One request refreshes them while the others go on
// with the list they have, so a slow store never queues requests here.
type regionNames struct {
	store geo.Store

	mu         sync.Mutex
	list       []geo.Region
	at         time.Time
	version    int64
	refreshing bool
}

// get is the list, refreshed first when it is stale and no other request is
// refreshing it; while the store is down the last list is kept (or none: the
// parser then falls back on the p-code pattern and the gazetteer).
func (n *regionNames) get(ctx context.Context) []geo.Region {
	n.mu.Lock()
	list := n.list
	if (list != nil && time.Since(n.at) < time.Minute) || n.refreshing {
		n.mu.Unlock()
		return list
	}
	n.refreshing = true
	version := n.version
	n.mu.Unlock()

	fresh, v, ok := n.load(ctx, version, list != nil)
	n.mu.Lock()
	defer n.mu.Unlock()
	n.refreshing = false
	if ok {
		if fresh != nil {
			n.list = fresh
		}
		n.at, n.version = time.Now(), v
	}
	return n.list
}

// load reads the regions unless the data version is still version (and a
// list is held); ok is false when the store did not answer.
func (n *regionNames) load(ctx context.Context, version int64, have bool) (fresh []geo.Region, v int64, ok bool) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	v, err := n.store.DataVersion(ctx)
	if err != nil {
		return nil, 0, false
	}
	if have && v == version {
		return nil, v, true
	}
	regions, err := n.store.Regions(ctx, geo.KindGovernorate, geo.KindBadia)
	if err != nil {
		return nil, 0, false
	}
	// Only names and codes are needed here; dropping the polygons keeps the
	// list small.
	for i := range regions {
		regions[i].Geom = nil
	}
	return regions, v, true
}

// knownRegions is the governorates and Badia regions the store holds.
func (s *Server) knownRegions(ctx context.Context) []geo.Region { return s.regions.get(ctx) }

// filter parses the request's incident filter.
func (s *Server) filter(c *echo.Context) (geo.IncidentFilter, error) {
	return request.Filter(c.QueryParams(), s.knownRegions(c.Request().Context()))
}
