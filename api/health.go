package api

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// The dependencies /health always reports, checked or not.
var healthNames = []string{"redis", "postgres", "solana"}

// Values of a dependency in /health.
const (
	healthOK            = "ok"
	healthDown          = "down"
	healthNotConfigured = "not_configured"
)

type healthReply struct {
	Status        string            `json:"status"`          // "ok" or "degraded"
	Error         string            `json:"error,omitempty"` // names what is down, as every error body does
	Redis         string            `json:"redis"`
	Postgres      string            `json:"postgres"`
	Solana        string            `json:"solana"`
	Checks        map[string]string `json:"checks,omitempty"` // checks beyond the three
	Version       string            `json:"version"`
	UptimeSeconds int64             `json:"uptimeSeconds"`
	Sockets       int               `json:"sockets"`
	// CheckedAt is when the dependencies were last probed; AgeMs is how long ago.
	CheckedAt time.Time `json:"checkedAt"`
	AgeMs     int64     `json:"ageMs"`
}

// health answers from the prober's last result: a call costs no dependency a
// round trip (50 clients polling /health once drained the workers' RPC budget and
// the database pool). Any dependency down is a 503, which monitors rely on.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	res, ok := s.lastProbe(w, r)
	if !ok {
		return
	}
	rep, down := s.healthReply(res)
	status := http.StatusOK
	if len(down) > 0 {
		rep.Status, status = "degraded", http.StatusServiceUnavailable
		rep.Error = "unavailable: " + strings.Join(down, ", ") + " down"
	}
	writeJSON(w, status, rep)
}

