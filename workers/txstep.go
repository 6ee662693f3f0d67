package workers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/store"
)

// maxResigns bounds how often one step re-signs after its blockhash provably expired
// within a run; past it the run fails (retryably) and the next run starts over.
const maxResigns = 3

// buildFunc signs a fresh transaction for a step. memo (may be nil) is what the
// caller wants back once that very transaction is confirmed (its quote, say); it is
// checkpointed next to the journal entry.
type buildFunc func(ctx context.Context) (stx *solana.SignedTx, memo any, err error)

// txStep performs the on-chain action of step key of this job EXACTLY ONCE across
// retries and restarts:
//
//  1. every transaction journaled for (job, key) is settled first: confirmed means the
//     step is done (its memo is returned, nothing is sent); pending ones are asked for
//     (and re-broadcast with the same bytes) until they land or provably expire;
//  2. only when none landed is a new transaction signed, journaled in Postgres
//     (bytes, signature, blockhash, last valid height) and only then broadcast;
//  3. an expiry (the cluster's word that it can never land) allows a re-sign; any
//     other doubt (network, crash) leaves the entry pending for the next run.
//
// It returns the confirmed signature and decodes the memo into memoOut (may be nil).
func (j *job) txStep(ctx context.Context, key string, memoOut any, build buildFunc) (string, error) {
	return j.txStepWith(ctx, key, memoOut, build, nil)
}

// txStepWith is txStep with a hook that runs once the step's transaction is
// processed (executed by the cluster, not yet confirmed): what depends on it can be
// sent in the same slot instead of one confirmation later. It does not run when the
// step was confirmed in an earlier run.
func (j *job) txStepWith(ctx context.Context, key string, memoOut any, build buildFunc, processed func()) (string, error) {
	for range maxResigns {
		sig, done, err := j.settleStep(ctx, key, processed)
		if err != nil {
			return "", err
		}
		if done {
			return sig, j.memo(ctx, sig, memoOut)
		}
		stx, memo, err := build(ctx)
		if err != nil {
			return "", fmt.Errorf("%s: build: %w", key, err)
		}
		sig = stx.Signature.String()
		if memo != nil {
			if err := j.save(ctx, "memo/"+sig, memo); err != nil {
				return "", err
			}
		}
		start := time.Now()
		err = j.d.Chain.SendAndConfirmWith(ctx, stx, solana.SendHooks{Journal: j.journalHook(key), Processed: processed})
		j.waited(start)
		settled, err := j.outcome(ctx, sig, err)
		if err != nil {
			return "", fmt.Errorf("%s: %w", key, err)
		}
		if settled == store.TxConfirmed {
			j.log.Info().Str("step", key).Str("sig", sig).Msg("transaction confirmed")
			j.signed(sig)
			return sig, j.memo(ctx, sig, memoOut)
		}
	}
	return "", fmt.Errorf("%s: blockhash expired %d times in a row: %w", key, maxResigns, solana.ErrBlockhashExpired)
}

func (j *job) journalHook(key string) solana.JournalHook {
	return func(ctx context.Context, stx *solana.SignedTx) error {
		err := j.d.Store.JournalTx(ctx, store.TxRecord{
			JobID: j.id, StepKey: key, Attempt: j.try, Signature: stx.Signature.String(), SignedTx: stx.Raw,
			Blockhash: stx.Blockhash.String(), LastValidHeight: stx.LastValidBlockHeight,
		})
		if err != nil {
			return err
		}
		if j.d.faults != nil && j.d.faults.afterJournal != nil {
			return j.d.faults.afterJournal(ctx, key, stx)
		}
		return nil
	}
}

// settleStep settles the step's journaled transactions; done reports one confirmed.
func (j *job) settleStep(ctx context.Context, key string, processed func()) (sig string, done bool, err error) {
	txs, err := j.d.Store.TxsForStep(ctx, j.id, key)
	if err != nil {
		return "", false, err
	}
	for _, t := range txs {
		st := t.State
		if !st.Settled() {
			if st, err = j.settle(ctx, t, processed); err != nil {
				return "", false, fmt.Errorf("%s: settle %s: %w", key, t.Signature, err)
			}
		}
		if st == store.TxConfirmed {
			j.signed(t.Signature)
			return t.Signature, true, nil
		}
	}
	return "", false, nil
}

