package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hibiken/asynq"

	"github.com/nitro-runtime/nitro/api"
)

func TestMonitoringAuth(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	for _, path := range []string{"/monitoring/", "/monitoring/api/queues"} {
		r := h.call("GET", path, "none", nil)
		h.expect(r, http.StatusUnauthorized)
		if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic") {
			t.Fatalf("401 without a Basic challenge: %v", r.header)
		}
		h.expect(h.call("GET", path, "basic:wrong", nil), http.StatusUnauthorized)
		h.expect(h.call("GET", path, "not-a-jwt", nil), http.StatusUnauthorized)
		h.expect(h.call("GET", path, "key", nil), http.StatusUnauthorized) // an API key is not admin
		h.expect(h.call("GET", path, h.token("u1", false), nil), http.StatusForbidden)
		h.expect(h.call("GET", path, "basic", nil), http.StatusOK)
		h.expect(h.call("GET", path, h.token("ops", true), nil), http.StatusOK)
	}
	page := h.call("GET", "/monitoring/", "basic", nil)
	if !strings.Contains(string(page.body), `FLAG_ROOT_PATH="\/monitoring"`) {
		t.Fatalf("not the asynqmon page: %.200s", page.body)
	}
	// Writes from another site are refused even with credentials; same-origin ones pass.
	h.expect(h.call("POST", "/monitoring/api/queues/default:pause", "basic", nil, "Origin", "https://evil.example"), http.StatusForbidden)
	h.expect(h.call("POST", "/monitoring/api/queues/default:pause", "basic", nil, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
}

func TestMonitoringRedactsPayloads(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	secret, pub := keypair(t)
	// A task enqueued around the API (the bot writes to Redis directly) with secrets in it.
	payload := `{"userId":"u1","devWallet":"` + pub + `","secretKey":"s3cr3t-value","note":"` + secret +
		`","nested":{"mnemonic":"abandon abandon","privateKey":"pk-value","publicKey":"` + pub + `"}}`
	if _, err := h.client.Enqueue(asynq.NewTask("launch_token", []byte(payload)), asynq.Queue("default")); err != nil {
		t.Fatal(err)
	}
	// One through the API too: its payload is shown, public keys and all.
	h.expect(h.call("POST", "/api/jobs/dev_sell", "key", validJob("dev_sell", "u1")), http.StatusAccepted)
	r := h.expect(h.call("GET", "/monitoring/api/queues/default/pending_tasks", "basic", nil), http.StatusOK)
	body := h.call("GET", "/monitoring/api/queues/default/pending_tasks", "basic", nil).body
	if !strings.Contains(string(body), pub) || !strings.Contains(string(body), "[redacted]") {
		t.Fatalf("public key must stay visible and secrets redacted: %s (%v)", body, r)
	}
	crit := h.call("GET", "/monitoring/api/queues/critical/pending_tasks", "basic", nil)
	if !strings.Contains(string(crit.body), pubkey(9)) {
		t.Fatalf("API-enqueued payload not shown: %s", crit.body)
	}
	h.assertNeverSent(secret, "s3cr3t-value", "abandon abandon", "pk-value")
}

func TestMonitoringReadOnly(t *testing.T) {
	h := newHarness(t, harnessOpts{cfg: api.Config{MonitoringReadOnly: true}})
	h.expect(h.call("GET", "/monitoring/api/queues", "basic", nil), http.StatusOK)
	if r := h.call("POST", "/monitoring/api/queues/default:pause", "basic", nil); r.status != http.StatusMethodNotAllowed {
		t.Fatalf("read-only asynqmon accepted a write: %d %s", r.status, r.body)
	}
}
