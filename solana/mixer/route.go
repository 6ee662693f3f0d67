package mixer

import (
	"context"
	"errors"
	"fmt"

	sol "github.com/gagliardetto/solana-go"

	nsolana "github.com/nitro-runtime/nitro/solana"
)

// errHopFailed marks a hop that landed with an error: its route stops (Sweep
// recovers what is left in the intermediate wallets).
var errHopFailed = errors.New("mixer: hop failed on chain")

// route drives one buyer's hops from the last confirmed one; it returns the fees of
// the hops it landed.
func (m *Mixer) route(ctx context.Context, req Request, r int, amount uint64, atts []Hop, progress func(Progress)) (RouteResult, uint64) {
	res := RouteResult{Wallet: req.Targets[r].Wallet}
	var prev *Hop
	var fees uint64
	for step := 0; step <= req.Hops; step++ {
		stepAtts := ofStep(atts, step)
		done, err := m.settleStep(ctx, req, stepAtts, progress)
		if err != nil {
			res.Err = fmt.Errorf("step %d: %w", step, err)
			return res, fees
		}
		if done == nil {
			done, err = m.sendStep(ctx, req, r, step, amount, prev, stepAtts, progress)
			if err != nil {
				res.Err = fmt.Errorf("step %d: %w", step, err)
				return res, fees
			}
			fees += m.fee
		}
		prev = done
	}
	res.Delivered = prev.Lamports
	return res, fees
}

func ofStep(atts []Hop, step int) []Hop {
	var out []Hop
	for _, h := range atts {
		if h.Step == step {
			out = append(out, h)
		}
	}
	return out
}

// settleStep resolves the journaled attempts of a step: the confirmed one, nil if a
// new attempt is needed (none, or all expired), or an error (failed / undecidable).
func (m *Mixer) settleStep(ctx context.Context, req Request, atts []Hop, progress func(Progress)) (*Hop, error) {
	for i := range atts {
		h := &atts[i]
		switch h.State {
		case Confirmed:
			return h, nil
		case Failed:
			return nil, fmt.Errorf("%w: %s (sweep to recover)", errHopFailed, h.Err)
		case Expired:
			continue
		}
		state, err := m.settle(ctx, h)
		if err != nil {
			return nil, err
		}
		m.report(progress, req, *h)
		switch state {
		case Confirmed:
			return h, nil
		case Failed:
			return nil, fmt.Errorf("%w: %s", errHopFailed, h.Err)
		}
	}
	return nil, nil
}

// settle asks the chain about a pending hop (re-broadcasting its same bytes if the
// cluster does not know it yet) and journals the outcome.
func (m *Mixer) settle(ctx context.Context, h *Hop) (State, error) {
	return m.outcome(ctx, h, m.chain.Settle(ctx, signedOf(*h)))
}

// outcome journals the result of a send or settle; an error means undecided.
func (m *Mixer) outcome(ctx context.Context, h *Hop, sendErr error) (State, error) {
	var te *nsolana.TxError
	switch {
	case sendErr == nil:
		h.State = Confirmed
	case errors.Is(sendErr, nsolana.ErrBlockhashExpired):
		h.State = Expired
	case errors.As(sendErr, &te):
		h.State, h.Err = Failed, te.Error()
	default:
		return Pending, fmt.Errorf("settle %s: %w", h.Signature, sendErr)
	}
	if err := m.journal.Mark(ctx, h.Signature, h.State, h.Err); err != nil {
		return Pending, fmt.Errorf("journal mark %s %s: %w", h.Signature, h.State, err)
	}
	return h.State, nil
}

// sendStep signs, journals and sends a new attempt of a step, re-signing only after
// the previous attempt provably expired.
func (m *Mixer) sendStep(ctx context.Context, req Request, r, step int, amount uint64, prev *Hop, atts []Hop, progress func(Progress)) (*Hop, error) {
	from, to, lamports, err := m.stepParties(ctx, req, r, step, amount, prev, atts)
	if err != nil {
		return nil, err
	}
	for attempt := len(atts); attempt < len(atts)+m.cfg.MaxAttempts; attempt++ {
		if err := m.jitter(ctx); err != nil {
			return nil, err
		}
		bh, err := m.chain.LatestBlockhash(ctx)
		if err != nil {
			return nil, err
		}
		stx, err := transfer(from, to, lamports, bh, m.cfg)
		if err != nil {
			return nil, err
		}
		h := Hop{RunID: req.RunID, Route: r, Step: step, Attempt: attempt, From: from.PublicKey(), To: to,
			Lamports: lamports, Raw: stx.Raw, Signature: stx.Signature, Blockhash: stx.Blockhash,
			LastValidBlockHeight: stx.LastValidBlockHeight, State: Pending}
		sendErr := m.chain.SendAndConfirm(ctx, stx, func(ctx context.Context, _ *nsolana.SignedTx) error {
			return m.journal.Record(ctx, h)
		})
		state, err := m.outcome(ctx, &h, sendErr)
		if err != nil {
			return nil, err
		}
		m.report(progress, req, h)
		switch state {
		case Confirmed:
			return &h, nil
		case Failed:
			return nil, fmt.Errorf("%w: %s", errHopFailed, h.Err)
		}
	}
	return nil, fmt.Errorf("mixer: %d attempts expired: %w", m.cfg.MaxAttempts, nsolana.ErrBlockhashExpired)
}

// stepParties decides sender, receiver and amount of a step. Amounts after the first
// hop derive from what the previous hop delivered, so an intermediate always ends at 0.
func (m *Mixer) stepParties(ctx context.Context, req Request, r, step int, amount uint64, prev *Hop, atts []Hop) (sol.PrivateKey, sol.PublicKey, uint64, error) {
	from := req.Funder
	lamports := amount + uint64(req.Hops)*m.fee
	if step > 0 {
		k, err := m.keys.Load(ctx, prev.To)
		if err != nil {
			return nil, sol.PublicKey{}, 0, fmt.Errorf("load intermediate %s: %w", prev.To, err)
		}
		from = k
		if prev.Lamports <= m.fee {
			return nil, sol.PublicKey{}, 0, fmt.Errorf("intermediate %s holds %d, fee %d", prev.To, prev.Lamports, m.fee)
		}
		lamports = prev.Lamports - m.fee
	}
	if len(atts) > 0 { // an expired attempt fixed the amount and receiver already
		lamports = atts[len(atts)-1].Lamports
	}
	if step == req.Hops {
		return from, req.Targets[r].Wallet, lamports, nil
	}
	if len(atts) > 0 {
		return from, atts[len(atts)-1].To, lamports, nil
	}
	to, err := m.keys.Create(ctx, req.RunID)
	if err != nil {
		return nil, sol.PublicKey{}, 0, fmt.Errorf("create intermediate: %w", err)
	}
	return from, to, lamports, nil
}
