package solana

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	sol "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
)

// SimResult is the outcome of a simulation. Err is the classified failure (nil on
// success); it is also returned as the error of Simulate.
type SimResult struct {
	UnitsConsumed uint64
	Logs          []string
	Err           *TxError
}

// Simulate runs tx through simulateTransaction (signatures not verified, blockhash
// replaced, so unsigned or stale transactions simulate too). On a failed execution it
// returns the result and its *TxError.
func (c *Client) Simulate(ctx context.Context, tx *sol.Transaction) (*SimResult, error) {
	raw, err := tx.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("simulate: encode: %w", err)
	}
	out, err := c.rpc.SimulateRawTransactionWithOpts(ctx, raw, &rpc.SimulateTransactionOpts{
		ReplaceRecentBlockhash: true, Commitment: c.cfg.Commitment,
	})
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", classifyRPC(err, ProgramsOf(raw)))
	}
	if out == nil || out.Value == nil {
		return nil, errors.New("simulate: empty reply")
	}
	res := &SimResult{Logs: out.Value.Logs}
	if out.Value.UnitsConsumed != nil {
		res.UnitsConsumed = *out.Value.UnitsConsumed
	}
	if out.Value.Err != nil {
		res.Err = ClassifyTxErr(out.Value.Err, ProgramsOf(raw), out.Value.Logs)
		return res, res.Err
	}
	return res, nil
}

// SendOpts tunes SendRaw.
type SendOpts struct {
	// SkipPreflight skips the node's simulation (we simulate in BuildTx instead, and a
	// re-broadcast of an already processed transaction would fail preflight).
	SkipPreflight bool
}

// SendRaw broadcasts signed transaction bytes once (maxRetries 0: re-broadcasting is
// SendAndConfirm's job) and returns the signature the node reports.
func (c *Client) SendRaw(ctx context.Context, raw []byte, opts SendOpts) (sol.Signature, error) {
	zero := uint(0)
	sig, err := c.rpc.SendEncodedTransactionWithOpts(ctx, base64.StdEncoding.EncodeToString(raw), rpc.TransactionOpts{
		Encoding: sol.EncodingBase64, SkipPreflight: opts.SkipPreflight,
		PreflightCommitment: c.cfg.Commitment, MaxRetries: &zero,
	})
	if err != nil {
		return sol.Signature{}, fmt.Errorf("send transaction: %w", classifyRPC(err, ProgramsOf(raw)))
	}
	return sig, nil
}

// SigStatus is a signature's status. Err is nil if the transaction succeeded, else
// its classified *TxError.
type SigStatus struct {
	Slot         uint64
	Confirmation rpc.ConfirmationStatusType
	Err          error
}

// Reached reports whether the status is at least commitment.
func (s *SigStatus) Reached(commitment rpc.CommitmentType) bool {
	if s == nil {
		return false
	}
	return rankOf(rpc.CommitmentType(s.Confirmation)) >= rankOf(commitment)
}

func rankOf(c rpc.CommitmentType) int {
	switch c {
	case rpc.CommitmentProcessed:
		return 1
	case rpc.CommitmentConfirmed:
		return 2
	case rpc.CommitmentFinalized:
		return 3
	}
	return 0
}

// SignatureStatuses returns one status per signature (nil = unknown to the cluster),
// searching the ledger history too, in batches of 256.
func (c *Client) SignatureStatuses(ctx context.Context, sigs ...sol.Signature) ([]*SigStatus, error) {
	return c.signatureStatuses(ctx, true, sigs)
}

func (c *Client) signatureStatuses(ctx context.Context, history bool, sigs []sol.Signature) ([]*SigStatus, error) {
	res := make([]*SigStatus, 0, len(sigs))
	for start := 0; start < len(sigs); start += maxSignatureStatusBatch {
		chunk := sigs[start:min(start+maxSignatureStatusBatch, len(sigs))]
		out, err := c.rpc.GetSignatureStatuses(ctx, history, chunk...)
		if err != nil && !errors.Is(err, rpc.ErrNotFound) {
			return nil, fmt.Errorf("get signature statuses: %w", classifyRPC(err, nil))
		}
		for i := range chunk {
			var v *rpc.SignatureStatusesResult
			if out != nil && i < len(out.Value) {
				v = out.Value[i]
			}
			res = append(res, toSigStatus(v))
		}
	}
	return res, nil
}

func toSigStatus(v *rpc.SignatureStatusesResult) *SigStatus {
	if v == nil {
		return nil
	}
	st := &SigStatus{Slot: v.Slot, Confirmation: v.ConfirmationStatus}
	if st.Confirmation == "" && v.Confirmations == nil {
		st.Confirmation = rpc.ConfirmationStatusFinalized // old nodes: null confirmations = rooted
	}
	if v.Err != nil {
		st.Err = ClassifyTxErr(v.Err, nil, nil)
	}
	return st
}

func (c *Client) status(ctx context.Context, sig sol.Signature, history bool, programs []sol.PublicKey) (*SigStatus, error) {
	sts, err := c.signatureStatuses(ctx, history, []sol.Signature{sig})
	if err != nil {
		return nil, err
	}
	st := sts[0]
	var te *TxError
	if st != nil && errors.As(st.Err, &te) && programs != nil {
		st.Err = ClassifyTxErr(te.Raw, programs, nil)
	}
	return st, nil
}

