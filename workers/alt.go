package workers

import (
	"context"
	"errors"
	"fmt"
	"time"

	sol "github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/solana"
)

// tableIfNeeded gives the launch an address lookup table of the coin's shared
// accounts when measure says a transaction does not fit without one (or when an
// earlier run of the job already made one).
func (j *job) tableIfNeeded(ctx context.Context, r *launchRun, measure func(solana.BuildOpts) error) error {
	var saved struct{ Table string }
	ok, err := j.done(ctx, "alt", &saved)
	if err != nil {
		return err
	}
	if !ok {
		err := measure(r.buildOpts())
		if err == nil {
			return nil
		}
		if !errors.Is(err, solana.ErrTxTooLarge) {
			return err
		}
	}
	table, err := j.lookupTable(ctx, r.dev, r.m.tableKeys())
	if err != nil {
		return fmt.Errorf("lookup table: %w", err)
	}
	r.tables = table
	return nil
}

// lookupTable creates and extends a table with keys (each a journaled txStep), then
// waits until the cluster has moved past the extension so the addresses resolve.
func (j *job) lookupTable(ctx context.Context, payer sol.PrivateKey, keys []sol.PublicKey) (map[sol.PublicKey]sol.PublicKeySlice, error) {
	var memo struct{ Table string }
	_, err := j.txStep(ctx, "alt/create", &memo, func(ctx context.Context) (*solana.SignedTx, any, error) {
		slot, err := j.d.Chain.Slot(ctx)
		if err != nil {
			return nil, nil, err
		}
		ix, addr, err := solana.CreateLookupTableInstruction(payer.PublicKey(), payer.PublicKey(), slot)
		if err != nil {
			return nil, nil, err
		}
		stx, err := j.d.Chain.BuildTx(ctx, payer.PublicKey(), []sol.Instruction{ix}, []sol.PrivateKey{payer}, solana.BuildOpts{})
		return stx, struct{ Table string }{addr.String()}, err
	})
	if err != nil {
		return nil, err
	}
	table, err := sol.PublicKeyFromBase58(memo.Table)
	if err != nil {
		return nil, err
	}
	if err := j.save(ctx, "alt", memo); err != nil {
		return nil, err
	}
	for start, n := 0, 0; start < len(keys); start, n = start+20, n+1 {
		chunk := keys[start:min(start+20, len(keys))]
		_, err := j.txStep(ctx, fmt.Sprintf("alt/extend/%d", n), nil, func(ctx context.Context) (*solana.SignedTx, any, error) {
			ix := solana.ExtendLookupTableInstruction(table, payer.PublicKey(), payer.PublicKey(), chunk)
			stx, err := j.d.Chain.BuildTx(ctx, payer.PublicKey(), []sol.Instruction{ix}, []sol.PrivateKey{payer}, solana.BuildOpts{})
			return stx, nil, err
		})
		if err != nil {
			return nil, err
		}
	}
	return j.activeTable(ctx, table, len(keys))
}

// activeTable polls until the table holds want addresses and a slot has passed since
// its last extension (addresses are usable from the next slot on).
func (j *job) activeTable(ctx context.Context, table sol.PublicKey, want int) (map[sol.PublicKey]sol.PublicKeySlice, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		lt, err := j.d.Chain.GetLookupTable(ctx, table)
		if err == nil && len(lt.Addresses) >= want {
			slot, err := j.d.Chain.Slot(ctx)
			if err == nil && slot > lt.LastExtendedSlot {
				return map[sol.PublicKey]sol.PublicKeySlice{table: lt.Addresses}, nil
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("lookup table %s not active: %w", table, ctx.Err())
		case <-tick.C:
		}
	}
}
