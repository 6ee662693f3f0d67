package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/time/rate"

	"github.com/nitro-runtime/nitro/jobs"
)

// Rate is the shape of a token bucket: Limit tokens a second refill a bucket of Burst.
// In Config the zero Rate means the default; Unlimited switches a limit off.
type Rate struct {
	Limit rate.Limit
	Burst int
}

// Unlimited is a Rate that never refuses.
var Unlimited = Rate{Limit: rate.Inf}

// Off reports whether r never refuses.
func (r Rate) Off() bool { return r.Limit == rate.Inf }

// String is how limits are told to a refused client and in logs: "2/s, burst 20".
func (r Rate) String() string {
	if r.Off() {
		return "off"
	}
	per := float64(r.Limit)
	unit := "s"
	if per < 1 {
		per, unit = per*60, "min"
	}
	return strconv.FormatFloat(per, 'g', 4, 64) + "/" + unit + ", burst " + strconv.Itoa(r.Burst)
}

func (r Rate) validate(name string) error {
	if r.Off() {
		return nil
	}
	if r.Limit <= 0 || r.Burst < 1 {
		return fmt.Errorf("api: Config.%s must have Limit > 0 and Burst >= 1, or be Unlimited", name)
	}
	return nil
}

// Defaults of the route limits. An API key is the bot or the dApp backend acting for
// many users, so its bucket is wide; a user's is what a person clicking through a bot
// can use (a launch's wallets at once: dev, funding and up to 20 buyers).
var (
	DefaultEnqueuePerKey  = Rate{Limit: 50, Burst: 100}
	DefaultEnqueuePerUser = Rate{Limit: 2, Burst: 20}
	DefaultWalletsPerKey  = Rate{Limit: 50, Burst: 100}
	DefaultWalletsPerUser = Rate{Limit: 2, Burst: 30}
)

// Scopes of nitro_rate_limited_total: whose bucket was empty.
const (
	scopeKey  = "key"  // the API key's
	scopeUser = "user" // the userId's (payload, path or token)
	scopeIP   = "ip"   // an unauthenticated client's address
)

// routeLimits are the buckets of one group of routes: one per API key and one per
// user. A request is charged to its user first and to its key only if its user had a
// token: a flood by one user through a shared key (the bot's) empties that user's
// bucket, not the key's, so the key's other users are not slowed.
type routeLimits struct {
	route           string // nitro_rate_limited_total's route label: "enqueue", "wallets"
	what            string // how a refusal names the requests: "enqueues", "wallet requests"
	perKey, perUser Rate
	keys, users     *limiter
	maxBody         int64 // a body above this is not read for its userId (the handler answers 413)
}

func newRouteLimits(route, what string, perKey, perUser Rate, maxBody int64) *routeLimits {
	return &routeLimits{route: route, what: what, perKey: perKey, perUser: perUser, maxBody: maxBody,
		keys: newLimiter(perKey.Limit, perKey.Burst), users: newLimiter(perUser.Limit, perUser.Burst)}
}

// limitName is the refusal's "limit" field: "enqueue_per_user", "wallets_per_key".
func (rl *routeLimits) limitName(scope string) string { return rl.route + "_per_" + scope }

// limitRoute charges the request to its user's bucket, then to its API key's; either
// one empty is a 429 with Retry-After and the limit named. It runs after apiAuth (the
// principal is known) and before the handler, which reads the body as sent.
func (s *Server) limitRoute(rl *routeLimits, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		p := principalFrom(r.Context())
		var userRes *rate.Reservation
		if !rl.perUser.Off() {
			// An API key acts for the user it names; a token is charged to its own user,
			// or one user could spend another's budget with requests refused as not theirs.
			user := p.UserID
			if p.APIKey {
				var peeked []byte
				user, peeked = userOf(r, rl.maxBody)
				defer clear(peeked) // a wallet body may hold a secret key
			}
			if user != "" {
				res, wait, warn := rl.users.reserve(user, now)
				if res == nil {
					s.tooMany(w, r, rl.route, scopeUser, rl.limitName(scopeUser), rl.what+" per user", rl.perUser, user, wait, warn)
					return
				}
				userRes = res
			}
		}
		if p.APIKey && !rl.perKey.Off() {
			if res, wait, warn := rl.keys.reserve(shortHash(credential(r)), now); res == nil {
				if userRes != nil {
					userRes.CancelAt(now) // refused anyway: the user keeps the token
				}
				s.tooMany(w, r, rl.route, scopeKey, rl.limitName(scopeKey), rl.what+" per API key", rl.perKey, "", wait, warn)
				return
			}
		}
		next(w, r)
	}
}

// userOf is whom the request acts for: the path's {userId}, else the "userId" of a
// JSON body (read here and put back for the handler, which validates it strictly; a
// body this cannot read names no user and is refused by the handler). peeked is the
// bytes read, for the caller to clear.
func userOf(r *http.Request, maxBody int64) (user string, peeked []byte) {
	if u := r.PathValue("userId"); u != "" {
		return u, nil
	}
	if r.Body == nil || r.Body == http.NoBody {
		return "", nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	rest := r.Body
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), rest), rest}
	if err != nil || int64(len(body)) > maxBody {
		return "", body
	}
	var v struct {
		UserID string `json:"userId"`
	}
	if json.Unmarshal(body, &v) != nil || !jobs.ValidUserID(v.UserID) {
		return "", body
	}
	return v.UserID, body
}

// tooMany answers 429: Retry-After in whole seconds (rounded up), the error naming the
// limit, and the limit's name in "limit". The first refusal of a bucket in a minute
// is logged (warn), the rest only counted: a flood must not flood the log too.
func (s *Server) tooMany(w http.ResponseWriter, r *http.Request, route, scope, limit, what string, rt Rate, user string, wait time.Duration, warn bool) {
	s.metrics.rateLimited(route, scope)
	secs := max(seconds(wait), 1)
	if warn {
		ev := s.log.Warn().Str("route", route).Str("scope", scope).Str("path", r.URL.Path).Str("limit", rt.String())
		if user != "" {
			ev = ev.Str("user_id", user)
		}
		if scope == scopeIP {
			ev = ev.Str("ip", clientIP(r, s.cfg.TrustProxy))
		}
		ev.Msg("rate limited")
	}
	retryAfter(w, secs)
	writeJSON(w, http.StatusTooManyRequests, errorBody{
		Error: fmt.Sprintf("rate limit exceeded: %s (%s); retry in %ds", what, rt, secs), Limit: limit})
}
