package workers

import (
	"context"
	"fmt"

	sol "github.com/gagliardetto/solana-go"
)

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

func planWalletSell(*Deps, *WalletSellPayload) []phase { return []phase{phCheck, phSell} }

func runWalletSell(ctx context.Context, j *job, p *WalletSellPayload) (any, error) {
	j.enter(phCheck.key)
	l, err := j.launch(ctx, p.TokenAddress)
	if err != nil {
		return nil, err
	}
	plan, err := j.loadPlan(ctx, l.TokenAddress)
	if err != nil {
		return nil, err
	}
	wallets := p.Wallets
	if len(wallets) == 0 {
		for _, b := range plan.Buyers {
			wallets = append(wallets, b.PublicKey)
		}
	}
	if len(wallets) == 0 {
		return nil, refuse("launch %s has no buyer wallets to sell from", l.TokenAddress)
	}
	j.sellDetails(l, p.SellPercent, len(wallets))
	// Every wallet is checked before anything is sold.
	sales := make([]sale, len(wallets))
	for i, w := range wallets {
		key, err := j.key(ctx, w, fmt.Sprintf("wallet %d", i+1))
		if err != nil {
			return nil, err
		}
		sales[i] = sale{key: key, idx: i + 1, pct: p.SellPercent, slip: p.Slippage()}
	}
	j.rep.Progress(100)
	j.enter(phSell.key)
	creator, err := sol.PublicKeyFromBase58(plan.DevWallet)
	if err != nil {
		return nil, err
	}
	return j.sellAll(ctx, l, creator, sales)
}
