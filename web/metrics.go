package web

import (
	"database/sql"
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
	m.registry.MustRegister(m.requests, m.duration, m.inflight,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if dbStats != nil {
		m.registry.MustRegister(&poolCollector{stats: dbStats})
	}
	return m
}

func (m *metrics) observe(route, method string, status int, elapsed time.Duration) {
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
