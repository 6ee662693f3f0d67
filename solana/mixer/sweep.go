package mixer

import (
	"context"
	"errors"
	"fmt"

	sol "github.com/gagliardetto/solana-go"

	nsolana "github.com/nitro-runtime/nitro/solana"
)

// Sweep returns what is left in the run's intermediate wallets to the funder, leaving
// each at exactly 0. Pending hops are settled first so nothing is in flight. It is
// balance-driven, so running it twice is harmless. It returns the lamports swept.
func (m *Mixer) Sweep(ctx context.Context, req Request, progress func(Progress)) (uint64, error) {
	hops, err := m.journal.Hops(ctx, req.RunID)
	if err != nil {
		return 0, fmt.Errorf("mixer sweep: load journal: %w", err)
	}
	for i := range hops {
		if hops[i].State != Pending {
			continue
		}
		if _, err := m.settle(ctx, &hops[i]); err != nil {
			return 0, fmt.Errorf("mixer sweep: %w", err)
		}
	}
	var swept uint64
	var errs []error
	sweeps := len(ofRoute(hops, SweepRoute))
	seen := map[sol.PublicKey]bool{}
	for _, h := range hops {
		if h.Route == SweepRoute || h.Step >= req.Hops || seen[h.To] {
			continue
		}
		seen[h.To] = true
		n, err := m.sweepOne(ctx, req, h.To, sweeps, progress)
		if err != nil {
			errs = append(errs, err)
		}
		sweeps++
		swept += n
	}
	return swept, errors.Join(errs...)
}

func ofRoute(hops []Hop, route int) []Hop {
	var out []Hop
	for _, h := range hops {
		if h.Route == route {
			out = append(out, h)
		}
	}
	return out
}

// intermediates of a run are the receivers of hops before the last step; the same
// wallet may appear in several attempts, so sweepOne is balance-driven. An attempt
// whose blockhash expired provably never landed, so the next one reads the balance
// again and signs anew, up to Config.MaxAttempts, as a hop does.
func (m *Mixer) sweepOne(ctx context.Context, req Request, wallet sol.PublicKey, idx int, progress func(Progress)) (uint64, error) {
	var key sol.PrivateKey
	for attempt := range m.cfg.MaxAttempts {
		bal, err := m.chain.GetBalance(ctx, wallet)
		if err != nil {
			return 0, fmt.Errorf("sweep %s: balance: %w", wallet, err)
		}
		if bal <= m.fee {
			return 0, nil // empty (or dust that cannot pay its own fee)
		}
		if key == nil {
			if key, err = m.keys.Load(ctx, wallet); err != nil {
				return 0, fmt.Errorf("sweep %s: load key: %w", wallet, err)
			}
		}
		h, state, err := m.sendAttempt(ctx, Hop{RunID: req.RunID, Route: SweepRoute, Step: idx, Attempt: attempt,
			To: req.Funder.PublicKey(), Lamports: bal - m.fee}, key)
		if !h.Signature.IsZero() { // sent: reported even when its outcome could not be journaled
			m.report(progress, req, h)
		}
		switch {
		case err != nil:
			return 0, fmt.Errorf("sweep %s: %w", wallet, err)
		case state == Confirmed:
			return h.Lamports, nil
		case state != Expired:
			return 0, fmt.Errorf("sweep %s: %s %s", wallet, state, h.Err)
		}
	}
	return 0, fmt.Errorf("sweep %s: %d attempts expired: %w", wallet, m.cfg.MaxAttempts, nsolana.ErrBlockhashExpired)
}
