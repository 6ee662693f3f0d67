package socketio

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sio "github.com/zishang520/socket.io/servers/socket/v3"
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

// TestRecoveryWhileAdmitting: events emitted after the library restored a session but
// before the connection middleware let the socket in (a slow token check, a busy
// machine) reach the recovered socket once, in order, over both transports.
func TestRecoveryWhileAdmitting(t *testing.T) {
	for _, tr := range []string{"websocket", "polling"} {
		t.Run(tr, func(t *testing.T) {
			h := newHarness(t, Config{})
			held, release := make(chan struct{}), make(chan struct{})
			extra := func(cmd string, _ json.RawMessage) (any, error) {
				switch cmd {
				case "hold":
					var once sync.Once
					hook := func(*sio.Socket) {
						once.Do(func() {
							close(held)
							<-release
						})
					}
					h.server().admitHook.Store(&hook)
					return true, nil
				case "waitHeld":
					select {
					case <-held:
						return true, nil
					case <-time.After(10 * time.Second):
						return nil, errors.New("no handshake reached the middleware")
					}
				case "release":
					close(release)
					return true, nil
				}
				return nil, fmt.Errorf("unknown command %q", cmd)
			}
			var res struct {
				Recovered bool  `json:"recovered"`
				Progress  []int `json:"progress"`
			}
			runNode(t, "recovery_held.mjs", map[string]any{"url": h.url(), "token": h.token("alice", false),
				"transports": []string{tr}}, h.baseHandler(extra), &res)
			if !res.Recovered {
				t.Errorf("socket.recovered = false, want true")
			}
			if want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9}; !reflect.DeepEqual(res.Progress, want) {
				t.Errorf("progress %v, want %v (no gap, no duplicate)", res.Progress, want)
			}
		})
	}
}

// TestOffsetsFollowDeliveryOrder: with many jobs emitting at once, each socket gets the
// events in the order of their offsets, so a client that drops resumes right after the
// last event it got, neither skipping one still in flight nor getting one twice.
func TestOffsetsFollowDeliveryOrder(t *testing.T) {
	h := newHarness(t, Config{})
	const emitters, each = 8, 250
	extra := func(cmd string, _ json.RawMessage) (any, error) {
		if cmd != "emitConcurrently" {
			return nil, fmt.Errorf("unknown command %q", cmd)
		}
		var wg sync.WaitGroup
		for e := range emitters {
			wg.Go(func() {
				for i := range each {
					h.server().Emit(workerRecord("alice", fmt.Sprintf("job-%d", e), i))
				}
			})
		}
		wg.Wait()
		return true, nil
	}
	var res struct {
		Offsets []string `json:"offsets"`
	}
	runNode(t, "offsets.mjs", map[string]any{"url": h.url(), "token": h.token("alice", false),
		"emitters": emitters, "each": each}, h.baseHandler(extra), &res)
	if len(res.Offsets) != emitters*each {
		t.Fatalf("got %d events, want %d", len(res.Offsets), emitters*each)
	}
	last := int64(-1)
	for i, o := range res.Offsets {
		_, pos, ok := strings.Cut(o, "-")
		n, err := strconv.ParseInt(pos, 36, 64)
		if !ok || err != nil {
			t.Fatalf("event %d: offset %q", i, o)
		}
		if n <= last {
			t.Fatalf("event %d arrived with offset %q after a later one (position %d after %d)", i, o, n, last)
		}
		last = n
	}
}
