package api

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/nitro-runtime/nitro/progress"
)

// MetricSources are where the gauges read from; each is optional.
type MetricSources struct {
	Redis         asynq.RedisConnOpt    // queue sizes by state, through an asynq Inspector
	Sockets       Socketed              // connected Socket.IO sockets
	ProgressStats func() progress.Stats // events emitted, persisted, dropped
}

// Metrics is the Prometheus registry of the process. The workers' middleware calls
// JobStarted, JobFinished and PhaseDone; the API counts requests and enqueues.
type Metrics struct {
	reg       *prometheus.Registry
	inspector *asynq.Inspector
	started   *prometheus.CounterVec
	finished  *prometheus.CounterVec
	inFlight  *prometheus.GaugeVec
	enqueues  *prometheus.CounterVec
	jobDur    *prometheus.HistogramVec
	phaseDur  *prometheus.HistogramVec
	httpCount *prometheus.CounterVec
	httpDur   *prometheus.HistogramVec
	authFails *prometheus.CounterVec
	authLimit *prometheus.CounterVec
	rateLimit *prometheus.CounterVec
}

// Launch work takes seconds to minutes; buckets span 100 ms to 10 min.
var durationBuckets = []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600}

// NewMetrics builds the registry with the job, phase, HTTP, progress, socket and queue
// series plus the Go and process collectors.
func NewMetrics(src MetricSources) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.started = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "nitro_jobs_started_total",
		Help: "Job runs started, by type (each retry is a run)."}, []string{"type"})
	m.finished = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "nitro_jobs_finished_total",
		Help: "Job runs finished, by type and state (completed, failed, retrying)."}, []string{"type", "state"})
	m.inFlight = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "nitro_jobs_in_flight",
		Help: "Job runs in progress in this process, by type."}, []string{"type"})
	m.enqueues = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "nitro_jobs_enqueued_total",
		Help: "Jobs enqueued through the HTTP API, by type."}, []string{"type"})
	m.jobDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "nitro_job_duration_seconds",
		Help: "Duration of job runs, by type and state.", Buckets: durationBuckets}, []string{"type", "state"})
	m.phaseDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "nitro_phase_duration_seconds",
		Help: "Duration of job phases, by type and phase.", Buckets: durationBuckets}, []string{"type", "phase"})
	m.httpCount = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "nitro_http_requests_total",
		Help: "HTTP requests by method, route pattern and status code."}, []string{"method", "route", "code"})
	m.httpDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "nitro_http_request_duration_seconds",
		Help: "HTTP request duration by route pattern.", Buckets: prometheus.DefBuckets}, []string{"route"})
	m.authFails = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "nitro_auth_failures_total",
		Help: "Requests refused for a wrong credential, by realm (admin: /monitoring/ logins, api: keys and tokens)."}, []string{"realm"})
	m.authLimit = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "nitro_auth_throttled_total",
		Help: "Login attempts refused with 429 after too many failures, by realm."}, []string{"realm"})
	m.rateLimit = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "nitro_rate_limited_total",
		Help: "Requests answered 429 by a rate limit, by route (enqueue, wallets, api: the per-client bucket of every /api/ route) and scope (key, user, ip)."},
		[]string{"route", "scope"})
	for _, rs := range [][2]string{{"enqueue", scopeKey}, {"enqueue", scopeUser}, {"wallets", scopeKey}, {"wallets", scopeUser},
		{"api", scopeKey}, {"api", scopeUser}, {"api", scopeIP}} {
		m.rateLimit.WithLabelValues(rs[0], rs[1]) // every series from the start, at 0
	}
	m.reg.MustRegister(m.started, m.finished, m.inFlight, m.enqueues, m.jobDur, m.phaseDur, m.httpCount, m.httpDur,
		m.authFails, m.authLimit, m.rateLimit,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.registerSources(src)
	return m
}

func (m *Metrics) registerSources(src MetricSources) {
	if src.Sockets != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "nitro_sockets",
			Help: "Connected Socket.IO sockets."}, func() float64 { return float64(src.Sockets.Sockets()) }))
	}
	if d, ok := src.Sockets.(SocketDisconnects); ok {
		m.reg.MustRegister(reasonCollector{disconnectsDesc, d.Disconnects})
	}
	if r, ok := src.Sockets.(SocketRefusals); ok {
		m.reg.MustRegister(reasonCollector{refusalsDesc, r.Refused})
	}
	if src.ProgressStats != nil {
		stat := func(name, help string, pick func(progress.Stats) uint64) {
			m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
				func() float64 { return float64(pick(src.ProgressStats())) }))
		}
		stat("nitro_progress_events_emitted_total", "Progress events emitted to sockets.", func(s progress.Stats) uint64 { return s.Emitted })
		stat("nitro_progress_events_persisted_total", "Progress events written to PostgreSQL.", func(s progress.Stats) uint64 { return s.Persisted })
		stat("nitro_progress_events_dropped_total", "Progress events dropped because the buffer was full.", func(s progress.Stats) uint64 { return s.Dropped })
		stat("nitro_progress_persist_errors_total", "Progress events that could not be persisted.", func(s progress.Stats) uint64 { return s.PersistErrors })
	}
	if src.Redis != nil {
		m.inspector = asynq.NewInspector(src.Redis)
		m.reg.MustRegister(&queueCollector{insp: m.inspector})
	}
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Registry is the registry, for callers that add their own series.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Close releases the inspector's Redis connection.
func (m *Metrics) Close() error {
	if m.inspector == nil {
		return nil
	}
	return m.inspector.Close()
}

