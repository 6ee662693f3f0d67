package localnet

import "math/bits"

// Integer curve math of the pump program, with u128
// intermediates. Every function reports ok=false on overflow or division by
// zero, which the handlers map to pump's Overflow / DivisionByZero errors.

// mulDiv returns floor(a*b/c) with a 128-bit product.
func mulDiv(a, b, c uint64) (uint64, bool) {
	if c == 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(a, b)
	if hi >= c {
		return 0, false
	}
	q, _ := bits.Div64(hi, lo, c)
	return q, true
}

// mulDivCeil returns ceil(a*b/c).
func mulDivCeil(a, b, c uint64) (uint64, bool) {
	if c == 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(a, b)
	if hi >= c {
		return 0, false
	}
	q, r := bits.Div64(hi, lo, c)
	if r != 0 {
		q++
	}
	return q, true
}

// pumpFeeAmounts splits the fee on amount: ceil(amount×P/1e4) protocol and
// ceil(amount×C/1e4) creator, each rounded up on its own. The LP share of a
// tier applies to the AMM after graduation, not to the curve.
func pumpFeeAmounts(amount uint64, f pumpFees) (protocol, creator uint64) {
	protocol, _ = mulDivCeil(amount, f.protocol, 10_000)
	creator, _ = mulDivCeil(amount, f.creator, 10_000)
	return protocol, creator
}

// pumpBuyCost is the lamports (before fees) to take n tokens off the curve:
// floor(n × vq / (vt − n)) + 1.
func pumpBuyCost(c *pumpCurve, n uint64) (uint64, bool) {
	if n >= c.virtualToken {
		return 0, false
	}
	q, ok := mulDiv(n, c.virtualSol, c.virtualToken-n)
	if !ok || q == ^uint64(0) {
		return 0, false
	}
	return q + 1, true
}

// pumpTokensForBudget is buy_exact_sol_in's quote: the net lamports after
// fees and the tokens they buy.
func pumpTokensForBudget(c *pumpCurve, budget uint64, f pumpFees) (net, tokens uint64, ok bool) {
	total := 10_000 + f.protocol + f.creator
	net, ok = mulDiv(budget, 10_000, total)
	if !ok {
		return 0, 0, false
	}
	p, cr := pumpFeeAmounts(net, f)
	if net+p+cr > budget {
		net -= net + p + cr - budget
	}
	if net <= 1 {
		return net, 0, true
	}
	tokens, ok = mulDiv(net-1, c.virtualToken, c.virtualSol+net-1)
	return net, tokens, ok
}

// pumpSellProceeds is the gross lamports for selling n tokens:
// floor(n × vq / (vt + n)).
func pumpSellProceeds(c *pumpCurve, n uint64) (uint64, bool) {
	if c.virtualToken+n < n {
		return 0, false
	}
	return mulDiv(n, c.virtualSol, c.virtualToken+n)
}
