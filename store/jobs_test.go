package store_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nitro-runtime/nitro/progress/wire"
	"github.com/nitro-runtime/nitro/store"
	"github.com/nitro-runtime/nitro/store/storetest"
)

func TestCreateAndGetJob(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	j := store.Job{
		ID: "job-1", Type: wire.DevSell, UserID: "u1", UserChatID: 7, Queue: "critical",
		Payload: json.RawMessage(`{"sellPercent":50,"userId":"u1"}`), MaxRetry: 3,
	}
	must(t, s.CreateJob(ctx, j))
	wantErr(t, s.CreateJob(ctx, j), store.ErrConflict)

	got, err := s.GetJob(ctx, "job-1")
	must(t, err)
	if got.State != store.JobQueued || got.Type != wire.DevSell || got.UserChatID != 7 ||
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

// startRow is the row a run's reporter hands the store when the run starts.
func startRow(id string, typ wire.WorkerType, queue string, attempt int) wire.JobRow {
	return wire.JobRow{ID: id, Seq: int64(attempt+1) << 32, Type: typ, UserID: "u", Queue: queue,
		Attempt: attempt, MaxRetry: 3, State: wire.JobRunning, StartedAt: time.Now()}
}

func TestRunRowKeepsPayload(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	must(t, s.CreateJob(ctx, store.Job{ID: "j", Type: wire.DevSell, UserID: "u", Payload: json.RawMessage(`{"a":1}`)}))
	must(t, s.Persist(ctx, wire.Batch{Jobs: []wire.JobRow{startRow("j", wire.DevSell, "critical", 0)}}))
	must(t, s.Persist(ctx, wire.Batch{Jobs: []wire.JobRow{startRow("j", "", "", 1)}})) // blanks keep what the row has
	j, _ := s.GetJob(ctx, "j")
	if string(j.Payload) != `{"a": 1}` || j.State != store.JobRunning || j.Queue != "critical" ||
		j.UserID != "u" || j.Type != wire.DevSell || j.Attempt != 1 || j.StartedAt == nil {
		t.Fatalf("job = %+v payload %s", j, j.Payload)
	}
}

// FailJob is the enqueue path's: it fails a row no run has started, and leaves a
// started one to the progress hub.
func TestFailJobOnlyBeforeARun(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	must(t, s.CreateJob(ctx, store.Job{ID: "q", Type: wire.WalletSell, UserID: "u"}))
	must(t, s.FailJob(ctx, "q", "enqueue failed", false))
	j, _ := s.GetJob(ctx, "q")
	if j.State != store.JobFailed || j.EndedAt == nil || j.Error != "enqueue failed" {
		t.Fatalf("job = %+v", j)
	}
	must(t, s.Persist(ctx, wire.Batch{Jobs: []wire.JobRow{startRow("ran", wire.WalletSell, "default", 0)}}))
	wantErr(t, s.FailJob(ctx, "ran", "enqueue failed", false), store.ErrNotFound)
	if j, _ := s.GetJob(ctx, "ran"); j.State != store.JobRunning {
		t.Fatalf("started job = %+v", j)
	}
}

func TestJobUpdatesOfMissingJob(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	wantErr(t, s.FailJob(ctx, "x", "e", false), store.ErrNotFound)
}

// A row failed because its task never reached the queue can be revived once; a job
// that failed in a run, or one already revived, cannot.
func TestReviveJob(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	for _, id := range []string{"unsent", "ran"} {
		must(t, s.CreateJob(ctx, store.Job{ID: id, Type: wire.DevSell, UserID: "u1", Queue: "critical"}))
	}
	must(t, s.FailJob(ctx, "unsent", "enqueue failed", false))
	row := startRow("ran", wire.DevSell, "critical", 0)
	row.State, row.Error, row.EndedAt = wire.JobFailed, "enqueue failed", time.Now()
	must(t, s.Persist(ctx, wire.Batch{Jobs: []wire.JobRow{row}}))
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
