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
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
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
}

// health runs every check at once, each under HealthTimeout; any down is a 503 (the
// error is logged, not shown: it may name hosts).
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	results := s.runChecks(r.Context())
	rep := healthReply{Status: "ok", Version: s.cfg.Version,
		UptimeSeconds: int64(time.Since(s.cfg.Started).Seconds())}
	if s.deps.Sockets != nil {
		rep.Sockets = s.deps.Sockets.Sockets()
	}
	status := http.StatusOK
	var down []string
	for _, name := range slices.Sorted(maps.Keys(results)) {
		v := results[name]
		if v == healthDown {
			down = append(down, name)
			rep.Status, status = "degraded", http.StatusServiceUnavailable
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
	if len(down) > 0 {
		rep.Error = "unavailable: " + strings.Join(down, ", ") + " down"
	}
	writeJSON(w, status, rep)
}

func (s *Server) runChecks(ctx context.Context) map[string]string {
	out := map[string]string{}
	for _, n := range healthNames {
		out[n] = healthNotConfigured
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, name := range slices.Sorted(maps.Keys(s.deps.Checks)) {
		check := s.deps.Checks[name]
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, s.cfg.HealthTimeout)
			defer cancel()
			v := healthOK
			if err := safeCheck(cctx, check); err != nil {
				v = healthDown
				s.log.Warn().Err(err).Str("check", name).Msg("health check failed")
			}
			mu.Lock()
			out[name] = v
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
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
