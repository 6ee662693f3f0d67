package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/nitro-runtime/nitro/auth"
)

type principalKey struct{}

// principalFrom returns who the request acts as (set by apiAuth).
func principalFrom(ctx context.Context) auth.Principal {
	p, _ := ctx.Value(principalKey{}).(auth.Principal)
	return p
}

// credential returns the presented API key or token: X-API-Key, else Authorization: Bearer.
func credential(r *http.Request) string {
	if k := r.Header.Get("X-API-Key"); k != "" {
		return strings.TrimSpace(k)
	}
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// authenticate resolves the credential: an API key, else a JWT. The error text is
// safe to show (it never echoes the credential).
func (s *Server) authenticate(r *http.Request) (auth.Principal, error) {
	cred := credential(r)
	if cred == "" {
		return auth.Principal{}, auth.ErrMissingToken
	}
	if s.deps.APIKeys.Valid(cred) {
		return auth.Principal{APIKey: true}, nil
	}
	if r.Header.Get("X-API-Key") != "" {
		return auth.Principal{}, errors.New("invalid API key")
	}
	return s.deps.Verifier.Verify(cred)
}

// apiAuth rate-limits then authenticates every /api/ request. The bucket is the API
// key's or the user's when the credential is good, else the client IP's, so guessing
// keys is limited per address. On a route with its own limits (rl, see limitRoute) an
// API key is charged there instead, per user first: one user's flood through the bot's
// key must not empty the bucket every other user of that key shares.
func (s *Server) apiAuth(next http.HandlerFunc, rl *routeLimits) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		key, scope := "ip:"+clientIP(r, s.cfg.TrustProxy), scopeIP
		switch {
		case err == nil && p.APIKey:
			key, scope = "key:"+shortHash(credential(r)), scopeKey
		case err == nil:
			key, scope = "user:"+p.UserID, scopeUser
		}
		if rl == nil || scope != scopeKey {
			if res, wait, warn := s.limiter.reserve(key, time.Now()); res == nil && wait > 0 {
				s.tooMany(w, r, "api", scope, "api_per_client", "API requests per client", Rate{s.cfg.RateLimit, s.cfg.RateBurst}, p.UserID, wait, warn)
				return
			}
		}
		if err != nil {
			if !errors.Is(err, auth.ErrMissingToken) {
				s.metrics.authFailed("api")
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="nitro"`)
			writeError(w, http.StatusUnauthorized, "unauthorized: "+err.Error())
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// requireAPIKey refuses a request made with a user token (enqueueing and wallet
// registration are for the bot and dApp backend only).
func requireAPIKey(w http.ResponseWriter, r *http.Request) bool {
	if principalFrom(r.Context()).APIKey {
		return true
	}
	writeError(w, http.StatusForbidden, "forbidden: this route needs an API key")
	return false
}

// requireUser refuses a token of another user (API keys and admin tokens see all).
func requireUser(w http.ResponseWriter, r *http.Request, userID string) bool {
	if principalFrom(r.Context()).CanAccessUser(userID) {
		return true
	}
	writeError(w, http.StatusForbidden, "forbidden: not your data")
	return false
}

// adminAuth lets through HTTP basic admin:NITRO_ADMIN_PASSWORD or an admin JWT.
// A valid non-admin token is 403; anything else is 401 with a Basic challenge. Failed
// logins are throttled per address and overall (failThrottle): 429 with Retry-After.
func (s *Server) adminAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := clientIP(r, s.cfg.TrustProxy)
		if user, pass, ok := r.BasicAuth(); ok {
			if s.throttleAdmin(w, r, addr) {
				return
			}
			if s.cfg.AdminPassword != "" && equalSecret(user, "admin") && equalSecret(pass, s.cfg.AdminPassword) {
				next.ServeHTTP(w, r)
				return
			}
			s.adminLoginFailed(r, addr)
		} else if cred := credential(r); cred != "" {
			p, err := s.deps.Verifier.Verify(cred)
			if err == nil && p.Admin {
				next.ServeHTTP(w, r)
				return
			}
			if err == nil {
				writeError(w, http.StatusForbidden, "forbidden: admin only")
				return
			}
			if s.throttleAdmin(w, r, addr) {
				return
			}
			s.adminLoginFailed(r, addr)
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="nitro monitoring", charset="UTF-8"`)
		writeError(w, http.StatusUnauthorized, "unauthorized: admin credentials required")
	})
}

// equalSecret compares in constant time, also in the length (hashes are equal-sized).
func equalSecret(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}
