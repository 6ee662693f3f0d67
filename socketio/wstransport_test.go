package socketio

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/nitro-runtime/nitro/internal/testkit"
	"github.com/nitro-runtime/nitro/progress/wire"
)

// paddedRecord is a worker_progress record whose encoded payload is about size bytes.
func paddedRecord(user, job string, seq, size int) wire.Record {
	pad := strings.Repeat("p", max(size-40, 0))
	body, _ := json.Marshal(map[string]any{"jobId": job, "progress": seq, "pad": pad})
	return wire.Record{JobID: job, UserID: user, Seq: int64(seq), Name: wire.EventWorkerProgress, JSON: body, At: time.Now()}
}

// TestWSFramesOfEveryLengthForm: our transport writes websocket frames by hand; a strict
// client (coder/websocket) reads payloads in each of the three length encodings (7-bit,
// 16-bit, 64-bit) byte for byte, in order.
func TestWSFramesOfEveryLengthForm(t *testing.T) {
	h := newHarness(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := dialRawKeep(ctx, t, h.addr, map[string]any{"token": h.token("alice", false)}, true)
	defer c.close()
	if r := c.call(ctx, t, EventSubscribeUser, "alice"); !r.OK {
		t.Fatalf("subscribe: %+v", r)
	}
	sizes := []int{60, 125, 126, 1000, 65535, 65536, 300_000}
	var want []string
	for i, n := range sizes {
		r := paddedRecord("alice", "j", i, n)
		want = append(want, fmt.Sprintf(`["worker_progress",%s,"`, r.JSON))
		h.server().Emit(r)
	}
	testkit.WaitFor(t, 5*time.Second, "every frame", func() bool { return c.events.Load() >= int64(len(sizes)) })
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, body := range c.got {
		if !strings.HasPrefix(body, want[i]) || !strings.HasSuffix(body, `"]`) {
			t.Errorf("frame %d (%d-byte payload): got %d bytes starting %.60q", i, sizes[i], len(body), body)
		}
	}
}

// TestWSSlowSocketIsDropped: a client that stops reading cannot make the server buffer
// without bound; once its backlog passes MaxPendingBytes it is disconnected, and the
// other sockets keep receiving.
func TestWSSlowSocketIsDropped(t *testing.T) {
	h := newHarness(t, Config{MaxPendingBytes: 256 << 10})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tok := h.token("alice", false)
	healthy := dialRaw(ctx, t, h.addr, map[string]any{"token": tok})
	defer healthy.close()
	if r := healthy.call(ctx, t, EventSubscribeUser, "alice"); !r.OK {
		t.Fatalf("subscribe: %+v", r)
	}

	// The stalled client subscribes, then never reads again.
	stalled, _, err := websocket.Dial(ctx, "ws://"+h.addr+"/socket.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.CloseNow()
	read := func() string {
		_, p, err := stalled.Read(ctx)
		if err != nil {
			t.Fatalf("stalled client read: %v", err)
		}
		return string(p)
	}
	read() // open
	_ = stalled.Write(ctx, websocket.MessageText, []byte(`40{"token":"`+tok+`"}`))
	read() // connect
	_ = stalled.Write(ctx, websocket.MessageText, []byte(`421["`+EventSubscribeUser+`","alice"]`))
	if ack := read(); !strings.HasPrefix(ack, "431") || !strings.Contains(ack, `"ok":true`) {
		t.Fatalf("subscribe ack %q", ack)
	}
	testkit.WaitFor(t, 5*time.Second, "two sockets", func() bool { return h.server().Stats().Connected == 2 })

	// 40 MB for each client: far beyond what the kernel buffers for the stalled one.
	const events, size = 200, 200 << 10
	for i := range events {
		h.server().Emit(paddedRecord("alice", "j", i, size))
		// The healthy client keeps up: its own backlog stays one event.
		testkit.WaitFor(t, 5*time.Second, fmt.Sprintf("event %d at the healthy client", i), func() bool { return healthy.events.Load() == int64(i+1) })
	}
	testkit.WaitFor(t, 5*time.Second, "the stalled socket dropped", func() bool { return h.server().Stats().Connected == 1 })
}

// TestWSControlFrames: a client's ping is answered with a pong and its close with a close
// frame, both written behind the data frames rather than by gorilla.
func TestWSControlFrames(t *testing.T) {
	h := newHarness(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := dialRaw(ctx, t, h.addr, map[string]any{"token": h.token("alice", false)})
	if err := c.conn.Ping(ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}
	start := time.Now()
	if err := c.conn.Close(websocket.StatusNormalClosure, "bye"); err != nil {
		t.Fatalf("close handshake: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("close took %v: the server did not answer the close frame", d)
	}
	testkit.WaitFor(t, 5*time.Second, "the socket gone", func() bool { return h.server().Stats().Connected == 0 })
}
