package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/nitro-runtime/nitro/internal/testkit"
	"github.com/nitro-runtime/nitro/jobs"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/progress/wire"
)

func validJob(typ progress.WorkerType, user string) map[string]any {
	meta := map[string]any{"userId": user, "platform": "pump", "name": "Nitro", "symbol": "NIT", "image": "https://example.com/a.png"}
	switch typ {
	case progress.CreateTokenMetadata:
		return meta
	case progress.PrepareLaunch:
		return map[string]any{"userId": user, "tokenAddress": pubkey(9), "devWallet": pubkey(1), "fundingWallet": pubkey(2),
			"buyerWallets": []any{map[string]any{"publicKey": pubkey(3), "buySol": 0.2}}}
	case progress.ExecuteLaunch:
		return map[string]any{"userId": user, "tokenAddress": pubkey(9), "devBuySol": 1}
	case progress.LaunchToken, progress.LaunchTokenFromDapp:
		meta["devWallet"], meta["devBuySol"] = pubkey(1), 0.5
		if typ == progress.LaunchTokenFromDapp {
			delete(meta, "image")
			meta["metadataUri"] = "https://arweave.net/x"
		}
		return meta
	case progress.DevSell:
		return map[string]any{"userId": user, "tokenAddress": pubkey(9), "sellPercent": 50}
	case progress.SweepWallets:
		return map[string]any{"userId": user, "wallets": []any{pubkey(3)}, "destination": pubkey(2)}
	default:
		return map[string]any{"userId": user, "tokenAddress": pubkey(9), "sellPercent": 25, "wallets": []any{pubkey(3)}}
	}
}

func TestEnqueueEveryTypeGoesToItsQueue(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	for _, typ := range progress.WorkerTypes {
		m := h.expect(h.call("POST", "/api/jobs/"+string(typ), "key", validJob(typ, "u1")), http.StatusAccepted)
		id, _ := m["jobId"].(string)
		if m["type"] != string(typ) || m["queue"] != jobs.QueueOf(typ) || id == "" {
			t.Fatalf("%s: reply %v", typ, m)
		}
		info, err := h.insp.GetTaskInfo(jobs.QueueOf(typ), id)
		if err != nil {
			t.Fatalf("%s: task %s not in Redis queue %s: %v", typ, id, jobs.QueueOf(typ), err)
		}
		p, err := jobs.Decode(typ, info.Payload)
		if err != nil || info.Type != string(typ) || p.UserID() != "u1" {
			t.Fatalf("%s: task payload %s does not decode: %v", typ, info.Payload, err)
		}
		job, err := h.store.GetJob(context.Background(), id)
		if err != nil || job.Type != typ || job.Queue != jobs.QueueOf(typ) || job.State != "queued" || job.UserID != "u1" {
			t.Fatalf("%s: jobs row %+v, %v", typ, job, err)
		}
	}
}

func TestEnqueueStatusCodes(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	body := validJob(progress.DevSell, "u1")
	h.expect(h.call("POST", "/api/jobs/dev_sell", "none", body), http.StatusUnauthorized)
	h.expect(h.call("POST", "/api/jobs/dev_sell", "wrong-key", body), http.StatusUnauthorized)
	h.expect(h.call("POST", "/api/jobs/dev_sell", "none", body, "X-API-Key", "wrong"), http.StatusUnauthorized)
	h.expect(h.call("POST", "/api/jobs/dev_sell", "none", body, "X-API-Key", testAPIKey), http.StatusAccepted)
	h.expect(h.call("POST", "/api/jobs/dev_sell", h.token("u1", false), body), http.StatusForbidden)
	h.expect(h.call("POST", "/api/jobs/nope", "key", body), http.StatusNotFound)
	h.expect(h.call("DELETE", "/api/jobs/dev_sell", "key", nil), http.StatusMethodNotAllowed)

	bad := validJob(progress.LaunchToken, "bad user")
	bad["devBuySol"], bad["symbol"], bad["secretKey"] = 0, "WAYTOOLONGSYMBOL", "x"
	m := h.expect(h.call("POST", "/api/jobs/launch_token", "key", bad), http.StatusBadRequest)
	fields, _ := m["fields"].(map[string]any)
	if len(fields) != 1 || fields["secretKey"] != "unknown field" {
		t.Fatalf("unknown fields are reported first and alone: %v", m)
	}
	delete(bad, "secretKey")
	m = h.expect(h.call("POST", "/api/jobs/launch_token", "key", bad), http.StatusBadRequest)
	fields, _ = m["fields"].(map[string]any)
	for _, f := range []string{"userId", "devBuySol", "symbol"} {
		if fields[f] == nil {
			t.Fatalf("field %s not named: %v", f, m)
		}
	}
	h.expect(h.call("POST", "/api/jobs/dev_sell", "key", `{"userId":"u1"`), http.StatusBadRequest)
	huge := `{"userId":"` + strings.Repeat("a", jobs.MaxPayloadBytes) + `"}`
	h.expect(h.call("POST", "/api/jobs/dev_sell", "key", huge), http.StatusRequestEntityTooLarge)
	h.expect(h.call("POST", "/api/jobs/dev_sell", "key", body, "Content-Type", "text/plain"), http.StatusUnsupportedMediaType)
	h.expect(h.call("POST", "/api/jobs/dev_sell", "key", body, "Content-Type", "application/x-www-form-urlencoded"), http.StatusUnsupportedMediaType)
	h.expect(h.call("POST", "/api/jobs/dev_sell", "key", body, "Content-Type", "application/json; charset=utf-8"), http.StatusAccepted)
	h.expect(h.call("POST", "/api/jobs/dev_sell", "key", body, "Idempotency-Key", "has space"), http.StatusBadRequest)
	h.expect(h.call("POST", "/api/jobs/dev_sell", "key", body, "Idempotency-Key", strings.Repeat("k", 129)), http.StatusBadRequest)
	if strings.Contains(h.logs.String(), testAPIKey) || strings.Contains(h.logs.String(), "Authorization") {
		t.Fatal("the request log holds credentials")
	}
}

