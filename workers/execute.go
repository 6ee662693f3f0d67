package workers

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	sol "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/nitro-runtime/nitro/jobs"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/store"
)

// maxBuyersPerTx caps a pack of buyer buys (four fit with a table).
const maxBuyersPerTx = 4

// launchResult is the result of every launch job (the external contract).
type launchResult struct {
	TokenAddress string        `json:"tokenAddress"`
	MetadataURI  string        `json:"metadataUri"`
	Signatures   launchSigs    `json:"signatures"`
	DevTokens    float64       `json:"devTokens"`
	BuyerTokens  []buyerTokens `json:"buyerTokens"`
}

type launchSigs struct {
	Create string   `json:"create"`
	Buys   []string `json:"buys"`
}

type buyerTokens struct {
	PublicKey string  `json:"publicKey"`
	Tokens    float64 `json:"tokens"`
	Signature string  `json:"signature"`
}

// launchRun is what executing a launch needs in hand.
type launchRun struct {
	l      store.Launch
	plan   launchPlan
	opt    jobs.ExecOptions
	dev    sol.PrivateKey
	mint   sol.PrivateKey
	buyers []sol.PrivateKey
	m      market
	mu     sync.Mutex // guards m: builds of concurrent steps quote on it in turn
	tables map[sol.PublicKey]sol.PublicKeySlice
}

func (r *launchRun) buildOpts() solana.BuildOpts {
	return solana.BuildOpts{PriorityFeeMicroLamports: r.opt.PriorityFeeMicroLamports, LookupTables: r.tables,
		StaticKeys: r.m.programs()}
}

// execute creates the token with the dev buy in one transaction, then the buyer buys
// packed several per transaction (or everything in one Jito bundle), all confirmed.
func (j *job) execute(ctx context.Context, l store.Launch, opt jobs.ExecOptions) (launchResult, error) {
	res := launchResult{TokenAddress: l.TokenAddress, MetadataURI: l.MetadataURI, Signatures: launchSigs{Buys: []string{}},
		BuyerTokens: []buyerTokens{}}
	r, err := j.loadLaunchRun(ctx, l, opt)
	if err != nil {
		return res, err
	}
	j.rep.Update(func(d *progress.Details) {
		d.TokenName, d.TokenSymbol, d.DevBuy = l.Name, l.Symbol, progress.Ptr(opt.DevBuySol)
		d.WalletsCount = progress.Ptr(len(r.plan.Buyers))
		total := 0.0
		for _, b := range r.plan.Buyers {
			total += b.BuySol
		}
		d.BuyAmount = progress.Ptr(total)
	})
	j.enter(phCreate.key)
	if opt.Bundle && j.d.Jito != nil { // the handler refused a bundle without an engine
		err = j.launchBundle(ctx, r, &res)
	} else {
		err = j.launchTxs(ctx, r, &res)
	}
	if err != nil {
		return res, err
	}
	if err := j.launchTotals(ctx, r, &res); err != nil {
		return res, err
	}
	msg := fmt.Sprintf("%s is live: %d buyer wallets bought", l.Symbol, len(r.buyers))
	if err := j.rep.LaunchStage(ctx, progress.StageFullyReady, progress.StageInput{Message: msg}); err != nil {
		return res, err
	}
	raw, err := json.Marshal(res)
	if err != nil {
		return res, err
	}
	return res, j.d.Store.SetLaunchResult(ctx, l.TokenAddress, raw)
}

func (j *job) loadLaunchRun(ctx context.Context, l store.Launch, opt jobs.ExecOptions) (*launchRun, error) {
	r := &launchRun{l: l, opt: opt}
	var err error
	if r.plan, err = j.loadPlan(ctx, l.TokenAddress); err != nil {
		return nil, err
	}
	if r.dev, err = j.key(ctx, r.plan.DevWallet, "dev wallet"); err != nil {
		return nil, err
	}
	for i, b := range r.plan.Buyers {
		k, err := j.key(ctx, b.PublicKey, fmt.Sprintf("buyer wallet %d", i+1))
		if err != nil {
			return nil, err
		}
		r.buyers = append(r.buyers, k)
	}
	secret, err := j.d.Store.MintSecret(ctx, l.TokenAddress)
	if errors.Is(err, store.ErrNotFound) {
		return nil, refuse("launch %s has no reserved mint keypair", l.TokenAddress)
	}
	if err != nil {
		return nil, err
	}
	r.mint = sol.PrivateKey(secret)
	// The market reads at processed: the buys are quoted on a create the cluster has
	// executed but not yet confirmed.
	r.m, err = newMarket(ctx, j.d.Chain.AtCommitment(rpc.CommitmentProcessed), l.Platform, r.mint.PublicKey(), r.dev.PublicKey())
	return r, err
}

