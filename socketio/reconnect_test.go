package socketio

import (
	"reflect"
	"testing"
)

// TestReconnectAfterRestart: the seed's client options survive a server restart.
func TestReconnectAfterRestart(t *testing.T) {
	h := newHarness(t, Config{})
	var res struct {
		Connects  int        `json:"connects"`
		Reasons   []string   `json:"reasons"`
		SubAcks   []ackReply `json:"subAcks"`
		Recovered bool       `json:"recovered"`
		Progress  []int      `json:"progress"`
	}
	runNode(t, "reconnect.mjs", map[string]any{"url": h.url(), "token": h.token("alice", false)}, h.baseHandler(nil), &res)
	ok := ackReply{OK: true, Room: "user_alice"}
	if res.Connects != 2 || !reflect.DeepEqual(res.SubAcks, []ackReply{ok, ok}) || res.Recovered {
		t.Errorf("got %+v, want 2 connects, 2 subscribes, a fresh (not recovered) session", res)
	}
	// The second reason is the script's own close.
	if want := []string{"transport close", "io client disconnect"}; !reflect.DeepEqual(res.Reasons, want) {
		t.Errorf("disconnect reasons %v, want %v", res.Reasons, want)
	}
	if !reflect.DeepEqual(res.Progress, []int{1, 2, 3, 4}) {
		t.Errorf("progress %v, want 1..4", res.Progress)
	}
}

// TestConnectionStateRecovery: a client that drops for less than RecoveryWindow gets
// what it missed, over both transports.
func TestConnectionStateRecovery(t *testing.T) {
	for _, tr := range []string{"websocket", "polling"} {
		t.Run(tr, func(t *testing.T) {
			h := newHarness(t, Config{})
			var res struct {
				Subscribed ackReply `json:"subscribed"`
				Recovered  bool     `json:"recovered"`
				Progress   []int    `json:"progress"`
			}
			runNode(t, "recovery.mjs", map[string]any{"url": h.url(), "token": h.token("alice", false),
				"transports": []string{tr}}, h.baseHandler(nil), &res)
			if !res.Recovered {
				t.Errorf("socket.recovered = false, want true")
			}
			if want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9}; !reflect.DeepEqual(res.Progress, want) {
				t.Errorf("progress %v, want %v (no gap, no duplicate)", res.Progress, want)
			}
		})
	}
}
