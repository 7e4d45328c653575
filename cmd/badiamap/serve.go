package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/badiamap/badiamap/demo"
	"github.com/badiamap/badiamap/geo"
	"github.com/badiamap/badiamap/geo/memstore"
	"github.com/badiamap/badiamap/geo/postgis"
	"github.com/badiamap/badiamap/migrations"
	"github.com/badiamap/badiamap/web"
)

func init() {
	register(command{
		name:    "serve",
		summary: "serve the map, the API, downloads and OGC API Features over HTTP",
		run:     runServe,
	})
	register(command{
		name:    "healthcheck",
		summary: "exit 0 when a running server answers its readiness URL (for container healthchecks)",
		run:     runHealthcheck,
	})
}

// runHealthcheck is the container healthcheck: the runtime image has no
// shell or curl, so the binary checks itself.
func runHealthcheck(ctx context.Context, args []string) error {
	fs := newFlagSet("healthcheck", "[--url URL]")
	u := fs.String("url", "http://"+envOr("BADIAMAP_ADDR", "127.0.0.1:8080")+"/readyz", "URL that must answer 200")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *u, nil)
	if err != nil {
		return fmt.Errorf("%w: --url: %v", errUsage, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", *u, resp.Status)
	}
	return nil
}

// How long shutdown waits for requests in flight (a large download, say).
const shutdownGrace = 30 * time.Second