// launchTxs sends create + dev buy and, as soon as the cluster has processed it
// (not a confirmation later), every pack of buyer buys at once, quoted one after
// another on the curve as create and the packs before leave it. Events keep their
// order: create, launched, then the buys as each is confirmed. Every transaction is
// a txStep: journaled before it is sent, settled first on a retry.
func (j *job) launchTxs(runCtx context.Context, r *launchRun, res *launchResult) error {
	ctx, cancel := context.WithCancel(runCtx) // stops the steps in flight when one fails
	defer cancel()
	var memo buyMemo
	create := startStep(ctx, func(ctx context.Context, processed func()) (string, error) {
		return j.createStep(ctx, r, &memo, processed)
	})
	fail := func(stage progress.Stage, err error) error {
		_ = j.rep.LaunchFailed(runCtx, stage, err, errorCode(err))
		return err
	}
	if err := create.whenProcessed(ctx); err != nil {
		return fail(progress.StageLaunched, err)
	}
	var packs [][]int
	var err error
	r.mu.Lock()
	if len(r.buyers) > 0 {
		packs, err = j.packs(ctx, r) // sizes only: measuring advances the local curve
	}
	// The curve as create + dev buy left it: what `launched` reports and what the
	// first pack is quoted on.
	if err == nil {
		err = r.m.load(ctx)
	}
	mcap, price, liq := r.m.stats()
	r.mu.Unlock()
	if err != nil {
		cancel()
		_, _ = create.wait()
		return err
	}
	// Pack n+1 goes out as soon as pack n is processed: all in the same slot when the
	// cluster keeps up, and each executes on the curve its quote assumed. starts[n]
	// yields pack n's step, or is closed if the sender stopped before it.
	starts := make([]chan *pendingStep, len(packs))
	memos := make([]buyMemo, len(packs)) // each filled by its step before it ends
	for n := range starts {
		starts[n] = make(chan *pendingStep, 1)
	}
	go func() {
		sent := 0
		defer func() {
			for _, c := range starts[sent:] {
				close(c)
			}
		}()
		for n, pack := range packs {
			b := startStep(ctx, func(ctx context.Context, processed func()) (string, error) {
				return j.buyStep(ctx, r, n, pack, &memos[n], processed)
			})
			starts[n] <- b
			sent++
			if b.whenProcessed(ctx) != nil {
				return // the pack failed (its wait says why) or the run ends
			}
		}
	}()
	var buys []*pendingStep // the steps received from starts, in order
	waitBuys := func() {
		for n := range starts {
			if n >= len(buys) {
				b, ok := <-starts[n]
				if !ok {
					return
				}
				buys = append(buys, b)
			}
			_, _ = buys[n].wait()
		}
	}
	sig, err := create.wait()
	if err != nil {
		cancel()
		waitBuys()
		return fail(progress.StageLaunched, err)
	}
	res.Signatures.Create = sig
	j.rep.Step("create", fmt.Sprintf("Token created with a dev buy of %.4f SOL", r.opt.DevBuySol), 1,
		map[string]any{"signature": sig, "devTokens": tokensOf(memo.Tokens[0])})
	j.rep.Progress(100)
	if err := j.announceLaunched(runCtx, r, mcap, price, liq); err != nil {
		cancel()
		waitBuys()
		return err
	}
	if len(r.buyers) == 0 {
		return nil
	}
	j.enter(phBuys.key)
	done := 0
	for n := range packs {
		b, ok := <-starts[n]
		if !ok { // the sender stopped: an earlier pack's error was returned, so the run ended
			return fmt.Errorf("buys/%d not sent: %w", n, cmp.Or(ctx.Err(), context.Canceled))
		}
		buys = append(buys, b)
		sig, err := b.wait()
		if err != nil {
			cancel()
			waitBuys()
			return fail(progress.StageFullyReady, err)
		}
		j.reportBuys(r, packs[n], sig, memos[n])
		res.Signatures.Buys = append(res.Signatures.Buys, sig)
		done += len(packs[n])
		j.rep.Progress(done * 100 / len(r.buyers))
	}
	return nil
}