var _ io.Closer = (*Metrics)(nil)

// JobStarted counts a run of a job of type typ that starts.
func (m *Metrics) JobStarted(typ string) {
	m.started.WithLabelValues(typ).Inc()
	m.inFlight.WithLabelValues(typ).Inc()
}

// JobFinished records a run that ended in state (completed, failed, retrying) after d.
func (m *Metrics) JobFinished(typ, state string, d time.Duration) {
	m.inFlight.WithLabelValues(typ).Dec()
	m.finished.WithLabelValues(typ, state).Inc()
	m.jobDur.WithLabelValues(typ, state).Observe(d.Seconds())
}

// PhaseDone records that phase (its 1-based number) of a typ job took d; the workers'
// runtime calls it when a run leaves a phase (the next one entered, or the run ended).
func (m *Metrics) PhaseDone(typ, phase string, d time.Duration) {
	m.phaseDur.WithLabelValues(typ, phase).Observe(d.Seconds())
}

func (m *Metrics) enqueued(typ string) { m.enqueues.WithLabelValues(typ).Inc() }

func (m *Metrics) authFailed(realm string)         { m.authFails.WithLabelValues(realm).Inc() }
func (m *Metrics) authThrottled(realm string)      { m.authLimit.WithLabelValues(realm).Inc() }
func (m *Metrics) rateLimited(route, scope string) { m.rateLimit.WithLabelValues(route, scope).Inc() }

func (m *Metrics) httpRequest(method, route string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched" // unknown paths must not mint label values
	}
	if !knownMethod(method) {
		method = "other"
	}
	m.httpCount.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.httpDur.WithLabelValues(route).Observe(d.Seconds())
}

func knownMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// SocketDisconnects counts sockets gone by reason; *socketio.Server implements it.
type SocketDisconnects interface{ Disconnects() map[string]uint64 }

var disconnectsDesc = prometheus.NewDesc("nitro_socket_disconnects_total",
	"Socket.IO sockets disconnected, by reason (ping timeout, slow consumer, server shutdown, transport close, client disconnect, ...).",
	[]string{"reason"}, nil)

// SocketRefusals counts refused handshakes and subscribes by reason; *socketio.Server
// implements it.
type SocketRefusals interface{ Refused() map[string]uint64 }

var refusalsDesc = prometheus.NewDesc("nitro_socket_refused_total",
	"Socket.IO handshakes and subscribes refused, by reason (unauthorized, sockets per user, subscriptions per socket).",
	[]string{"reason"}, nil)

// reasonCollector reports a counter by reason that the socket server keeps, read at
// scrape time (its disconnects, its refusals).
type reasonCollector struct {
	desc *prometheus.Desc
	read func() map[string]uint64
}

// Describe implements prometheus.Collector.
func (c reasonCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c reasonCollector) Collect(ch chan<- prometheus.Metric) {
	for reason, n := range c.read() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(n), reason)
	}
}

// queueCollector reads asynq's queue sizes at scrape time.
type queueCollector struct{ insp *asynq.Inspector }

var (
	queueTasksDesc = prometheus.NewDesc("nitro_queue_tasks", "Tasks in an asynq queue, by state.",
		[]string{"queue", "state"}, nil)
	queueLatencyDesc = prometheus.NewDesc("nitro_queue_latency_seconds", "Age of the oldest pending task of a queue.",
		[]string{"queue"}, nil)
	queuePausedDesc = prometheus.NewDesc("nitro_queue_paused", "1 when the queue is paused.", []string{"queue"}, nil)
	queueUpDesc     = prometheus.NewDesc("nitro_queue_info_up", "1 when the queue sizes could be read from Redis.", nil, nil)
)

// Describe implements prometheus.Collector.
func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueTasksDesc
	ch <- queueLatencyDesc
	ch <- queuePausedDesc
	ch <- queueUpDesc
}

// Collect implements prometheus.Collector; a Redis outage shows as nitro_queue_info_up 0
// rather than failing the whole scrape.
func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	queues, err := c.insp.Queues()
	up := 1.0
	for _, q := range queues {
		info, qerr := c.insp.GetQueueInfo(q)
		if qerr != nil {
			err = qerr
			continue
		}
		for state, n := range map[string]int{"pending": info.Pending, "active": info.Active, "scheduled": info.Scheduled,
			"retry": info.Retry, "archived": info.Archived, "completed": info.Completed, "aggregating": info.Aggregating} {
			ch <- prometheus.MustNewConstMetric(queueTasksDesc, prometheus.GaugeValue, float64(n), q, state)
		}
		ch <- prometheus.MustNewConstMetric(queueLatencyDesc, prometheus.GaugeValue, info.Latency.Seconds(), q)
		ch <- prometheus.MustNewConstMetric(queuePausedDesc, prometheus.GaugeValue, boolFloat(info.Paused), q)
	}
	if err != nil {
		up = 0
	}
	ch <- prometheus.MustNewConstMetric(queueUpDesc, prometheus.GaugeValue, up)
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
