package socketio

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/nitro-runtime/nitro/auth"
	"github.com/nitro-runtime/nitro/internal/testkit"
)

// TestOrigin: an unlisted Origin gets no CORS headers on polling and a 400 on the
// websocket upgrade; a listed one gets both.
func TestOrigin(t *testing.T) {
	h := newHarness(t, Config{CORSOrigins: []string{"http://localhost:3000", "https://app.example.com"}})
	poll := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, h.url()+"/socket.io/?EIO=4&transport=polling", nil)
		req.Header.Set("Origin", origin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := poll("http://evil.example"); r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("evil origin got ACAO %q", r.Header.Get("Access-Control-Allow-Origin"))
	}
	r := poll("https://app.example.com")
	if r.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" || r.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("listed origin: headers %v", r.Header)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dial := func(origin string) (int, error) {
		c, resp, err := websocket.Dial(ctx, "ws://"+h.addr+"/socket.io/?EIO=4&transport=websocket",
			&websocket.DialOptions{HTTPHeader: http.Header{"Origin": {origin}}})
		if c != nil {
			c.CloseNow()
		}
		if resp == nil {
			return 0, err
		}
		return resp.StatusCode, err
	}
	if code, err := dial("http://evil.example"); code != http.StatusBadRequest {
		t.Errorf("evil websocket upgrade: status %d (%v), want 400", code, err)
	}
	if code, err := dial("http://localhost:3000"); code != http.StatusSwitchingProtocols || err != nil {
		t.Errorf("listed websocket upgrade: status %d (%v), want 101", code, err)
	}
}

// TestAuthOff: without auth the userId a client names is trusted, admin room included.
func TestAuthOff(t *testing.T) {
	h := newHarness(t, Config{AuthOff: true})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c := dialRaw(ctx, t, h.addr, nil)
	defer c.close()
	if !strings.HasPrefix(c.connectP, `40{"sid"`) {
		t.Fatalf("connect packet %q", c.connectP)
	}
	if r := c.call(ctx, t, EventSubscribeUser, "anyone"); r != (ackReply{OK: true, Room: "user_anyone"}) {
		t.Errorf("subscribe: %+v", r)
	}
	if r := c.call(ctx, t, EventSubscribeAll); r != (ackReply{OK: true, Room: AdminRoom}) {
		t.Errorf("subscribe all: %+v", r)
	}
	if r := c.call(ctx, t, EventSubscribeUser, "bad id"); r.OK {
		t.Errorf("invalid userId accepted under AuthOff: %+v", r)
	}
}

// TestCloseDisconnectsSockets: Close ends every socket and Stats follow.
func TestCloseDisconnectsSockets(t *testing.T) {
	h := newHarness(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c := dialRaw(ctx, t, h.addr, map[string]any{"token": h.token("alice", false)})
	testkit.WaitFor(t, 5*time.Second, "one socket", func() bool { return h.server().Sockets() == 1 && h.server().Stats().Connected == 1 })
	h.server().Close()
	select {
	case <-c.closed:
	case <-ctx.Done():
		t.Fatal("socket still open after Close")
	}
	testkit.WaitFor(t, 5*time.Second, "no socket", func() bool { return h.server().Sockets() == 0 && h.server().Stats().Connected == 0 })
}

func TestNewValidates(t *testing.T) {
	v, _ := auth.NewVerifier([]byte(testSecret))
	bad := []struct {
		cfg  Config
		deps Deps
	}{
		{Config{}, Deps{}},
		{Config{CORSOrigins: []string{"*"}}, Deps{Verifier: v}},
		{Config{MaxHTTPBufferSize: 10}, Deps{Verifier: v}},
		{Config{PingTimeout: -1}, Deps{Verifier: v}},
	}
	for i, b := range bad {
		if s, err := New(b.cfg, b.deps); err == nil {
			s.Close()
			t.Errorf("case %d: New accepted %+v", i, b.cfg)
		}
	}
	s, err := New(Config{}, Deps{Verifier: v})
	if err != nil {
		t.Fatalf("zero Config: %v", err)
	}
	s.Close()
}

// TestEmitRightAfterConnect: clients that emit the moment CONNECT arrives (as the seed's
// pages do) are answered every time. Without gateFirstPackets the library closed about
// one such connection in a hundred on this machine ("invalid state").
func TestEmitRightAfterConnect(t *testing.T) {
	h := newHarness(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tok := h.token("alice", false)
	for range 300 {
		c := dialRaw(ctx, t, h.addr, map[string]any{"token": tok})
		if r := c.call(ctx, t, EventSubscribeUser, "alice"); !r.OK {
			t.Fatalf("subscribe: %+v", r)
		}
		c.close()
	}
}

// TestNoCompressionNegotiated: a client offering permessage-deflate (browsers and Node's
// ws do) gets plain frames both ways. Our transport writes uncompressed frames, and a
// negotiated extension would let a client send compressed frames that the size limit
// checks before inflation.
func TestNoCompressionNegotiated(t *testing.T) {
	h := newHarness(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws://"+h.addr+"/socket.io/?EIO=4&transport=websocket",
		&websocket.DialOptions{CompressionMode: websocket.CompressionContextTakeover})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.CloseNow()
	if resp.Request.Header.Get("Sec-WebSocket-Extensions") == "" {
		t.Fatal("the client did not offer permessage-deflate; the test proves nothing")
	}
	if ext := resp.Header.Get("Sec-WebSocket-Extensions"); ext != "" {
		t.Errorf("server negotiated %q, want no extension", ext)
	}
	_, open, err := c.Read(ctx)
	if err != nil || !strings.HasPrefix(string(open), "0{") || !strings.Contains(string(open), `"sid"`) {
		t.Fatalf("engine.io open packet %q, %v", open, err)
	}
}