// createStep sends create + dev buy once; a table of the coin's accounts is made
// first when the transaction would not fit in 1232 bytes without one. memo gets the
// dev's quoted tokens.
func (j *job) createStep(ctx context.Context, r *launchRun, memo *buyMemo, processed func()) (string, error) {
	build := func(ctx context.Context, opts solana.BuildOpts) (*solana.SignedTx, any, error) {
		// Only reached when no create of this job landed: a mint that exists was made
		// by another job (a second execute_launch of the same token).
		if _, err := j.d.Chain.GetAccountInfo(ctx, r.mint.PublicKey()); err == nil {
			return nil, nil, refuse("token %s was already created by another job", r.mint.PublicKey())
		} else if !errors.Is(err, solana.ErrAccountNotFound) {
			return nil, nil, err
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		ixs, tokens, err := r.m.create(r.dev.PublicKey(), r.l.Name, r.l.Symbol, r.l.MetadataURI,
			lamportsOf(r.opt.DevBuySol), uint64(r.opt.Slippage()))
		if err != nil {
			return nil, nil, err
		}
		opts.PriorityFeeMicroLamports = j.priorityFee(ctx, r.opt.PriorityFeeMicroLamports, r.m.hotAccounts())
		stx, err := j.d.Chain.BuildTx(ctx, r.dev.PublicKey(), ixs, []sol.PrivateKey{r.dev, r.mint}, opts)
		return stx, buyMemo{Tokens: []uint64{tokens}}, err
	}
	if err := j.tableIfNeeded(ctx, r, func(opts solana.BuildOpts) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		ixs, _, err := r.m.create(r.dev.PublicKey(), r.l.Name, r.l.Symbol, r.l.MetadataURI, lamportsOf(r.opt.DevBuySol), 0)
		if err != nil {
			return err
		}
		return fits(r.dev.PublicKey(), ixs, []sol.PrivateKey{r.dev, r.mint}, opts)
	}); err != nil {
		return "", err
	}
	return j.txStepWith(ctx, "create", memo, func(ctx context.Context) (*solana.SignedTx, any, error) {
		return build(ctx, r.buildOpts())
	}, processed)
}

type buyMemo struct {
	Tokens []uint64 `json:"tokens"`
}

// announceLaunched sends `launched` with the curve as the dev buy left it.
func (j *job) announceLaunched(ctx context.Context, r *launchRun, mcap, price, liq float64) error {
	ld := &progress.LaunchData{MarketCap: progress.Ptr(mcap), Price: progress.Ptr(price), InitialLiquidity: progress.Ptr(liq),
		DevWallet: r.plan.DevWallet, BuyerWallets: progress.Ptr(len(r.buyers))}
	msg := fmt.Sprintf("%s created on %s with the dev buy; market cap %.2f SOL", r.l.Symbol, r.l.Platform, mcap)
	return j.rep.LaunchStage(ctx, progress.StageLaunched, progress.StageInput{Message: msg, LaunchData: ld})
}

// packs groups the buyers into transactions (decided once, checkpointed: a retry
// must not regroup wallets whose buys may already have landed). It measures on the
// market's local state, which the caller has loaded or projected.
func (j *job) packs(ctx context.Context, r *launchRun) ([][]int, error) {
	var packs [][]int
	if ok, err := j.done(ctx, "packs", &packs); err != nil || ok {
		return packs, err
	}
	var cur []int
	for i := range r.buyers {
		try := append(append([]int(nil), cur...), i)
		if len(cur) > 0 && (len(try) > maxBuyersPerTx || !j.packFits(r, try)) {
			packs = append(packs, cur)
			try = []int{i}
		}
		cur = try
	}
	packs = append(packs, cur)
	return packs, j.save(ctx, "packs", packs)
}

func (j *job) packFits(r *launchRun, pack []int) bool {
	ixs, signers, _, err := j.packBuys(r, pack)
	if err != nil {
		return false
	}
	return fits(r.buyers[pack[0]].PublicKey(), ixs, signers, r.buildOpts()) == nil
}

