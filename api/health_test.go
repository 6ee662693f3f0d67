package api_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/nitro-runtime/nitro/api"
	"github.com/nitro-runtime/nitro/internal/testkit"
)

func TestHealthOK(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	m := h.expect(h.call("GET", "/health", "none", nil), http.StatusOK)
	if m["status"] != "ok" || m["redis"] != "ok" || m["postgres"] != "ok" || m["solana"] != "ok" ||
		m["version"] != "test" || m["sockets"] != 3.0 || m["uptimeSeconds"] == nil {
		t.Fatalf("health %v", m)
	}
	h.expect(h.call("POST", "/health", "none", "{}"), http.StatusMethodNotAllowed)
	h.expect(h.call("GET", "/no/such/page", "none", nil), http.StatusNotFound)
}

func TestHealthRedisDown(t *testing.T) {
	check, closer, err := api.RedisCheck(asynq.RedisClientOpt{Addr: testkit.FreeAddr(t), DialTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	slow := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() } // a hung dependency
	h := newHarness(t, harnessOpts{cfg: api.Config{HealthTimeout: 300 * time.Millisecond},
		checks: map[string]api.HealthCheck{"redis": check, "postgres": func(context.Context) error { return nil }, "solana": slow}})
	m := h.expect(h.call("GET", "/health", "none", nil), http.StatusServiceUnavailable)
	if m["status"] != "degraded" || m["redis"] != "down" || m["postgres"] != "ok" || m["solana"] != "down" {
		t.Fatalf("health %v", m)
	}
	if strings.Contains(string(h.call("GET", "/health", "none", nil).body), "127.0.0.1") {
		t.Fatal("health leaks dependency addresses")
	}
}

func TestPanicBecomesJSON500(t *testing.T) {
	h := newHarness(t, harnessOpts{mount: map[string]http.Handler{
		"/boom":   http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(errors.New("kaboom")) }),
		"/extra/": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }),
		// Socket.IO needs Flush (polling) and Hijack (WebSocket upgrade) through the middleware.
		"/hj": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, canFlush := w.(http.Flusher)
			hj, canHijack := w.(http.Hijacker)
			if !canFlush || !canHijack {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			conn, buf, err := hj.Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
			buf.Flush()
		}),
	}})
	h.expect(h.call("GET", "/boom", "none", nil), http.StatusInternalServerError)
	if !strings.Contains(h.logs.String(), "kaboom") {
		t.Fatal("the panic was not logged")
	}
	if got := h.call("GET", "/extra/x", "none", nil).status; got != http.StatusTeapot {
		t.Fatalf("mounted handler not reached: %d", got)
	}
	if r := h.call("GET", "/hj", "none", nil); r.status != http.StatusOK || string(r.body) != "ok" {
		t.Fatalf("hijack through the middleware: %d %q", r.status, r.body)
	}
	// The API keeps its routes even next to a catch-all mount.
	h.expect(h.call("GET", "/api/nope", "key", nil), http.StatusNotFound)
}