func TestEnqueueIdempotencyKey(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	body := validJob(progress.WalletSell, "u1")
	first := h.expect(h.call("POST", "/api/jobs/wallet_sell", "key", body, "Idempotency-Key", "order-42"), http.StatusAccepted)
	r := h.call("POST", "/api/jobs/wallet_sell", "key", body, "Idempotency-Key", "order-42")
	again := h.expect(r, http.StatusOK)
	if again["jobId"] != first["jobId"] || again["queue"] != "critical" || r.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("repeat returned %v, first was %v", again, first)
	}
	tasks, err := h.insp.ListPendingTasks("critical")
	if err != nil || len(tasks) != 1 || tasks[0].ID != first["jobId"] {
		t.Fatalf("want exactly one task in Redis, got %d (%v)", len(tasks), err)
	}
	// Another user reusing the key gets a job of their own (TestIdempotencyKeyScope).
	h.expect(h.call("POST", "/api/jobs/wallet_sell", "key", validJob(progress.WalletSell, "u2"), "Idempotency-Key", "order-42"), http.StatusAccepted)
	// The same key for another type names another job.
	other := h.expect(h.call("POST", "/api/jobs/dev_sell", "key", validJob(progress.DevSell, "u1"), "Idempotency-Key", "order-42"), http.StatusAccepted)
	if other["jobId"] == first["jobId"] {
		t.Fatal("key is not scoped by job type")
	}
}

func TestEnqueueIdempotencyAfterRedisLostTheTask(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	body := validJob(progress.DevSell, "u1")
	first := h.expect(h.call("POST", "/api/jobs/dev_sell", "key", body, "Idempotency-Key", "k1"), http.StatusAccepted)
	testkit.FlushRedis(t, testkit.DBAPI) // the task ran and its retention ended: only the jobs row remembers
	again := h.expect(h.call("POST", "/api/jobs/dev_sell", "key", body, "Idempotency-Key", "k1"), http.StatusOK)
	if again["jobId"] != first["jobId"] {
		t.Fatalf("got %v, want %v", again["jobId"], first["jobId"])
	}
	if tasks, _ := h.insp.ListPendingTasks("critical"); len(tasks) != 0 {
		t.Fatalf("the repeat enqueued the job again: %d tasks", len(tasks))
	}
}

