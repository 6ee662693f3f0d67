package main

import (
	"context"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nitro-runtime/nitro/api"
	"github.com/nitro-runtime/nitro/api/dashboard"
	"github.com/nitro-runtime/nitro/auth"
	"github.com/nitro-runtime/nitro/relay"
	"github.com/nitro-runtime/nitro/solana"
)

// version is reported by /health; set with -ldflags "-X main.version=...".
var version = "dev"

// newAPI builds the HTTP API with every other handler mounted on the same port
// (the external contract): Socket.IO, the dashboard, the built-in cluster and the metadata store.
func (a *app) newAPI() (*api.Server, error) {
	mounts := map[string]http.Handler{"/socket.io/": a.sockets.Handler(), "/metadata/": a.metadataHandler()}
	dcfg := dashboard.Config{LocalChain: a.chain.cluster != nil, Verifier: a.verifier}
	if d := a.newDemo(); d != nil {
		dcfg.Demo = d
	}
	dash, err := dashboard.New(dcfg)
	if err != nil {
		return nil, err
	}
	for _, p := range dashboard.Patterns {
		mounts[p] = dash
	}
	for p, h := range a.chain.handlers() {
		mounts[p] = h
	}
	redis := a.broker.client()
	return api.New(api.Config{
		Version: version, AdminPassword: a.cfg.AdminPassword, CORSOrigins: a.cfg.CORSOrigins, Started: a.started,
		Bundles: a.cfg.JitoURL != "", HealthInterval: a.cfg.HealthInterval,
		EnqueuePerKey: a.cfg.Limits.EnqueuePerKey, EnqueuePerUser: a.cfg.Limits.EnqueuePerUser,
		WalletsPerKey: a.cfg.Limits.WalletsPerKey, WalletsPerUser: a.cfg.Limits.WalletsPerUser,
	}, api.Deps{
		Enqueuer: a.client, Jobs: a.store, Launches: a.store, Wallets: a.store,
		Balances: holdingsReader{a.chain.client}, Owners: a.store,
		Checks: map[string]api.HealthCheck{
			"redis":    func(ctx context.Context) error { return redis.Ping(ctx).Err() },
			"postgres": a.store.Ping,
			"solana": func(ctx context.Context) error {
				_, err := a.chain.probe.Slot(ctx)
				return err
			},
		},
		Verifier: a.verifier, APIKeys: auth.NewAPIKeys(a.cfg.APIKeys), Redis: a.broker.opt,
		Sockets: a.sockets, ProgressStats: a.hub.Stats, Mount: mounts,
		Log: a.log.With().Str("component", "api").Logger(),
	})
}

// registerFanoutMetrics adds the relay's counters and what connection-state recovery
// keeps to /metrics, so an operator sees records that other processes missed.
func (a *app) registerFanoutMetrics() {
	reg := a.api.Metrics().Registry()
	gauge := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
	}
	reg.MustRegister(rpcCollector{a.chain.client})
	gauge("nitro_socket_recovery_bytes", "Bytes of events kept for connection-state recovery.",
		func() float64 { return float64(a.sockets.Stats().RecoveryBytes) })
	gauge("nitro_socket_recovery_events", "Events kept for connection-state recovery.",
		func() float64 { return float64(a.sockets.Stats().RecoveryPackets) })
	if a.relay == nil {
		return
	}
	counter := func(name, help string, pick func(relay.Stats) uint64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(pick(a.relay.Stats())) }))
	}
	counter("nitro_relay_published_total", "Progress records published to the other processes.",
		func(s relay.Stats) uint64 { return s.Published })
	counter("nitro_relay_unshared_total", "Progress records not published: no other process listened.",
		func(s relay.Stats) uint64 { return s.Unshared })
	counter("nitro_relay_received_total", "Progress records from other processes emitted here.",
		func(s relay.Stats) uint64 { return s.Received })
	counter("nitro_relay_dropped_total", "Progress records other processes did not get live (buffer full, Redis error).",
		func(s relay.Stats) uint64 { return s.Dropped })
	counter("nitro_relay_refused_messages_total", "Relay messages that could not be decoded.",
		func(s relay.Stats) uint64 { return s.Refused })
	counter("nitro_relay_replayed_total", "Progress records published again for a process that (re)subscribed.",
		func(s relay.Stats) uint64 { return s.Replayed })
	counter("nitro_relay_repeated_total", "Progress records received again in a replay and not emitted twice.",
		func(s relay.Stats) uint64 { return s.Repeated })
}

// rpcCollector exports the chain client's request counts as
// nitro_rpc_requests_total{method,outcome} and its request budget in force.
type rpcCollector struct{ c *solana.Client }

var (
	rpcRequestsDesc = prometheus.NewDesc("nitro_rpc_requests_total",
		"Solana JSON-RPC requests by method and outcome (each retry counts; outcome: ok, rate_limited, server_error, client_error, transport_error).",
		[]string{"method", "outcome"}, nil)
	rpcRateDesc = prometheus.NewDesc("nitro_rpc_rate_limit",
		"Client-side Solana RPC budget in force, requests/s (lowered after 429 answers; absent without a budget).", nil, nil)
)

func (rpcCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- rpcRequestsDesc
	ch <- rpcRateDesc
}

func (r rpcCollector) Collect(ch chan<- prometheus.Metric) {
	for _, rc := range r.c.RequestCounts() {
		ch <- prometheus.MustNewConstMetric(rpcRequestsDesc, prometheus.CounterValue, float64(rc.N), rc.Method, rc.Outcome)
	}
	if v := r.c.RateLimitNow(); v != solana.NoRateLimit {
		ch <- prometheus.MustNewConstMetric(rpcRateDesc, prometheus.GaugeValue, v)
	}
}