// healthLive says the process serves HTTP; it looks at nothing else, so an
// orchestrator never restarts a process for a dependency's outage.
func (s *Server) healthLive(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// healthReady is 200 while Redis and PostgreSQL answered the last probe: without
// them no job can be taken or recorded. A Solana outage is reported as degraded but
// stays ready (reads, enqueues and sockets still work; jobs retry).
func (s *Server) healthReady(w http.ResponseWriter, r *http.Request) {
	res, ok := s.lastProbe(w, r)
	if !ok {
		return
	}
	rep, down := s.healthReply(res)
	var essential []string
	for _, name := range down {
		if name == "redis" || name == "postgres" {
			essential = append(essential, name)
		}
	}
	status := http.StatusOK
	if len(down) > 0 {
		rep.Status = "degraded"
		rep.Error = strings.Join(down, ", ") + " down"
	}
	if len(essential) > 0 {
		status = http.StatusServiceUnavailable
		rep.Error = "not ready: " + strings.Join(essential, ", ") + " down"
	}
	writeJSON(w, status, rep)
}

// lastProbe is the prober's last result; before the first one is in (only right
// after start) it answers 503 itself.
func (s *Server) lastProbe(w http.ResponseWriter, r *http.Request) (*probeResult, bool) {
	res, ok := s.prober.wait(r.Context())
	if !ok {
		retryAfter(w, 1)
		writeError(w, http.StatusServiceUnavailable, "starting: dependencies not probed yet")
	}
	return res, ok
}

// healthReply fills the reply from a probe result and lists what is down.
func (s *Server) healthReply(res *probeResult) (healthReply, []string) {
	rep := healthReply{Status: "ok", Version: s.cfg.Version,
		UptimeSeconds: int64(time.Since(s.cfg.Started).Seconds()),
		CheckedAt:     res.at.UTC(), AgeMs: time.Since(res.at).Milliseconds()}
	if s.deps.Sockets != nil {
		rep.Sockets = s.deps.Sockets.Sockets()
	}
	var down []string
	for _, name := range slices.Sorted(maps.Keys(res.values)) {
		v := res.values[name]
		if v == healthDown {
			down = append(down, name)
		}
		switch name {
		case "redis":
			rep.Redis = v
		case "postgres":
			rep.Postgres = v
		case "solana":
			rep.Solana = v
		default:
			if rep.Checks == nil {
				rep.Checks = map[string]string{}
			}
			rep.Checks[name] = v
		}
	}
	return rep, down
}

// probeResult is one round of checks: a value per dependency and when it ended.
type probeResult struct {
	values map[string]string
	at     time.Time
}

// prober is the one loop per process that checks the dependencies, every interval,
// each under timeout; handlers read its last result.
type prober struct {
	checks   map[string]HealthCheck
	interval time.Duration
	timeout  time.Duration
	log      zerolog.Logger
	last     atomic.Pointer[probeResult]
	first    chan struct{} // closed once the first result is in
	once     sync.Once
	stop     context.CancelFunc
	done     chan struct{}
}

func startProber(checks map[string]HealthCheck, interval, timeout time.Duration, log zerolog.Logger) *prober {
	ctx, cancel := context.WithCancel(context.Background())
	p := &prober{checks: checks, interval: interval, timeout: timeout, log: log,
		first: make(chan struct{}), stop: cancel, done: make(chan struct{})}
	go p.loop(ctx)
	return p
}

func (p *prober) loop(ctx context.Context) {
	defer close(p.done)
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		p.last.Store(p.runChecks(ctx))
		p.once.Do(func() { close(p.first) })
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// wait returns the last result, waiting for the first one if there is none yet
// (only right after start: one probe round, at most the timeout, which every waiter
// shares).
func (p *prober) wait(ctx context.Context) (*probeResult, bool) {
	if res := p.last.Load(); res != nil {
		return res, true
	}
	select {
	case <-p.first:
	case <-p.done:
	case <-ctx.Done():
	}
	res := p.last.Load()
	return res, res != nil
}

// close stops the loop and waits for it.
func (p *prober) close() {
	p.stop()
	<-p.done
}

// runChecks runs every check at once. A dependency is logged when it goes down and
// when it is back, not on every round (that would be a line every interval).
func (p *prober) runChecks(ctx context.Context) *probeResult {
	var before map[string]string
	if last := p.last.Load(); last != nil {
		before = last.values
	}
	out := map[string]string{}
	for _, n := range healthNames {
		out[n] = healthNotConfigured
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, name := range slices.Sorted(maps.Keys(p.checks)) {
		check := p.checks[name]
		wg.Go(func() {
			v := healthOK
			err := p.probe(ctx, check)
			switch {
			case err != nil && before[name] != healthDown:
				p.log.Warn().Err(err).Str("check", name).Msg("dependency down")
			case err == nil && before[name] == healthDown:
				p.log.Info().Str("check", name).Msg("dependency back")
			}
			if err != nil {
				v = healthDown
			}
			mu.Lock()
			out[name] = v
			mu.Unlock()
		})
	}
	wg.Wait()
	return &probeResult{values: out, at: time.Now()}
}

// probe runs check under the timeout; a check that ignores its context is given up
// on (and left to finish alone) rather than stalling the loop.
func (p *prober) probe(ctx context.Context, check HealthCheck) error {
	cctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- safeCheck(cctx, check) }()
	select {
	case err := <-errc:
		return err
	case <-cctx.Done():
		return fmt.Errorf("health check: %w", cctx.Err())
	}
}

// safeCheck runs check and turns a panic into an error: a health probe must answer.
func safeCheck(ctx context.Context, check HealthCheck) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("health check panicked: %v", v)
		}
	}()
	return check(ctx)
}

// RedisCheck pings the Redis of opt (the asynq broker) with a client of its own;
// close the returned closer at shutdown.
func RedisCheck(opt asynq.RedisConnOpt) (HealthCheck, io.Closer, error) {
	c, ok := opt.MakeRedisClient().(redis.UniversalClient)
	if !ok {
		return nil, nil, fmt.Errorf("redis check: unsupported RedisConnOpt %T", opt)
	}
	return func(ctx context.Context) error {
		if err := c.Ping(ctx).Err(); err != nil {
			return fmt.Errorf("redis ping: %w", err)
		}
		return nil
	}, c, nil
}
