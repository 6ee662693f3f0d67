package solana

import (
	"context"
	"errors"
	"fmt"
	"time"

	sol "github.com/gagliardetto/solana-go"
)

// waiter follows one signature to the client's commitment through the client's
// shared tracker (its poller and PubSub subscription) and, with expiry set, turns
// "unknown after lastValidBlockHeight" into ErrBlockhashExpired.
type waiter struct {
	c         *Client
	sig       sol.Signature
	programs  []sol.PublicKey
	w         *watch
	expiry    uint64 // lastValidBlockHeight; 0 = wait forever
	seen      *SigStatus
	tick      <-chan time.Time // optional extra timer (resend)
	onTick    func()
	processed func() // called once when the transaction is first seen executed without error
}

func (c *Client) newWaiter(sig sol.Signature, programs []sol.PublicKey, expiry uint64) *waiter {
	return &waiter{c: c, sig: sig, programs: programs, expiry: expiry, w: c.track.add(sig, expiry != 0)}
}

func (w *waiter) stop() { w.c.track.remove(w.w) }

// next waits for one event and reports whether the outcome is decided.
func (w *waiter) next(ctx context.Context) (bool, error) {
	select {
	case <-ctx.Done():
		return true, ctx.Err()
	case <-w.tick:
		w.onTick()
		return false, nil
	case <-w.w.updated:
		return w.check(ctx)
	}
}

// check reads what the tracker knows now.
func (w *waiter) check(ctx context.Context) (bool, error) {
	st, polled, height, final, outcome, pollErr := w.w.snapshot()
	if final && rankOf(w.c.cfg.Commitment) <= rankOf(w.c.track.c.cfg.Commitment) {
		return true, w.classify(outcome) // the subscription is at the tracker's commitment
	}
	if !polled || pollErr != nil {
		return false, nil // no answer yet, or a transient RPC failure: the next round decides
	}
	w.seen = st
	if st != nil && st.Err == nil && w.processed != nil {
		w.processed()
		w.processed = nil
	}
	if st.Reached(w.c.cfg.Commitment) {
		return true, w.classify(st.Err)
	}
	if st != nil || w.expiry == 0 || height == 0 || height <= w.expiry {
		return false, nil
	}
	// Past the last valid height: a final search of the whole history decides.
	final2, err := w.c.status(ctx, w.sig, true, w.programs)
	if err != nil {
		return ctx.Err() != nil, ctx.Err()
	}
	if final2 == nil {
		return true, fmt.Errorf("%w (block height %d > last valid %d)", ErrBlockhashExpired, height, w.expiry)
	}
	w.seen = final2
	if final2.Reached(w.c.cfg.Commitment) {
		return true, final2.Err
	}
	return false, nil
}

// classify names the programs' custom errors in a landed failure.
func (w *waiter) classify(err error) error {
	var te *TxError
	if errors.As(err, &te) && w.programs != nil {
		return ClassifyTxErr(te.Raw, w.programs, nil)
	}
	return err
}
