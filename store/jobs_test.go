package store_test

import (
	"encoding/json"
	"testing"

	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/store"
	"github.com/nitro-runtime/nitro/store/storetest"
)

func TestCreateAndGetJob(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	j := store.Job{
		ID: "job-1", Type: progress.DevSell, UserID: "u1", UserChatID: 7, Queue: "critical",
		Payload: json.RawMessage(`{"sellPercent":50,"userId":"u1"}`), MaxRetry: 3,
	}
	must(t, s.CreateJob(ctx, j))
	wantErr(t, s.CreateJob(ctx, j), store.ErrConflict)

	got, err := s.GetJob(ctx, "job-1")
	must(t, err)
	if got.State != store.JobQueued || got.Type != progress.DevSell || got.UserChatID != 7 ||
		got.Queue != "critical" || got.MaxRetry != 3 || got.LatestProgress != nil || got.StartedAt != nil {
		t.Fatalf("job = %+v", got)
	}
	var payload map[string]any
	must(t, json.Unmarshal(got.Payload, &payload))
	if payload["sellPercent"] != 50.0 {
		t.Errorf("payload = %s", got.Payload)
	}
	_, err = s.GetJob(ctx, "nope")
	wantErr(t, err, store.ErrNotFound)
}

func TestStartRunUpsertsAndFinish(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	// Enqueued straight into asynq: no row before the run starts.
	must(t, s.StartRun(ctx, "bot-1", progress.LaunchToken, "u2", 99, "default", 0, 5))
	j, err := s.GetJob(ctx, "bot-1")
	must(t, err)
	if j.State != store.JobRunning || j.UserID != "u2" || j.UserChatID != 99 || j.MaxRetry != 5 || j.StartedAt == nil {
		t.Fatalf("after StartRun: %+v", j)
	}
	must(t, s.FailJob(ctx, "bot-1", "blockhash expired", true))
	j, _ = s.GetJob(ctx, "bot-1")
	if j.State != store.JobRetrying || j.Error != "blockhash expired" || j.EndedAt != nil {
		t.Fatalf("after retrying failure: %+v", j)
	}
	must(t, s.StartRun(ctx, "bot-1", progress.LaunchToken, "u2", 99, "default", 1, 5))
	must(t, s.SetJobToken(ctx, "bot-1", "Mint111"))
	must(t, s.FinishJob(ctx, "bot-1", json.RawMessage(`{"tokenAddress":"Mint111"}`)))
	j, _ = s.GetJob(ctx, "bot-1")
	if j.State != store.JobCompleted || j.Attempt != 1 || j.TokenAddress != "Mint111" || j.EndedAt == nil || j.Error != "" {
		t.Fatalf("after finish: %+v", j)
	}
	if string(j.Result) != `{"tokenAddress": "Mint111"}` {
		t.Errorf("result = %s", j.Result)
	}
}

func TestStartRunKeepsPayload(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	must(t, s.CreateJob(ctx, store.Job{ID: "j", Type: progress.DevSell, UserID: "u", Payload: json.RawMessage(`{"a":1}`)}))
	must(t, s.StartRun(ctx, "j", progress.DevSell, "u", 0, "critical", 0, 3))
	must(t, s.StartRun(ctx, "j", "", "", 0, "", 1, 3)) // blanks keep what the row has
	j, _ := s.GetJob(ctx, "j")
	if string(j.Payload) != `{"a": 1}` || j.State != store.JobRunning || j.Queue != "critical" ||
		j.UserID != "u" || j.Type != progress.DevSell || j.Attempt != 1 {
		t.Fatalf("job = %+v payload %s", j, j.Payload)
	}
}

func TestFailJobForGood(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	must(t, s.StartRun(ctx, "j", progress.WalletSell, "u", 0, "default", 2, 2))
	must(t, s.FailJob(ctx, "j", "insufficient funds", false))
	j, _ := s.GetJob(ctx, "j")
	if j.State != store.JobFailed || j.EndedAt == nil || j.Error != "insufficient funds" {
		t.Fatalf("job = %+v", j)
	}
}

func TestJobUpdatesOfMissingJob(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	wantErr(t, s.FinishJob(ctx, "x", nil), store.ErrNotFound)
	wantErr(t, s.FailJob(ctx, "x", "e", false), store.ErrNotFound)
	wantErr(t, s.SetJobToken(ctx, "x", "t"), store.ErrNotFound)
}

// A row failed because its task never reached the queue can be revived once; a job
// that failed in a run, or one already revived, cannot.
func TestReviveJob(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	for _, id := range []string{"unsent", "ran"} {
		must(t, s.CreateJob(ctx, store.Job{ID: id, Type: progress.DevSell, UserID: "u1", Queue: "critical"}))
	}
	must(t, s.FailJob(ctx, "unsent", "enqueue failed", false))
	must(t, s.StartRun(ctx, "ran", progress.DevSell, "u1", 0, "critical", 0, 0))
	must(t, s.FailJob(ctx, "ran", "enqueue failed", false))
	for _, c := range []struct {
		id, errText string
		want        bool
	}{{"unsent", "other", false}, {"ran", "enqueue failed", false}, {"unsent", "enqueue failed", true}, {"unsent", "enqueue failed", false}} {
		got, err := s.ReviveJob(ctx, c.id, c.errText)
		if err != nil || got != c.want {
			t.Fatalf("ReviveJob(%s, %q) = %v, %v; want %v", c.id, c.errText, got, err, c.want)
		}
	}
	if j, err := s.GetJob(ctx, "unsent"); err != nil || j.State != store.JobQueued || j.Error != "" || j.EndedAt != nil {
		t.Fatalf("revived row = %+v, %v", j, err)
	}
}
