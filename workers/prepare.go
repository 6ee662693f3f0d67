package workers

import (
	"context"
	"fmt"
	"strings"
	"time"

	sol "github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/jobs"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/mixer"
	"github.com/nitro-runtime/nitro/solana/token"
)

// fundingPlan is what each buyer is sent, decided once (balances change as soon as
// funding starts, so a retry must reuse it).
type fundingPlan struct {
	Sends []uint64 `json:"sends"`
}

// walletKeys are the loaded keys of a launch's wallets.
type walletKeys struct {
	dev, funding sol.PrivateKey
	buyers       []sol.PrivateKey
}

// prepare checks ownership and balances of the launch's wallets, takes the platform
// fee and funds (or mixes SOL to) the buyer wallets. devBuy and cuPrice (0 when not
// known yet) tighten the checks for one-job launches.
func (j *job) prepare(ctx context.Context, mint string, platform progress.Platform, w jobs.WalletPlan, devBuy, cuPrice uint64) (preparedLaunch, error) {
	out := preparedLaunch{TokenAddress: mint, DevWallet: w.DevWallet, Signatures: []string{}}
	j.rep.Update(func(d *progress.Details) { d.WalletsCount = progress.Ptr(len(w.BuyerWallets)) })
	j.enter(phCheck.key)
	keys, err := j.loadWallets(ctx, w)
	if err != nil {
		return out, err
	}
	mixing := w.Mixing != nil && w.Mixing.Enabled
	if err := j.savePlan(ctx, mint, launchPlan{DevWallet: w.DevWallet, FundingWallet: w.FundingWallet,
		Buyers: w.BuyerWallets, Mixing: mixing}); err != nil {
		return out, err
	}
	plan, err := j.fundingPlan(ctx, platform, w, keys, devBuy, cuPrice)
	if err != nil {
		return out, err
	}
	j.rep.Progress(100)
	if keys.funding != nil {
		j.enter(phFee.key)
		sig, err := j.platformFee(ctx, keys.funding)
		if err != nil {
			return out, err
		}
		if sig != "" {
			out.PlatformFee = solOf(j.d.Config.PlatformFeeLamports)
			out.Signatures = append(out.Signatures, sig)
		}
	}
	for i, b := range w.BuyerWallets {
		out.Funded = append(out.Funded, fundedWallet{PublicKey: b.PublicKey, Funded: solOf(plan.Sends[i])})
	}
	if keys.funding == nil || len(w.BuyerWallets) == 0 {
		return out, nil
	}
	hops := 0
	if mixing {
		hops = w.Mixing.Hops
		j.enter(phMix.key)
	} else {
		j.enter(phFund.key)
	}
	sum, sigs, err := j.fund(ctx, keys, w, plan, hops, mixing)
	if mixing {
		out.Mixing = &sum
	}
	out.Signatures = append(out.Signatures, sigs...)
	return out, err
}

func (j *job) loadWallets(ctx context.Context, w jobs.WalletPlan) (walletKeys, error) {
	var k walletKeys
	var err error
	if k.dev, err = j.key(ctx, w.DevWallet, "dev wallet"); err != nil {
		return k, err
	}
	if w.FundingWallet != "" {
		if k.funding, err = j.key(ctx, w.FundingWallet, "funding wallet"); err != nil {
			return k, err
		}
	}
	for i, b := range w.BuyerWallets {
		key, err := j.key(ctx, b.PublicKey, fmt.Sprintf("buyer wallet %d", i+1))
		if err != nil {
			return k, err
		}
		k.buyers = append(k.buyers, key)
	}
	return k, nil
}

// buyerBudget is what a buyer wallet must hold to buy buySol: the spend, the rent
// of its token accounts, fees, and what keeps the wallet rent-exempt afterwards.
func buyerBudget(platform progress.Platform, buy, cuPrice uint64) uint64 {
	rent := 2 * token.RentExemptMinimum(165)
	if platform == progress.PlatformPump {
		rent = token.RentExemptMinimum(170) + token.RentExemptMinimum(137)
	}
	return buy + rent + feeReserveLamports + keepAliveLamports + solana.PriorityFeeLamports(solana.DefaultMaxCULimit, cuPrice)
}

