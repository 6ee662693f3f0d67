package socketio

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/zishang520/socket.io/parsers/engine/v3/packet"
	sio "github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/slices"

	"github.com/nitro-runtime/nitro/internal/testkit"
)

// stallAfterPing makes every socket's engine pause for d right after it has handed a
// PING to the transport and before it returns to its heartbeat code: what a busy
// scheduler does now and then to the goroutine of the engine's ping timer. The engine
// emits "flush" (with the packets) before that hand-over and "drain" after it, on the
// goroutine that flushes.
func stallAfterPing(s *Server, d time.Duration) {
	s.io.On("connection", func(args ...any) {
		sock, ok := args[0].(*sio.Socket)
		if !ok {
			return
		}
		conn := sock.Conn()
		var pinged atomic.Bool
		_ = conn.On("flush", func(args ...any) {
			for _, p := range slices.TryGetAny[[]*packet.Packet](args, 0) {
				if p.Type == packet.PING {
					pinged.Store(true)
				}
			}
		})
		_ = conn.On("drain", func(...any) {
			if pinged.Swap(false) {
				time.Sleep(d)
			}
		})
	})
}

// TestHeartbeatSurvivesAStalledPingTimer: the engine sends its PING, then arms the
// timer that its client's PONG clears; when the PONG comes back before the timer is
// armed (the ping goroutine lost the CPU for a moment, the client answered at once),
// the timer armed afterwards is never cleared and a healthy socket is closed with "ping
// timeout" pingInterval+pingTimeout after it connected. The websocket transport hands
// such an early PONG to the engine only once the engine has had time to arm its timer.
func TestHeartbeatSurvivesAStalledPingTimer(t *testing.T) {
	// Seconds, so that a client on a busy machine always answers in time; the timeout
	// shorter than the interval as by default (a longer one is replaced by the next
	// PING's before it fires); a tenth of it (the transport's hold) covers the stall.
	const interval, timeout = 2 * time.Second, 1500 * time.Millisecond
	h := newHarness(t, Config{PingInterval: interval, PingTimeout: timeout})
	stallAfterPing(h.server(), 10*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const sockets = 5
	clients := make([]*rawClient, sockets)
	for i := range clients {
		clients[i] = dialRaw(ctx, t, h.addr, map[string]any{"token": h.token("alice", false)})
		defer clients[i].close()
	}
	// A timer left armed by the first PING fires interval+timeout after connecting:
	// a socket that has answered more PINGs than fit in that time outlived it.
	want := int64((interval+timeout)/interval) + 1
	testkit.WaitFor(t, 15*time.Second, "every socket answering its pings", func() bool {
		if st := h.server().Stats(); st.Connected != sockets {
			t.Fatalf("connected %d of %d; disconnects %v", st.Connected, sockets, st.Disconnects)
		}
		for _, c := range clients {
			if c.pongs.Load() < want {
				return false
			}
		}
		return true
	})
	if st := h.server().Stats(); st.Connected != sockets || st.Disconnects[ReasonPingTimeout] != 0 {
		t.Errorf("connected %d of %d, %d ping timeouts, want none", st.Connected, sockets, st.Disconnects[ReasonPingTimeout])
	}
}

// TestHeartbeatClosesASilentClient: a client that reads but never answers PING is
// closed with "ping timeout", counted under that reason.
func TestHeartbeatClosesASilentClient(t *testing.T) {
	h := newHarness(t, Config{PingInterval: 200 * time.Millisecond, PingTimeout: 100 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws://"+h.addr+"/socket.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	_, _, _ = conn.Read(ctx) // open
	_ = conn.Write(ctx, websocket.MessageText, []byte(`40{"token":"`+h.token("alice", false)+`"}`))
	for { // read everything, answer nothing, until the server closes
		if _, _, err := conn.Read(ctx); err != nil {
			break
		}
	}
	testkit.WaitFor(t, 5*time.Second, "a ping timeout counted", func() bool { return h.server().Stats().Disconnects[ReasonPingTimeout] == 1 })
}
