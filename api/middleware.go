package api

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/time/rate"
)

// logRequests logs method, path (never the query: socket.io carries tokens there),
// status and duration. Headers and bodies are never logged. Polling, scrapes, health
// probes and the built-in cluster's RPC (the workers' own chain calls) log at debug so
// they do not drown the rest.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rw := &responseWriter{ResponseWriter: w}
		next.ServeHTTP(rw, r)
		status := cmpStatus(rw.status)
		level := zerolog.InfoLevel
		switch {
		case status >= 500:
			level = zerolog.ErrorLevel
		case status == http.StatusTooManyRequests:
			level = zerolog.DebugLevel // tooMany logs a bucket's first refusal; a flood's others stay out of the log
		case r.URL.Path == "/health" || strings.HasPrefix(r.URL.Path, "/health/") || r.URL.Path == "/metrics" || strings.HasPrefix(r.URL.Path, "/socket.io/") ||
			strings.HasPrefix(r.URL.Path, "/localnet/") || strings.HasPrefix(r.URL.Path, "/metadata/") ||
			(strings.HasPrefix(r.URL.Path, "/monitoring/") && r.Method == http.MethodGet):
			level = zerolog.DebugLevel
		}
		s.log.WithLevel(level).Str("method", r.Method).Str("path", r.URL.Path).Int("status", status).
			Dur("duration", time.Since(start)).Int64("bytes", rw.bytes).Str("ip", clientIP(r, s.cfg.TrustProxy)).
			Msg("http request")
		s.metrics.httpRequest(r.Method, r.Pattern, status, time.Since(start))
	})
}

func cmpStatus(s int) int {
	if s == 0 {
		return http.StatusOK
	}
	return s
}

// responseWriter records the status and size; it passes Flush and Hijack through so
// Socket.IO polling and WebSocket upgrades keep working behind it.
type responseWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *responseWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush implements http.Flusher.
func (w *responseWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack implements http.Hijacker.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("hijack not supported")
	}
	if w.status == 0 {
		w.status = http.StatusSwitchingProtocols
	}
	return h.Hijack()
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// recoverPanics answers a handler panic with a JSON 500 (logged by logRequests as an
// error) instead of a dropped connection; http.ErrAbortHandler keeps its meaning.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			s.log.Error().Str("panic", fmt.Sprint(v)).Str("path", r.URL.Path).Msg("handler panicked")
			writeError(w, http.StatusInternalServerError, "internal error")
		}()
		next.ServeHTTP(w, r)
	})
}

// clientIP is the peer address, or the first X-Forwarded-For hop behind a trusted proxy.
func clientIP(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			first, _, _ := strings.Cut(xff, ",")
			if ip := net.ParseIP(strings.TrimSpace(first)); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limiter is a token bucket per key (API key, user or IP). Its memory is bounded: a
// sweep drops every bucket that has refilled (a full bucket is the same as none), and
// past maxBuckets it drops arbitrary ones too, so a stream of new keys cannot grow it.
type limiter struct {
	mu      sync.Mutex
	limit   rate.Limit
	burst   int
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	lim *rate.Limiter
	// warned is when the last refusal of this bucket was logged: a flood is logged
	// once a minute per bucket, not once per request.
	warned time.Time
}

const (
	maxBuckets     = 100_000
	sweepingPeriod = time.Minute
	warnEvery      = time.Minute
)

func newLimiter(limit rate.Limit, burst int) *limiter {
	return &limiter{limit: limit, burst: burst, buckets: map[string]*bucket{}}
}

// allow takes a token for key; when none is left it returns how long to wait.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	res, wait, _ := l.reserve(key, now)
	return res != nil || l.limit == rate.Inf, wait
}

// reserve takes a token for key and returns its reservation (cancel it to give the
// token back). When none is left it returns nil, how long to wait, and whether this
// refusal is the first of key's in warnEvery (the one worth a log line). An unlimited
// limiter returns nil, 0, false.
func (l *limiter) reserve(key string, now time.Time) (*rate.Reservation, time.Duration, bool) {
	if l.limit == rate.Inf {
		return nil, 0, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.sweep) > sweepingPeriod || len(l.buckets) >= maxBuckets {
		l.sweepLocked(now)
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[key] = b
	}
	res := b.lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		warn := now.Sub(b.warned) >= warnEvery
		if warn {
			b.warned = now
		}
		return nil, d, warn
	}
	return res, 0, false
}

// sweepLocked drops the buckets that are full again; if the keys are still too many
// (a flood of distinct keys, each spent), arbitrary ones go down to 90% of the bound:
// such a key starts again with a full bucket, the price of bounded memory.
func (l *limiter) sweepLocked(now time.Time) {
	l.sweep = now
	for k, b := range l.buckets {
		if b.lim.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < maxBuckets*9/10 {
			break
		}
		delete(l.buckets, k)
	}
}

func seconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }
