package socketio

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/coder/websocket"
)

// rawClient speaks Engine.IO v4 / Socket.IO v5 over a websocket by hand: enough for the
// Go-side tests and the benchmark, where hundreds of node clients would cost too much.
type rawClient struct {
	conn     *websocket.Conn
	events   atomic.Int64 // EVENT packets received
	pongs    atomic.Int64 // PINGs answered
	keep     bool         // keep the EVENT bodies in got
	mu       sync.Mutex
	got      []string
	acks     chan string // ACK packet bodies
	closed   chan struct{}
	connectP string // the CONNECT or CONNECT_ERROR packet
}

func dialRaw(ctx context.Context, t testing.TB, addr string, auth map[string]any) *rawClient {
	return dialRawKeep(ctx, t, addr, auth, false)
}

// received returns "event/jobId-or-token/progress" for each kept EVENT packet.
func (c *rawClient) received() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, body := range c.got {
		var pkt []json.RawMessage
		_ = json.Unmarshal([]byte(body), &pkt)
		var name string
		var p struct {
			JobID        string `json:"jobId"`
			TokenAddress string `json:"tokenAddress"`
			Progress     *int   `json:"progress"`
		}
		_ = json.Unmarshal(pkt[0], &name)
		_ = json.Unmarshal(pkt[1], &p)
		id, pct := p.JobID, -1
		if id == "" {
			id = p.TokenAddress
		}
		if p.Progress != nil {
			pct = *p.Progress
		}
		out = append(out, fmt.Sprintf("%s/%s/%d", name, id, pct))
	}
	return out
}

func dialRawKeep(ctx context.Context, t testing.TB, addr string, auth map[string]any, keep bool) *rawClient {
	t.Helper()
	conn, _, err := websocket.Dial(ctx, "ws://"+addr+"/socket.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	conn.SetReadLimit(1 << 20)
	c := &rawClient{conn: conn, acks: make(chan string, 16), closed: make(chan struct{}), keep: keep}
	if _, open, err := conn.Read(ctx); err != nil || open[0] != '0' {
		t.Fatalf("open packet %q: %v", open, err)
	}
	a, _ := json.Marshal(auth)
	if err := conn.Write(ctx, websocket.MessageText, append([]byte("40"), a...)); err != nil {
		t.Fatal(err)
	}
	_, p, err := conn.Read(ctx)
	if err != nil {
		t.Fatalf("connect reply: %v", err)
	}
	c.connectP = string(p)
	go c.readLoop()
	return c
}

func (c *rawClient) readLoop() {
	defer close(c.closed)
	for {
		_, p, err := c.conn.Read(context.Background())
		if err != nil {
			return
		}
		switch {
		case string(p) == "2":
			if c.conn.Write(context.Background(), websocket.MessageText, []byte("3")) == nil {
				c.pongs.Add(1)
			}
		case strings.HasPrefix(string(p), "42"):
			c.events.Add(1)
			if c.keep {
				c.mu.Lock()
				c.got = append(c.got, string(p[2:]))
				c.mu.Unlock()
			}
		case strings.HasPrefix(string(p), "43"):
			c.acks <- strings.TrimLeft(string(p[2:]), "0123456789")
		}
	}
}

var rawAckID atomic.Int64

// call emits event with args and an ack, and returns the ack's first argument.
func (c *rawClient) call(ctx context.Context, t testing.TB, args ...any) ackReply {
	t.Helper()
	b, _ := json.Marshal(args)
	if err := c.conn.Write(ctx, websocket.MessageText, []byte(fmt.Sprintf("42%d%s", rawAckID.Add(1), b))); err != nil {
		t.Fatal(err)
	}
	select {
	case body := <-c.acks:
		var r []ackReply
		if err := json.Unmarshal([]byte(body), &r); err != nil || len(r) != 1 {
			t.Fatalf("ack %q: %v", body, err)
		}
		return r[0]
	case <-ctx.Done():
		t.Fatal("no ack")
	}
	return ackReply{}
}

func (c *rawClient) close() { _ = c.conn.Close(websocket.StatusNormalClosure, "") }
