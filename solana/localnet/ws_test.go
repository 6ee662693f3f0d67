package localnet

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/gagliardetto/solana-go"
)

func newWSServer(t *testing.T, c *Cluster) string {
	t.Helper()
	srv := httptest.NewServer(c.WSHandler())
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// dialWS connects a WebSocket client to c's PubSub; the connection and the returned
// context (10s) end with the test.
func dialWS(t *testing.T, c *Cluster) (context.Context, *websocket.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	conn, _, err := websocket.Dial(ctx, newWSServer(t, c), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.CloseNow() })
	return ctx, conn
}

// TestSignatureSubscribe drives signatureSubscribe with a real WebSocket
// client (coder/websocket) over a real connection.
func TestSignatureSubscribe(t *testing.T) {
	c, _ := newTestCluster(t)
	ctx, conn := dialWS(t, c)
	payer := keypair(1)
	c.bank.Airdrop(payer.PublicKey(), 10*sol)
	raw := buildTx(t, c.bank, []solana.Instruction{transferIx(payer.PublicKey(), keypair(2).PublicKey(), sol)}, payer)
	sig := solana.SignatureFromBytes(raw[1:65])
	sub := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"signatureSubscribe","params":["%s",{"commitment":"confirmed"}]}`, sig)
	if got := wsRoundTrip(t, ctx, conn, sub); got != `{"jsonrpc":"2.0","result":1,"id":1}` {
		t.Fatalf("reply %s", got)
	}
	mustProcess(t, c.bank, raw)
	c.bank.Advance(1) // confirmed one slot later
	want := fmt.Sprintf(`{"jsonrpc":"2.0","method":"signatureNotification","params":{"result":{"context":{"apiVersion":"%s","slot":0},"value":{"err":null}},"subscription":1}}`, APIVersion)
	if got := wsRoundTrip(t, ctx, conn, ""); got != want {
		t.Fatalf("notification\n got %s\nwant %s", got, want)
	}
	// The subscription ended itself: unsubscribing now is an error.
	if got := wsRoundTrip(t, ctx, conn, `{"jsonrpc":"2.0","id":2,"method":"signatureUnsubscribe","params":[1]}`); !strings.Contains(got, "Invalid subscription id.") {
		t.Fatalf("after notification: %s", got)
	}
	// Subscribing after the transaction landed notifies right after the reply.
	late := strings.Replace(strings.Replace(sub, `"id":1`, `"id":3`, 1), "confirmed", "processed", 1)
	if got := wsRoundTrip(t, ctx, conn, late); got != `{"jsonrpc":"2.0","result":2,"id":3}` {
		t.Fatalf("late reply %s", got)
	}
	if got := wsRoundTrip(t, ctx, conn, ""); !strings.Contains(got, `"signatureNotification"`) || !strings.Contains(got, `"subscription":2`) {
		t.Fatalf("late notification %s", got)
	}
	// A failed transaction reports its error.
	failing := buildTx(t, c.bank, []solana.Instruction{transferIx(payer.PublicKey(), keypair(2).PublicKey(), 100*sol)}, payer)
	fsig := solana.SignatureFromBytes(failing[1:65])
	wsRoundTrip(t, ctx, conn, fmt.Sprintf(`{"jsonrpc":"2.0","id":4,"method":"signatureSubscribe","params":["%s",{"commitment":"processed"}]}`, fsig))
	if _, err := c.bank.ProcessTransaction(failing); err != nil {
		t.Fatal(err)
	}
	if got := wsRoundTrip(t, ctx, conn, ""); !strings.Contains(got, `"value":{"err":{"InstructionError":[0,{"Custom":1}]}}`) {
		t.Fatalf("failed tx notification %s", got)
	}
}

// wsRoundTrip writes a request (if any) and reads the next message.
func wsRoundTrip(t *testing.T, ctx context.Context, conn *websocket.Conn, req string) string {
	t.Helper()
	if req != "" {
		if err := conn.Write(ctx, websocket.MessageText, []byte(req)); err != nil {
			t.Fatal(err)
		}
	}
	_, msg, err := conn.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return string(msg)
}

func TestPubSubWireShapes(t *testing.T) {
	c, _ := newTestCluster(t)
	ctx, conn := dialWS(t, c)
	key := keypair(3).PublicKey()
	got := wsRoundTrip(t, ctx, conn, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"accountSubscribe","params":["%s",{"encoding":"base64","commitment":"processed"}]}`, key))
	if got != `{"jsonrpc":"2.0","result":1,"id":1}` {
		t.Fatalf("accountSubscribe reply %s", got)
	}
	c.bank.Airdrop(key, 5000)
	want := fmt.Sprintf(`{"jsonrpc":"2.0","method":"accountNotification","params":{"result":{"context":{"apiVersion":"%s","slot":0},`+
		`"value":{"data":["","base64"],"executable":false,"lamports":5000,"owner":"11111111111111111111111111111111",`+
		`"rentEpoch":18446744073709551615,"space":0}},"subscription":1}}`, APIVersion)
	if got := wsRoundTrip(t, ctx, conn, ""); got != want {
		t.Fatalf("accountNotification\n got %s\nwant %s", got, want)
	}
	// At "confirmed" the notification waits for the next slot.
	other := keypair(4).PublicKey()
	wsRoundTrip(t, ctx, conn, fmt.Sprintf(`{"jsonrpc":"2.0","id":9,"method":"accountSubscribe","params":["%s",{"encoding":"base64","commitment":"confirmed"}]}`, other))
	c.bank.Airdrop(other, 7000)
	c.bank.Advance(1)
	if got := wsRoundTrip(t, ctx, conn, ""); !strings.Contains(got, `"lamports":7000`) || !strings.Contains(got, `"slot":1}`) {
		t.Fatalf("confirmed accountNotification %s", got)
	}
	wsRoundTrip(t, ctx, conn, `{"jsonrpc":"2.0","id":10,"method":"accountUnsubscribe","params":[2]}`)
	if got := wsRoundTrip(t, ctx, conn, `{"jsonrpc":"2.0","id":2,"method":"slotSubscribe"}`); got != `{"jsonrpc":"2.0","result":3,"id":2}` {
		t.Fatalf("slotSubscribe reply %s", got)
	}
	c.bank.Advance(1)
	want = `{"jsonrpc":"2.0","method":"slotNotification","params":{"result":{"parent":1,"root":0,"slot":2},"subscription":3}}`
	if got := wsRoundTrip(t, ctx, conn, ""); got != want {
		t.Fatalf("slotNotification %s", got)
	}
	got = wsRoundTrip(t, ctx, conn, fmt.Sprintf(`{"jsonrpc":"2.0","id":5,"method":"logsSubscribe","params":[{"mentions":["%s"]},{"commitment":"processed"}]}`, key))
	if got != `{"jsonrpc":"2.0","result":4,"id":5}` {
		t.Fatalf("logsSubscribe reply %s", got)
	}
	if got := wsRoundTrip(t, ctx, conn, `{"jsonrpc":"2.0","id":6,"method":"accountUnsubscribe","params":[1]}`); got != `{"jsonrpc":"2.0","result":true,"id":6}` {
		t.Fatalf("accountUnsubscribe %s", got)
	}
	sig, err := c.Airdrop(key, sol)
	if err != nil {
		t.Fatal(err)
	}
	got = wsRoundTrip(t, ctx, conn, "")
	want = fmt.Sprintf(`{"jsonrpc":"2.0","method":"logsNotification","params":{"result":{"context":{"apiVersion":"%s","slot":2},`+
		`"value":{"err":null,"logs":["Program 11111111111111111111111111111111 invoke [1]","Program 11111111111111111111111111111111 success"],`+
		`"signature":"%s"}},"subscription":4}}`, APIVersion, sig)
	if got != want {
		t.Fatalf("logsNotification\n got %s\nwant %s", got, want)
	}
	for _, tc := range []struct{ req, want string }{
		{`{"jsonrpc":"2.0","id":3,"method":"slotUnsubscribe","params":[3]}`, `{"jsonrpc":"2.0","result":true,"id":3}`},
		{`{"jsonrpc":"2.0","id":4,"method":"accountUnsubscribe","params":[99]}`, `{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid subscription id."},"id":4}`},
		{`nonsense`, `{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}`},
	} {
		if got := wsRoundTrip(t, ctx, conn, tc.req); got != tc.want {
			t.Fatalf("%s\n got %s\nwant %s", tc.req, got, tc.want)
		}
	}
}
