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

// recoveryOutcome is what a socket got back after connecting with a pid and offset.
type recoveryOutcome struct {
	Recovered bool     `json:"recovered"`
	Jobs      []string `json:"jobs"` // jobId:userId of each worker_progress, in order
}

func repeated(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// TestRecoveryStaysWithItsUser: a handshake that brings another user's pid and offset
// with its own valid token gets a fresh session, none of that user's rooms and none of
// her missed events; the user herself still recovers everything she missed.
func TestRecoveryStaysWithItsUser(t *testing.T) {
	h := newHarness(t, Config{})
	var res struct {
		Intruder recoveryOutcome `json:"intruder"`
		Owner    recoveryOutcome `json:"owner"`
	}
	runNode(t, "recovery_owner.mjs", map[string]any{"url": h.url(), "mode": "user", "owner": "alice",
		"owner_token": h.token("alice", false), "other_token": h.token("bob", false), "other": "bob"},
		h.baseHandler(nil), &res)
	if res.Intruder.Recovered || len(res.Intruder.Jobs) != 0 {
		t.Errorf("bob with alice's pid: recovered %v, got %v; want a fresh session and nothing of alice's",
			res.Intruder.Recovered, res.Intruder.Jobs)
	}
	want := append(repeated("missed:alice", 15), repeated("live:alice", 2)...)
	if !res.Owner.Recovered || !reflect.DeepEqual(res.Owner.Jobs, want) {
		t.Errorf("alice with her own pid: recovered %v, got %v; want recovered and %v", res.Owner.Recovered, res.Owner.Jobs, want)
	}
}

// TestRecoveryRechecksRooms: the same user coming back with a token without admin
// recovers her own room but not admin_launches, nor what only that room missed.
func TestRecoveryRechecksRooms(t *testing.T) {
	h := newHarness(t, Config{})
	var res struct {
		Owner recoveryOutcome `json:"owner"`
	}
	runNode(t, "recovery_owner.mjs", map[string]any{"url": h.url(), "mode": "admin", "owner": "root",
		"owner_token": h.token("root", true), "other_token": h.token("root", false)},
		h.baseHandler(nil), &res)
	if want := repeated("missed:root", 2); !res.Owner.Recovered || !reflect.DeepEqual(res.Owner.Jobs, want) {
		t.Errorf("root without admin: recovered %v, got %v; want recovered and only %v", res.Owner.Recovered, res.Owner.Jobs, want)
	}
}
