package pump

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// Quote errors mirror the program's refusals.
var (
	ErrCurveComplete     = errors.New("pump: bonding curve complete")             // 6005
	ErrZeroAmount        = errors.New("pump: zero amount")                        // 6020/6022
	ErrNotEnoughTokens   = errors.New("pump: not enough tokens on the curve")     // 6021
	ErrInvalidCurve      = errors.New("pump: curve reserves out of range")        // hostile or migrated curve
	ErrInsufficientQuote = errors.New("pump: curve holds too little SOL to sell") // real reserves short
)

const bpsDenom = 10_000

// BuyResult is the outcome of a buy: what the wallet pays and receives.
type BuyResult struct {
	Tokens      uint64 // base units received; pass as buy's amount
	SolCost     uint64 // lamports into the curve, before fees
	ProtocolFee uint64
	CreatorFee  uint64
	Total       uint64 // SolCost + fees: what leaves the wallet (excluding rent, tx fees)
	// Capped is set when the request exceeded the tokens left and was cut to them.
	Capped bool
}

// SellResult is the outcome of a sell.
type SellResult struct {
	Tokens      uint64 // base units sold
	Gross       uint64 // lamports out of the curve, before fees
	ProtocolFee uint64
	CreatorFee  uint64
	Out         uint64 // Gross − fees: lamports the wallet receives
}

// mulDiv returns floor(a×b/d) with a 128-bit product.
func mulDiv(a, b, d uint64) (uint64, error) {
	hi, lo := bits.Mul64(a, b)
	if d == 0 || hi >= d {
		return 0, fmt.Errorf("%d×%d/%d: %w", a, b, d, ErrInvalidCurve)
	}
	q, _ := bits.Div64(hi, lo, d)
	return q, nil
}

// ceilBps returns ceil(x×bps/10000); bps values come from trusted config but are
// bounded anyway so a hostile config cannot panic the quote.
func ceilBps(x, bps uint64) uint64 {
	hi, lo := bits.Mul64(x, bps)
	if hi >= bpsDenom {
		return math.MaxUint64
	}
	q, r := bits.Div64(hi, lo, bpsDenom)
	if r != 0 {
		q++
	}
	return q
}

func (c BondingCurve) tradable() error {
	if c.Complete {
		return ErrCurveComplete
	}
	if c.VirtualTokenReserves == 0 || c.VirtualQuoteReserves == 0 || c.RealTokenReserves >= c.VirtualTokenReserves {
		return ErrInvalidCurve
	}
	return nil
}

func feesOn(amount uint64, f FeeBps) (protocol, creator uint64) {
	return ceilBps(amount, f.Protocol), ceilBps(amount, f.Creator)
}

// BuyTokensCost quotes buy for exactly tokens (capped at the tokens left):
// cost = floor(n×vq/(vt−n)) + 1 plus ceil-rounded protocol and creator fees.
// Use Total (plus slippage) as max_sol_cost and Tokens as amount.
func BuyTokensCost(c BondingCurve, f FeeBps, tokens uint64) (BuyResult, error) {
	if err := c.tradable(); err != nil {
		return BuyResult{}, err
	}
	if tokens == 0 {
		return BuyResult{}, ErrZeroAmount
	}
	q := BuyResult{Tokens: tokens}
	if tokens > c.RealTokenReserves {
		q.Tokens, q.Capped = c.RealTokenReserves, true
	}
	if q.Tokens == 0 {
		return BuyResult{}, ErrNotEnoughTokens
	}
	cost, err := mulDiv(q.Tokens, c.VirtualQuoteReserves, c.VirtualTokenReserves-q.Tokens)
	if err != nil {
		return BuyResult{}, fmt.Errorf("buy cost: %w", err)
	}
	q.SolCost = cost + 1
	q.ProtocolFee, q.CreatorFee = feesOn(q.SolCost, f)
	return q.total()
}

func (q BuyResult) total() (BuyResult, error) {
	sum, c1 := bits.Add64(q.SolCost, q.ProtocolFee, 0)
	sum, c2 := bits.Add64(sum, q.CreatorFee, 0)
	if c1|c2 != 0 {
		return BuyResult{}, fmt.Errorf("buy total overflows: %w", ErrInvalidCurve)
	}
	q.Total = sum
	return q, nil
}

// BuyQuote quotes buy_exact_sol_in for a budget of solIn lamports (fees included):
// net = floor(S×1e4/(1e4+P+C)), trimmed until net+fees ≤ S, then
// tokens = floor((net−1)×vt/(vq+net−1)). Pass Tokens (minus slippage) as
// min_tokens_out. When the curve has fewer tokens left, the quote is capped to
// them and priced like buy (the program's exact capping is UNVERIFIED).
func BuyQuote(c BondingCurve, f FeeBps, solIn uint64) (BuyResult, error) {
	if err := c.tradable(); err != nil {
		return BuyResult{}, err
	}
	net, err := mulDiv(solIn, bpsDenom, bpsDenom+f.Protocol+f.Creator)
	if err != nil {
		return BuyResult{}, fmt.Errorf("buy net: %w", err)
	}
	p, cr := feesOn(net, f)
	if total := net + p + cr; total > solIn {
		net -= min(net, total-solIn)
	}
	if net <= 1 {
		return BuyResult{}, ErrZeroAmount
	}
	tokens, err := mulDiv(net-1, c.VirtualTokenReserves, c.VirtualQuoteReserves+net-1)
	if err != nil {
		return BuyResult{}, fmt.Errorf("buy tokens: %w", err)
	}
	if tokens == 0 {
		return BuyResult{}, ErrZeroAmount
	}
	if tokens > c.RealTokenReserves {
		return BuyTokensCost(c, f, tokens)
	}
	q := BuyResult{Tokens: tokens, SolCost: net}
	q.ProtocolFee, q.CreatorFee = feesOn(net, f)
	return q.total()
}