func runServe(ctx context.Context, args []string) error {
	fs := newFlagSet("serve", "[flags]")
	var sf storeFlags
	sf.register(fs)
	readURLs := splitList(os.Getenv("BADIAMAP_DATABASE_READ_URLS"))
	fs.Func("database-read-url", "PostgreSQL URL of a streaming replica of the primary; repeat for each (env BADIAMAP_DATABASE_READ_URLS, comma-separated): reads go to the replicas that keep up, everything else to --database-url",
		func(v string) error { readURLs = append(readURLs, v); return nil })
	maxLag := fs.Duration("max-replica-lag", envDuration("BADIAMAP_MAX_REPLICA_LAG", postgis.DefaultMaxReplicaLag), "a replica further behind the primary than this leaves the rotation until it catches up (env BADIAMAP_MAX_REPLICA_LAG)")
	listenURL := fs.String("database-listen-url", os.Getenv("BADIAMAP_DATABASE_LISTEN_URL"), "direct URL of the primary to LISTEN for data changes on, when --database-url goes through a pooler in transaction mode (env BADIAMAP_DATABASE_LISTEN_URL; default: --database-url, or polling every second behind such a pooler)")
	addr := fs.String("addr", envOr("BADIAMAP_ADDR", "127.0.0.1:8080"), "address to listen on (env BADIAMAP_ADDR)")
	noMigrate := fs.Bool("no-migrate", envBool("BADIAMAP_NO_MIGRATE"), "do not apply pending migrations at start (env BADIAMAP_NO_MIGRATE=1); /readyz fails until they are")
	cors := fs.String("cors-origin", os.Getenv("BADIAMAP_CORS_ORIGIN"), "comma-separated origins browsers may call the API from, or * for any (env BADIAMAP_CORS_ORIGIN; default: same origin only)")
	logFormat := fs.String("log-format", envOr("BADIAMAP_LOG_FORMAT", "json"), "log format: json or text (env BADIAMAP_LOG_FORMAT)")
	tileCacheMB := fs.Int("tile-cache-mb", envInt("BADIAMAP_TILE_CACHE_MB", 256), "size of the in-memory vector-tile cache in MB, 0 to turn it off (env BADIAMAP_TILE_CACHE_MB)")
	tileCacheControl := fs.String("tile-cache-control", envOr("BADIAMAP_TILE_CACHE_CONTROL", web.DefaultTileCacheControl), "Cache-Control header of tiles and TileJSON (env BADIAMAP_TILE_CACHE_CONTROL)")
	tileBudgetKB := fs.Int("tile-budget-kb", envInt("BADIAMAP_TILE_BUDGET_KB", geo.DefaultTileBytes>>10), "bytes (in KB) an incident tile may hold before its densest cells become clusters (env BADIAMAP_TILE_BUDGET_KB)")
	clusterBelow := fs.Int("cluster-below-zoom", envInt("BADIAMAP_CLUSTER_BELOW_ZOOM", 8), "below this zoom incident tiles hold clusters instead of points (env BADIAMAP_CLUSTER_BELOW_ZOOM)")
	sessionIdle := fs.Duration("session-idle", envDuration("BADIAMAP_SESSION_IDLE", time.Hour), "a session not used for this long ends (env BADIAMAP_SESSION_IDLE)")
	sessionMax := fs.Duration("session-max", envDuration("BADIAMAP_SESSION_MAX", 12*time.Hour), "every session ends this long after sign-in (env BADIAMAP_SESSION_MAX)")
	allowSelfReview := fs.Bool("allow-self-review", envBool("BADIAMAP_ALLOW_SELF_REVIEW"), "let a reviewer publish a draft they wrote themselves: for a desk of one (env BADIAMAP_ALLOW_SELF_REVIEW=1)")
	withDemo := fs.Bool("demo", !envBool("BADIAMAP_NO_DEMO"), "load the demo data set into an embedded store that holds no incident yet, so the map is never empty (env BADIAMAP_NO_DEMO=1 turns it off)")
	publicURL := fs.String("public-url", os.Getenv("BADIAMAP_PUBLIC_URL"), "the server as browsers reach it, e.g. https://maps.example.org: the base of the absolute links it writes, the only origin cookie writes may come from, and https makes the session cookie Secure (env BADIAMAP_PUBLIC_URL; default: each request's own host)")
	trustForwarded := fs.Bool("trust-forwarded", envBool("BADIAMAP_TRUST_FORWARDED"), "take the client address, scheme and host from X-Forwarded-For/-Proto/-Host: only behind a proxy that sets them (env BADIAMAP_TRUST_FORWARDED=1)")
	lim := web.DefaultLimits()
	fs.DurationVar(&lim.InteractiveTimeout, "request-timeout", envDuration("BADIAMAP_REQUEST_TIMEOUT", lim.InteractiveTimeout), "deadline of a lookup: a page, a tile, statistics (env BADIAMAP_REQUEST_TIMEOUT)")
	fs.DurationVar(&lim.DownloadTimeout, "download-timeout", envDuration("BADIAMAP_DOWNLOAD_TIMEOUT", lim.DownloadTimeout), "deadline of a download (env BADIAMAP_DOWNLOAD_TIMEOUT)")
	fs.DurationVar(&lim.HeavyTimeout, "heavy-timeout", envDuration("BADIAMAP_HEAVY_TIMEOUT", lim.HeavyTimeout), "deadline of a risk computation or area check (env BADIAMAP_HEAVY_TIMEOUT)")
	fs.DurationVar(&lim.WriteStallTimeout, "write-stall-timeout", envDuration("BADIAMAP_WRITE_STALL_TIMEOUT", lim.WriteStallTimeout), "cut a client that accepts no byte of the answer for this long (env BADIAMAP_WRITE_STALL_TIMEOUT)")
	fs.DurationVar(&lim.BodyReadTimeout, "body-read-timeout", envDuration("BADIAMAP_BODY_READ_TIMEOUT", lim.BodyReadTimeout), "time to receive a request body (env BADIAMAP_BODY_READ_TIMEOUT)")
	fs.IntVar(&lim.MaxDownloads, "max-downloads", envInt("BADIAMAP_MAX_DOWNLOADS", lim.MaxDownloads), "downloads (every format, GeoPackage included, and pages of more than 1,000 incidents) at once; more wait briefly, then get 503 (env BADIAMAP_MAX_DOWNLOADS)")
	fs.IntVar(&lim.MaxHeavy, "max-heavy", envInt("BADIAMAP_MAX_HEAVY", lim.MaxHeavy), "risk computations and area checks run at once (env BADIAMAP_MAX_HEAVY)")
	fs.Float64Var(&lim.RatePerMinute, "rate-limit", envFloat("BADIAMAP_RATE_LIMIT", lim.RatePerMinute), "downloads and computations per minute per client, 0 for no limit; over it 429 (env BADIAMAP_RATE_LIMIT)")
	fs.IntVar(&lim.RateBurst, "rate-burst", envInt("BADIAMAP_RATE_BURST", lim.RateBurst), "how many of them a client may make at once before the rate applies (env BADIAMAP_RATE_BURST)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkLimits(lim); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if kind, err := sf.resolved(); err == nil && kind != storePostGIS && (len(readURLs) > 0 || *listenURL != "") {
		return fmt.Errorf("%w: --database-read-url and --database-listen-url need the PostGIS store (--database-url)", errUsage)
	}
	if *maxLag <= 0 {
		return fmt.Errorf("%w: --max-replica-lag %v: want a positive duration", errUsage, *maxLag)
	}
	var logger *slog.Logger
	switch *logFormat {
	case "json":
		logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	case "text":
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	default:
		return fmt.Errorf("%w: --log-format %q: want json or text", errUsage, *logFormat)
	}
	if *tileBudgetKB<<10 < geo.MinTileBytes {
		return fmt.Errorf("%w: --tile-budget-kb %d: want at least %d", errUsage, *tileBudgetKB, geo.MinTileBytes>>10)
	}

	// A statement may run as long as the longest request deadline: the
	// server-side bound behind the request's own.
	pgOpt := postgis.Options{StatementTimeout: lim.LongestTimeout(), ReadURLs: readURLs, MaxReplicaLag: *maxLag,
		WatchDataVersion: true, ListenURL: *listenURL, Logger: logger}
	store, err := openStoreWaiting(ctx, &sf, *noMigrate, pgOpt, logger)
	if err != nil {
		return err
	}
	defer store.Close()
	if *withDemo {
		if err := loadDemoIfEmpty(ctx, store, logger); err != nil {
			return err
		}
	}

	if note, err := illustrativeNote(ctx, store); err != nil {
		logger.Warn("cannot count the illustrative incidents", "error", err.Error())
	} else if note != "" {
		logger.Warn(note)
	}
	cfg := web.Config{CORSOrigins: splitList(*cors), Limits: lim, PublicURL: *publicURL, TrustForwarded: *trustForwarded,
		Tiles: web.TileConfig{CacheBytes: int64(*tileCacheMB) << 20, CacheControl: *tileCacheControl, ClusterBelowZoom: *clusterBelow, MaxBytes: *tileBudgetKB << 10},
		Auth:  web.AuthConfig{SessionIdle: *sessionIdle, SessionMax: *sessionMax}, AllowSelfReview: *allowSelfReview}
	if ps, ok := store.(*postgis.Store); ok {
		// Every request that may hold a connection long (any download format,
		// GeoPackages and large pages included) takes one of these slots.
		if pool := ps.DB().Stats().MaxOpenConnections; lim.MaxDownloads+lim.MaxHeavy >= pool {
			return fmt.Errorf("%w: --max-downloads %d plus --max-heavy %d leave none of the %d database connections to lookups: keep their sum below %d",
				errUsage, lim.MaxDownloads, lim.MaxHeavy, pool, pool)
		}
		cfg.Unavailable = postgis.IsUnavailable
		cfg.QueryCanceled = postgis.IsQueryCanceled
		cfg.Databases = ps.Databases
		cfg.PendingMigrations = func(ctx context.Context) ([]string, error) {
			return migrations.Pending(ctx, ps.DB())
		}
	}
	srv, err := web.New(cfg, store, logger)
	if err != nil {
		return err
	}
	return listenAndServe(ctx, *addr, srv, logger)
}

