package workers

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
