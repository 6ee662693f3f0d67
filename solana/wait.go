package solana

import (
	"context"
	"fmt"
	"time"

	sol "github.com/gagliardetto/solana-go"
)

// wsPollFactor slows status polling while a signature subscription is live, to
// spare the RPC rate budget when many transactions are in flight.
const wsPollFactor = 3

// waiter follows one signature to the client's commitment: a WebSocket notification
// when available, getSignatureStatuses polling always, and (with expiry set) the
// block-height check that turns "unknown after lastValidBlockHeight" into
// ErrBlockhashExpired.
type waiter struct {
	c        *Client
	sig      sol.Signature
	programs []sol.PublicKey
	wsCh     <-chan error
	cancelWS context.CancelFunc
	poll     *time.Ticker
	polled   bool
	expiry   uint64 // lastValidBlockHeight; 0 = wait forever
	seen     *SigStatus
	tick     <-chan time.Time // optional extra timer (resend)
	onTick   func()
}

func (c *Client) newWaiter(ctx context.Context, sig sol.Signature, programs []sol.PublicKey) *waiter {
	w := &waiter{c: c, sig: sig, programs: programs}
	w.wsCh, w.cancelWS = c.watchWS(ctx, sig, programs)
	every := c.cfg.PollInterval
	if w.wsCh != nil {
		every *= wsPollFactor // the subscription is the fast path; polling is the safety net
	}
	w.poll = time.NewTicker(every)
	return w
}

func (w *waiter) stop() {
	w.poll.Stop()
	w.cancelWS()
}

// next waits for one event and reports whether the outcome is decided.
func (w *waiter) next(ctx context.Context) (bool, error) {
	if !w.polled { // the signature may already be confirmed (e.g. on resume)
		w.polled = true
		return w.check(ctx)
	}
	select {
	case <-ctx.Done():
		return true, ctx.Err()
	case err, ok := <-w.wsCh:
		if ok {
			return true, err
		}
		w.wsCh = nil // subscription failed or ended: polling carries on at full rate
		w.poll.Reset(w.c.cfg.PollInterval)
		return false, nil
	case <-w.tick:
		w.onTick()
		return false, nil
	case <-w.poll.C:
		return w.check(ctx)
	}
}

func (w *waiter) check(ctx context.Context) (bool, error) {
	st, err := w.c.status(ctx, w.sig, false, w.programs)
	if err != nil {
		return ctx.Err() != nil, ctx.Err() // transient RPC failure: poll again
	}
	w.seen = st
	if st.Reached(w.c.cfg.Commitment) {
		return true, st.Err
	}
	if st != nil || w.expiry == 0 {
		return false, nil
	}
	h, err := w.c.BlockHeight(ctx)
	if err != nil || h <= w.expiry {
		return ctx.Err() != nil, ctx.Err()
	}
	// Past the last valid height: a final search of the whole history decides.
	final, err := w.c.status(ctx, w.sig, true, w.programs)
	if err != nil {
		return ctx.Err() != nil, ctx.Err()
	}
	if final == nil {
		return true, fmt.Errorf("%w (block height %d > last valid %d)", ErrBlockhashExpired, h, w.expiry)
	}
	w.seen = final
	if final.Reached(w.c.cfg.Commitment) {
		return true, final.Err
	}
	return false, nil
}
