package workers

import (
	"context"
	"fmt"

	sol "github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/jobs"
)

func planWalletSell(*Deps, *jobs.WalletSellPayload) []phase { return []phase{phCheck, phSell} }

func runWalletSell(ctx context.Context, j *job, p *jobs.WalletSellPayload) (any, error) {
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
