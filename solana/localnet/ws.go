package localnet

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/coder/websocket"
	"github.com/gagliardetto/solana-go"
)

// pubsub is the PubSub WebSocket server: signatureSubscribe (one notification at
// the requested commitment, then the subscription ends, as on Solana),
// accountSubscribe and slotSubscribe, with their unsubscribe methods.
type pubsub struct {
	c *Cluster

	mu       sync.Mutex
	nextID   uint64
	sessions map[*wsSession]struct{}
	sigSubs  map[solana.Signature][]*sigSub
	waiting  []*sigSub // landed, waiting for their commitment depth
	acctSubs map[solana.PublicKey][]*acctSub
	slotSubs map[uint64]*wsSession
	owner    map[uint64]*wsSession

	logsSubs    map[uint64]*logsSub
	pendingLogs []pendingLogs
}

type sigSub struct {
	id    uint64
	sess  *wsSession
	depth uint64
	sig   solana.Signature
	rec   *TxRecord
}

type acctSub struct {
	id      uint64
	sess    *wsSession
	cfg     commonConfig
	key     solana.PublicKey
	depth   uint64
	pending *uint64 // slot of the oldest change not yet notified
}

type wsSession struct {
	conn   *websocket.Conn
	out    chan []byte
	cancel context.CancelFunc
}

func newPubsub(c *Cluster) *pubsub {
	return &pubsub{c: c, sessions: map[*wsSession]struct{}{}, sigSubs: map[solana.Signature][]*sigSub{},
		acctSubs: map[solana.PublicKey][]*acctSub{}, slotSubs: map[uint64]*wsSession{}, owner: map[uint64]*wsSession{},
		logsSubs: map[uint64]*logsSub{}}
}

func (ps *pubsub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	conn.SetReadLimit(64 << 10)
	ctx, cancel := context.WithCancel(r.Context())
	s := &wsSession{conn: conn, out: make(chan []byte, 1024), cancel: cancel}
	ps.mu.Lock()
	ps.sessions[s] = struct{}{}
	ps.mu.Unlock()
	go s.writeLoop(ctx)
	ps.readLoop(ctx, s)
	cancel()
	ps.drop(s)
	conn.CloseNow()
}

func (s *wsSession) writeLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case msg := <-s.out:
			if err := s.conn.Write(ctx, websocket.MessageText, msg); err != nil {
				s.cancel()
				return
			}
		}
	}
}

// send queues a message; a client too slow to drain 1024 messages is cut off.
func (s *wsSession) send(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	select {
	case s.out <- b:
	default:
		s.cancel()
	}
}

func (ps *pubsub) readLoop(ctx context.Context, s *wsSession) {
	for {
		typ, data, err := s.conn.Read(ctx)
		if err != nil {
			return
		}
		if typ != websocket.MessageText {
			continue
		}
		var req rpcRequest
		if err := json.Unmarshal(data, &req); err != nil {
			s.send(errResponse(nil, &rpcError{Code: codeParseError, Message: "Parse error"}))
			continue
		}
		res, rerr := ps.handle(s, req)
		if rerr != nil {
			s.send(errResponse(req.ID, rerr))
		} else {
			s.send(rpcResponse{JSONRPC: "2.0", Result: res, ID: req.ID})
			ps.flush()
		}
	}
}

func commitmentDepth(c string) uint64 {
	switch c {
	case "processed", "recent", "single":
		return 0
	case "confirmed", "singleGossip":
		return confirmedDepth
	}
	return finalizedDepth
}

// maxSubsPerSession bounds what one connection can make the server remember.
const maxSubsPerSession = 1000

func (ps *pubsub) countSubs(s *wsSession) int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	n := 0
	for _, owner := range ps.owner {
		if owner == s {
			n++
		}
	}
	return n
}

