package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/badiamap/badiamap/geo"
	"github.com/labstack/echo/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, in a registry of its own so
// two servers in one process (tests) do not collide.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inflight prometheus.Gauge
	// admitted and rejected follow admission: slots in use by class, and
	// requests refused by class and reason (busy, rate_limited).
	admitted *prometheus.GaugeVec
	rejected *prometheus.CounterVec
	// riskComputations counts risk grids scored (not served from the cache
	// or joined to a computation already running).
	riskComputations prometheus.Counter
}

func newMetrics(databases func() []geo.DatabaseState) *metrics {
	m := &metrics{registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "badiamap_http_requests_total",
		Help: "HTTP requests answered, by route pattern, method and status code.",
	}, []string{"route", "method", "status"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "badiamap_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request (to the last byte), by route pattern and method.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"route", "method"})
	m.inflight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "badiamap_http_requests_in_flight",
		Help: "HTTP requests being answered now.",
	})
	m.admitted = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "badiamap_admitted_in_flight",
		Help: "Downloads and heavy computations running now, by class.",
	}, []string{"class"})
	m.rejected = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "badiamap_admission_rejected_total",
		Help: "Downloads and heavy computations refused, by class and reason (busy: no slot freed in time; rate_limited: the client's limit).",
	}, []string{"class", "reason"})
	m.riskComputations = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "badiamap_risk_computations_total",
		Help: "Risk grids scored: requests that found them cached or joined a computation in progress are not counted.",
	})
	m.registry.MustRegister(m.requests, m.duration, m.inflight, m.admitted, m.rejected, m.riskComputations,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if databases != nil {
		m.registry.MustRegister(&databaseCollector{databases: databases})
	}
	return m
}

func (m *metrics) observe(route, method string, status int, elapsed time.Duration) {
	method = methodLabel(method)
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route, method).Observe(elapsed.Seconds())
}

func (m *metrics) handler() echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
}

// databaseCollector exports each database's state, lag, load and pool,
// labelled by its name (primary, replica-1, ...): a bounded set.
type databaseCollector struct {
	databases func() []geo.DatabaseState
}

var (
	dbLabels = []string{"database"}
	dbUp     = prometheus.NewDesc("badiamap_db_up",
		"1 when the database answered its last check, else 0.", dbLabels, nil)
	dbInRotation = prometheus.NewDesc("badiamap_db_in_rotation",
		"Replicas: 1 while reads go to it (it answers and is within the maximum lag), else 0.", dbLabels, nil)
	dbLag = prometheus.NewDesc("badiamap_db_replica_lag_seconds",
		"Replicas: how long ago the primary first stood past the replica's replay position (0: caught up).", dbLabels, nil)
	dbSends = prometheus.NewDesc("badiamap_db_sends_total",
		"Writes to the database's connections (a query, a batch of protocol messages, a handshake): its load from this server, counted on the wire.", dbLabels, nil)
	dbReads = prometheus.NewDesc("badiamap_db_reads_total",
		"Reads (statements and snapshots) routed to the database.", dbLabels, nil)
	poolOpen = prometheus.NewDesc("badiamap_db_connections_open",
		"Connections to the database, in use or idle.", dbLabels, nil)
	poolInUse = prometheus.NewDesc("badiamap_db_connections_in_use",
		"Connections to the database in use now.", dbLabels, nil)
	poolIdle = prometheus.NewDesc("badiamap_db_connections_idle",
		"Idle connections to the database.", dbLabels, nil)
	poolMaxOpen = prometheus.NewDesc("badiamap_db_connections_max_open",
		"The most connections the pool may open (0: no limit).", dbLabels, nil)
	poolWaits = prometheus.NewDesc("badiamap_db_connection_waits_total",
		"Times a query waited for a free connection.", dbLabels, nil)
	poolWaitSeconds = prometheus.NewDesc("badiamap_db_connection_wait_seconds_total",
		"Time spent waiting for a free connection.", dbLabels, nil)
	poolClosedIdle = prometheus.NewDesc("badiamap_db_connections_closed_idle_total",
		"Connections closed because they were idle too long or too many.", dbLabels, nil)
)

func (p *databaseCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{dbUp, dbInRotation, dbLag, dbSends, dbReads,
		poolOpen, poolInUse, poolIdle, poolMaxOpen, poolWaits, poolWaitSeconds, poolClosedIdle} {
		ch <- d
	}
}

func (p *databaseCollector) Collect(ch chan<- prometheus.Metric) {
	for _, d := range p.databases() {
		metric := func(desc *prometheus.Desc, kind prometheus.ValueType, v float64) {
			ch <- prometheus.MustNewConstMetric(desc, kind, v, d.Name)
		}
		if d.State != "" {
			metric(dbUp, prometheus.GaugeValue, bool01(d.State != geo.DatabaseDown))
		}
		if d.Role == geo.DatabaseReplica {
			metric(dbInRotation, prometheus.GaugeValue, bool01(d.InRotation))
			metric(dbLag, prometheus.GaugeValue, d.Lag.Seconds())
		}
		metric(dbSends, prometheus.CounterValue, float64(d.Sends))
		metric(dbReads, prometheus.CounterValue, float64(d.Reads))
		s := d.Pool
		metric(poolOpen, prometheus.GaugeValue, float64(s.OpenConnections))
		metric(poolInUse, prometheus.GaugeValue, float64(s.InUse))
		metric(poolIdle, prometheus.GaugeValue, float64(s.Idle))
		metric(poolMaxOpen, prometheus.GaugeValue, float64(s.MaxOpenConnections))
		metric(poolWaits, prometheus.CounterValue, float64(s.WaitCount))
		metric(poolWaitSeconds, prometheus.CounterValue, s.WaitDuration.Seconds())
		metric(poolClosedIdle, prometheus.CounterValue, float64(s.MaxIdleClosed+s.MaxIdleTimeClosed))
	}
}

func bool01(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// standardMethods are the methods counted under their own label; any other
// is "other", so made-up methods cannot grow the metrics without bound.
var standardMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
	http.MethodConnect: true, http.MethodTrace: true,
}

// methodLabel is method as a metric label or log field: bounded.
func methodLabel(method string) string {
	if standardMethods[method] {
		return method
	}
	return "other"
}