// openStoreWaiting opens the store, waiting for a database that is not up
// yet (a container starting beside it) instead of failing at once.
func openStoreWaiting(ctx context.Context, sf *storeFlags, noMigrate bool, pgOpt postgis.Options, logger *slog.Logger) (geo.Store, error) {
	kind, err := sf.resolved()
	if err != nil {
		return nil, err
	}
	delay := 500 * time.Millisecond
	for {
		var s geo.Store
		if kind == storePostGIS && noMigrate {
			pgOpt.Pooling = sf.poolingMode()
			s, err = postgis.OpenWith(ctx, sf.databaseURL, pgOpt)
		} else {
			s, err = openStoreWith(ctx, sf, pgOpt, logWriter{logger})
		}
		if err == nil {
			logger.Info("store open", "store", kind)
			return s, nil
		}
		if kind != storePostGIS || !postgis.IsUnavailable(err) {
			return nil, err
		}
		logger.Warn("database unavailable; retrying", "error", err.Error(), "retry_in", delay.String())
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(delay):
		}
		delay = min(2*delay, 10*time.Second)
	}
}

// logWriter turns openStore's progress lines into log records.
type logWriter struct{ logger *slog.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimSpace(string(p)), "\n") {
		if line != "" {
			w.logger.Info(line)
		}
	}
	return len(p), nil
}

