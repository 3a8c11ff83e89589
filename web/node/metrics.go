package node

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/copse-dev/copse/storage"
	"github.com/copse-dev/copse/web/httperr"
)

// metrics are the node's Prometheus metrics, in a registry of its own
// (tests run several nodes in one process).
type metrics struct {
	registry   *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	deliveries *prometheus.CounterVec
	delivery   prometheus.Histogram
	tx         *prometheus.HistogramVec
}

func newMetrics(store *storage.Store) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "copse_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "copse_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern and method (streams excluded).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10, 30},
		}, []string{"route", "method"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "copse_deliveries_total",
			Help: "Delivery attempts to peers' inboxes, by host and outcome (delivered, retry, dropped).",
		}, []string{"host", "outcome"}),
		delivery: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "copse_delivery_duration_seconds",
			Help:    "Time one delivery attempt took, signing and the peer's answer included.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		tx: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "copse_db_transaction_duration_seconds",
			Help:    "Time from begin to commit of committed write transactions: tx (one caller) or batch (a group commit).",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"kind"}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.deliveries, m.delivery, m.tx,
		queueCollector{store: store},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observeDelivery is the engine's OnDelivery.
func (m *metrics) observeDelivery(host, outcome string, took time.Duration) {
	m.deliveries.WithLabelValues(host, outcome).Inc()
	m.delivery.Observe(took.Seconds())
}

// observeTx is the store's ObserveTx.
func (m *metrics) observeTx(kind string, took time.Duration) {
	m.tx.WithLabelValues(kind).Observe(took.Seconds())
}

// middleware counts every request by its route pattern (not its path,
// which would make a series per status id) once it is answered.
func (m *metrics) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		began := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		code := ww.Status()
		if code == 0 {
			code = http.StatusOK
		}
		m.requests.WithLabelValues(route, r.Method, strconv.Itoa(code)).Inc()
		if route != "/api/v1/streaming" && route != "/api/v1/streaming/*" {
			m.latency.WithLabelValues(route, r.Method).Observe(time.Since(began).Seconds())
		}
	})
}

// handler serves the metrics, to bearers of token when it is set.
func (m *metrics) handler(token string) http.Handler {
	serve := promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Timeout: 10 * time.Second})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token != "" {
			given, ok := bearer(r)
			if !ok || subtle.ConstantTimeCompare([]byte(given), []byte(token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
				httperr.JSON(w, http.StatusUnauthorized, map[string]string{"error": "The metrics need the token the node was configured with"})
				return
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		serve.ServeHTTP(w, r)
	})
}

func bearer(r *http.Request) (string, bool) {
	const prefix = "Bearer "
	h := r.Header.Get("Authorization")
	if len(h) <= len(prefix) || h[:len(prefix)] != prefix {
		return "", false
	}
	return h[len(prefix):], true
}

// queueCollector reads the queue depths from the database once per
// scrape.
type queueCollector struct{ store *storage.Store }

var (
	deliveryQueueDesc = prometheus.NewDesc("copse_delivery_queue_depth", "Deliveries waiting to be sent (retries included).", nil, nil)
	inboxQueueDesc    = prometheus.NewDesc("copse_inbox_queue_depth", "Received activities waiting to be applied.", nil, nil)
)

func (c queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- deliveryQueueDesc
	ch <- inboxQueueDesc
}

func (c queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), healthTimeout)
	defer cancel()
	deliveries, inbox, err := c.store.QueueDepths(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(deliveryQueueDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(deliveryQueueDesc, prometheus.GaugeValue, float64(deliveries))
	ch <- prometheus.MustNewConstMetric(inboxQueueDesc, prometheus.GaugeValue, float64(inbox))
}
