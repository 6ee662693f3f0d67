package jobs

import "fmt"

// MaxSweepWallets bounds the wallets of one sweep_wallets job: enough for every
// intermediate wallet of a launch (MaxBuyerWallets routes of MaxMixingHops hops).
const MaxSweepWallets = MaxBuyerWallets * MaxMixingHops

// SweepWalletsPayload is the payload of sweep_wallets: move the SOL of each chosen
// wallet to destination, another wallet of the same user. With tokenAddress, each
// wallet first sells all its tokens of that launch; with closeTokenAccounts, its
// empty token accounts are closed and their rent swept too.
type SweepWalletsPayload struct {
	Common
	Wallets            []string `json:"wallets"`
	Destination        string   `json:"destination"`
	CloseTokenAccounts bool     `json:"closeTokenAccounts,omitempty"`
	TokenAddress       string   `json:"tokenAddress,omitempty"`
	SlippageBps        *int     `json:"slippageBps,omitempty"`
}

// Slippage returns slippageBps, DefaultSlippageBps when absent.
func (p *SweepWalletsPayload) Slippage() int { return slippageOr(p.SlippageBps) }

func (p *SweepWalletsPayload) applyDefaults() {
	if p.TokenAddress != "" {
		p.SlippageBps = defaultSlippage(p.SlippageBps)
	}
}

// Validate reports every bad field.
func (p *SweepWalletsPayload) Validate() error {
	errs := &FieldErrors{}
	p.Common.validate(errs)
	checkPubkey(errs, "destination", p.Destination, true)
	checkPubkey(errs, "tokenAddress", p.TokenAddress, false)
	checkSlippage(errs, p.SlippageBps)
	if p.SlippageBps != nil && p.TokenAddress == "" {
		errs.Add("slippageBps", "only with tokenAddress (the sale before the sweep)")
	}
	switch {
	case len(p.Wallets) == 0:
		errs.Add("wallets", "required: at least one wallet")
	case len(p.Wallets) > MaxSweepWallets:
		errs.Add("wallets", fmt.Sprintf("at most %d wallets", MaxSweepWallets))
	}
	if len(p.Wallets) > MaxSweepWallets {
		return errs.Err()
	}
	seen := map[string]bool{}
	for i, w := range p.Wallets {
		field := fmt.Sprintf("wallets[%d]", i)
		checkPubkey(errs, field, w, true)
		switch {
		case w == "":
		case seen[w]:
			errs.Add(field, "duplicate wallet")
		case w == p.Destination:
			errs.Add(field, "is the destination")
		}
		seen[w] = true
	}
	return errs.Err()
}

// Queue is "default": a sweep is not racing a price (the sale it may start with
// is a clean-up, not a trade).
func (p *SweepWalletsPayload) Queue() string { return QueueDefault }