func (ps *pubsub) handle(s *wsSession, req rpcRequest) (any, *rpcError) {
	if strings.HasSuffix(req.Method, "Subscribe") && ps.countSubs(s) >= maxSubsPerSession {
		return nil, &rpcError{Code: codeInvalidRequest, Message: "Too many subscriptions on this connection"}
	}
	switch req.Method {
	case "signatureSubscribe":
		return ps.subscribeSignature(s, req.Params)
	case "accountSubscribe":
		return ps.subscribeAccount(s, req.Params)
	case "logsSubscribe":
		return ps.subscribeLogs(s, req.Params)
	case "slotSubscribe":
		ps.mu.Lock()
		defer ps.mu.Unlock()
		ps.nextID++
		ps.slotSubs[ps.nextID] = s
		ps.owner[ps.nextID] = s
		return ps.nextID, nil
	case "signatureUnsubscribe", "accountUnsubscribe", "slotUnsubscribe", "logsUnsubscribe":
		var id uint64
		if err := positional(req.Params, 1, &id); err != nil {
			return nil, err.(*rpcError)
		}
		if !ps.unsubscribe(s, id) {
			return nil, &rpcError{Code: codeInvalidParams, Message: "Invalid subscription id."}
		}
		return true, nil
	}
	return nil, &rpcError{Code: codeMethodNotFound, Message: "Method not found"}
}

func (ps *pubsub) subscribeSignature(s *wsSession, params json.RawMessage) (any, *rpcError) {
	var sigStr string
	var cfg struct {
		Commitment string `json:"commitment"`
	}
	if err := positional(params, 1, &sigStr, &cfg); err != nil {
		return nil, err.(*rpcError)
	}
	sig, err := solana.SignatureFromBase58(sigStr)
	if err != nil {
		return nil, invalidParams("Invalid params: invalid signature")
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.nextID++
	sub := &sigSub{id: ps.nextID, sess: s, depth: commitmentDepth(cfg.Commitment), sig: sig}
	ps.owner[sub.id] = s
	if rec, ok := ps.c.bank.Status(sig); ok {
		sub.rec = rec // delivered by flush right after the subscription id reply
		ps.waiting = append(ps.waiting, sub)
	} else {
		ps.sigSubs[sig] = append(ps.sigSubs[sig], sub)
	}
	return sub.id, nil
}

func (ps *pubsub) subscribeAccount(s *wsSession, params json.RawMessage) (any, *rpcError) {
	var keyStr string
	var cfg commonConfig
	if err := positional(params, 1, &keyStr, &cfg); err != nil {
		return nil, err.(*rpcError)
	}
	key, err := solana.PublicKeyFromBase58(keyStr)
	if err != nil {
		return nil, invalidParams("Invalid params: invalid pubkey")
	}
	if cfg.Encoding == "" {
		cfg.Encoding = "base64"
	}
	if _, err := encodeAccount(Account{}, cfg); err != nil {
		return nil, err.(*rpcError)
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.nextID++
	ps.acctSubs[key] = append(ps.acctSubs[key], &acctSub{id: ps.nextID, sess: s, cfg: cfg, key: key,
		depth: commitmentDepth(cfg.Commitment)})
	ps.owner[ps.nextID] = s
	return ps.nextID, nil
}

// unsubscribe removes subscription id if it belongs to s.
func (ps *pubsub) unsubscribe(s *wsSession, id uint64) bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.owner[id] != s {
		return false
	}
	ps.removeLocked(func(sid uint64, _ *wsSession) bool { return sid == id })
	return true
}

// removeLocked deletes every subscription matching drop.
func (ps *pubsub) removeLocked(drop func(id uint64, s *wsSession) bool) {
	for id, s := range ps.owner {
		if drop(id, s) {
			delete(ps.owner, id)
			delete(ps.slotSubs, id)
		}
	}
	for sig, subs := range ps.sigSubs {
		ps.sigSubs[sig] = filter(subs, func(x *sigSub) bool { return !drop(x.id, x.sess) })
		if len(ps.sigSubs[sig]) == 0 {
			delete(ps.sigSubs, sig)
		}
	}
	ps.waiting = filter(ps.waiting, func(x *sigSub) bool { return !drop(x.id, x.sess) })
	ps.removeLogsLocked(drop)
	for k, subs := range ps.acctSubs {
		ps.acctSubs[k] = filter(subs, func(x *acctSub) bool { return !drop(x.id, x.sess) })
		if len(ps.acctSubs[k]) == 0 {
			delete(ps.acctSubs, k)
		}
	}
}

func filter[T any](in []T, keep func(T) bool) []T {
	out := in[:0]
	for _, v := range in {
		if keep(v) {
			out = append(out, v)
		}
	}
	return out
}

func (ps *pubsub) drop(s *wsSession) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	delete(ps.sessions, s)
	ps.removeLocked(func(_ uint64, owner *wsSession) bool { return owner == s })
}

