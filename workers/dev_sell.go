package workers

import (
	"context"
	"errors"
)

// DevSellPayload is the payload of dev_sell: sell sellPercent of the dev wallet's tokens.
type DevSellPayload struct {
	Common
	TokenAddress string  `json:"tokenAddress"`
	SellPercent  float64 `json:"sellPercent"`
	DevWallet    string  `json:"devWallet,omitempty"` // the launch's dev wallet when left out
	SlippageBps  *int    `json:"slippageBps,omitempty"`
}

// Slippage returns slippageBps, DefaultSlippageBps when absent.
func (p *DevSellPayload) Slippage() int { return slippageOr(p.SlippageBps) }

func (p *DevSellPayload) applyDefaults() { p.SlippageBps = defaultSlippage(p.SlippageBps) }

// Validate reports every bad field.
func (p *DevSellPayload) Validate() error {
	errs := &FieldErrors{}
	p.Common.validate(errs)
	checkPubkey(errs, "tokenAddress", p.TokenAddress, true)
	checkSellPercent(errs, p.SellPercent)
	checkPubkey(errs, "devWallet", p.DevWallet, false)
	checkSlippage(errs, p.SlippageBps)
	return errs.Err()
}

// Queue is "critical": a sell must not wait behind launches while the price moves.
func (p *DevSellPayload) Queue() string { return QueueCritical }

func planDevSell(*Deps, *DevSellPayload) []phase { return []phase{phCheck, phSell} }

func runDevSell(ctx context.Context, j *job, p *DevSellPayload) (any, error) {
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
