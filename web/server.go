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
	// QueryCanceled reports whether a store error is a statement the
	// database cancelled by itself (its statement_timeout, an operator): a
	// 503 the client may retry. Nil: no store error is.
	QueryCanceled func(error) bool
	// PendingMigrations lists the migrations the database lacks: /readyz
	// fails while any is, and a store error then answers 503 naming them.
	// Nil for a store without migrations.
	PendingMigrations func(ctx context.Context) ([]string, error)
	// Databases reports each database of the store (its state, lag and
	// pool) for /readyz and /metrics; nil for a store without any.
	Databases func() []geo.DatabaseState
	// Credits are the data's attribution and licences, as published in every
	// response's metadata. Nil uses DefaultCredits.
	Credits []Credit
	// PingTimeout bounds /readyz: it answers within it whatever the store
	// does; 0 means one second.
	PingTimeout time.Duration
	// Limits are the deadlines, shares and rate limits of the request
	// classes (DefaultLimits for the zero fields; no rate limit unless set).
	Limits Limits
	// PublicURL, when set (https://maps.example.org), is the base of every
	// absolute link the server writes (self, next, tile URLs).
	PublicURL string
	// TrustForwarded takes the client's address, scheme and host from
	// X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host: only behind a
	// proxy that sets them. Otherwise they are ignored.
	TrustForwarded bool
	// Tiles configures the vector tiles.
	Tiles TileConfig
	// AllowSelfReview lets an editor publish a draft they wrote: for a desk
	// of one. Otherwise a second person reviews every draft.
	AllowSelfReview bool
	// Risk are the risk model's parameters; the zero Params means
	// risk.DefaultParams.
	Risk risk.Params
	// Auth configures sign-in, sessions and login limits (auth.go).
	Auth AuthConfig
}

// Server is the echo application serving one store.
type Server struct {
	echo      *echo.Echo
	store     geo.Store
	logger    *slog.Logger
	cfg       Config
	limits    Limits
	admission *admission
	ready     readiness
	metrics   *metrics
	openAPI   []byte
	ogcAPI    []byte // the OGC API's own definition (ogcAPIDocument)
	extents   extentCache
	tiles     *tileServer
	risk      *riskService
	regions   regionNames
	places    placeSearch
	auth      *auth
	// gpkgSlots admits maxGPKGExports GeoPackage downloads at once, within
	// the downloads the admission lets through.
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
	if cfg.QueryCanceled == nil {
		cfg.QueryCanceled = func(error) bool { return false }
	}
	if cfg.PublicURL != "" {
		if err := checkPublicURL(cfg.PublicURL); err != nil {
			return nil, err
		}
		cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	}
	if cfg.Risk == (risk.Params{}) {
		cfg.Risk = risk.DefaultParams()
	}
	if err := cfg.Risk.Validate(); err != nil {
		return nil, err
	}
	s := &Server{store: store, logger: logger, cfg: cfg, limits: cfg.Limits.withDefaults(), gpkgSlots: make(chan struct{}, maxGPKGExports)}
	var err error
	s.metrics = newMetrics(cfg.Databases)
	s.admission = newAdmission(s.limits, s.metrics)
	s.tiles = newTileServer(s, cfg.Tiles)
	s.risk = newRiskService(s, cfg.Risk)
	s.regions.s = s
	if s.auth, err = newAuth(s, cfg.Auth); err != nil {
		return nil, err
	}
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
			AllowHeaders:  []string{"Accept", "Accept-Encoding", "If-None-Match", HeaderReadAfter},
			ExposeHeaders: []string{"Content-Disposition", "Link", "Retry-After", "ETag", HeaderIllustrative, HeaderReadAfter},
			MaxAge:        3600,
		}))
	}
	// Level 1: downloads are large and CPU-bound; JSON compresses well even so.
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{Skipper: skipGzip, MinLength: 512, Level: 1}))
	table := s.routeTable()
	for _, r := range table {
		mw := []echo.MiddlewareFunc{s.classify(r.class, r.classOf)}
		if !r.anyQuery { // a typo is named whoever sends it
			mw = append(mw, onlyParams(r.query))
		}
		if r.role != "" {
			mw = append(mw, s.requireRole(r.role))
		}
		if r.ifMatch {
			mw = append(mw, requireIfMatch)
		}
		e.Add(r.method, r.path, r.handle, mw...)
	}
	s.openAPI = openAPIDocument(table)
	s.ogcAPI = ogcAPIDocument(s.openAPI)
	return s, nil
}

