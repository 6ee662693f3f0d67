package workers

import (
	"context"
	"fmt"
)

// BuyerWallet is a registered wallet that buys buySol worth at launch.
type BuyerWallet struct {
	PublicKey string  `json:"publicKey"`
	BuySol    float64 `json:"buySol"`
}

// Mixing routes SOL from the funding wallet to the buyer wallets through Hops
// intermediate wallets.
type Mixing struct {
	Enabled bool `json:"enabled"`
	Hops    int  `json:"hops,omitempty"` // DefaultMixingHops when enabled and left out
}

// WalletPlan names the wallets of a launch; shared by prepare_launch and the one-job
// launches.
type WalletPlan struct {
	DevWallet     string        `json:"devWallet"`
	FundingWallet string        `json:"fundingWallet,omitempty"`
	BuyerWallets  []BuyerWallet `json:"buyerWallets,omitempty"`
	Mixing        *Mixing       `json:"mixing,omitempty"`
}

func (w *WalletPlan) applyDefaults() {
	if len(w.BuyerWallets) == 0 {
		w.BuyerWallets = nil // absent and [] mean the same; keep one form
	}
	if w.Mixing != nil && w.Mixing.Enabled && w.Mixing.Hops == 0 {
		w.Mixing.Hops = DefaultMixingHops
	}
}

func (w *WalletPlan) validate(errs *FieldErrors, fundingRequired bool) {
	checkPubkey(errs, "devWallet", w.DevWallet, true)
	checkPubkey(errs, "fundingWallet", w.FundingWallet, fundingRequired)
	checkBuyers(errs, w.BuyerWallets)
	if m := w.Mixing; m != nil {
		if m.Hops != 0 && (m.Hops < MinMixingHops || m.Hops > MaxMixingHops) {
			errs.Add("mixing.hops", fmt.Sprintf("must be %d..%d", MinMixingHops, MaxMixingHops))
		}
		if m.Enabled && len(w.BuyerWallets) == 0 {
			errs.Add("mixing.enabled", "mixing needs buyerWallets")
		}
	}
}

func checkBuyers(errs *FieldErrors, list []BuyerWallet) {
	if len(list) > MaxBuyerWallets {
		errs.Add("buyerWallets", fmt.Sprintf("at most %d wallets", MaxBuyerWallets))
		return
	}
	seen := map[string]bool{}
	for i, b := range list {
		field := fmt.Sprintf("buyerWallets[%d]", i)
		checkPubkey(errs, field+".publicKey", b.PublicKey, true)
		if seen[b.PublicKey] && b.PublicKey != "" {
			errs.Add(field+".publicKey", "duplicate wallet")
		}
		seen[b.PublicKey] = true
		checkSol(errs, field+".buySol", b.BuySol)
	}
}

// PrepareLaunchPayload is the payload of prepare_launch: check wallets and balances,
// take the platform fee, mix SOL to the buyer wallets.
type PrepareLaunchPayload struct {
	Common
	TokenAddress string `json:"tokenAddress"`
	WalletPlan
}

func (p *PrepareLaunchPayload) applyDefaults() { p.WalletPlan.applyDefaults() }

// Validate reports every bad field.
func (p *PrepareLaunchPayload) Validate() error {
	errs := &FieldErrors{}
	p.Common.validate(errs)
	checkPubkey(errs, "tokenAddress", p.TokenAddress, true)
	p.WalletPlan.validate(errs, true)
	return errs.Err()
}

// Queue is "default", with the other launch jobs.
func (p *PrepareLaunchPayload) Queue() string { return QueueDefault }

// launchPlan is what prepare_launch records for the launch's later jobs (execute,
// sells): its wallets. It lives in the checkpoints under the pseudo job "launch/<token>".
type launchPlan struct {
	DevWallet     string        `json:"devWallet"`
	FundingWallet string        `json:"fundingWallet,omitempty"`
	Buyers        []BuyerWallet `json:"buyers,omitempty"`
	Mixing        bool          `json:"mixing"`
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

func planPrepare(d *Deps, p *PrepareLaunchPayload) []phase {
	return preparePhases(d, p.WalletPlan)
}

func preparePhases(d *Deps, w WalletPlan) []phase {
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

func runPrepareLaunch(ctx context.Context, j *job, p *PrepareLaunchPayload) (any, error) {
	l, err := j.launch(ctx, p.TokenAddress)
	if err != nil {
		return nil, err
	}
	return j.prepare(ctx, l.TokenAddress, l.Platform, p.WalletPlan, 0, 0)
}
