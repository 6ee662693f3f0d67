package jobs

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/nitro-runtime/nitro/progress"
)

// TokenMetadata is what a token is created with: shared by create_token_metadata and
// the one-job launches.
type TokenMetadata struct {
	Platform     progress.Platform `json:"platform"`
	Name         string            `json:"name"`
	Symbol       string            `json:"symbol"`
	Description  string            `json:"description,omitempty"`
	Image        string            `json:"image,omitempty"` // https URL or data: URI
	Twitter      string            `json:"twitter,omitempty"`
	Telegram     string            `json:"telegram,omitempty"`
	Website      string            `json:"website,omitempty"`
	VanitySuffix string            `json:"vanitySuffix,omitempty"`
}

func (m *TokenMetadata) validate(errs *FieldErrors, imageRequired bool) {
	switch {
	case m.Platform == "":
		errs.Add("platform", "required")
	case !m.Platform.Valid():
		errs.Add("platform", `must be "pump" or "bonk"`)
	}
	checkText(errs, "name", m.Name, MaxNameBytes, true)
	checkText(errs, "symbol", m.Symbol, MaxSymbolBytes, true)
	checkText(errs, "description", m.Description, MaxDescription, false)
	checkImage(errs, "image", m.Image, imageRequired)
	checkText(errs, "twitter", m.Twitter, MaxSocialLen, false)
	checkText(errs, "telegram", m.Telegram, MaxSocialLen, false)
	if m.Website != "" && !validWebURL(m.Website) {
		errs.Add("website", "must be an http(s) URL")
	}
	checkVanity(errs, m.VanitySuffix)
}

func validWebURL(v string) bool {
	if validHTTPSURL(v) {
		return true
	}
	u, err := url.Parse(v)
	return err == nil && len(v) <= MaxURLLen && printableASCII(v) && u.Scheme == "http" && u.Host != "" && u.User == nil
}

// CreateTokenMetadataPayload is the payload of create_token_metadata: upload the image
// and metadata JSON, reserve the mint (optionally with a vanity suffix).
type CreateTokenMetadataPayload struct {
	Common
	TokenMetadata
}

// Validate reports every bad field.
func (p *CreateTokenMetadataPayload) Validate() error {
	errs := &FieldErrors{}
	p.Common.validate(errs)
	p.TokenMetadata.validate(errs, true)
	return errs.Err()
}

// Queue is "low": uploads can wait behind launches and sells.
func (p *CreateTokenMetadataPayload) Queue() string { return QueueLow }

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

// ExecOptions are the knobs of the create + buy transactions; shared by execute_launch
// and the one-job launches.
type ExecOptions struct {
	DevBuySol                float64 `json:"devBuySol"`
	SlippageBps              *int    `json:"slippageBps,omitempty"` // DefaultSlippageBps when left out
	PriorityFeeMicroLamports uint64  `json:"priorityFeeMicroLamports,omitempty"`
	Bundle                   bool    `json:"bundle,omitempty"` // one Jito bundle for create + buys
}

// ErrNoBlockEngine refuses `bundle: true` when no block engine is configured.
var ErrNoBlockEngine = errors.New("no block engine is configured (JITO_BLOCK_ENGINE_URL): send without bundle")

// WantsBundle reports a payload that asks for a Jito bundle.
func WantsBundle(p Payload) bool {
	b, ok := p.(interface{ bundled() bool })
	return ok && b.bundled()
}

func (o *ExecOptions) bundled() bool { return o.Bundle }

// Slippage returns slippageBps, DefaultSlippageBps when absent.
func (o *ExecOptions) Slippage() int { return slippageOr(o.SlippageBps) }

func (o *ExecOptions) applyDefaults() { o.SlippageBps = defaultSlippage(o.SlippageBps) }

func (o *ExecOptions) validate(errs *FieldErrors) {
	checkSol(errs, "devBuySol", o.DevBuySol)
	checkSlippage(errs, o.SlippageBps)
	if o.PriorityFeeMicroLamports > MaxPriorityFee {
		errs.Add("priorityFeeMicroLamports", fmt.Sprintf("at most %d", MaxPriorityFee))
	}
}

func slippageOr(v *int) int {
	if v == nil {
		return DefaultSlippageBps
	}
	return *v
}

func defaultSlippage(v *int) *int {
	if v == nil {
		d := DefaultSlippageBps
		return &d
	}
	return v
}

// ExecuteLaunchPayload is the payload of execute_launch: create the token with the dev
// buy, then the buyer buys, and confirm them all.
type ExecuteLaunchPayload struct {
	Common
	TokenAddress string `json:"tokenAddress"`
	ExecOptions
}

func (p *ExecuteLaunchPayload) applyDefaults() { p.ExecOptions.applyDefaults() }

// Validate reports every bad field.
func (p *ExecuteLaunchPayload) Validate() error {
	errs := &FieldErrors{}
	p.Common.validate(errs)
	checkPubkey(errs, "tokenAddress", p.TokenAddress, true)
	p.ExecOptions.validate(errs)
	return errs.Err()
}

// Queue is "default", with the other launch jobs.
func (p *ExecuteLaunchPayload) Queue() string { return QueueDefault }

// LaunchTokenPayload is the payload of launch_token: create_token_metadata,
// prepare_launch and execute_launch as one job.
type LaunchTokenPayload struct {
	Common
	TokenMetadata
	WalletPlan
	ExecOptions
}

func (p *LaunchTokenPayload) applyDefaults() {
	p.WalletPlan.applyDefaults()
	p.ExecOptions.applyDefaults()
}

// Validate reports every bad field.
func (p *LaunchTokenPayload) Validate() error {
	errs := &FieldErrors{}
	p.validate(errs, true)
	return errs.Err()
}

func (p *LaunchTokenPayload) validate(errs *FieldErrors, imageRequired bool) {
	p.Common.validate(errs)
	p.TokenMetadata.validate(errs, imageRequired)
	p.WalletPlan.validate(errs, false)
	p.ExecOptions.validate(errs)
}

// Queue is "default", with the other launch jobs.
func (p *LaunchTokenPayload) Queue() string { return QueueDefault }

// LaunchTokenFromDappPayload is the payload of launch_token_from_dapp: launch_token for
// dApp input, whose metadata may already be hosted (metadataUri in place of image).
type LaunchTokenFromDappPayload struct {
	LaunchTokenPayload
	MetadataURI string `json:"metadataUri,omitempty"`
}

// Validate reports every bad field; exactly one of image and metadataUri is required.
func (p *LaunchTokenFromDappPayload) Validate() error {
	errs := &FieldErrors{}
	p.LaunchTokenPayload.validate(errs, false)
	checkHTTPSURL(errs, "metadataUri", p.MetadataURI, false)
	switch {
	case p.MetadataURI == "" && p.Image == "":
		errs.Add("image", "image or metadataUri is required")
	case p.MetadataURI != "" && p.Image != "":
		errs.Add("metadataUri", "give image or metadataUri, not both")
	}
	return errs.Err()
}

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