// ServeHTTP makes the server an http.Handler. It bounds what a slow client
// can hold: a body must arrive within the body read timeout, and a client
// that accepts no byte of the answer for the write stall timeout is cut.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	if r.Body != nil && r.Body != http.NoBody {
		_ = rc.SetReadDeadline(time.Now().Add(s.limits.BodyReadTimeout))
		r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
	}
	sw := &stallWriter{ResponseWriter: w, rc: rc, stall: s.limits.WriteStallTimeout}
	s.echo.ServeHTTP(sw, r)
	sw.set = time.Time{}
	sw.extend() // for what net/http still sends after the handler
}

// WriteStallTimeout is how long a client may accept no byte before it is cut.
func (s *Server) WriteStallTimeout() time.Duration { return s.limits.WriteStallTimeout }

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
		attrs := []any{"method", request.Clip(c.Request().Method, 20), "route", route, "path", request.Clip(c.Request().URL.Path, 200),
			"status", status, "duration_ms", float64(elapsed.Microseconds()) / 1000, "bytes", size}
		if q := c.Request().URL.RawQuery; q != "" {
			// What a client asked for: a filter it pushed down, or not.
			attrs = append(attrs, "query", request.Clip(q, 500))
		}
		if err != nil && committed {
			attrs = append(attrs, "error", err.Error())
			switch {
			case errors.As(err, new(*deadlineError)):
				s.logger.Warn("response cut at its deadline", attrs...)
			case stalled(c.Response()):
				s.logger.Warn("client accepted nothing for the write stall timeout: cut", attrs...)
			case s.clientGone(c, err):
				s.logger.Info("client left during the response", attrs...)
				return nil
			default:
				s.logger.Error("request failed after the response started", attrs...)
			}
			panic(http.ErrAbortHandler)
		}
		s.logger.Info("request", attrs...)
		return nil
	}
}

// regionNames are the governorates and Badia regions the store holds, for
// parsing names and codes: read again when the data version moves on (when
// the store watches its version; else at most once a minute, and only if it
// moved). One request reads them while the others go on with the list they
// have, so a slow store never queues requests here.
type regionNames struct {
	s *Server

	mu         sync.Mutex
	list       []geo.Region
	at         time.Time
	version    int64
	refreshing bool
}

// get is the list, read again first when it is stale and no other request
// is reading it; while the store is down the last list is kept (or none:
// the parser then falls back on the p-code pattern and the gazetteer).
func (n *regionNames) get(ctx context.Context) []geo.Region {
	current, watched := n.watchedVersion()
	n.mu.Lock()
	list := n.list
	fresh := list != nil && (watched && n.version >= current || !watched && time.Since(n.at) < time.Minute)
	if fresh || n.refreshing {
		n.mu.Unlock()
		return list
	}
	n.refreshing = true
	version := n.version
	n.mu.Unlock()

	regions, v, ok := n.load(ctx, version, list != nil)
	n.mu.Lock()
	defer n.mu.Unlock()
	n.refreshing = false
	if ok {
		if regions != nil {
			n.list = regions
		}
		n.at, n.version = time.Now(), v
	}
	return n.list
}

// watchedVersion is the data version when the store holds it in memory.
func (n *regionNames) watchedVersion() (int64, bool) {
	if w, ok := n.s.store.(geo.VersionWatcher); ok {
		return w.KnownDataVersion()
	}
	return 0, false
}

// load reads the regions, in a snapshot of its own, unless its data
// version is still version (and a list is held); v is the version the list
// is of, ok false when the store did not answer. Its own snapshot, since it
// gives up after two seconds, and a read given up would end the request's.
func (n *regionNames) load(ctx context.Context, version int64, have bool) (regions []geo.Region, v int64, ok bool) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	ctx, end := n.s.freshSnapshot(ctx) // bounded by the two seconds, begin included
	defer end()
	store := n.s.store
	v, err := store.DataVersion(ctx)
	if err != nil {
		return nil, 0, false
	}
	if have && v == version {
		return nil, v, true
	}
	regions, err = store.Regions(ctx, geo.KindGovernorate, geo.KindBadia)
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
