package workers

import "fmt"

// WalletSellPayload is the payload of wallet_sell: sell sellPercent from each chosen
// buyer wallet (all of the launch's when wallets is left out).
type WalletSellPayload struct {
	Common
	TokenAddress string   `json:"tokenAddress"`
	SellPercent  float64  `json:"sellPercent"`
	Wallets      []string `json:"wallets,omitempty"`
	SlippageBps  *int     `json:"slippageBps,omitempty"`
}

// Slippage returns slippageBps, DefaultSlippageBps when absent.
func (p *WalletSellPayload) Slippage() int { return slippageOr(p.SlippageBps) }

func (p *WalletSellPayload) applyDefaults() {
	p.SlippageBps = defaultSlippage(p.SlippageBps)
	if len(p.Wallets) == 0 {
		p.Wallets = nil
	}
}

// Validate reports every bad field.
func (p *WalletSellPayload) Validate() error {
	errs := &FieldErrors{}
	p.Common.validate(errs)
	checkPubkey(errs, "tokenAddress", p.TokenAddress, true)
	checkSellPercent(errs, p.SellPercent)
	checkSlippage(errs, p.SlippageBps)
	if len(p.Wallets) > MaxBuyerWallets {
		errs.Add("wallets", fmt.Sprintf("at most %d wallets", MaxBuyerWallets))
		return errs.Err()
	}
	seen := map[string]bool{}
	for i, w := range p.Wallets {
		field := fmt.Sprintf("wallets[%d]", i)
		checkPubkey(errs, field, w, true)
		if seen[w] && w != "" {
			errs.Add(field, "duplicate wallet")
		}
		seen[w] = true
	}
	return errs.Err()
}

// Queue is "critical": a sell must not wait behind launches while the price moves.
func (p *WalletSellPayload) Queue() string { return QueueCritical }