// Confirm waits until sig reaches the client's commitment, by signatureSubscribe
// (when Config.WSURL is set) with getSignatureStatuses polling as a fallback (a
// notification can be missed). It returns nil on success, the classified *TxError if
// the transaction failed, or ctx's error. It neither sends nor knows about expiry:
// use SendAndConfirm for that.
func (c *Client) Confirm(ctx context.Context, sig sol.Signature) error {
	w := c.newWaiter(sig, nil, 0)
	defer w.stop()
	c.track.poke() // the signature may already be confirmed
	for {
		if done, err := w.next(ctx); done {
			return err
		}
	}
}

// JournalHook is called by SendAndConfirm before the first broadcast; if it fails
// nothing is sent. Persist stx.Raw, stx.Signature and stx.LastValidBlockHeight there.
type JournalHook func(ctx context.Context, stx *SignedTx) error

// SendAndConfirm broadcasts stx.Raw and re-broadcasts the SAME bytes every
// ResendInterval until the signature reaches the client's commitment, or until the
// block height passes stx.LastValidBlockHeight and a history search still does not
// know the signature: then it returns an error wrapping ErrBlockhashExpired and the
// caller (who journals) may re-sign. It never re-signs. Calling it again with the same
// stx after a crash is safe (same signature, executed at most once).
func (c *Client) SendAndConfirm(ctx context.Context, stx *SignedTx, journal JournalHook) error {
	return c.SendAndConfirmWith(ctx, stx, SendHooks{Journal: journal})
}

// SendHooks are the optional callbacks of SendAndConfirmWith and SettleWith.
type SendHooks struct {
	// Journal runs before the first broadcast; if it fails nothing is sent.
	Journal JournalHook
	// Processed runs once, as soon as the cluster reports the transaction executed
	// without error (it may still roll back): the moment to send what depends on it.
	Processed func()
}

// SendAndConfirmWith is SendAndConfirm with hooks.
func (c *Client) SendAndConfirmWith(ctx context.Context, stx *SignedTx, h SendHooks) error {
	if h.Journal != nil {
		if err := h.Journal(ctx, stx); err != nil {
			return fmt.Errorf("send %s: journal: %w", stx.Signature, err)
		}
	}
	return c.sendLoop(ctx, stx, false, h.Processed)
}

// Settle resolves a journaled transaction after a restart: it asks the cluster for
// the signature first and only re-broadcasts the same bytes if it is not known yet,
// then behaves like SendAndConfirm (nil, *TxError, or ErrBlockhashExpired).
func (c *Client) Settle(ctx context.Context, stx *SignedTx) error {
	return c.sendLoop(ctx, stx, true, nil)
}

// SettleWith is Settle with a Processed hook (SendHooks.Journal is not used).
func (c *Client) SettleWith(ctx context.Context, stx *SignedTx, h SendHooks) error {
	return c.sendLoop(ctx, stx, true, h.Processed)
}

func (c *Client) sendLoop(ctx context.Context, stx *SignedTx, checkFirst bool, processed func()) error {
	programs := ProgramsOf(stx.Raw)
	w := c.newWaiter(stx.Signature, programs, stx.LastValidBlockHeight)
	defer w.stop()
	w.processed = processed
	resend := time.NewTicker(c.cfg.ResendInterval)
	defer resend.Stop()
	w.onTick = func() {
		if w.seen == nil { // not seen by the cluster (yet, or dropped with a fork)
			c.broadcast(ctx, stx.Raw)
		}
	}
	if checkFirst { // ask before sending anything: it may have landed before a crash
		c.track.poke()
		for {
			done, err := w.next(ctx)
			if done {
				return wrapSend(stx, err)
			}
			if _, polled, _, _, _, pollErr := w.w.snapshot(); polled && pollErr == nil {
				break
			}
		}
	}
	w.tick = resend.C // not before: a settle sends nothing until the cluster has answered
	if w.seen == nil {
		c.broadcast(ctx, stx.Raw)
	}
	c.track.poke() // an in-process cluster executes at once: learn it now
	for {
		if done, err := w.next(ctx); done {
			return wrapSend(stx, err)
		}
	}
}

func wrapSend(stx *SignedTx, err error) error {
	if err != nil {
		return fmt.Errorf("send %s: %w", stx.Signature, err)
	}
	return nil
}

// broadcast sends once, ignoring the error: the status polling decides the outcome
// (a send error such as "already processed" or a transient 5xx proves nothing).
func (c *Client) broadcast(ctx context.Context, raw []byte) {
	_, _ = c.SendRaw(ctx, raw, SendOpts{SkipPreflight: true})
}

// Airdrop requests lamports for key (test clusters only) and waits for confirmation.
func (c *Client) Airdrop(ctx context.Context, key sol.PublicKey, lamports uint64) (sol.Signature, error) {
	sig, err := c.rpc.RequestAirdrop(ctx, key, lamports, c.cfg.Commitment)
	if err != nil {
		return sol.Signature{}, fmt.Errorf("airdrop: %w", classifyRPC(err, nil))
	}
	if err := c.Confirm(ctx, sig); err != nil {
		return sig, fmt.Errorf("airdrop %s: %w", sig, err)
	}
	return sig, nil
}