// SellQuote quotes sell of tokens: gross = floor(n×vq/(vt+n)), minus ceil-rounded
// fees. Use Out (minus slippage) as min_sol_output.
func SellQuote(c BondingCurve, f FeeBps, tokens uint64) (SellResult, error) {
	if err := c.tradable(); err != nil {
		return SellResult{}, err
	}
	if tokens == 0 {
		return SellResult{}, ErrZeroAmount
	}
	vt, carry := bits.Add64(c.VirtualTokenReserves, tokens, 0)
	if carry != 0 {
		return SellResult{}, fmt.Errorf("sell: %w", ErrInvalidCurve)
	}
	gross, err := mulDiv(tokens, c.VirtualQuoteReserves, vt)
	if err != nil {
		return SellResult{}, fmt.Errorf("sell gross: %w", err)
	}
	if gross > c.RealQuoteReserves {
		return SellResult{}, ErrInsufficientQuote
	}
	q := SellResult{Tokens: tokens, Gross: gross}
	q.ProtocolFee, q.CreatorFee = feesOn(gross, f)
	if fees := q.ProtocolFee + q.CreatorFee; fees < gross {
		q.Out = gross - fees
	}
	return q, nil
}

// AfterBuy returns the curve after the buy q: tokens leave, SolCost enters; the
// curve completes when its real tokens reach zero.
func (c BondingCurve) AfterBuy(q BuyResult) BondingCurve {
	c.VirtualTokenReserves -= q.Tokens
	c.RealTokenReserves -= q.Tokens
	c.VirtualQuoteReserves += q.SolCost
	c.RealQuoteReserves += q.SolCost
	c.Complete = c.RealTokenReserves == 0
	return c
}

// AfterSell returns the curve after the sell q.
func (c BondingCurve) AfterSell(q SellResult) BondingCurve {
	c.VirtualTokenReserves += q.Tokens
	c.RealTokenReserves += q.Tokens
	c.VirtualQuoteReserves -= q.Gross
	c.RealQuoteReserves -= q.Gross
	return c
}

// WithSlippageMax raises amount by bps (ceil), saturating: max_sol_cost for buy.
func WithSlippageMax(amount, bps uint64) uint64 {
	sum, carry := bits.Add64(amount, ceilBps(amount, bps), 0)
	if carry != 0 {
		return math.MaxUint64
	}
	return sum
}

// WithSlippageMin lowers amount by bps (ceil), floored at zero: min_sol_output for
// sell and min_tokens_out for buy_exact_sol_in.
func WithSlippageMin(amount, bps uint64) uint64 {
	cut := ceilBps(amount, bps)
	if cut >= amount {
		return 0
	}
	return amount - cut
}

// MarketCapLamports is vq × supply / vt, the figure fee tiers are selected by
// (saturating; 0 for an empty curve).
func (c BondingCurve) MarketCapLamports() uint64 {
	if c.VirtualTokenReserves == 0 {
		return 0
	}
	hi, lo := bits.Mul64(c.VirtualQuoteReserves, c.TokenTotalSupply)
	if hi >= c.VirtualTokenReserves {
		return math.MaxUint64
	}
	q, _ := bits.Div64(hi, lo, c.VirtualTokenReserves)
	return q
}

// MarketCapSOL is MarketCapLamports in SOL, for display.
func (c BondingCurve) MarketCapSOL() float64 {
	return float64(c.MarketCapLamports()) / LamportsPerSOL
}

// PriceSOL is the spot price of one whole token (10^6 base units) in SOL.
func (c BondingCurve) PriceSOL() float64 {
	if c.VirtualTokenReserves == 0 {
		return 0
	}
	return (float64(c.VirtualQuoteReserves) / LamportsPerSOL) /
		(float64(c.VirtualTokenReserves) / math.Pow10(TokenDecimals))
}

// ProgressBps is how much of the sellable supply is sold, in basis points
// (10000 = graduated), given the initial real token reserves.
func (c BondingCurve) ProgressBps(initialRealTokens uint64) uint64 {
	if initialRealTokens == 0 || c.RealTokenReserves >= initialRealTokens {
		return 0
	}
	p, _ := mulDiv(initialRealTokens-c.RealTokenReserves, bpsDenom, initialRealTokens)
	return p
}

// SplitProtocolFee splits a protocol fee between the fee recipient and the buyback
// recipient by Global.BuybackBasisPoints. The program's exact rounding is
// UNVERIFIED; the buyback share is floored here.
func (g *Global) SplitProtocolFee(fee uint64) (toFeeRecipient, toBuyback uint64) {
	bb, err := mulDiv(fee, min(g.BuybackBasisPoints, bpsDenom), bpsDenom)
	if err != nil {
		return fee, 0
	}
	return fee - bb, bb
}

// QuoteBuySequence quotes buy_exact_sol_in for budgets in order against one curve,
// each on the curve the previous buys left: the quotes of a launch bundle (dev buy
// first, then the buyers), whose transactions execute sequentially. It stops at the
// first budget the curve refuses (e.g. after graduation) and returns that error
// with the quotes before it.
func QuoteBuySequence(c BondingCurve, f FeeBps, budgets []uint64) ([]BuyResult, BondingCurve, error) {
	out := make([]BuyResult, 0, len(budgets))
	for i, s := range budgets {
		q, err := BuyQuote(c, f, s)
		if err != nil {
			return out, c, fmt.Errorf("buy %d of %d: %w", i+1, len(budgets), err)
		}
		out = append(out, q)
		c = c.AfterBuy(q)
	}
	return out, c, nil
}
