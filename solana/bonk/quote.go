package bonk

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
)

// RateDenom is the denominator of LaunchLab fee rates (millionths).
const RateDenom = 1_000_000

// Quote errors.
var (
	ErrNotTrading   = errors.New("bonk: pool is not trading (status != 0)")
	ErrZeroAmount   = errors.New("bonk: zero amount")
	ErrInvalidPool  = errors.New("bonk: pool reserves out of range")
	ErrFeeRateLimit = errors.New("bonk: total fee rate above 100%")
	ErrSoldOut      = errors.New("bonk: no base tokens left to buy")
)

// FeeRates are the four fee rates of a trade, in millionths.
type FeeRates struct {
	Trade    uint64 // GlobalConfig.TradeFeeRate (protocol)
	Platform uint64 // PlatformConfig.FeeRate
	Creator  uint64 // PlatformConfig.CreatorFeeRate
	Share    uint64 // the trade's share_fee_rate
}

// Rates collects the fee rates a trade on a pool pays.
func Rates(g GlobalConfig, p PlatformConfig, shareFeeRate uint64) FeeRates {
	return FeeRates{Trade: g.TradeFeeRate, Platform: p.FeeRate, Creator: p.CreatorFeeRate, Share: shareFeeRate}
}

// Total is the summed rate R; it saturates so a hostile config fails the ≤ 1e6 check.
func (r FeeRates) Total() uint64 {
	var sum, carry, c uint64
	for _, v := range []uint64{r.Trade, r.Platform, r.Creator, r.Share} {
		sum, c = bits.Add64(sum, v, 0)
		carry |= c
	}
	if carry != 0 {
		return ^uint64(0)
	}
	return sum
}

// FeeSplit is a fee divided among its receivers: platform, share and creator parts
// are floored proportions of the total; the protocol keeps the remainder.
type FeeSplit struct {
	Total, Protocol, Platform, Creator, Share uint64
}

func (r FeeRates) split(fee uint64) FeeSplit {
	s := FeeSplit{Total: fee}
	R := r.Total()
	if R == 0 {
		return s
	}
	s.Platform, _ = mulDiv(fee, r.Platform, R)
	s.Share, _ = mulDiv(fee, r.Share, R)
	s.Creator, _ = mulDiv(fee, r.Creator, R)
	s.Protocol = fee - s.Platform - s.Share - s.Creator
	return s
}

// BuyResult is the outcome of buy_exact_in.
type BuyResult struct {
	QuoteIn uint64 // lamports taken, fees included (below AmountIn when Capped)
	Net     uint64 // lamports into the curve after fees
	BaseOut uint64 // base tokens received
	Fees    FeeSplit
	Capped  bool // the buy hit the remaining sellable supply
}

// SellResult is the outcome of sell_exact_in.
type SellResult struct {
	BaseIn   uint64
	Gross    uint64 // lamports out of the curve before fees
	QuoteOut uint64 // lamports received
	Fees     FeeSplit
}

func mulDiv(a, b, d uint64) (uint64, error) {
	hi, lo := bits.Mul64(a, b)
	if d == 0 || hi >= d {
		return 0, fmt.Errorf("%d×%d/%d: %w", a, b, d, ErrInvalidPool)
	}
	q, _ := bits.Div64(hi, lo, d)
	return q, nil
}

func mulDivCeil(a, b, d uint64) (uint64, error) {
	hi, lo := bits.Mul64(a, b)
	if d == 0 || hi >= d {
		return 0, fmt.Errorf("%d×%d/%d: %w", a, b, d, ErrInvalidPool)
	}
	q, r := bits.Div64(hi, lo, d)
	if r != 0 {
		q++
	}
	return q, nil
}

