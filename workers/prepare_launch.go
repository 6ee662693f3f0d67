package workers

import (
	"context"

	"github.com/nitro-runtime/nitro/jobs"
)

// launchPlan is what prepare_launch records for the launch's later jobs (execute,
// sells): its wallets. It lives in the checkpoints under the pseudo job "launch/<token>".
type launchPlan struct {
	DevWallet     string             `json:"devWallet"`
	FundingWallet string             `json:"fundingWallet,omitempty"`
	Buyers        []jobs.BuyerWallet `json:"buyers,omitempty"`
	Mixing        bool               `json:"mixing"`
}

func launchKey(token string) string { return "launch/" + token }

func (j *job) savePlan(ctx context.Context, token string, p launchPlan) error {
	return j.d.Store.Checkpoint(ctx, launchKey(token), "plan", p)
}

func (j *job) loadPlan(ctx context.Context, token string) (launchPlan, error) {
	var p launchPlan
	ok, err := j.d.Store.GetCheckpoint(ctx, launchKey(token), "plan", &p)
	if err == nil && !ok {
		err = refuse("launch %s has not been prepared (run prepare_launch first)", token)
	}
	return p, err
}

func planPrepare(d *Deps, p *jobs.PrepareLaunchPayload) []phase {
	return preparePhases(d, p.WalletPlan)
}

func preparePhases(d *Deps, w jobs.WalletPlan) []phase {
	out := []phase{phCheck}
	if w.FundingWallet != "" {
		if d.Config.PlatformFeeLamports > 0 && d.Config.PlatformFeeWallet != "" {
			out = append(out, phFee)
		}
		if len(w.BuyerWallets) > 0 {
			if w.Mixing != nil && w.Mixing.Enabled {
				out = append(out, phMix)
			} else {
				out = append(out, phFund)
			}
		}
	}
	return out
}

// preparedLaunch is the result of prepare_launch.
type preparedLaunch struct {
	TokenAddress string         `json:"tokenAddress"`
	DevWallet    string         `json:"devWallet"`
	Funded       []fundedWallet `json:"buyerWallets"`
	PlatformFee  float64        `json:"platformFee"`
	Mixing       *mixSummary    `json:"mixing,omitempty"`
	Signatures   []string       `json:"signatures"`
}

type fundedWallet struct {
	PublicKey string  `json:"publicKey"`
	Funded    float64 `json:"funded"`
}

type mixSummary struct {
	Hops        int     `json:"hops"`
	WalletsUsed int     `json:"walletsUsed"`
	TotalFunds  float64 `json:"totalFunds"`
}

func runPrepareLaunch(ctx context.Context, j *job, p *jobs.PrepareLaunchPayload) (any, error) {
	l, err := j.launch(ctx, p.TokenAddress)
	if err != nil {
		return nil, err
	}
	return j.prepare(ctx, l.TokenAddress, l.Platform, p.WalletPlan, 0, 0)
}