func TestGetJob(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	ctx := context.Background()
	created := h.expect(h.call("POST", "/api/jobs/execute_launch", "key", validJob(progress.ExecuteLaunch, "u1")), http.StatusAccepted)
	id := created["jobId"].(string)
	now := time.Now()
	first, err := wire.NewRecord(progress.EventWorkerProgress, progress.WorkerProgressEvent{
		JobID: id, WorkerType: progress.ExecuteLaunch, UserID: "u1", Phase: 1, TotalPhases: 3, Progress: 10,
		PhaseTitle: "Creating token", Status: progress.StatusStarted, Timestamp: now.UnixMilli()})
	if err != nil {
		t.Fatal(err)
	}
	step, err := wire.NewRecord(progress.EventWorkerStep, progress.WorkerStepEvent{
		JobID: id, WorkerType: "execute_launch", UserID: "u1", Step: "buy", StepNumber: 1, TotalSteps: 1, Message: "bought"})
	if err != nil {
		t.Fatal(err)
	}
	first.JobID, first.UserID, first.Seq, first.At = id, "u1", 1, now
	step.JobID, step.UserID, step.Seq, step.At = id, "u1", 2, now
	// The run's row as its reporter leaves it: completed with the result (which the
	// API must not show whole), the latest progress its first event.
	row := wire.JobRow{ID: id, Seq: 2, Type: progress.ExecuteLaunch, UserID: "u1", State: wire.JobCompleted,
		Latest: first.JSON, Result: []byte(`{"signatures":{"create":"sig1","buys":[]},"privateKey":"leak"}`),
		StartedAt: now, EndedAt: now}
	if err := h.store.Persist(ctx, wire.Batch{Events: []wire.Record{first, step}, Jobs: []wire.JobRow{row}}); err != nil {
		t.Fatal(err)
	}
	owner, admin := h.token("u1", false), h.token("root", true)
	for _, who := range []string{"key", owner, admin} {
		m := h.expect(h.call("GET", "/api/jobs/"+id, who, nil), http.StatusOK)
		prog, _ := m["progress"].(map[string]any)
		steps, _ := m["steps"].([]any)
		result, _ := m["result"].(map[string]any)
		if m["state"] != "completed" || prog["phaseTitle"] != "Creating token" || len(steps) != 1 || result["signatures"] == nil {
			t.Fatalf("job reply %v", m)
		}
		if result["privateKey"] != "[redacted]" {
			t.Fatalf("secret-looking result field not redacted: %v", result)
		}
	}
	h.expect(h.call("GET", "/api/jobs/"+id, h.token("u2", false), nil), http.StatusForbidden)
	h.expect(h.call("GET", "/api/jobs/"+id, "none", nil), http.StatusUnauthorized)
	h.expect(h.call("GET", "/api/jobs/"+id, "not-a-jwt", nil), http.StatusUnauthorized)
	h.expect(h.call("GET", "/api/jobs/nope", "key", nil), http.StatusNotFound)
	h.expect(h.call("GET", "/api/jobs/bad%20id", "key", nil), http.StatusNotFound)
	h.assertNeverSent("leak", owner, admin, testAPIKey)
}

func TestRateLimit(t *testing.T) {
	h := newHarness(t, harnessOpts{cfg: apiConfig(0.001, 2)})
	for range 2 {
		h.expect(h.call("GET", "/api/jobs/x", "key", nil), http.StatusNotFound)
	}
	r := h.call("GET", "/api/jobs/x", "key", nil)
	h.expect(r, http.StatusTooManyRequests)
	if ra := r.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("Retry-After %q", ra)
	}
	// Another client (a user token) has its own bucket; unauthenticated callers share the IP's.
	h.expect(h.call("GET", "/api/jobs/x", h.token("u1", false), nil), http.StatusNotFound)
	h.expect(h.call("GET", "/api/jobs/x", "none", nil), http.StatusUnauthorized)
	h.expect(h.call("GET", "/api/jobs/x", "bad", nil), http.StatusUnauthorized)
	h.expect(h.call("GET", "/api/jobs/x", "bad", nil), http.StatusTooManyRequests)
	// Health and metrics are not rate limited.
	h.expect(h.call("GET", "/health", "none", nil), http.StatusOK)
}

// TestGetQueuedJob: a task enqueued straight into asynq (as the Telegram bot does) is
// visible before a worker starts it, with the same owner checks.
func TestGetQueuedJob(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	enqueue := func(id, queue, payload string) {
		t.Helper()
		if _, err := h.client.Enqueue(asynq.NewTask(string(progress.DevSell), []byte(payload)), asynq.TaskID(id),
			asynq.Queue(queue), asynq.MaxRetry(4)); err != nil {
			t.Fatal(err)
		}
	}
	enqueue("direct-1", "critical", `{"userId":"u7","tokenAddress":"x"}`)
	enqueue("direct-2", "default", `{"note":"no owner"}`)
	enqueue("direct-4", "default", `{"userId":"u7","UserId":"u8"}`) // the worker refuses it; no one but keys sees it

	for _, who := range []string{"key", h.token("u7", false), h.token("root", true)} {
		m := h.expect(h.call("GET", "/api/jobs/direct-1", who, nil), http.StatusOK)
		steps, _ := m["steps"].([]any)
		if m["state"] != "queued" || m["type"] != "dev_sell" || m["queue"] != "critical" || m["userId"] != "u7" ||
			m["maxRetry"] != float64(4) || steps == nil || len(steps) != 0 {
			t.Fatalf("queued job reply %v", m)
		}
	}
	h.expect(h.call("GET", "/api/jobs/direct-1", h.token("u8", false), nil), http.StatusForbidden)
	h.expect(h.call("GET", "/api/jobs/direct-2", h.token("u7", false), nil), http.StatusForbidden)
	h.expect(h.call("GET", "/api/jobs/direct-2", "key", nil), http.StatusOK)
	for _, u := range []string{"u7", "u8"} {
		h.expect(h.call("GET", "/api/jobs/direct-4", h.token(u, false), nil), http.StatusForbidden)
	}

	if err := h.insp.ArchiveTask("critical", "direct-1"); err != nil {
		t.Fatal(err)
	}
	if m := h.expect(h.call("GET", "/api/jobs/direct-1", "key", nil), http.StatusOK); m["state"] != "failed" {
		t.Errorf("archived task: state %v, want failed", m["state"])
	}
	h.expect(h.call("GET", "/api/jobs/direct-3", "key", nil), http.StatusNotFound)
}