// reserves are the curve's effective reserves A (base) and B (quote).
func (s PoolState) reserves(r FeeRates) (a, b uint64, err error) {
	if s.Status != StatusTrading {
		return 0, 0, ErrNotTrading
	}
	if r.Total() > RateDenom {
		return 0, 0, ErrFeeRateLimit
	}
	if s.RealBase >= s.VirtualBase || s.RealBase > s.TotalBaseSell {
		return 0, 0, ErrInvalidPool
	}
	b, carry := bits.Add64(s.VirtualQuote, s.RealQuote, 0)
	if carry != 0 || b == 0 {
		return 0, 0, ErrInvalidPool
	}
	return s.VirtualBase - s.RealBase, b, nil
}

// BuyExactInQuote quotes buy_exact_in for amountIn lamports:
// fee = ceil(in×R/1e6), out = floor(net×A/(B+net)); a buy past the sellable supply
// is capped to what is left and charged need = ceil(B×rem/(A−rem)) grossed up by
// ceil(need×1e6/(1e6−R)).
func BuyExactInQuote(s PoolState, r FeeRates, amountIn uint64) (BuyResult, error) {
	a, b, err := s.reserves(r)
	if err != nil {
		return BuyResult{}, err
	}
	if amountIn == 0 {
		return BuyResult{}, ErrZeroAmount
	}
	fee, err := mulDivCeil(amountIn, r.Total(), RateDenom)
	if err != nil {
		return BuyResult{}, err
	}
	q := BuyResult{QuoteIn: amountIn, Net: amountIn - fee}
	bn, carry := bits.Add64(b, q.Net, 0)
	if carry != 0 {
		return BuyResult{}, ErrInvalidPool
	}
	if q.BaseOut, err = mulDiv(q.Net, a, bn); err != nil {
		return BuyResult{}, err
	}
	if rem := s.TotalBaseSell - s.RealBase; q.BaseOut > rem {
		return capBuy(b, a, rem, r)
	}
	q.Fees = r.split(fee)
	return q, nil
}

func capBuy(b, a, rem uint64, r FeeRates) (BuyResult, error) {
	if rem == 0 {
		return BuyResult{}, ErrSoldOut
	}
	need, err := mulDivCeil(b, rem, a-rem)
	if err != nil {
		return BuyResult{}, err
	}
	gross, err := mulDivCeil(need, RateDenom, RateDenom-r.Total())
	if err != nil {
		return BuyResult{}, err
	}
	return BuyResult{QuoteIn: gross, Net: need, BaseOut: rem, Fees: r.split(gross - need), Capped: true}, nil
}

// SellExactInQuote quotes sell_exact_in of baseIn tokens: gross = floor(in×B/(A+in)),
// out = gross − ceil(gross×R/1e6).
func SellExactInQuote(s PoolState, r FeeRates, baseIn uint64) (SellResult, error) {
	a, b, err := s.reserves(r)
	if err != nil {
		return SellResult{}, err
	}
	if baseIn == 0 {
		return SellResult{}, ErrZeroAmount
	}
	ai, carry := bits.Add64(a, baseIn, 0)
	if carry != 0 || baseIn > s.RealBase {
		return SellResult{}, fmt.Errorf("sell %d of %d sold tokens: %w", baseIn, s.RealBase, ErrInvalidPool)
	}
	gross, err := mulDiv(baseIn, b, ai)
	if err != nil {
		return SellResult{}, err
	}
	fee, err := mulDivCeil(gross, r.Total(), RateDenom)
	if err != nil {
		return SellResult{}, err
	}
	return SellResult{BaseIn: baseIn, Gross: gross, QuoteOut: gross - fee, Fees: r.split(fee)}, nil
}

// AfterBuy returns the pool after q: real reserves move by the net amounts,
// protocol and platform fees accrue in the pool, and selling out ends trading.
func (s PoolState) AfterBuy(q BuyResult) PoolState {
	s.RealBase += q.BaseOut
	s.RealQuote += q.Net
	s.QuoteProtocolFee += q.Fees.Protocol
	s.PlatformFee += q.Fees.Platform
	if s.RealBase >= s.TotalBaseSell {
		s.Status = StatusMigrating
	}
	return s
}

