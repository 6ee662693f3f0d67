package socketio

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/nitro-runtime/nitro/progress/wire"
)

type flowResult struct {
	Transports []string   `json:"transports"`
	Acks       []ackReply `json:"acks"`
	Sockets    int        `json:"sockets"`
	Events     []struct {
		Ev       string `json:"ev"`
		JobID    string `json:"jobId"`
		Token    string `json:"token"`
		Progress int    `json:"progress"`
	} `json:"events"`
	BeforeUnsub int `json:"beforeUnsub"`
}

func seedAlice(h *harness) {
	h.snaps.mu.Lock()
	defer h.snaps.mu.Unlock()
	h.snaps.workers["alice"] = []wire.WorkerProgressEvent{workerEvent("alice", "snapA", 40), workerEvent("alice", "snapB", 100)}
	h.snaps.launches["alice"] = []wire.LaunchProgress{{TokenAddress: "TokL", Platform: wire.PlatformPump, UserID: "alice", CurrentStep: 2, TotalSteps: 5}}
}

// TestFlow runs the main flow over each transport setup the frontend guide uses.
func TestFlow(t *testing.T) {
	cases := []struct {
		name        string
		opts        map[string]any
		waitUpgrade bool
		first, last string
	}{
		// The seed's lib/socket.ts options, unchanged, plus auth.
		{"seed options", map[string]any{"transports": []string{"websocket", "polling"}, "timeout": 20000, "reconnection": true,
			"reconnectionAttempts": 5, "reconnectionDelay": 1000, "forceNew": true, "upgrade": true}, false, "websocket", "websocket"},
		{"websocket", map[string]any{"transports": []string{"websocket"}}, false, "websocket", "websocket"},
		{"polling only", map[string]any{"transports": []string{"polling"}, "upgrade": false}, false, "polling", "polling"},
		{"polling upgrade", map[string]any{"transports": []string{"polling", "websocket"}}, true, "polling", "websocket"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, Config{})
			seedAlice(h)
			var res flowResult
			runNode(t, "flow.mjs", map[string]any{"url": h.url(), "token": h.token("alice", false), "userId": "alice",
				"clientOpts": c.opts, "snapshotCount": 3, "waitUpgrade": c.waitUpgrade}, h.baseHandler(nil), &res)
			checkFlow(t, res, c.first, c.last)
			if n := h.snaps.calls.Load(); n != 2 {
				t.Errorf("snapshot loaded %d times, want 2 (first subscribe and after unsubscribe)", n)
			}
		})
	}
}

func checkFlow(t *testing.T, res flowResult, first, last string) {
	t.Helper()
	if res.Transports[0] != first || res.Transports[len(res.Transports)-1] != last {
		t.Errorf("transports %v, want %s first and %s last", res.Transports, first, last)
	}
	wantAcks := []ackReply{{OK: true, Room: "user_alice"}, {OK: true, Room: "user_alice"}, {Error: ErrNotInRoom.Error()},
		{OK: true, Room: "user_alice"}, {OK: true, Room: "user_alice"}, {Error: ErrNotInRoom.Error()}}
	if !reflect.DeepEqual(res.Acks, wantAcks) {
		t.Errorf("acks %+v, want %+v", res.Acks, wantAcks)
	}
	if res.Sockets != 1 {
		t.Errorf("Sockets() = %d, want 1", res.Sockets)
	}
	var got []string
	for _, e := range res.Events {
		got = append(got, fmt.Sprintf("%s/%s/%s/%d", e.Ev, e.JobID, e.Token, e.Progress))
	}
	snap := []string{"worker_progress/snapA/ToksnapA/40", "worker_progress/snapB/ToksnapB/100", "launch_progress_update//TokL/-1"}
	live := []string{"worker_progress/live/Toklive/1", "worker_progress/live/Toklive/2", "worker_progress/live/Toklive/3"}
	// The second snapshot also carries the latest live state the store has not persisted
	// yet (the fake store never learns of live events): the recent ring's job.
	ring := []string{"worker_progress/live/Toklive/3", "worker_progress/after/Tokafter/2"}
	want := append(append(append(append([]string{}, snap...), live...), snap...), ring...)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events\n got %v\nwant %v", got, want)
	}
	if res.BeforeUnsub != 6 {
		t.Errorf("events before unsubscribe %d, want 6", res.BeforeUnsub)
	}
}
