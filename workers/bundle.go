package workers

import (
	"context"
	"fmt"
	"slices"
	"time"

	sol "github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/jito"
)

// CU limits of bundled transactions: they cannot be simulated (each depends on the
// one before), so they carry fixed limits with room to spare.
const (
	createCULimit = 600_000
	buyCULimit    = 250_000
)

// launchBundle signs create + dev buy and every pack of buyer buys against the same
// blockhash, journals them all (the same step keys as launchTxs), sends them as one
// Jito bundle, then settles each step through launchTxs: whatever landed is kept,
// whatever provably expired is re-signed and sent on its own. A retried run that
// finds the steps journaled skips straight to settling them.
func (j *job) launchBundle(ctx context.Context, r *launchRun, res *launchResult) error {
	txs, err := j.d.Store.TxsForStep(ctx, j.id, "create")
	if err != nil {
		return err
	}
	if len(txs) == 0 {
		if err := j.sendBundle(ctx, r); err != nil {
			return err
		}
	}
	return j.launchTxs(ctx, r, res)
}

func (j *job) sendBundle(ctx context.Context, r *launchRun) error {
	if r.tables == nil { // create + dev buy + tip never fits without one
		t, err := j.lookupTable(ctx, r.dev, r.m.tableKeys())
		if err != nil {
			return fmt.Errorf("lookup table: %w", err)
		}
		r.tables = t
	}
	all, err := j.signBundle(ctx, r)
	if err != nil {
		return err
	}
	raws := make([][]byte, len(all))
	for i, s := range all {
		if err := j.save(ctx, "memo/"+s.stx.Signature.String(), s.memo); err != nil {
			return err
		}
		if err := j.journalHook(s.key)(ctx, s.stx); err != nil {
			return fmt.Errorf("journal %s: %w", s.key, err)
		}
		raws[i] = s.stx.Raw
	}
	id, err := j.d.Jito.SendBundle(ctx, raws)
	if err != nil {
		j.log.Warn().Err(err).Msg("send bundle; its transactions are settled one by one")
		return nil
	}
	wctx, cancel := context.WithTimeout(ctx, j.d.Config.BundleWait)
	defer cancel()
	if _, err := j.d.Jito.WaitBundle(wctx, id, 100*time.Millisecond); err != nil {
		j.log.Warn().Err(err).Str("bundle", id).Msg("bundle did not land; its transactions are settled one by one")
	}
	return nil
}

// bundledTx is one signed transaction of a launch bundle and its step.
type bundledTx struct {
	key  string
	stx  *solana.SignedTx
	memo buyMemo
}

// signBundle signs create + dev buy and the packs on the curve as each leaves it.
func (j *job) signBundle(ctx context.Context, r *launchRun) ([]bundledTx, error) {
	bh, err := j.d.Chain.RefreshBlockhash(ctx)
	if err != nil {
		return nil, err
	}
	opts := r.buildOpts()
	opts.StaticKeys = append(opts.StaticKeys, jito.TipAccounts...)
	opts.Blockhash = &bh
	project := func() ([]sol.Instruction, uint64, error) {
		return r.m.create(r.dev.PublicKey(), r.l.Name, r.l.Symbol, r.l.MetadataURI, lamportsOf(r.opt.DevBuySol), uint64(r.opt.Slippage()))
	}
	if _, _, err := project(); err != nil {
		return nil, err
	}
	packs, err := j.packs(ctx, r) // measured on the curve as create + dev buy leave it
	if err != nil {
		return nil, err
	}
	if len(packs)+1 > jito.MaxBundleSize {
		return nil, refuse("%d buyer wallets need %d transactions, more than a bundle's %d", len(r.buyers), len(packs)+1, jito.MaxBundleSize)
	}
	create, tokens, err := project() // again: packs advanced the projection
	if err != nil {
		return nil, err
	}
	stx, err := j.signBundled(r, r.dev, create, []sol.PrivateKey{r.dev, r.mint}, createCULimit, len(packs) == 0, opts)
	if err != nil {
		return nil, fmt.Errorf("bundle create: %w", err)
	}
	all := []bundledTx{{"create", stx, buyMemo{Tokens: []uint64{tokens}}}}
	for n, pack := range packs {
		ixs, signers, memo, err := j.packBuys(r, pack)
		if err != nil {
			return nil, err
		}
		stx, err := j.signBundled(r, signers[0], ixs, signers, uint32(buyCULimit*len(pack)), n == len(packs)-1, opts)
		if err != nil {
			return nil, fmt.Errorf("bundle pack %d: %w", n, err)
		}
		all = append(all, bundledTx{fmt.Sprintf("buys/%d", n), stx, memo})
	}
	return all, nil
}

// packBuys quotes a pack on the projected curve (advancing it).
func (j *job) packBuys(r *launchRun, pack []int) ([]sol.Instruction, []sol.PrivateKey, buyMemo, error) {
	var memo buyMemo
	var ixs []sol.Instruction
	var signers []sol.PrivateKey
	for _, i := range pack {
		buy, tokens, err := r.m.buy(r.buyers[i].PublicKey(), i+1, lamportsOf(r.plan.Buyers[i].BuySol), uint64(r.opt.Slippage()))
		if err != nil {
			return nil, nil, memo, err
		}
		ixs, signers, memo.Tokens = append(ixs, buy...), append(signers, r.buyers[i]), append(memo.Tokens, tokens)
	}
	return ixs, signers, memo, nil
}

// signBundled signs one bundled transaction; the last one carries the tip, paid by
// the dev wallet (whose budget has room for it) even when a buyer pays the fee.
func (j *job) signBundled(r *launchRun, payer sol.PrivateKey, ixs []sol.Instruction, signers []sol.PrivateKey, cu uint32, tip bool, opts solana.BuildOpts) (*solana.SignedTx, error) {
	if tip {
		ix, err := jito.TipInstruction(r.dev.PublicKey(), j.d.Config.JitoTipLamports)
		if err != nil {
			return nil, err
		}
		ixs = append(ixs, ix)
		if !slices.ContainsFunc(signers, func(k sol.PrivateKey) bool { return k.PublicKey() == r.dev.PublicKey() }) {
			signers = append(signers, r.dev)
		}
	}
	opts.CULimit = cu
	return solana.SignTx(payer.PublicKey(), ixs, signers, *opts.Blockhash, opts)
}
