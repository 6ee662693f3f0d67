package localnet

import (
	"encoding/binary"
	"encoding/hex"
	"math/big"

	"github.com/gagliardetto/solana-go"
)

// Raydium LaunchLab identities, PDAs, layouts and curve math
//.

// LaunchLabProgramID is Raydium LaunchLab (mainnet).
var LaunchLabProgramID = solana.MustPublicKeyFromBase58("LanMV9sAd7wArD4vJFi2qDdfnVhFxYSUg6eADduJ3uj")

var (
	llAuthority, llAuthBump = findPDA(LaunchLabProgramID, []byte("vault_auth_seed"))
	llEventAuthority, _     = findPDA(LaunchLabProgramID, []byte("__event_authority"))
	llCreatorVaultAuth, _   = findPDA(LaunchLabProgramID, []byte("creator_fee_vault_auth_seed"))
	// LetsBonkPlatformAdmin is the admin whose platform_config PDA is letsbonk's classic config.
	LetsBonkPlatformAdmin = solana.MustPublicKeyFromBase58("2P56vRWDrCBGkqYXxgSWAnuZQZrJPySRQGToTJThpmkN")
	// RaydiumProtocolFeeOwner is GlobalConfig.protocol_fee_owner of the WSOL config.
	RaydiumProtocolFeeOwner = solana.MustPublicKeyFromBase58("rayvTLcCMDs7P5tgpuoNA6ZYeLERegeCphdqLSgdKms")
)

func mustDisc(h string) (d [8]byte) {
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != 8 {
		panic("localnet: bad discriminator " + h)
	}
	copy(d[:], b)
	return d
}

// Discriminators by Anchor's sha256 scheme.
var (
	llIxInitializeV2   = mustDisc("4399af27da102620")
	llIxBuyExactIn     = mustDisc("faea0d7bd59c13ec")
	llIxSellExactIn    = mustDisc("9527de9bd37c981a")
	llPoolStateDisc    = mustDisc("f7ede3f5d7c3de46")
	llGlobalConfigDisc = mustDisc("95089ccaa0fcb0d9")
	llPlatformDisc     = mustDisc("a04e8000f853e6a0")
	llTradeEventDisc   = anchorDisc("event", "TradeEvent")
	llPoolCreateDisc   = anchorDisc("event", "PoolCreateEvent")
)

const (
	llPoolSize        = 429
	llGlobalSize      = 371
	llPlatformSize    = 944
	llTokenAcctSize   = 165
	llMintSize        = 82
	llRateDenominator = 1_000_000
)

// llGlobalConfig is the subset of GlobalConfig the handlers read.
type llGlobalConfig struct {
	curveType                                   uint8
	index                                       uint16
	migrateFee, tradeFeeRate, maxShareFeeRate   uint64
	minBaseSupply, maxLockRate, minBaseSellRate uint64
	minQuoteFundRaising                         uint64
	quoteMint                                   solana.PublicKey
}

func decodeLLGlobal(b []byte) llGlobalConfig {
	g := llGlobalConfig{
		migrateFee: le64(b, 19), tradeFeeRate: le64(b, 27), maxShareFeeRate: le64(b, 35),
		minBaseSupply: le64(b, 43), maxLockRate: le64(b, 51), minBaseSellRate: le64(b, 59),
		minQuoteFundRaising: le64(b, 75), quoteMint: keyAt(b, 83),
	}
	if len(b) > 18 {
		g.curveType, g.index = b[16], binary.LittleEndian.Uint16(b[17:])
	}
	return g
}

// llPool is a PoolState's trading fields.
type llPool struct {
	status                                         uint8
	baseDecimals                                   uint8
	supply, totalBaseSell                          uint64
	virtualBase, virtualQuote, realBase, realQuote uint64
	protocolFee, platformFee                       uint64
	globalConfig, platformConfig                   solana.PublicKey
	baseMint, quoteMint, baseVault, quoteVault     solana.PublicKey
	creator                                        solana.PublicKey
}