// fundingPlan decides (once) what each buyer is sent and checks every balance, so a
// launch that cannot be paid for fails before any SOL moves.
func (j *job) fundingPlan(ctx context.Context, platform progress.Platform, w jobs.WalletPlan, k walletKeys, devBuy, cuPrice uint64) (fundingPlan, error) {
	var plan fundingPlan
	if ok, err := j.done(ctx, "funding-plan", &plan); err != nil || ok {
		return plan, err
	}
	cuPrice = j.budgetPrice(cuPrice)
	devNeed := devBuy + devReserveLamports + solana.PriorityFeeLamports(solana.DefaultMaxCULimit, cuPrice)
	if err := j.needBalance(ctx, k.dev.PublicKey(), devNeed, "dev wallet", "the dev buy, rent of the new token's accounts and fees"); err != nil {
		return plan, err
	}
	var short []string
	var total uint64
	for i, b := range w.BuyerWallets {
		need := buyerBudget(platform, lamportsOf(b.BuySol), cuPrice)
		bal, err := j.d.Chain.GetBalance(ctx, k.buyers[i].PublicKey())
		if err != nil {
			return plan, err
		}
		send := uint64(0)
		if bal < need {
			send = max(need-bal, mixer.RentExemptMinimum)
			short = append(short, fmt.Sprintf("%s needs %.9f SOL more", b.PublicKey, solOf(need-bal)))
		}
		plan.Sends = append(plan.Sends, send)
		total += send
		j.rep.Step("check_wallet", fmt.Sprintf("Buyer wallet %s holds %.6f SOL; the buy, rent and fees need %.6f SOL",
			b.PublicKey, solOf(bal), solOf(need)), len(w.BuyerWallets), map[string]any{"wallet": b.PublicKey, "balance": solOf(bal), "needed": solOf(need)})
	}
	if k.funding == nil && len(short) > 0 {
		return plan, fmt.Errorf("buyer wallets lack SOL for their buys, rent and fees (%s) and no fundingWallet was given: %w",
			strings.Join(short, "; "), solana.ErrInsufficientFunds)
	}
	if k.funding != nil {
		hops := 0
		if w.Mixing != nil && w.Mixing.Enabled {
			hops = w.Mixing.Hops
		}
		fees := uint64(len(w.BuyerWallets)*(hops+1)) * solana.TxFee(1, 1000, 0)
		// What the mixer's intermediate wallets keep (rent-exempt, swept back later).
		kept := uint64(len(w.BuyerWallets)) * mixer.Config{}.MaxKept(hops)
		need := total + fees + kept + j.d.Config.PlatformFeeLamports + solana.TxFee(1, 1000, 0)
		if err := j.needBalance(ctx, k.funding.PublicKey(), need, "funding wallet",
			fmt.Sprintf("%.9f SOL for buyers plus transfer and platform fees and up to %.6f SOL the intermediate wallets keep", solOf(total), solOf(kept))); err != nil {
			return plan, err
		}
	}
	return plan, j.save(ctx, "funding-plan", plan)
}

func (j *job) needBalance(ctx context.Context, key sol.PublicKey, need uint64, role, what string) error {
	bal, err := j.d.Chain.GetBalance(ctx, key)
	if err != nil {
		return fmt.Errorf("balance of %s: %w", role, err)
	}
	if bal < need {
		return fmt.Errorf("%s %s holds %.9f SOL but needs %.9f SOL (%s): %w",
			role, key, solOf(bal), solOf(need), what, solana.ErrInsufficientFunds)
	}
	return nil
}

// platformFee sends the configured fee once (a txStep); "" when none is configured.
func (j *job) platformFee(ctx context.Context, payer sol.PrivateKey) (string, error) {
	fee, to := j.d.Config.PlatformFeeLamports, j.d.Config.PlatformFeeWallet
	if fee == 0 || to == "" {
		return "", nil
	}
	dest, err := sol.PublicKeyFromBase58(to)
	if err != nil {
		return "", fmt.Errorf("platform fee wallet %q: %w", to, err)
	}
	sig, err := j.txStep(ctx, "platform-fee", nil, func(ctx context.Context) (*solana.SignedTx, any, error) {
		stx, err := j.d.Chain.BuildTx(ctx, payer.PublicKey(), []sol.Instruction{token.Transfer(payer.PublicKey(), dest, fee)},
			[]sol.PrivateKey{payer}, solana.BuildOpts{CULimit: 1000})
		return stx, nil, err
	})
	if err == nil {
		j.rep.Step("platform_fee", fmt.Sprintf("Platform fee of %.9f SOL paid", solOf(fee)), 1, map[string]string{"signature": sig})
	}
	return sig, err
}

