package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/nitro-runtime/nitro/progress"
)

// The bot sends one Idempotency-Key per Telegram message and message ids repeat
// across chats: a key is scoped by caller, user and job type. Under one scope a
// different payload is a 422 naming what differs (a retry repeats its request).
func TestIdempotencyKeyScope(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	post := func(body map[string]any, status int) map[string]any {
		t.Helper()
		return h.expect(h.call("POST", "/api/jobs/dev_sell", "key", body, "Idempotency-Key", "msg-17"), status)
	}
	alice := validJob(progress.DevSell, "alice")
	a := post(alice, http.StatusAccepted)
	b := post(validJob(progress.DevSell, "bob"), http.StatusAccepted)
	if a["jobId"] == b["jobId"] {
		t.Fatalf("bob got alice's job %v", a["jobId"])
	}
	job, err := h.store.GetJob(context.Background(), b["jobId"].(string))
	if err != nil || job.UserID != "bob" {
		t.Fatalf("bob's job row: %+v, %v", job, err)
	}
	// The same request again: the first job, even with keys in another order.
	if again := post(alice, http.StatusOK); again["jobId"] != a["jobId"] {
		t.Fatalf("replay gave %v, want %v", again["jobId"], a["jobId"])
	}
	reordered := `{"sellPercent":50,"tokenAddress":"` + alice["tokenAddress"].(string) + `","userId":"alice","slippageBps":500}`
	if r := h.expect(h.call("POST", "/api/jobs/dev_sell", "key", reordered, "Idempotency-Key", "msg-17"), http.StatusOK); r["jobId"] != a["jobId"] {
		t.Fatalf("a reordered body with the default written out is the same request: %v", r)
	}
	changed := validJob(progress.DevSell, "alice")
	changed["sellPercent"], changed["userChatId"] = 75, 9
	m := post(changed, http.StatusUnprocessableEntity)
	fields, _ := m["fields"].(map[string]any)
	if len(fields) != 2 || fields["sellPercent"] == nil || fields["userChatId"] == nil || !strings.Contains(m["error"].(string), "sellPercent") {
		t.Fatalf("422 must name sellPercent and userChatId: %v", m)
	}
	tasks, err := h.insp.ListPendingTasks("critical")
	if err != nil || len(tasks) != 2 {
		t.Fatalf("want alice's and bob's tasks only, got %d (%v)", len(tasks), err)
	}
}

// Two callers (the bot and the dApp backend, each with its API key) have separate key spaces.
func TestIdempotencyKeyScopedByCaller(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	first := h.expect(h.call("POST", "/api/jobs/dev_sell", "key", validJob(progress.DevSell, "u1"), "Idempotency-Key", "k"), http.StatusAccepted)
	other := h.expect(h.call("POST", "/api/jobs/dev_sell", "none", validJob(progress.DevSell, "u1"),
		"Idempotency-Key", "k", "X-API-Key", testAPIKey2), http.StatusAccepted)
	if first["jobId"] == other["jobId"] {
		t.Fatal("two API keys share one idempotency key space")
	}
}
