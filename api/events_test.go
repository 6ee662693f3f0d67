package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/progress/wire"
	"github.com/nitro-runtime/nitro/store"
)

func TestJobEvents(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	ctx := context.Background()
	if err := h.store.CreateJob(ctx, store.Job{ID: "jev", Type: progress.DevSell, UserID: "u1", Queue: "critical", Payload: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	var recs []progress.Record
	for i := int64(1); i <= 5; i++ {
		ev := progress.WorkerStepEvent{JobID: "jev", WorkerType: "dev_sell", UserID: "u1", Step: "s", StepNumber: int(i), TotalSteps: 5, Message: fmt.Sprint("step ", i)}
		r, err := wire.NewRecord(progress.EventWorkerStep, ev)
		if err != nil {
			t.Fatal(err)
		}
		r.JobID, r.UserID, r.Seq, r.At = "jev", "u1", i, time.Now()
		recs = append(recs, r)
	}
	if err := h.store.Persist(ctx, wire.Batch{Events: recs}); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"key", h.token("u1", false), h.token("ops", true)} {
		m := h.expect(h.call("GET", "/api/jobs/jev/events", who, nil), http.StatusOK)
		evs, _ := m["events"].([]any)
		if len(evs) != 5 || m["next"] != nil {
			t.Fatalf("want 5 events and no next page, got %v", m)
		}
		first := evs[0].(map[string]any)
		payload, _ := first["payload"].(map[string]any)
		if first["name"] != "worker_step" || first["seq"] != float64(1) || payload["message"] != "step 1" {
			t.Fatalf("first event %v", first)
		}
	}
	m := h.expect(h.call("GET", "/api/jobs/jev/events?after=1&limit=2", "key", nil), http.StatusOK)
	if evs, _ := m["events"].([]any); len(evs) != 2 || evs[0].(map[string]any)["seq"] != float64(2) || m["next"] != "3" {
		t.Fatalf("page after=1 limit=2: %v", m)
	}
	m = h.expect(h.call("GET", "/api/jobs/jev/events?after=3", "key", nil), http.StatusOK)
	if evs, _ := m["events"].([]any); len(evs) != 2 || m["next"] != nil {
		t.Fatalf("last page: %v", m)
	}
	h.expect(h.call("GET", "/api/jobs/jev/events", h.token("u2", false), nil), http.StatusForbidden)
	h.expect(h.call("GET", "/api/jobs/jev/events", "none", nil), http.StatusUnauthorized)
	h.expect(h.call("GET", "/api/jobs/nope/events", "key", nil), http.StatusNotFound)
	h.expect(h.call("GET", "/api/jobs/jev/events?limit=0", "key", nil), http.StatusBadRequest)
	h.expect(h.call("GET", "/api/jobs/jev/events?after=x", "key", nil), http.StatusBadRequest)
}
