package solana

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	sol "github.com/gagliardetto/solana-go"
)

// multiPubsub is a PubSub server at the wire that keeps every signatureSubscribe of
// every connection and notifies on demand; drop closes the live connections.
type multiPubsub struct {
	t     *testing.T
	srv   *httptest.Server
	dials atomic.Int32

	mu    sync.Mutex
	conns map[*websocket.Conn]bool
	subs  map[string]subRef // signature -> its live subscription
	next  uint64
	added chan string
}

type subRef struct {
	conn *websocket.Conn
	id   uint64
}

func newMultiPubsub(t *testing.T) *multiPubsub {
	p := &multiPubsub{t: t, conns: map[*websocket.Conn]bool{}, subs: map[string]subRef{}, added: make(chan string, 1024)}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *multiPubsub) serve(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	p.dials.Add(1)
	p.mu.Lock()
	p.conns[conn] = true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.conns, conn)
		p.mu.Unlock()
		conn.CloseNow()
	}()
	for {
		_, data, err := conn.Read(r.Context())
		if err != nil {
			return
		}
		var req struct {
			ID     int               `json:"id"`
			Method string            `json:"method"`
			Params []json.RawMessage `json:"params"`
		}
		if json.Unmarshal(data, &req) != nil || req.Method != "signatureSubscribe" {
			continue
		}
		var sig string
		mustJSON(p.t, req.Params[0], &sig)
		p.mu.Lock()
		p.next++
		p.subs[sig] = subRef{conn, p.next}
		id := p.next
		p.mu.Unlock()
		_ = conn.Write(r.Context(), websocket.MessageText, fmt.Appendf(nil, `{"jsonrpc":"2.0","result":%d,"id":%d}`, id, req.ID))
		p.added <- sig
	}
}

// notify sends sig's outcome to its live subscription; false if there is none.
func (p *multiPubsub) notify(sig sol.Signature) bool {
	p.mu.Lock()
	ref, ok := p.subs[sig.String()]
	live := ok && p.conns[ref.conn]
	p.mu.Unlock()
	if !live {
		return false
	}
	note := fmt.Sprintf(`{"jsonrpc":"2.0","method":"signatureNotification","params":{"result":{"context":{"slot":5},"value":{"err":null}},"subscription":%d}}`, ref.id)
	return ref.conn.Write(context.Background(), websocket.MessageText, []byte(note)) == nil
}

func (p *multiPubsub) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.CloseNow()
	}
}

// waitSubscribed waits until n subscriptions arrived (across connections).
func (p *multiPubsub) waitSubscribed(t *testing.T, n int) map[string]bool {
	got := map[string]bool{}
	deadline := time.After(10 * time.Second)
	for len(got) < n {
		select {
		case s := <-p.added:
			got[s] = true
		case <-deadline:
			t.Fatalf("%d of %d subscriptions arrived", len(got), n)
		}
	}
	return got
}

func TestManyConfirmationsShareOneConnectionAndBatchedPolls(t *testing.T) {
	ps := newMultiPubsub(t)
	f := newFakeRPC(t)
	var polled atomic.Int32
	var widest atomic.Int32
	f.handle("getSignatureStatuses", func(p []json.RawMessage) (any, *rpcErr) {
		var sigs []string
		mustJSON(t, p[0], &sigs)
		polled.Add(1)
		if n := int32(len(sigs)); n > widest.Load() {
			widest.Store(n)
		}
		return ctxValue(make([]any, len(sigs))), nil // unknown: only the subscription confirms
	})
	c := f.client(t, func(c *Config) { c.WSURL = wsURL(ps.srv); c.PollInterval = 20 * time.Millisecond })
	const n = 300
	sigs := make([]sol.Signature, n)
	errs := make(chan error, n)
	for i := range sigs {
		sigs[i] = sol.Signature{byte(i), byte(i >> 8), 1}
		go func() { errs <- c.Confirm(context.Background(), sigs[i]) }()
	}
	ps.waitSubscribed(t, n)
	for _, s := range sigs {
		if !ps.notify(s) {
			t.Fatalf("no live subscription for %s", s)
		}
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if d := ps.dials.Load(); d != 1 {
		t.Fatalf("%d PubSub connections for %d confirmations, want 1", d, n)
	}
	if w := widest.Load(); w < 2 || w > maxSignatureStatusBatch {
		t.Fatalf("widest getSignatureStatuses call asked for %d signatures, want several and at most %d", w, maxSignatureStatusBatch)
	}
	if p := polled.Load(); p >= n {
		t.Fatalf("%d status calls for %d signatures: not batched", p, n)
	}
}

func TestPubsubResubscribesAfterADrop(t *testing.T) {
	ps := newMultiPubsub(t)
	f := newFakeRPC(t)
	neverLandedBatch(t, f)
	c := f.client(t, func(c *Config) { c.WSURL = wsURL(ps.srv); c.PollInterval = 20 * time.Millisecond })
	sig := sol.Signature{4, 2}
	errs := make(chan error, 1)
	go func() { errs <- c.Confirm(context.Background(), sig) }()
	ps.waitSubscribed(t, 1)
	ps.drop()
	ps.waitSubscribed(t, 1) // subscribed again on a new connection
	if !ps.notify(sig) {
		t.Fatal("no live subscription after the reconnect")
	}
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	if d := ps.dials.Load(); d != 2 {
		t.Fatalf("%d dials, want 2", d)
	}
}

func neverLandedBatch(t *testing.T, f *fakeRPC) {
	f.handle("getSignatureStatuses", func(p []json.RawMessage) (any, *rpcErr) {
		var sigs []string
		mustJSON(t, p[0], &sigs)
		return ctxValue(make([]any, len(sigs))), nil
	})
}

func TestProcessedHookRunsBeforeConfirmation(t *testing.T) {
	f := newFakeRPC(t)
	var mu sync.Mutex
	status := "" // "" unknown, then processed, then confirmed
	confirmedServed := 0
	f.handle("sendTransaction", func(p []json.RawMessage) (any, *rpcErr) {
		mu.Lock()
		defer mu.Unlock()
		if status == "" {
			status = "processed"
		}
		return sol.Signature{1}.String(), nil
	})
	f.handle("getBlockHeight", func(p []json.RawMessage) (any, *rpcErr) { return 1, nil })
	f.handle("getSignatureStatuses", func(p []json.RawMessage) (any, *rpcErr) {
		mu.Lock()
		defer mu.Unlock()
		if status == "" {
			return ctxValue([]any{nil}), nil
		}
		if status == "confirmed" {
			confirmedServed++
		}
		return ctxValue([]any{map[string]any{"slot": 9, "confirmations": 0, "err": nil, "confirmationStatus": status}}), nil
	})
	c := f.client(t, func(c *Config) { c.ResendInterval = time.Hour })
	stx := signedTransfer(t, 1000)
	processed := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- c.SendAndConfirmWith(context.Background(), stx, SendHooks{Processed: func() { close(processed) }})
	}()
	select {
	case <-processed:
	case err := <-done:
		t.Fatalf("confirmed (%v) before the processed hook ran", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the processed hook never ran")
	}
	mu.Lock()
	status = "confirmed"
	mu.Unlock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if confirmedServed == 0 {
		t.Fatal("SendAndConfirm returned before the cluster said confirmed")
	}
}
