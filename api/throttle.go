package api

import (
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// failThrottle counts failed admin logins per client address and over all addresses.
// Once an address has spent its failures, every basic-auth attempt from it (a right
// password too, or guessing would go on and only the answer would change) is a 429
// until a failure has aged out; the overall bound stops guessing spread over many
// addresses. An admin token is a signature, not a guess, and is never throttled.
type failThrottle struct {
	perAddr *limiter
	mu      sync.Mutex
	overall *rate.Limiter
}

func newFailThrottle(perAddr, overall int) *failThrottle {
	return &failThrottle{
		perAddr: newLimiter(rate.Every(time.Minute/time.Duration(perAddr)), perAddr),
		overall: rate.NewLimiter(rate.Every(time.Minute/time.Duration(overall)), overall),
	}
}

// blocked returns how long addr must wait before it may try again; 0 lets it try.
func (f *failThrottle) blocked(addr string, now time.Time) time.Duration {
	f.mu.Lock()
	overall := untilToken(f.overall, now)
	f.mu.Unlock()
	return max(overall, f.perAddr.wait(addr, now))
}

// failed spends one failure of addr and one of the overall bound.
func (f *failThrottle) failed(addr string, now time.Time) {
	f.perAddr.allow(addr, now)
	f.mu.Lock()
	f.overall.AllowN(now, 1)
	f.mu.Unlock()
}

// untilToken is how long until l has a whole token; 0 when it has one now.
func untilToken(l *rate.Limiter, now time.Time) time.Duration {
	missing := 1 - l.TokensAt(now)
	if missing <= 0 {
		return 0
	}
	return time.Duration(missing / float64(l.Limit()) * float64(time.Second))
}

// wait is how long key must wait for a token, without taking one; 0 for a key with
// no bucket yet (it has a full one).
func (l *limiter) wait(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		return 0
	}
	return untilToken(b.lim, now)
}

// throttleAdmin answers 429 with Retry-After when addr may not try to log in now.
func (s *Server) throttleAdmin(w http.ResponseWriter, r *http.Request, addr string) bool {
	wait := s.adminFails.blocked(addr, time.Now())
	if wait == 0 {
		return false
	}
	s.metrics.authThrottled("admin")
	s.log.Warn().Str("ip", addr).Str("path", r.URL.Path).Dur("retry_after", wait).Msg("admin login throttled")
	retryAfter(w, seconds(wait))
	writeError(w, http.StatusTooManyRequests, "too many failed logins; retry later")
	return true
}

// adminLoginFailed counts and logs a failed admin login: the address, never what was
// typed (a user name field often holds a password).
func (s *Server) adminLoginFailed(r *http.Request, addr string) {
	s.adminFails.failed(addr, time.Now())
	s.metrics.authFailed("admin")
	s.log.Warn().Str("ip", addr).Str("path", r.URL.Path).Msg("admin login failed")
}
