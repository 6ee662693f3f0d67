package api_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/nitro-runtime/nitro/api"
	"github.com/nitro-runtime/nitro/progress"
)

// expect429 asserts a route limit's refusal: 429, Retry-After in whole seconds, and
// the limit named in "limit" and in the message.
func expect429(t *testing.T, h *harness, r reply, limit, what string) {
	t.Helper()
	m := h.expect(r, http.StatusTooManyRequests)
	if n, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || n < 1 {
		t.Fatalf("Retry-After %q, want whole seconds >= 1", r.header.Get("Retry-After"))
	}
	if m["limit"] != limit || !strings.Contains(m["error"].(string), what) {
		t.Fatalf("refusal %v, want limit %q and %q in the error", m, limit, what)
	}
}

func metricsHave(t *testing.T, h *harness, want ...string) {
	t.Helper()
	body := string(h.call("GET", "/metrics", "none", nil).body)
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("/metrics lacks %s", w)
		}
	}
}

// One user's flood through the shared API key empties that user's bucket only: the
// refusals cost the key nothing, so another user of the key still enqueues. A request
// the key's bucket refuses gives its user's token back.
func TestEnqueueLimitsPerUserThenKey(t *testing.T) {
	h := newHarness(t, harnessOpts{cfg: api.Config{
		EnqueuePerUser: api.Rate{Limit: 0.001, Burst: 2}, EnqueuePerKey: api.Rate{Limit: 0.001, Burst: 4},
		RateLimit: 0.001, RateBurst: 1, // the per-client bucket of other routes: not charged here
	}})
	enqueue := func(user string, key ...string) reply {
		hdr := []string{}
		if len(key) > 0 {
			hdr = []string{"X-API-Key", key[0]}
		}
		return h.call("POST", "/api/jobs/dev_sell", "key", validJob(progress.DevSell, user), hdr...)
	}
	for range 2 {
		h.expect(enqueue("mallory"), http.StatusAccepted)
	}
	for range 20 {
		expect429(t, h, enqueue("mallory"), "enqueue_per_user", "enqueues per user")
	}
	h.expect(enqueue("alice"), http.StatusAccepted)
	h.expect(enqueue("alice"), http.StatusAccepted) // the key's 4th token: mallory's 20 refusals took none
	expect429(t, h, enqueue("bob"), "enqueue_per_key", "enqueues per API key")
	// bob's refused request did not spend his own bucket: through the other key he has both tokens.
	h.expect(enqueue("bob", testAPIKey2), http.StatusAccepted)
	h.expect(enqueue("bob", testAPIKey2), http.StatusAccepted)

	// Other routes keep the per-client bucket (of 1 here).
	h.expect(h.call("GET", "/api/jobs/x", "key", nil), http.StatusNotFound)
	expect429(t, h, h.call("GET", "/api/jobs/x", "key", nil), "api_per_client", "API requests per client")

	metricsHave(t, h, `nitro_rate_limited_total{route="enqueue",scope="user"} 20`,
		`nitro_rate_limited_total{route="enqueue",scope="key"} 1`, `nitro_rate_limited_total{route="api",scope="key"} 1`,
		`nitro_rate_limited_total{route="wallets",scope="user"} 0`,
		`nitro_socket_refused_total{reason="sockets per user"} 3`) // the socket server's counters, read at scrape time
	if n := strings.Count(h.logs.String(), `"user_id":"mallory","message":"rate limited"`); n != 1 {
		t.Errorf("mallory's 20 refusals logged %d times, want once:\n%s", n, h.logs.String())
	}
}

// The wallet routes are limited by the user of the body (POST) or of the path (GET),
// one bucket per user for all of them; the handler still reads the body the limiter
// peeked at, and the secret in it never leaves.
func TestWalletLimitsPerUser(t *testing.T) {
	h := newHarness(t, harnessOpts{cfg: api.Config{WalletsPerUser: api.Rate{Limit: 0.001, Burst: 2}}})
	secret, pub := keypair(t)
	m := h.expect(h.call("POST", "/api/wallets", "key", map[string]any{"userId": "u1", "label": "dev", "secretKey": secret}), http.StatusCreated)
	if m["publicKey"] != pub {
		t.Fatalf("registered %v, want %s: the handler did not get the body the limiter read", m, pub)
	}
	h.expect(h.call("GET", "/api/users/u1/wallets", h.token("u1", false), nil), http.StatusOK)
	expect429(t, h, h.call("GET", "/api/users/u1/wallets", "key", nil), "wallets_per_user", "wallet requests per user")
	expect429(t, h, h.call("POST", "/api/wallets", "key", map[string]any{"userId": "u1", "generate": true}), "wallets_per_user", "per user")
	// Another user's token is charged to that user's own bucket, not to the user it names.
	for range 2 {
		h.expect(h.call("GET", "/api/users/u2/wallets", h.token("u3", false), nil), http.StatusForbidden)
	}
	expect429(t, h, h.call("GET", "/api/users/u2/wallets", h.token("u3", false), nil), "wallets_per_user", "per user")
	h.expect(h.call("GET", "/api/users/u2/wallets", "key", nil), http.StatusOK)
	h.expect(h.call("POST", "/api/wallets", "key", map[string]any{"userId": "u2", "generate": true}), http.StatusCreated)
	// Every wallet route shares the user's bucket: rename and delete by path, import by body.
	expect429(t, h, h.call("PATCH", "/api/users/u1/wallets/"+pub, "key", map[string]any{"label": "x"}), "wallets_per_user", "per user")
	expect429(t, h, h.call("DELETE", "/api/users/u1/wallets/"+pub, "key", nil), "wallets_per_user", "per user")
	secret2, pub2 := keypair(t)
	m = h.expect(h.call("POST", "/api/wallets/import", "key", map[string]any{"userId": "u4", "wallets": []any{map[string]any{"secretKey": secret2}}}),
		http.StatusCreated)
	if !strings.Contains(fmt.Sprint(m), pub2) {
		t.Fatalf("import answered %v, want %s: the handler did not get the body the limiter read", m, pub2)
	}
	expect429(t, h, h.call("POST", "/api/wallets/import", "key", map[string]any{"userId": "u1", "wallets": []any{map[string]any{"secretKey": secret2}}}),
		"wallets_per_user", "per user")
	// A body too big to read for its user is the handler's 413, not a free pass.
	h.expect(h.call("POST", "/api/wallets", "key", `{"userId":"u1","label":"`+strings.Repeat("x", api.MaxWalletImportBody)+`"}`),
		http.StatusRequestEntityTooLarge)
	metricsHave(t, h, `nitro_rate_limited_total{route="wallets",scope="user"} 6`) // u1 five times, u3 once
	h.assertNeverSent(secret, secret2)
}

// Unlimited switches a route limit off.
func TestRouteLimitsOff(t *testing.T) {
	h := newHarness(t, harnessOpts{cfg: api.Config{EnqueuePerUser: api.Unlimited, EnqueuePerKey: api.Unlimited}})
	for i := range api.DefaultEnqueuePerUser.Burst + 5 {
		h.expect(h.call("POST", "/api/jobs/dev_sell", "key", validJob(progress.DevSell, "u1"), "Idempotency-Key", "k"+strconv.Itoa(i)),
			http.StatusAccepted)
	}
}

func TestRateString(t *testing.T) {
	for r, want := range map[api.Rate]string{{Limit: 2, Burst: 20}: "2/s, burst 20", {Limit: 0.5, Burst: 3}: "30/min, burst 3", api.Unlimited: "off"} {
		if got := r.String(); got != want {
			t.Errorf("%#v: %q, want %q", r, got, want)
		}
	}
}