// settleAll settles every unsettled transaction of the job (a retried run starts here).
func (j *job) settleAll(ctx context.Context) error {
	txs, err := j.d.Store.UnsettledTxs(ctx, j.id)
	if err != nil {
		return err
	}
	for _, t := range txs {
		if _, err := j.settle(ctx, t, nil); err != nil {
			return fmt.Errorf("settle %s (%s): %w", t.Signature, t.StepKey, err)
		}
	}
	return nil
}

// settle asks the cluster about a journaled transaction (re-broadcasting the same
// bytes while it may still land) and records its fate.
func (j *job) settle(ctx context.Context, t store.TxRecord, processed func()) (store.TxState, error) {
	stx, err := solana.SignedTxFromRaw(t.SignedTx, t.LastValidHeight)
	if err != nil {
		return "", err
	}
	start := time.Now()
	err = j.d.Chain.SettleWith(ctx, stx, solana.SendHooks{Processed: processed})
	j.waited(start)
	st, err := j.outcome(ctx, t.Signature, err)
	var txe *solana.TxError
	if errors.As(err, &txe) {
		return st, nil // it landed and failed: the step may be tried again
	}
	return st, err
}

// outcome records what SendAndConfirm or Settle said about sig. A landed failure is
// returned (classified); an unknown fate is returned and leaves the entry pending.
func (j *job) outcome(ctx context.Context, sig string, sendErr error) (store.TxState, error) {
	var txe *solana.TxError
	switch {
	case sendErr == nil:
		return store.TxConfirmed, j.d.Store.MarkTx(ctx, sig, store.TxConfirmed, "")
	case errors.Is(sendErr, solana.ErrBlockhashExpired):
		j.log.Warn().Str("sig", sig).Msg("transaction expired without landing; it may be re-signed")
		return store.TxExpired, j.d.Store.MarkTx(ctx, sig, store.TxExpired, sendErr.Error())
	case errors.As(sendErr, &txe):
		if err := j.d.Store.MarkTx(ctx, sig, store.TxFailed, sendErr.Error()); err != nil {
			return store.TxFailed, err
		}
		return store.TxFailed, sendErr
	}
	return store.TxPending, sendErr
}

func (j *job) memo(ctx context.Context, sig string, into any) error {
	if into == nil {
		return nil
	}
	ok, err := j.done(ctx, "memo/"+sig, into)
	if err == nil && !ok {
		err = fmt.Errorf("memo of %s is missing", sig)
	}
	return err
}

// signed puts the latest confirmed signature into the events' details.
func (j *job) signed(sig string) {
	j.rep.Update(func(d *progress.Details) { d.Signature = sig })
}

// waited reports time spent waiting on the cluster to the test hook.
func (j *job) waited(since time.Time) {
	if j.d.faults != nil && j.d.faults.waited != nil {
		j.d.faults.waited(time.Since(since))
	}
}

// pendingStep is a txStep running in the background.
type pendingStep struct {
	processed chan struct{} // closed once the transaction is processed, or the step ended
	done      chan struct{} // closed when the step ended
	sig       string
	err       error
}

// startStep runs step in the background; see txStepWith for the processed hook.
func startStep(ctx context.Context, step func(ctx context.Context, processed func()) (string, error)) *pendingStep {
	p := &pendingStep{processed: make(chan struct{}), done: make(chan struct{})}
	var once sync.Once
	mark := func() { once.Do(func() { close(p.processed) }) }
	go func() {
		defer close(p.done)
		p.sig, p.err = step(ctx, mark)
		mark()
	}()
	return p
}

// whenProcessed waits until the step's transaction is processed; it returns the
// step's error if the step ended without landing.
func (p *pendingStep) whenProcessed(ctx context.Context) error {
	select {
	case <-p.processed:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-p.done:
		return p.err
	default:
		return nil
	}
}

// wait waits for the step's end.
func (p *pendingStep) wait() (string, error) {
	<-p.done
	return p.sig, p.err
}