func TestMetricsSeries(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	m := h.api.Metrics()
	m.JobStarted("launch_token")
	m.PhaseDone("launch_token", "1", 2*time.Second)
	m.JobFinished("launch_token", "completed", 5*time.Second)
	h.expect(h.call("POST", "/api/jobs/dev_sell", "key", validJob("dev_sell", "u1")), http.StatusAccepted)
	body := string(h.call("GET", "/metrics", "none", nil).body)
	for _, want := range []string{
		`nitro_jobs_started_total{type="launch_token"} 1`,
		`nitro_jobs_finished_total{state="completed",type="launch_token"} 1`,
		`nitro_jobs_in_flight{type="launch_token"} 0`,
		`nitro_job_duration_seconds_bucket{state="completed",type="launch_token",le="5"} 1`,
		`nitro_phase_duration_seconds_count{phase="1",type="launch_token"} 1`,
		`nitro_jobs_enqueued_total{type="dev_sell"} 1`,
		`nitro_queue_tasks{queue="critical",state="pending"} 1`,
		`nitro_queue_info_up 1`,
		`nitro_sockets 3`,
		`nitro_socket_disconnects_total{reason="ping timeout"} 0`,
		`nitro_socket_disconnects_total{reason="transport close"} 3`,
		`nitro_progress_events_emitted_total 7`,
		`nitro_progress_events_persisted_total 5`,
		`nitro_http_requests_total{code="202",method="POST",route="POST /api/jobs/{type}"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestCORS(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	r := h.call("GET", "/health", "none", nil, "Origin", "http://localhost:3000")
	if r.header.Get("Access-Control-Allow-Origin") != "http://localhost:3000" || r.header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("health not readable cross-origin: %v", r.header)
	}
	pre := h.call("OPTIONS", "/api/jobs/abc", "none", nil, "Origin", "http://localhost:3000", "Access-Control-Request-Method", "GET",
		"Access-Control-Request-Headers", "authorization")
	if pre.status != http.StatusNoContent || !strings.Contains(pre.header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight %d %v", pre.status, pre.header)
	}
	r = h.call("GET", "/api/jobs/abc", h.token("u1", false), nil, "Origin", "https://evil.example")
	if r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("unlisted origin allowed: %v", r.header)
	}
	if r = h.call("GET", "/monitoring/", "basic", nil, "Origin", "http://localhost:3000"); r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("monitoring must not be CORS-readable")
	}
}

// /health answers from the one background probe: a crowd of callers costs each
// dependency nothing (50 pollers drained the workers' RPC budget and the database
// pool when every call ran every check).
func TestHealthAnswersFromOneProbe(t *testing.T) {
	var calls atomic.Int64
	counted := func(context.Context) error { calls.Add(1); return nil }
	h := newHarness(t, harnessOpts{cfg: api.Config{HealthInterval: time.Hour},
		checks: map[string]api.HealthCheck{"redis": counted, "postgres": counted, "solana": counted}})
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			for range 10 {
				r := h.call("GET", "/health", "none", nil)
				if r.status != http.StatusOK {
					t.Errorf("health %d %s", r.status, r.body)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := calls.Load(); n != 3 {
		t.Fatalf("200 calls ran %d checks, want the 3 of one probe", n)
	}
	m := h.expect(h.call("GET", "/health", "none", nil), http.StatusOK)
	at, err := time.Parse(time.RFC3339Nano, m["checkedAt"].(string))
	if err != nil || time.Since(at) > time.Minute || m["ageMs"] == nil || m["redis"] != "ok" {
		t.Fatalf("health without its age: %v", m)
	}
}

// live looks at nothing; ready needs Redis and PostgreSQL and shrugs at Solana.
func TestHealthLiveAndReady(t *testing.T) {
	up := func(context.Context) error { return nil }
	down := func(context.Context) error { return errors.New("refused") }
	for _, c := range []struct {
		name                    string
		redis, postgres, solana api.HealthCheck
		ready                   int
		status                  string
	}{
		{"all up", up, up, up, http.StatusOK, "ok"},
		{"solana down", up, up, down, http.StatusOK, "degraded"},
		{"postgres down", up, down, up, http.StatusServiceUnavailable, "degraded"},
		{"redis down", down, up, down, http.StatusServiceUnavailable, "degraded"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, harnessOpts{checks: map[string]api.HealthCheck{"redis": c.redis, "postgres": c.postgres, "solana": c.solana}})
			if m := h.expect(h.call("GET", "/health/live", "none", nil), http.StatusOK); m["status"] != "ok" {
				t.Fatalf("live %v", m)
			}
			r := h.call("GET", "/health/ready", "none", nil)
			m := h.expect(r, c.ready)
			if m["status"] != c.status || m["checkedAt"] == nil {
				t.Fatalf("ready %d %v", r.status, m)
			}
		})
	}
}
