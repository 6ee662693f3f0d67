package solana

import (
	"cmp"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	sol "github.com/gagliardetto/solana-go"
)

// rpcCall is one JSON-RPC request the fake received.
type rpcCall struct {
	Method string
	Params []json.RawMessage
}

// rpcErr is a JSON-RPC error object the fake replies with.
type rpcErr struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

type handler func(params []json.RawMessage) (any, *rpcErr)

// fakeRPC is a JSON-RPC server at the wire: it records every request and answers
// from per-method handlers; status, when set for a method, replies with that HTTP code.
type fakeRPC struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	calls    []rpcCall
	handlers map[string]handler
	status   map[string][]int // HTTP codes to reply before the handler, consumed in order
	// retryAfter is the Retry-After header of those replies ("0" when empty).
	retryAfter string
}

func newFakeRPC(t *testing.T) *fakeRPC {
	f := &fakeRPC{t: t, handlers: map[string]handler{}, status: map[string][]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeRPC) handle(method string, h handler) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handlers[method] = h
}

func (f *fakeRPC) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req struct {
		ID     any               `json:"id"`
		Method string            `json:"method"`
		Params []json.RawMessage `json:"params"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, "bad json", 400)
		return
	}
	f.mu.Lock()
	f.calls = append(f.calls, rpcCall{Method: req.Method, Params: req.Params})
	if codes := f.status[req.Method]; len(codes) > 0 {
		f.status[req.Method] = codes[1:]
		f.mu.Unlock()
		w.Header().Set("Retry-After", cmp.Or(f.retryAfter, "0"))
		http.Error(w, "slow down", codes[0])
		return
	}
	h := f.handlers[req.Method]
	f.mu.Unlock()
	if h == nil {
		f.t.Errorf("fake rpc: unexpected method %s", req.Method)
		http.Error(w, "no handler", 500)
		return
	}
	res, rerr := h(req.Params)
	out := map[string]any{"jsonrpc": "2.0", "id": req.ID}
	if rerr != nil {
		out["error"] = rerr
	} else {
		out["result"] = res
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func (f *fakeRPC) callsOf(method string) []rpcCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []rpcCall
	for _, c := range f.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeRPC) client(t *testing.T, mod ...func(*Config)) *Client {
	cfg := Config{RPCURL: f.srv.URL, RateLimit: 10000, RetryBackoff: time.Millisecond,
		PollInterval: 2 * time.Millisecond, ResendInterval: 3 * time.Millisecond}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// ctxValue wraps a value the way Solana's RpcResponse does.
func ctxValue(v any) any { return map[string]any{"context": map[string]any{"slot": 7}, "value": v} }

func mustJSON(t *testing.T, raw json.RawMessage, into any) {
	t.Helper()
	if err := json.Unmarshal(raw, into); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}

func testKey(n byte) sol.PrivateKey {
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = n
	}
	return sol.PrivateKey(ed25519.NewKeyFromSeed(seed))
}

func pk(n byte) sol.PublicKey { return testKey(n).PublicKey() }
