package workers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	sol "github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/store"
)

// maxBuyersPerTx caps a pack of buyer buys (notes §6 trap 5: four fit with a table).
const maxBuyersPerTx = 4

// launchResult is the result of every launch job (CONTRACT §3).
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
	opt    ExecOptions
	dev    sol.PrivateKey
	mint   sol.PrivateKey
	buyers []sol.PrivateKey
	m      market
	tables map[sol.PublicKey]sol.PublicKeySlice
}

func (r *launchRun) buildOpts() solana.BuildOpts {
	return solana.BuildOpts{PriorityFeeMicroLamports: r.opt.PriorityFeeMicroLamports, LookupTables: r.tables,
		StaticKeys: r.m.programs()}
}

// execute creates the token with the dev buy in one transaction, then the buyer buys
// packed several per transaction (or everything in one Jito bundle), all confirmed.
func (j *job) execute(ctx context.Context, l store.Launch, opt ExecOptions) (launchResult, error) {
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
	if opt.Bundle && j.d.Jito == nil {
		j.log.Warn().Msg("bundle asked for but JITO_BLOCK_ENGINE_URL is not set: sending the transactions one by one")
	}
	if opt.Bundle && j.d.Jito != nil {
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

func (j *job) loadLaunchRun(ctx context.Context, l store.Launch, opt ExecOptions) (*launchRun, error) {
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
	r.m, err = newMarket(ctx, j.d.Chain, l.Platform, r.mint.PublicKey(), r.dev.PublicKey())
	return r, err
}

// launchTxs sends create + dev buy, then the packs of buyer buys, one after another.
func (j *job) launchTxs(ctx context.Context, r *launchRun, res *launchResult) error {
	sig, err := j.createStep(ctx, r)
	if err != nil {
		_ = j.rep.LaunchFailed(ctx, progress.StageLaunched, err, errorCode(err))
		return err
	}
	res.Signatures.Create = sig
	if err := j.announceLaunched(ctx, r); err != nil {
		return err
	}
	if len(r.buyers) == 0 {
		return nil
	}
	j.enter(phBuys.key)
	packs, err := j.packs(ctx, r)
	if err != nil {
		return err
	}
	done := 0
	for n, pack := range packs {
		sig, err := j.buyStep(ctx, r, n, pack)
		if err != nil {
			_ = j.rep.LaunchFailed(ctx, progress.StageFullyReady, err, errorCode(err))
			return err
		}
		res.Signatures.Buys = append(res.Signatures.Buys, sig)
		done += len(pack)
		j.rep.Progress(done * 100 / len(r.buyers))
	}
	return nil
}

// createStep sends create + dev buy once; a table of the coin's accounts is made
// first when the transaction would not fit in 1232 bytes without one.
func (j *job) createStep(ctx context.Context, r *launchRun) (string, error) {
	build := func(ctx context.Context, opts solana.BuildOpts) (*solana.SignedTx, any, error) {
		// Only reached when no create of this job landed: a mint that exists was made
		// by another job (a second execute_launch of the same token).
		if _, err := j.d.Chain.GetAccountInfo(ctx, r.mint.PublicKey()); err == nil {
			return nil, nil, refuse("token %s was already created by another job", r.mint.PublicKey())
		} else if !errors.Is(err, solana.ErrAccountNotFound) {
			return nil, nil, err
		}
		ixs, tokens, err := r.m.create(r.dev.PublicKey(), r.l.Name, r.l.Symbol, r.l.MetadataURI,
			lamportsOf(r.opt.DevBuySol), uint64(r.opt.Slippage()))
		if err != nil {
			return nil, nil, err
		}
		stx, err := j.d.Chain.BuildTx(ctx, r.dev.PublicKey(), ixs, []sol.PrivateKey{r.dev, r.mint}, opts)
		return stx, buyMemo{Tokens: []uint64{tokens}}, err
	}
	if err := j.tableIfNeeded(ctx, r, func(opts solana.BuildOpts) error {
		ixs, _, err := r.m.create(r.dev.PublicKey(), r.l.Name, r.l.Symbol, r.l.MetadataURI, lamportsOf(r.opt.DevBuySol), 0)
		if err != nil {
			return err
		}
		return fits(r.dev.PublicKey(), ixs, []sol.PrivateKey{r.dev, r.mint}, opts)
	}); err != nil {
		return "", err
	}
	var memo buyMemo
	sig, err := j.txStep(ctx, "create", &memo, func(ctx context.Context) (*solana.SignedTx, any, error) {
		return build(ctx, r.buildOpts())
	})
	if err == nil {
		j.rep.Step("create", fmt.Sprintf("Token created with a dev buy of %.4f SOL", r.opt.DevBuySol), 1,
			map[string]any{"signature": sig, "devTokens": tokensOf(memo.Tokens[0])})
		j.rep.Progress(100)
	}
	return sig, err
}

type buyMemo struct {
	Tokens []uint64 `json:"tokens"`
}

// announceLaunched reads the curve after the dev buy and sends `launched`.
func (j *job) announceLaunched(ctx context.Context, r *launchRun) error {
	if err := r.m.load(ctx); err != nil {
		return err
	}
	mcap, price, liq := r.m.stats()
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

// buyStep sends one pack of buyer buys once, quoted on the curve as it is now.
func (j *job) buyStep(ctx context.Context, r *launchRun, n int, pack []int) (string, error) {
	var memo buyMemo
	sig, err := j.txStep(ctx, fmt.Sprintf("buys/%d", n), &memo, func(ctx context.Context) (*solana.SignedTx, any, error) {
		if err := r.m.load(ctx); err != nil {
			return nil, nil, err
		}
		ixs, signers, m, err := j.packBuys(r, pack)
		if err != nil {
			return nil, nil, err
		}
		stx, err := j.d.Chain.BuildTx(ctx, signers[0].PublicKey(), ixs, signers, r.buildOpts())
		return stx, m, err
	})
	if err != nil {
		return "", err
	}
	for k, i := range pack {
		j.rep.Step("buy", fmt.Sprintf("Buyer %s bought %.2f tokens for %.4f SOL", r.plan.Buyers[i].PublicKey,
			tokensOf(memo.Tokens[k]), r.plan.Buyers[i].BuySol), len(r.buyers),
			map[string]any{"wallet": r.plan.Buyers[i].PublicKey, "signature": sig, "tokens": tokensOf(memo.Tokens[k])})
	}
	return sig, nil
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