// close ends every open session (the handler keeps accepting new ones).
func (ps *pubsub) close() {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for s := range ps.sessions {
		s.cancel()
	}
}

func notification(method string, sub uint64, result any) map[string]any {
	return map[string]any{"jsonrpc": "2.0", "method": method,
		"params": map[string]any{"result": result, "subscription": sub}}
}

// TxCommitted implements Observer.
func (ps *pubsub) TxCommitted(rec *TxRecord, changed []solana.PublicKey) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if rec != nil {
		for _, sub := range ps.sigSubs[rec.Signature] {
			sub.rec = rec
			ps.waiting = append(ps.waiting, sub)
		}
		delete(ps.sigSubs, rec.Signature)
		ps.flushSignaturesLocked(ps.c.bank.Slot())
		ps.notifyLogsLocked(rec)
	}
	ps.notifyAccountsLocked(changed)
}

// notifyAccountsLocked notifies processed-level account subscribers at once
// and marks the others to be notified when the change reaches their depth.
func (ps *pubsub) notifyAccountsLocked(changed []solana.PublicKey) {
	slot := ps.c.bank.Slot()
	for _, k := range changed {
		for _, sub := range ps.acctSubs[k] {
			if sub.depth == 0 {
				ps.sendAccount(sub)
			} else if sub.pending == nil {
				sub.pending = &slot
			}
		}
	}
}

// flushAccountsLocked sends the account state to subscribers whose pending
// change has reached their commitment depth.
func (ps *pubsub) flushAccountsLocked(slot uint64) {
	for _, subs := range ps.acctSubs {
		for _, sub := range subs {
			if sub.pending != nil && slot >= *sub.pending+sub.depth {
				sub.pending = nil
				ps.sendAccount(sub)
			}
		}
	}
}

func (ps *pubsub) sendAccount(sub *acctSub) {
	acc, _ := ps.c.bank.GetAccount(sub.key)
	if ui, err := encodeAccount(acc, sub.cfg); err == nil {
		sub.sess.send(notification("accountNotification", sub.id, ps.c.ctxValue(ui)))
	}
}

// SlotAdvanced implements Observer.
func (ps *pubsub) SlotAdvanced(slot, parent uint64) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	root := uint64(0)
	if slot > finalizedDepth {
		root = slot - finalizedDepth
	}
	for id, s := range ps.slotSubs {
		s.send(notification("slotNotification", id, map[string]uint64{"parent": parent, "root": root, "slot": slot}))
	}
	ps.flushSignaturesLocked(slot)
	ps.flushLogsLocked(slot)
	ps.flushAccountsLocked(slot)
}

// flush delivers signature notifications already due (a subscription made
// after its transaction landed).
func (ps *pubsub) flush() {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.flushSignaturesLocked(ps.c.bank.Slot())
}

// flushSignaturesLocked notifies (and ends) signature subscriptions whose
// transaction has reached the requested depth.
func (ps *pubsub) flushSignaturesLocked(slot uint64) {
	ps.waiting = filter(ps.waiting, func(sub *sigSub) bool {
		if slot < sub.rec.Slot+sub.depth {
			return true
		}
		value := map[string]any{"err": errOrNil(sub.rec.Err)}
		sub.sess.send(notification("signatureNotification", sub.id,
			withContext{Context: rpcContext{APIVersion: APIVersion, Slot: sub.rec.Slot}, Value: value}))
		delete(ps.owner, sub.id)
		return false
	})
}
