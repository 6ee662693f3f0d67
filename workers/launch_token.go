package workers

import (
	"context"

	"github.com/nitro-runtime/nitro/jobs"
	"github.com/nitro-runtime/nitro/progress"
)

func planLaunch(d *Deps, p *jobs.LaunchTokenPayload) []phase {
	out := []phase{phCheck, phUpload, phMint}
	out = append(out, preparePhases(d, p.WalletPlan)[1:]...) // checked first, before anything is uploaded
	out = append(out, phCreate)
	if len(p.BuyerWallets) > 0 {
		out = append(out, phBuys)
	}
	return out
}

func runLaunchToken(ctx context.Context, j *job, p *jobs.LaunchTokenPayload) (any, error) {
	return j.launchAll(ctx, p, "")
}

// launchAll is create_token_metadata, prepare_launch and execute_launch in one job;
// each part checkpoints itself, so a retry resumes where the last run stopped.
func (j *job) launchAll(ctx context.Context, p *jobs.LaunchTokenPayload, hostedURI string) (launchResult, error) {
	j.rep.Update(func(d *progress.Details) {
		d.TokenName, d.TokenSymbol, d.DevBuy = p.Name, p.Symbol, progress.Ptr(p.DevBuySol)
		total := 0.0
		for _, b := range p.BuyerWallets {
			total += b.BuySol
		}
		d.BuyAmount, d.WalletsCount = progress.Ptr(total), progress.Ptr(len(p.BuyerWallets))
	})
	// Wallets and balances are checked before anything is uploaded or reserved.
	j.enter(phCheck.key)
	keys, err := j.loadWallets(ctx, p.WalletPlan)
	if err != nil {
		return launchResult{}, err
	}
	if _, err := j.fundingPlan(ctx, p.Platform, p.WalletPlan, keys, lamportsOf(p.DevBuySol), p.PriorityFeeMicroLamports); err != nil {
		return launchResult{}, err
	}
	mixing := p.Mixing != nil && p.Mixing.Enabled
	ct, err := j.createToken(ctx, p.TokenMetadata, hostedURI, mixing)
	if err != nil {
		return launchResult{}, err
	}
	l, err := j.launch(ctx, ct.TokenAddress)
	if err != nil {
		return launchResult{}, err
	}
	if ok, err := j.done(ctx, "prepared", &struct{}{}); err != nil {
		return launchResult{}, err
	} else if !ok {
		if _, err := j.prepare(ctx, l.TokenAddress, l.Platform, p.WalletPlan, lamportsOf(p.DevBuySol), p.PriorityFeeMicroLamports); err != nil {
			return launchResult{}, err
		}
		if err := j.save(ctx, "prepared", struct{}{}); err != nil {
			return launchResult{}, err
		}
	}
	return j.execute(ctx, l, p.ExecOptions)
}
