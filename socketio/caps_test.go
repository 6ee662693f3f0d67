package socketio

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/nitro-runtime/nitro/internal/testkit"
)

// waitUserSockets is the control command of caps.mjs: it returns once user has n
// sockets counted, or fails the script.
func (h *harness) waitUserSockets(cmd string, args json.RawMessage) (any, error) {
	if cmd != "waitUserSockets" {
		return nil, fmt.Errorf("unknown command %q", cmd)
	}
	var a struct {
		User string `json:"user"`
		N    int    `json:"n"`
	}
	if err := json.Unmarshal(args, &a); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(5 * time.Second)
	for got := h.server().users.count(a.User); got != a.N; got = h.server().users.count(a.User) {
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("user %s has %d sockets counted, want %d", a.User, got, a.N)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true, nil
}

// TestSocketCaps: past SocketsPerUser a user's next socket is refused with a clear
// connect_error and other users are not; past SubscriptionsPerSocket a subscribe is
// refused with an error ack and subscription_error; a socket closed any way gives its
// place back, so the user connects again and no count is left behind.
func TestSocketCaps(t *testing.T) {
	const limit = 3
	h := newHarness(t, Config{SocketsPerUser: limit, SubscriptionsPerSocket: 1})
	var res struct {
		OverCap, StillCapped refusalResult
		Subs                 map[string]ackReply
		Errors               []subscriptionError
		Stats                Stats
	}
	runNode(t, "caps.mjs", map[string]any{"url": h.url(), "cap": limit, "alice": h.token("alice", false),
		"bob": h.token("bob", false), "admin": h.token("root", true)}, h.baseHandler(h.waitUserSockets), &res)

	wantMsg := fmt.Sprintf("too many sockets: at most %d per user", limit)
	for name, r := range map[string]refusalResult{"over the cap": res.OverCap, "after the reconnects": res.StillCapped} {
		if r.Connected || r.Active || r.Message != wantMsg || r.Data["code"] != CodeTooManySockets || r.Data["limit"] != float64(limit) {
			t.Errorf("%s: %+v, want refusal %q with code %s, inactive", name, r, wantMsg, CodeTooManySockets)
		}
	}
	tooMany := ErrTooManySubscriptions.Error() + ": at most 1 per socket"
	wantSubs := map[string]ackReply{"all": {OK: true, Room: AdminRoom}, "again": {OK: true, Room: AdminRoom},
		"user": {Error: tooMany}, "leave": {OK: true, Room: AdminRoom}, "userAfterLeave": {OK: true, Room: "user_carol"}}
	if !reflect.DeepEqual(res.Subs, wantSubs) {
		t.Errorf("acks %+v\nwant %+v", res.Subs, wantSubs)
	}
	if want := []subscriptionError{{Event: EventSubscribeUser, Error: tooMany}}; !reflect.DeepEqual(res.Errors, want) {
		t.Errorf("subscription_error %+v, want %+v", res.Errors, want)
	}
	if res.Stats.TooManySockets != 2 || res.Stats.TooManySubscriptions != 1 {
		t.Errorf("stats %+v, want 2 sockets and 1 subscription refused", res.Stats)
	}
	got := h.server().Refused()
	if got[RefusedSockets] != 2 || got[RefusedSubscriptions] != 1 || got[RefusedUnauthorized] != 0 {
		t.Errorf("Refused() = %v", got)
	}
	testkit.WaitFor(t, 5*time.Second, "every count released", func() bool { return h.server().users.users() == 0 })
}

// A connection that dies around its handshake (closed right after CONNECT, before or
// after the middleware counted it) still gives its place back.
func TestSocketCapReleasedOnAbortedHandshakes(t *testing.T) {
	h := newHarness(t, Config{SocketsPerUser: 2})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	auth := map[string]any{"token": h.token("alice", false)}
	for range 30 {
		c := dialRawConnectOnly(ctx, t, h.addr, auth)
		c.CloseNow()
	}
	testkit.WaitFor(t, 5*time.Second, "aborted handshakes released", func() bool { return h.server().users.count("alice") == 0 })
	for range 2 {
		c := dialRaw(ctx, t, h.addr, auth)
		defer c.close()
		if c.connectP[:2] != "40" {
			t.Fatalf("connect after aborted handshakes: %q", c.connectP)
		}
	}
}

// dialRawConnectOnly opens a websocket and sends CONNECT without waiting for the reply.
func dialRawConnectOnly(ctx context.Context, t *testing.T, addr string, auth map[string]any) *websocket.Conn {
	t.Helper()
	conn, _, err := websocket.Dial(ctx, "ws://"+addr+"/socket.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	if _, open, err := conn.Read(ctx); err != nil || open[0] != '0' {
		t.Fatalf("open packet %q: %v", open, err)
	}
	a, _ := json.Marshal(auth)
	if err := conn.Write(ctx, websocket.MessageText, append([]byte("40"), a...)); err != nil {
		t.Fatal(err)
	}
	return conn
}
