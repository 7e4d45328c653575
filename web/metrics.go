package web

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

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

func newMetrics(dbStats func() sql.DBStats) *metrics {
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
	if dbStats != nil {
		m.registry.MustRegister(&poolCollector{stats: dbStats})
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

// poolCollector exports database/sql's pool statistics.
type poolCollector struct {
	stats func() sql.DBStats
}

var (
	poolOpen = prometheus.NewDesc("badiamap_db_connections_open",
		"Connections to the database, in use or idle.", nil, nil)
	poolInUse = prometheus.NewDesc("badiamap_db_connections_in_use",
		"Connections to the database in use now.", nil, nil)
	poolIdle = prometheus.NewDesc("badiamap_db_connections_idle",
		"Idle connections to the database.", nil, nil)
	poolMaxOpen = prometheus.NewDesc("badiamap_db_connections_max_open",
		"The most connections the pool may open (0: no limit).", nil, nil)
	poolWaits = prometheus.NewDesc("badiamap_db_connection_waits_total",
		"Times a query waited for a free connection.", nil, nil)
	poolWaitSeconds = prometheus.NewDesc("badiamap_db_connection_wait_seconds_total",
		"Time spent waiting for a free connection.", nil, nil)
	poolClosedIdle = prometheus.NewDesc("badiamap_db_connections_closed_idle_total",
		"Connections closed because they were idle too long or too many.", nil, nil)
)

func (p *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolOpen, poolInUse, poolIdle, poolMaxOpen, poolWaits, poolWaitSeconds, poolClosedIdle} {
		ch <- d
	}
}

func (p *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := p.stats()
	ch <- prometheus.MustNewConstMetric(poolOpen, prometheus.GaugeValue, float64(s.OpenConnections))
	ch <- prometheus.MustNewConstMetric(poolInUse, prometheus.GaugeValue, float64(s.InUse))
	ch <- prometheus.MustNewConstMetric(poolIdle, prometheus.GaugeValue, float64(s.Idle))
	ch <- prometheus.MustNewConstMetric(poolMaxOpen, prometheus.GaugeValue, float64(s.MaxOpenConnections))
	ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(s.WaitCount))
	ch <- prometheus.MustNewConstMetric(poolWaitSeconds, prometheus.CounterValue, s.WaitDuration.Seconds())
	ch <- prometheus.MustNewConstMetric(poolClosedIdle, prometheus.CounterValue, float64(s.MaxIdleClosed+s.MaxIdleTimeClosed))
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
