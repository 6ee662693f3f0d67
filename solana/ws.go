package solana

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	sol "github.com/gagliardetto/solana-go"
)

// pubsub is the client's one PubSub WebSocket: every signatureSubscribe of the
// process goes over it (RPC providers cap connections per key; one per transaction
// would hit that cap under load). It dials on first use, and after a drop it dials
// again with backoff and subscribes anew to every signature still watched; while it
// is down the tracker's poller carries on alone. (solana-go's ws package needs modules
// this build does not carry, hence a small client of our own over coder/websocket.)
type pubsub struct {
	url, commitment string
	notify          func(sol.Signature, error)

	mu      sync.Mutex
	want    map[sol.Signature]bool // watched signatures without an outcome yet
	cur     *psConn                // nil while disconnected
	started bool
	stop    chan struct{}
	done    chan struct{}
}

// psConn is one connection's subscription state: ids are per connection.
type psConn struct {
	conn    *websocket.Conn
	out     chan []byte
	nextID  int
	pending map[int]sol.Signature    // request id -> signature awaiting its subscription id
	subOf   map[sol.Signature]uint64 // signature -> subscription id
	sigOf   map[uint64]sol.Signature
}

// psQueue bounds the requests waiting to be written; past it a subscription is
// skipped (the poller still follows the signature).
const psQueue = 4096

func newPubsub(url, commitment string, notify func(sol.Signature, error)) *pubsub {
	return &pubsub{url: url, commitment: commitment, notify: notify, want: map[sol.Signature]bool{},
		stop: make(chan struct{}), done: make(chan struct{})}
}

func (p *pubsub) subscribe(sig sol.Signature) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.want[sig] = true
	if !p.started {
		p.started = true
		go p.run()
	}
	if p.cur != nil {
		p.cur.subscribeLocked(sig, p.commitment)
	}
}

func (p *pubsub) unsubscribe(sig sol.Signature) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.want, sig)
	if c := p.cur; c != nil {
		if id, ok := c.subOf[sig]; ok {
			delete(c.subOf, sig)
			delete(c.sigOf, id)
			c.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":0,"method":"signatureUnsubscribe","params":[%d]}`, id))
		}
	}
}

func (c *psConn) subscribeLocked(sig sol.Signature, commitment string) {
	c.nextID++
	c.pending[c.nextID] = sig
	c.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"signatureSubscribe","params":[%q,{"commitment":%q}]}`,
		c.nextID, sig.String(), commitment))
}

func (c *psConn) send(msg string) {
	select {
	case c.out <- []byte(msg):
	default: // the poller covers what the subscription misses
	}
}

func (p *pubsub) close() {
	p.mu.Lock()
	started := p.started
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	p.mu.Unlock()
	if started {
		<-p.done
	}
}

// run keeps one connection up until close.
func (p *pubsub) run() {
	defer close(p.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-p.stop
		cancel()
	}()
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		start := time.Now()
		p.serve(ctx)
		if time.Since(start) > 10*time.Second {
			backoff = 100 * time.Millisecond // it was up a while: dial again soon
		}
		if Sleep(ctx, backoff) != nil {
			return
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// serve dials, subscribes to every wanted signature and reads until the
// connection breaks.
func (p *pubsub) serve(ctx context.Context) {
	conn, _, err := websocket.Dial(ctx, p.url, nil)
	if err != nil {
		return
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 20)
	c := &psConn{conn: conn, out: make(chan []byte, psQueue), pending: map[int]sol.Signature{},
		subOf: map[sol.Signature]uint64{}, sigOf: map[uint64]sol.Signature{}}
	p.mu.Lock()
	p.cur = c
	for sig := range p.want {
		c.subscribeLocked(sig, p.commitment)
	}
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.cur = nil
		p.mu.Unlock()
	}()
	wctx, stopWriter := context.WithCancel(ctx)
	defer stopWriter()
	go func() {
		for {
			select {
			case <-wctx.Done():
				return
			case msg := <-c.out:
				if conn.Write(wctx, websocket.MessageText, msg) != nil {
					conn.CloseNow()
					return
				}
			}
		}
	}()
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return
		}
		p.handle(c, data)
	}
}

type wsMessage struct {
	ID     *int            `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	Method string `json:"method"`
	Params struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Subscription uint64 `json:"subscription"`
	} `json:"params"`
}

func (p *pubsub) handle(c *psConn, data []byte) {
	var m wsMessage
	if json.Unmarshal(data, &m) != nil {
		return // a hostile or broken frame: the poller decides
	}
	p.mu.Lock()
	if m.ID != nil && m.Method == "" { // a reply to a subscribe (or unsubscribe)
		sig, ok := c.pending[*m.ID]
		delete(c.pending, *m.ID)
		var id uint64
		if ok && m.Error == nil && json.Unmarshal(m.Result, &id) == nil {
			if p.want[sig] {
				c.subOf[sig], c.sigOf[id] = id, sig
			} else { // unwatched while the subscription was on its way
				c.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":0,"method":"signatureUnsubscribe","params":[%d]}`, id))
			}
		}
		p.mu.Unlock()
		return
	}
	if m.Method != "signatureNotification" {
		p.mu.Unlock()
		return
	}
	sig, ok := c.sigOf[m.Params.Subscription]
	done, outcome := signatureOutcome(m.Params.Result.Value, nil)
	if ok && done { // the cluster ends a signature subscription after its notification
		delete(c.sigOf, m.Params.Subscription)
		delete(c.subOf, sig)
		delete(p.want, sig)
	}
	p.mu.Unlock()
	if ok && done {
		p.notify(sig, outcome)
	}
}

// signatureOutcome decodes a notification value: {"err": null | <TransactionError>};
// the string "receivedSignature" (enableReceivedNotification) is not an outcome.
func signatureOutcome(raw json.RawMessage, programs []sol.PublicKey) (bool, error) {
	if strings.HasPrefix(strings.TrimSpace(string(raw)), `"`) {
		return false, nil
	}
	var v struct {
		Err any `json:"err"`
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return false, nil
	}
	if v.Err == nil {
		return true, nil
	}
	return true, ClassifyTxErr(v.Err, programs, nil)
}