// buyStep sends one pack of buyer buys once. Its first build quotes on the local
// curve, which launchTxs loaded after create and which each pack built before it
// advanced; a re-sign (after its blockhash expired) reads the curve afresh. Builds
// read and simulate at processed, so they see a create that is not confirmed yet.
func (j *job) buyStep(ctx context.Context, r *launchRun, n int, pack []int, memo *buyMemo, processed func()) (string, error) {
	fresh := false
	return j.txStepWith(ctx, fmt.Sprintf("buys/%d", n), memo, func(ctx context.Context) (*solana.SignedTx, any, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		if fresh {
			if err := r.m.load(ctx); err != nil {
				return nil, nil, err
			}
		}
		fresh = true
		ixs, signers, m, err := j.packBuys(r, pack)
		if err != nil {
			return nil, nil, err
		}
		opts := r.buildOpts()
		opts.PriorityFeeMicroLamports = j.priorityFee(ctx, r.opt.PriorityFeeMicroLamports, r.m.hotAccounts())
		stx, err := j.d.Chain.AtCommitment(rpc.CommitmentProcessed).BuildTx(ctx, signers[0].PublicKey(), ixs, signers, opts)
		return stx, m, err
	}, processed)
}

// reportBuys sends a worker_step per buyer of a confirmed pack, with the tokens its
// memo quoted.
func (j *job) reportBuys(r *launchRun, pack []int, sig string, memo buyMemo) {
	for k, i := range pack {
		tokens := 0.0
		if k < len(memo.Tokens) {
			tokens = tokensOf(memo.Tokens[k])
		}
		j.rep.Step("buy", fmt.Sprintf("Buyer %s bought %.2f tokens for %.4f SOL", r.plan.Buyers[i].PublicKey,
			tokens, r.plan.Buyers[i].BuySol), len(r.buyers),
			map[string]any{"wallet": r.plan.Buyers[i].PublicKey, "signature": sig, "tokens": tokens})
	}
}

// launchTotals reads what the dev and each buyer hold now (the truth on chain).
func (j *job) launchTotals(ctx context.Context, r *launchRun, res *launchResult) error {
	dev, err := tokenBalance(ctx, j.d.Chain, r.m.ata(r.dev.PublicKey()))
	if err != nil {
		return err
	}
	res.DevTokens = tokensOf(dev)
	var packs [][]int
	_, _ = j.done(ctx, "packs", &packs)
	sigOf := map[int]string{}
	for n, p := range packs {
		for _, i := range p {
			if n < len(res.Signatures.Buys) {
				sigOf[i] = res.Signatures.Buys[n]
			}
		}
	}
	for i, b := range r.buyers {
		amt, err := tokenBalance(ctx, j.d.Chain, r.m.ata(b.PublicKey()))
		if err != nil {
			return err
		}
		res.BuyerTokens = append(res.BuyerTokens, buyerTokens{PublicKey: b.PublicKey().String(), Tokens: tokensOf(amt), Signature: sigOf[i]})
	}
	return nil
}

// fits reports (as ErrTxTooLarge) whether ixs would exceed 1232 bytes when signed.
func fits(payer sol.PublicKey, ixs []sol.Instruction, signers []sol.PrivateKey, opts solana.BuildOpts) error {
	_, err := solana.SignTx(payer, ixs, signers, solana.Blockhash{}, solana.BuildOpts{CULimit: solana.DefaultMaxCULimit,
		PriorityFeeMicroLamports: opts.PriorityFeeMicroLamports, LookupTables: opts.LookupTables, StaticKeys: opts.StaticKeys})
	return err
}

// priorityFee is the CU price of a launchpad trade: the payload's when it names one,
// else the given percentile of the fees recently paid for the accounts the trade
// locks, capped at Config.MaxPriorityFee. An estimate that fails costs the trade its
// priority, not its run.
func (j *job) priorityFee(ctx context.Context, asked uint64, hot []sol.PublicKey) uint64 {
	if asked > 0 {
		return asked
	}
	fee, err := j.d.Chain.PriorityFeeEstimate(ctx, hot, j.d.Config.PriorityFeePercentile, 0, j.d.Config.MaxPriorityFee)
	if err != nil {
		j.log.Warn().Err(err).Msg("priority fee estimate failed; sending without priority")
		return 0
	}
	return fee
}

// budgetPrice is the CU price wallet budgets reserve fees at: the payload's, else the
// cap an estimate may reach.
func (j *job) budgetPrice(asked uint64) uint64 {
	if asked > 0 {
		return asked
	}
	return j.d.Config.MaxPriorityFee
}
