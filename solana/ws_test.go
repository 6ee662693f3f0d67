package solana

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"
	sol "github.com/gagliardetto/solana-go"
)

// wsServer answers signatureSubscribe with a subscription id and then one
// notification carrying notifyErr (nil = success); it records the request.
func wsServer(t *testing.T, notifyErr string) (*httptest.Server, chan map[string]any) {
	reqs := make(chan map[string]any, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer conn.CloseNow()
		_, data, err := conn.Read(r.Context())
		if err != nil {
			return
		}
		var req map[string]any
		_ = json.Unmarshal(data, &req)
		reqs <- req
		_ = conn.Write(r.Context(), websocket.MessageText, []byte(`{"jsonrpc":"2.0","result":42,"id":1}`))
		_ = conn.Write(r.Context(), websocket.MessageText, []byte(`{"jsonrpc":"2.0","method":"signatureNotification","params":{"result":{"context":{"slot":5},"value":"receivedSignature"},"subscription":42}}`))
		note := `{"jsonrpc":"2.0","method":"signatureNotification","params":{"result":{"context":{"slot":5},"value":{"err":` + notifyErr + `}},"subscription":42}}`
		_ = conn.Write(r.Context(), websocket.MessageText, []byte(note))
		_, _, _ = conn.Read(r.Context()) // until the client closes
	}))
	t.Cleanup(srv.Close)
	return srv, reqs
}

func wsURL(srv *httptest.Server) string { return "ws" + strings.TrimPrefix(srv.URL, "http") }

// neverLanded makes polling useless, so only the WebSocket can confirm.
func neverLanded(f *fakeRPC) {
	f.handle("getSignatureStatuses", func(p []json.RawMessage) (any, *rpcErr) { return ctxValue([]any{nil}), nil })
}

func TestConfirmViaSignatureSubscribe(t *testing.T) {
	srv, reqs := wsServer(t, "null")
	f := newFakeRPC(t)
	neverLanded(f)
	c := f.client(t, func(c *Config) { c.WSURL = wsURL(srv) })
	sig := sol.Signature{7, 7, 7}
	if err := c.Confirm(context.Background(), sig); err != nil {
		t.Fatal(err)
	}
	req := <-reqs
	params := req["params"].([]any)
	if req["method"] != "signatureSubscribe" || params[0] != sig.String() ||
		params[1].(map[string]any)["commitment"] != "confirmed" {
		t.Fatalf("subscribe request %v", req)
	}
}

func TestConfirmViaWSReportsFailure(t *testing.T) {
	srv, _ := wsServer(t, `{"InstructionError":[0,{"Custom":6005}]}`)
	f := newFakeRPC(t)
	neverLanded(f)
	c := f.client(t, func(c *Config) { c.WSURL = wsURL(srv) })
	err := c.Confirm(context.Background(), sol.Signature{1})
	var te *TxError
	if !errors.As(err, &te) || te.Custom != 6005 {
		t.Fatalf("err %v", err)
	}
}

func TestConfirmFallsBackToPollingWhenWSBroken(t *testing.T) {
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", 500) }))
	defer dead.Close()
	f := newFakeRPC(t)
	sim := &chainSim{landAfter: -1}
	sim.install(t, f)
	c := f.client(t, func(c *Config) { c.WSURL = wsURL(dead) })
	if err := c.Confirm(context.Background(), sol.Signature{1}); err != nil {
		t.Fatal(err)
	}
}
