package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/nitro-runtime/nitro/api"
)

// Guessing the admin password is throttled per address and over all addresses: a
// 429 with Retry-After, counted on /metrics, logged with the address and never with
// what was typed. An admin token is not a guess and still opens the door.
func TestAdminLoginThrottle(t *testing.T) {
	h := newHarness(t, harnessOpts{cfg: api.Config{AdminFailuresPerAddr: 3, AdminFailuresOverall: 5, TrustProxy: true}})
	from := func(addr, authz string) reply {
		t.Helper()
		return h.call("GET", "/monitoring/api/queues", authz, nil, "X-Forwarded-For", addr)
	}
	for i := range 3 {
		h.expect(from("10.0.0.1", "basic:guess-"+strconv.Itoa(i)), http.StatusUnauthorized)
	}
	r := from("10.0.0.1", "basic:guess-3")
	h.expect(r, http.StatusTooManyRequests)
	if n, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || n < 1 || n > 60 {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	h.expect(from("10.0.0.1", "basic"), http.StatusTooManyRequests) // the right password too, or guessing goes on
	h.expect(from("10.0.0.1", h.token("ops", true)), http.StatusOK)
	h.expect(from("10.0.0.2", "basic"), http.StatusOK) // another address is not punished

	// Two more failures from a second address spend the overall bound: a third
	// address is refused before its first guess.
	h.expect(from("10.0.0.2", "basic:guess-4"), http.StatusUnauthorized)
	h.expect(from("10.0.0.2", "not-a-token"), http.StatusUnauthorized)
	h.expect(from("10.0.0.3", "basic:guess-5"), http.StatusTooManyRequests)

	metrics := string(h.call("GET", "/metrics", "none", nil).body)
	for _, want := range []string{`nitro_auth_failures_total{realm="admin"} 5`, `nitro_auth_throttled_total{realm="admin"} 3`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	logs := h.logs.String()
	if !strings.Contains(logs, `"ip":"10.0.0.1"`) || !strings.Contains(logs, "admin login throttled") {
		t.Fatalf("failures not logged with the address:\n%s", logs)
	}
	h.assertNeverSent("guess-", testPassword)
}