// maxParallelRoutes bounds the buyers funded at once: hop k of every route goes out
// in the same slot.
const maxParallelRoutes = 32

// fund moves the planned SOL to the buyers through the mixer (hops = 0: directly),
// journaling every hop, and announces mixing_started / mixing_completed.
func (j *job) fund(ctx context.Context, k walletKeys, w jobs.WalletPlan, plan fundingPlan, hops int, mixing bool) (mixSummary, []string, error) {
	var targets []mixer.Target
	var total uint64
	for i, s := range plan.Sends {
		if s > 0 {
			targets = append(targets, mixer.Target{Wallet: k.buyers[i].PublicKey(), Min: s, Max: s})
			total += s
		}
	}
	sum := mixSummary{Hops: hops, WalletsUsed: len(targets) * hops, TotalFunds: solOf(total)}
	if err := j.mixStage(ctx, mixing, progress.StageMixingStarted, sum); err != nil {
		return sum, nil, err
	}
	if len(targets) == 0 {
		return sum, nil, j.mixStage(ctx, mixing, progress.StageMixingCompleted, sum)
	}
	m := mixer.New(j.d.Chain, &mixKeys{st: j.d.Store, user: j.user, jobID: j.id}, &mixJournal{st: j.d.Store, jobID: j.id, faults: j.d.faults},
		mixer.Config{JitterMax: j.d.Config.MixerJitterMax, Concurrency: min(len(targets), maxParallelRoutes)})
	steps := len(targets) * (hops + 1)
	var sigs []string
	doneHops := 0
	_, err := m.Run(ctx, mixer.Request{RunID: mixRunID, Funder: k.funding, Targets: targets, Hops: hops, Seed: []byte(j.id)}, func(p mixer.Progress) {
		if p.State != mixer.Confirmed {
			return
		}
		doneHops++
		sigs = append(sigs, p.Signature.String())
		j.signed(p.Signature.String())
		j.rep.Step("transfer", fmt.Sprintf("Hop %d/%d to buyer %s: %.9f SOL", p.Step+1, p.Steps, targets[p.Route].Wallet, solOf(p.Lamports)),
			steps, map[string]any{"route": p.Route, "hop": p.Step, "signature": p.Signature.String()})
		j.rep.Progress(doneHops * 100 / steps)
		if mixing {
			_ = j.rep.MixingProgress(ctx, doneHops*100/steps)
		}
	})
	if err != nil {
		if mixing {
			_ = j.rep.LaunchFailed(ctx, progress.StageMixingCompleted, err, errorCode(err))
		}
		return sum, sigs, fmt.Errorf("fund buyer wallets: %w", err)
	}
	return sum, sigs, j.mixStage(ctx, mixing, progress.StageMixingCompleted, sum)
}

func (j *job) mixStage(ctx context.Context, mixing bool, stage progress.Stage, sum mixSummary) error {
	if !mixing {
		return nil
	}
	md := &progress.MixingData{TotalFunds: progress.Ptr(sum.TotalFunds), WalletsUsed: progress.Ptr(sum.WalletsUsed)}
	msg := fmt.Sprintf("Mixing %.4f SOL to buyer wallets through %d intermediate wallets", sum.TotalFunds, sum.WalletsUsed)
	if stage == progress.StageMixingCompleted {
		md.MixingProgress = progress.Ptr(100)
		md.CompletedAt = progress.Ptr(time.Now().UnixMilli())
		msg = fmt.Sprintf("Mixed %.4f SOL to buyer wallets", sum.TotalFunds)
	} else {
		md.MixingProgress = progress.Ptr(0)
	}
	return j.rep.LaunchStage(ctx, stage, progress.StageInput{Message: msg, MixingData: md})
}
