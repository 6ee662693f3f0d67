package workers

import (
	"context"
	"errors"

	"github.com/nitro-runtime/nitro/jobs"
)

func planDevSell(*Deps, *jobs.DevSellPayload) []phase { return []phase{phCheck, phSell} }

func runDevSell(ctx context.Context, j *job, p *jobs.DevSellPayload) (any, error) {
	j.enter(phCheck.key)
	l, err := j.launch(ctx, p.TokenAddress)
	if err != nil {
		return nil, err
	}
	j.sellDetails(l, p.SellPercent, 1)
	dev := p.DevWallet
	if dev == "" {
		plan, err := j.loadPlan(ctx, l.TokenAddress)
		if err != nil {
			return nil, err
		}
		dev = plan.DevWallet
	}
	key, err := j.key(ctx, dev, "dev wallet")
	if err != nil {
		return nil, err
	}
	j.enter(phSell.key)
	ws, err := j.sellOne(ctx, l, key.PublicKey(), sale{key: key, pct: p.SellPercent, slip: p.Slippage()})
	j.reportSale(ws, err, 1, 1)
	if errors.Is(err, errNothingToSell) {
		return nil, refuse("dev wallet %s holds no %s tokens to sell", dev, l.Symbol)
	}
	if err != nil {
		return nil, err
	}
	return sellResult{Signatures: []string{ws.Signature}, SolReceived: ws.SolReceived, TokensSold: ws.TokensSold,
		Wallets: []walletSale{ws}}, nil
}