var _ io.Writer = logWriter{}

// listenAndServe serves h on addr until ctx ends (SIGTERM or Ctrl-C), then
// stops accepting connections and lets requests in flight finish.
func listenAndServe(ctx context.Context, addr string, h http.Handler, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return serveListener(ctx, ln, h, logger)
}

// serveListener is listenAndServe on a listener already open.
func serveListener(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger) error {
	// No ReadTimeout: net/http's background read would cancel a long
	// download's context when it expires. web.Server bounds a request body
	// with a read deadline of its own, and a stalled client with per-write
	// deadlines. WriteTimeout only bounds what net/http writes before the
	// handler pushes the deadline forward.
	server := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      writeTimeout(h),
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("listening", "addr", ln.Addr().String(), "url", "http://"+ln.Addr().String()+"/")
	errc := make(chan error, 1)
	go func() { errc <- server.Serve(web.Listener(ln)) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing requests in flight", "grace", shutdownGrace.String())
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := server.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envBool(name string) bool {
	switch strings.ToLower(os.Getenv(name)) {
	case "1", "true", "yes":
		return true
	}
	return false
}

// splitList is the non-empty items of a comma-separated list.
func splitList(s string) []string {
	var out []string
	for _, o := range strings.Split(s, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// loadDemoIfEmpty gives a new embedded store (a field laptop, a fresh clone)
// the demo data set, so the first map a person opens is not empty. A
// PostGIS deployment is left alone: its data is the operator's.
func loadDemoIfEmpty(ctx context.Context, store geo.Store, logger *slog.Logger) error {
	if ms, ok := store.(*memstore.Store); !ok || ms.HasHeldData() {
		return nil // a store that has held incidents never gets the demo, even emptied
	}
	n, err := store.CountIncidents(ctx, geo.IncidentFilter{})
	if err != nil || n > 0 {
		return err
	}
	if err := demo.Load(ctx, store, &geo.AuditEntry{Actor: "serve:demo"}); err != nil {
		return fmt.Errorf("load the demo data set: %w", err)
	}
	n, err = store.CountIncidents(ctx, geo.IncidentFilter{})
	logger.Info("loaded the demo data set into the empty embedded store", "incidents", n)
	return err
}

// envDuration is the duration in environment variable name, or def when it
// is unset or not a duration.
func envDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// envFloat is the number in environment variable name, or def.
func envFloat(name string, def float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil {
		return v
	}
	return def
}

// checkLimits refuses limits that would turn something off by accident.
func checkLimits(l web.Limits) error {
	for name, d := range map[string]time.Duration{"--request-timeout": l.InteractiveTimeout, "--download-timeout": l.DownloadTimeout,
		"--heavy-timeout": l.HeavyTimeout, "--write-stall-timeout": l.WriteStallTimeout, "--body-read-timeout": l.BodyReadTimeout} {
		if d <= 0 {
			return fmt.Errorf("%w: %s %v: want a positive duration", errUsage, name, d)
		}
	}
	if l.MaxDownloads < 1 || l.MaxHeavy < 1 || l.RateBurst < 1 || l.RatePerMinute < 0 {
		return fmt.Errorf("%w: --max-downloads, --max-heavy and --rate-burst take 1 or more, --rate-limit 0 or more", errUsage)
	}
	return nil
}

// writeTimeout is the http.Server's WriteTimeout for h: the write stall
// timeout of a web.Server.
func writeTimeout(h http.Handler) time.Duration {
	if ws, ok := h.(interface{ WriteStallTimeout() time.Duration }); ok {
		return ws.WriteStallTimeout()
	}
	return 0
}

// envInt is the integer in environment variable name, or def when it is unset.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}
