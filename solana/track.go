package solana

import (
	"context"
	"sync"
	"time"

	sol "github.com/gagliardetto/solana-go"
)

// tracker follows every signature the client is waiting on, for all callers at
// once: one poller asks for the statuses of all of them in one getSignatureStatuses
// call per 256 (the safety net: a notification can be missed), and reads the block
// height for the expiry checks at most once a round; one PubSub connection (when
// Config.WSURL is set) carries every signatureSubscribe. Many concurrent
// transactions thus cost the RPC budget a few calls per slot, not a poll loop and a
// WebSocket each.
type tracker struct {
	c    *Client
	kick chan struct{}
	ps   *pubsub // nil without a WSURL

	mu      sync.Mutex
	watches map[sol.Signature]map[*watch]struct{}
	started bool
	stop    chan struct{}
	done    chan struct{}
	height  uint64    // block height at the last read
	heightT time.Time // when it was read
}

// heightPolls is how many poll rounds the shared block height is reused for expiry
// checks (2 s at the default interval): a blockhash lives ~150 blocks (~60 s), so
// staleness only delays the verdict, never changes it (a history search decides).
const heightPolls = 5

func newTracker(c *Client) *tracker {
	t := &tracker{c: c, kick: make(chan struct{}, 1), watches: map[sol.Signature]map[*watch]struct{}{},
		stop: make(chan struct{}), done: make(chan struct{})}
	if c.cfg.WSURL != "" {
		t.ps = newPubsub(c.cfg.WSURL, string(c.cfg.Commitment), t.notified)
	}
	return t
}

// watch is one waiter's view of a signature: the latest status the poller or the
// subscription reported, and a channel that is signalled on each update.
type watch struct {
	sig     sol.Signature
	expires bool          // the waiter checks expiry: the poller reads the block height
	updated chan struct{} // capacity 1: an update is never lost, repeats coalesce

	mu      sync.Mutex
	st      *SigStatus // latest known status; nil = unknown to the cluster
	polled  bool       // at least one poll round answered since the watch began
	height  uint64     // the block height read with the latest poll (0 = not read)
	final   bool       // the subscription reported the outcome at the commitment
	outcome error      // with final: nil = success, else the *TxError
	pollErr error      // the latest poll's failure, nil after a good round
}

func (w *watch) signal() {
	select {
	case w.updated <- struct{}{}:
	default:
	}
}

// snapshot returns the watch's state under its lock.
func (w *watch) snapshot() (st *SigStatus, polled bool, height uint64, final bool, outcome, pollErr error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.st, w.polled, w.height, w.final, w.outcome, w.pollErr
}

// add starts following sig for one waiter; remove it with t.remove.
func (t *tracker) add(sig sol.Signature, expires bool) *watch {
	w := &watch{sig: sig, expires: expires, updated: make(chan struct{}, 1)}
	t.mu.Lock()
	if !t.started {
		t.started = true
		go t.pollLoop()
	}
	set := t.watches[sig]
	if set == nil {
		set = map[*watch]struct{}{}
		t.watches[sig] = set
		if t.ps != nil {
			t.ps.subscribe(sig)
		}
	}
	set[w] = struct{}{}
	t.mu.Unlock()
	return w
}

func (t *tracker) remove(w *watch) {
	t.mu.Lock()
	defer t.mu.Unlock()
	set := t.watches[w.sig]
	delete(set, w)
	if len(set) == 0 {
		delete(t.watches, w.sig)
		if t.ps != nil {
			t.ps.unsubscribe(w.sig)
		}
	}
}

// poke asks for a poll round now (coalesced with one already asked for).
func (t *tracker) poke() {
	select {
	case t.kick <- struct{}{}:
	default:
	}
}

func (t *tracker) close() {
	t.mu.Lock()
	started := t.started
	select {
	case <-t.stop:
	default:
		close(t.stop)
	}
	t.mu.Unlock()
	if started {
		<-t.done
	}
	if t.ps != nil {
		t.ps.close()
	}
}

func (t *tracker) pollLoop() {
	defer close(t.done)
	tick := time.NewTicker(t.c.cfg.PollInterval)
	defer tick.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-t.stop
		cancel()
	}()
	for {
		select {
		case <-t.stop:
			return
		case <-t.kick:
		case <-tick.C:
		}
		t.pollOnce(ctx)
	}
}

// pollOnce asks for every watched signature's status and hands each watch its
// answer; the block height is read too when an unknown signature may have expired.
func (t *tracker) pollOnce(ctx context.Context) {
	t.mu.Lock()
	sigs := make([]sol.Signature, 0, len(t.watches))
	expiring := map[sol.Signature]bool{}
	for sig, set := range t.watches {
		sigs = append(sigs, sig)
		for w := range set {
			expiring[sig] = expiring[sig] || w.expires
		}
	}
	t.mu.Unlock()
	if len(sigs) == 0 {
		return
	}
	sts, err := t.c.signatureStatuses(ctx, false, sigs)
	var height uint64
	if err == nil && anyUnknown(sigs, sts, expiring) {
		height = t.blockHeight(ctx)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, sig := range sigs {
		for w := range t.watches[sig] {
			w.mu.Lock()
			w.pollErr = err
			if err == nil {
				w.st, w.polled, w.height = sts[i], true, height
			}
			w.mu.Unlock()
			w.signal()
		}
	}
}

// anyUnknown reports an expiring signature the cluster does not know.
func anyUnknown(sigs []sol.Signature, sts []*SigStatus, expiring map[sol.Signature]bool) bool {
	for i, st := range sts {
		if st == nil && expiring[sigs[i]] {
			return true
		}
	}
	return false
}

// blockHeight is the shared block height, read again once it is heightMaxAge old
// (0 when it cannot be read: the expiry check then waits for the next round).
func (t *tracker) blockHeight(ctx context.Context) uint64 {
	t.mu.Lock()
	h, at := t.height, t.heightT
	t.mu.Unlock()
	if !at.IsZero() && time.Since(at) < heightPolls*t.c.cfg.PollInterval {
		return h
	}
	h, err := t.c.BlockHeight(ctx)
	if err != nil {
		return 0
	}
	t.mu.Lock()
	t.height, t.heightT = h, time.Now()
	t.mu.Unlock()
	return h
}

// notified is the subscription's word on sig: its outcome at the commitment.
func (t *tracker) notified(sig sol.Signature, outcome error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for w := range t.watches[sig] {
		w.mu.Lock()
		w.final, w.outcome = true, outcome
		w.mu.Unlock()
		w.signal()
	}
}
