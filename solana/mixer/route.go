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

// step settles or sends hop step of route r after its hop prev (nil for step 0):
// the confirmed hop, and whether it landed in this call (its fee counts for Result).
func (m *Mixer) step(ctx context.Context, req Request, r, step int, p routePlan, prev *Hop, atts []Hop, progress func(Progress)) (*Hop, bool, error) {
	done, err := m.settleStep(ctx, req, atts, progress)
	if err != nil || done != nil {
		return done, false, err
	}
	done, err = m.sendStep(ctx, req, r, step, p, prev, atts, progress)
	return done, err == nil, err
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
func (m *Mixer) sendStep(ctx context.Context, req Request, r, step int, p routePlan, prev *Hop, atts []Hop, progress func(Progress)) (*Hop, error) {
	from, to, lamports, err := m.stepParties(ctx, req, r, step, p, prev, atts)
	if err != nil {
		return nil, err
	}
	for attempt := len(atts); attempt < len(atts)+m.cfg.MaxAttempts; attempt++ {
		if err := m.jitter(ctx); err != nil {
			return nil, err
		}
		h, state, err := m.sendAttempt(ctx, Hop{RunID: req.RunID, Route: r, Step: step, Attempt: attempt, To: to, Lamports: lamports}, from)
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

// sendAttempt signs a transfer of h.Lamports from from to h.To with a fresh blockhash,
// journals it as h before it is sent, sends it and settles its outcome (Confirmed,
// Failed, or Expired: provably never landed). The hop comes back as journaled.
func (m *Mixer) sendAttempt(ctx context.Context, h Hop, from sol.PrivateKey) (Hop, State, error) {
	bh, err := m.chain.LatestBlockhash(ctx)
	if err != nil {
		return h, Pending, err
	}
	stx, err := transfer(from, h.To, h.Lamports, bh, m.cfg)
	if err != nil {
		return h, Pending, err
	}
	h.From, h.Raw, h.Signature, h.Blockhash = from.PublicKey(), stx.Raw, stx.Signature, stx.Blockhash
	h.LastValidBlockHeight, h.State = stx.LastValidBlockHeight, Pending
	sendErr := m.chain.SendAndConfirm(ctx, stx, func(ctx context.Context, _ *nsolana.SignedTx) error {
		return m.journal.Record(ctx, h)
	})
	state, err := m.outcome(ctx, &h, sendErr)
	return h, state, err
}

// stepParties decides sender, receiver and amount of a step. Hop 0 moves the plan's
// first amount; hop k > 0 moves what hop k-1 delivered less its fee and what
// intermediate k keeps, so the last hop delivers exactly the buyer's amount.
func (m *Mixer) stepParties(ctx context.Context, req Request, r, step int, p routePlan, prev *Hop, atts []Hop) (sol.PrivateKey, sol.PublicKey, uint64, error) {
	from := req.Funder
	lamports := p.first(req.Hops, m.fee)
	if step > 0 {
		k, err := m.keys.Load(ctx, prev.To)
		if err != nil {
			return nil, sol.PublicKey{}, 0, fmt.Errorf("load intermediate %s: %w", prev.To, err)
		}
		from = k
		keep := p.keep[step-1]
		if prev.Lamports <= m.fee+keep {
			return nil, sol.PublicKey{}, 0, fmt.Errorf("intermediate %s holds %d, fee %d, keeps %d", prev.To, prev.Lamports, m.fee, keep)
		}
		lamports = prev.Lamports - m.fee - keep
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