func decodeLLPool(b []byte) llPool {
	p := llPool{
		supply: le64(b, 21), totalBaseSell: le64(b, 29),
		virtualBase: le64(b, 37), virtualQuote: le64(b, 45), realBase: le64(b, 53), realQuote: le64(b, 61),
		protocolFee: le64(b, 77), platformFee: le64(b, 85),
		globalConfig: keyAt(b, 141), platformConfig: keyAt(b, 173), baseMint: keyAt(b, 205),
		quoteMint: keyAt(b, 237), baseVault: keyAt(b, 269), quoteVault: keyAt(b, 301), creator: keyAt(b, 333),
	}
	if len(b) > 19 {
		p.status, p.baseDecimals = b[17], b[18]
	}
	return p
}

// putTrading writes the fields a trade moves.
func (p *llPool) putTrading(b []byte) {
	b[17] = p.status
	put64(b, 53, p.realBase)
	put64(b, 61, p.realQuote)
	put64(b, 77, p.protocolFee)
	put64(b, 85, p.platformFee)
}

// llFeeRates are the rates (millionths) a trade pays.
type llFeeRates struct{ trade, platform, share, creator uint64 }

func (r llFeeRates) total() uint64 { return r.trade + r.platform + r.share + r.creator }

// split divides fee proportionally: platform, share and creator floored,
// the protocol keeps the remainder.
func (r llFeeRates) split(fee uint64) (protocol, platform, share, creator uint64) {
	t := r.total()
	if t == 0 {
		return 0, 0, 0, 0
	}
	platform, _ = mulDiv(fee, r.platform, t)
	share, _ = mulDiv(fee, r.share, t)
	creator, _ = mulDiv(fee, r.creator, t)
	return fee - platform - share - creator, platform, share, creator
}

// llInitReserves computes virtual_base and virtual_quote of a constant
// product curve from supply S, sell T, raise F, migrate fee M and locked L.
func llInitReserves(supply, sell, raise, migrateFee, locked uint64) (vBase, vQuote uint64, ok bool) {
	if supply <= sell+locked || raise <= migrateFee {
		return 0, 0, false
	}
	S, T, F := new(big.Int).SetUint64(supply), new(big.Int).SetUint64(sell), new(big.Int).SetUint64(raise)
	FM := new(big.Int).SetUint64(raise - migrateFee)
	rest := new(big.Int).Sub(S, T)
	rest.Sub(rest, new(big.Int).SetUint64(locked))
	num := new(big.Int).Mul(FM, T)
	num.Mul(num, T)
	num.Quo(num, rest)
	den := new(big.Int).Mul(FM, T)
	den.Quo(den, rest)
	den.Sub(den, F)
	if den.Sign() <= 0 {
		return 0, 0, false
	}
	x0 := new(big.Int).Quo(num, den)
	y0 := new(big.Int).Mul(F, F)
	y0.Quo(y0, den)
	if !x0.IsUint64() || !y0.IsUint64() {
		return 0, 0, false
	}
	return x0.Uint64(), y0.Uint64(), true
}

// llBuyQuote prices buy_exact_in: the quote actually taken (amountIn, or
// less when the buy is capped at the tokens left), its fee and tokens out.
func llBuyQuote(p *llPool, amountIn uint64, r llFeeRates) (taken, fee, out uint64, ok bool) {
	R := r.total()
	if R >= llRateDenominator {
		return 0, 0, 0, false
	}
	A, B := p.virtualBase-p.realBase, p.virtualQuote+p.realQuote
	fee, _ = mulDivCeil(amountIn, R, llRateDenominator)
	net := amountIn - fee
	out, ok = mulDiv(net, A, B+net)
	if !ok {
		return 0, 0, 0, false
	}
	rem := p.totalBaseSell - p.realBase
	if out <= rem {
		return amountIn, fee, out, true
	}
	need, ok1 := mulDivCeil(B, rem, A-rem)
	gross, ok2 := mulDivCeil(need, llRateDenominator, llRateDenominator-R)
	if !ok1 || !ok2 {
		return 0, 0, 0, false
	}
	return gross, gross - need, rem, true
}

// llSellQuote prices sell_exact_in: gross quote, fee and the payout.
func llSellQuote(p *llPool, amount uint64, r llFeeRates) (gross, fee, out uint64, ok bool) {
	A, B := p.virtualBase-p.realBase, p.virtualQuote+p.realQuote
	gross, ok = mulDiv(amount, B, A+amount)
	if !ok {
		return 0, 0, 0, false
	}
	fee, _ = mulDivCeil(gross, r.total(), llRateDenominator)
	if fee > gross {
		return 0, 0, 0, false
	}
	return gross, fee, gross - fee, true
}