// AfterSell returns the pool after q.
func (s PoolState) AfterSell(q SellResult) PoolState {
	s.RealBase -= q.BaseIn
	s.RealQuote -= q.Gross
	s.QuoteProtocolFee += q.Fees.Protocol
	s.PlatformFee += q.Fees.Platform
	return s
}

// CurveInit computes the virtual reserves initialize_v2 sets for a constant-product
// curve from supply S, total sell T, fund raising F, migrate fee M and locked L:
// x0 = ((F−M)·T·T/(S−T−L)) / ((F−M)·T/(S−T−L) − F), y0 = F·F / ((F−M)·T/(S−T−L) − F).
func CurveInit(supply, totalSell, raise, migrateFee, locked uint64) (virtualBase, virtualQuote uint64, err error) {
	if totalSell == 0 || migrateFee >= raise || totalSell+locked >= supply {
		return 0, 0, fmt.Errorf("curve init S=%d T=%d F=%d M=%d L=%d: %w", supply, totalSell, raise, migrateFee, locked, ErrInvalidPool)
	}
	n := func(v uint64) *big.Int { return new(big.Int).SetUint64(v) }
	rest := n(supply - totalSell - locked)
	fm := n(raise - migrateFee)
	ratio := new(big.Int).Quo(new(big.Int).Mul(fm, n(totalSell)), rest) // (F−M)·T/(S−T−L)
	den := new(big.Int).Sub(ratio, n(raise))
	if den.Sign() <= 0 {
		return 0, 0, fmt.Errorf("curve init: sell share too small for the raise: %w", ErrInvalidPool)
	}
	x := new(big.Int).Mul(fm, n(totalSell))
	x.Mul(x, n(totalSell)).Quo(x, rest).Quo(x, den)
	y := new(big.Int).Mul(n(raise), n(raise))
	y.Quo(y, den)
	if !x.IsUint64() || !y.IsUint64() {
		return 0, 0, fmt.Errorf("curve init: reserves overflow: %w", ErrInvalidPool)
	}
	return x.Uint64(), y.Uint64(), nil
}

// QuoteBuySequence quotes buy_exact_in for amounts in order, each on the pool the
// previous buys left (a launch bundle executes its transactions sequentially). It
// stops at the first refused buy and returns its error with the quotes before it.
func QuoteBuySequence(s PoolState, r FeeRates, amounts []uint64) ([]BuyResult, PoolState, error) {
	out := make([]BuyResult, 0, len(amounts))
	for i, in := range amounts {
		q, err := BuyExactInQuote(s, r, in)
		if err != nil {
			return out, s, fmt.Errorf("buy %d of %d: %w", i+1, len(amounts), err)
		}
		out = append(out, q)
		s = s.AfterBuy(q)
	}
	return out, s, nil
}

// PriceSOL is the spot price of one whole base token in SOL: B/A scaled by the
// decimals (WSOL has 9).
func (s PoolState) PriceSOL() float64 {
	a := s.VirtualBase - min(s.RealBase, s.VirtualBase)
	if a == 0 {
		return 0
	}
	b := float64(s.VirtualQuote) + float64(s.RealQuote)
	return (b / math.Pow10(int(s.QuoteDecimals))) / (float64(a) / math.Pow10(int(s.BaseDecimals)))
}

// MarketCapSOL is PriceSOL times the whole supply, for display.
func (s PoolState) MarketCapSOL() float64 {
	return s.PriceSOL() * float64(s.Supply) / math.Pow10(int(s.BaseDecimals))
}

// ProgressBps is the share of total_base_sell already sold, in basis points
// (10000 = sold out, migration pending).
func (s PoolState) ProgressBps() uint64 {
	if s.TotalBaseSell == 0 {
		return 0
	}
	p, _ := mulDiv(min(s.RealBase, s.TotalBaseSell), 10_000, s.TotalBaseSell)
	return p
}
