package pump

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gagliardetto/solana-go"
)

// randomCurve returns a tradable curve somewhere along a fresh curve's path.
func randomCurve(r *rand.Rand) BondingCurve {
	c := freshCurve()
	q, err := BuyTokensCost(c, FeeBps{}, 1+r.Uint64N(InitialRealTokenReserves-1))
	if err != nil {
		panic(err)
	}
	return c.AfterBuy(q)
}

func TestBuyQuoteProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	f := mainnetFees()
	for range 2000 {
		c := randomCurve(r)
		s := 2 + r.Uint64N(20*LamportsPerSOL)
		q, err := BuyQuote(c, f, s)
		if errors.Is(err, ErrZeroAmount) {
			continue
		}
		if err != nil {
			t.Fatalf("BuyQuote(%d) on %+v: %v", s, c, err)
		}
		if q.Total > s {
			t.Fatalf("spent %d of a %d budget", q.Total, s)
		}
		if q.ProtocolFee != ceilBps(q.SolCost, f.Protocol) || q.CreatorFee != ceilBps(q.SolCost, f.Creator) {
			t.Fatalf("fees not ceil-rounded on the cost: %+v", q)
		}
		// The tokens a budget buys never cost more than the budget through buy.
		if b, err := BuyTokensCost(c, f, q.Tokens); err != nil || b.Total > s {
			t.Fatalf("buy of %d tokens costs %+v (%v) > budget %d", q.Tokens, b, err, s)
		}
		// More SOL never buys fewer tokens.
		if q2, err := BuyQuote(c, f, s+1+r.Uint64N(LamportsPerSOL)); err != nil || q2.Tokens < q.Tokens {
			t.Fatalf("not monotonic: %+v then %+v (%v)", q, q2, err)
		}
	}
}

func TestBuyThenSellNeverProfits(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, f := range []FeeBps{mainnetFees(), {}} {
		for range 2000 {
			c := randomCurve(r)
			q, err := BuyQuote(c, f, 2+r.Uint64N(50*LamportsPerSOL))
			if errors.Is(err, ErrZeroAmount) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			after := c.AfterBuy(q)
			if after.Complete {
				continue // a completed curve cannot be sold into
			}
			s, err := SellQuote(after, f, q.Tokens)
			if err != nil {
				t.Fatalf("sell back %d: %v", q.Tokens, err)
			}
			if s.Out > q.Total || (f != FeeBps{} && s.Out >= q.Total) {
				t.Fatalf("round trip profits: paid %d, got %d (fees %+v)", q.Total, s.Out, f)
			}
		}
	}
}

func TestSellMonotonicAndFeeIncluded(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	f := mainnetFees()
	for range 2000 {
		c := randomCurve(r)
		sold := InitialRealTokenReserves - c.RealTokenReserves
		n := 1 + r.Uint64N(sold)
		s, err := SellQuote(c, f, n)
		if err != nil {
			t.Fatalf("sell %d of %d sold: %v", n, sold, err)
		}
		if s.Out+s.ProtocolFee+s.CreatorFee != s.Gross && s.Out != 0 {
			t.Fatalf("fees not deducted: %+v", s)
		}
		if n < sold {
			s2, err := SellQuote(c, f, n+1)
			if err != nil || s2.Out < s.Out {
				t.Fatalf("not monotonic: %+v then %+v (%v)", s, s2, err)
			}
		}
	}
}

func TestBuyTokensCostMonotonic(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	c := freshCurve()
	prev := uint64(0)
	n := uint64(0)
	for n < InitialRealTokenReserves {
		n = min(InitialRealTokenReserves, n+1+r.Uint64N(InitialRealTokenReserves/500))
		q, err := BuyTokensCost(c, mainnetFees(), n)
		if err != nil || q.Total <= prev {
			t.Fatalf("cost(%d) = %+v (%v), previous %d", n, q, err, prev)
		}
		prev = q.Total
	}
}

// TestGraduation follows the curve's documented graduation: buying everything takes about 85.005 SOL before
// fees and leaves virtual SOL near 115.005, then the curve refuses trades.
func TestGraduation(t *testing.T) {
	c := freshCurve()
	q, err := BuyTokensCost(c, mainnetFees(), InitialRealTokenReserves+1)
	if err != nil || !q.Capped || q.Tokens != InitialRealTokenReserves {
		t.Fatalf("cap: %+v %v", q, err)
	}
	if q.SolCost < 85_004_000_000 || q.SolCost > 85_006_000_000 {
		t.Fatalf("graduation cost %d", q.SolCost)
	}
	done := c.AfterBuy(q)
	if !done.Complete || done.VirtualQuoteReserves/LamportsPerSOL != 115 {
		t.Fatalf("after graduation %+v", done)
	}
	if _, err := SellQuote(done, mainnetFees(), 1); !errors.Is(err, ErrCurveComplete) {
		t.Fatalf("sell on complete curve: %v", err)
	}
	big, err := BuyQuote(c, mainnetFees(), 200*LamportsPerSOL)
	if err != nil || !big.Capped || big.Tokens != InitialRealTokenReserves || big.Total > 200*LamportsPerSOL {
		t.Fatalf("200 SOL buy: %+v %v", big, err)
	}
}

func TestSlippageAndPrice(t *testing.T) {
	for _, tc := range []struct{ got, want uint64 }{
		{WithSlippageMax(1000, 100), 1010}, {WithSlippageMax(999, 1), 1000}, {WithSlippageMax(^uint64(0), 1), ^uint64(0)},
		{WithSlippageMin(1000, 100), 990}, {WithSlippageMin(999, 1), 998}, {WithSlippageMin(1000, 10_000), 0},
		{WithSlippageMin(1000, 20_000), 0}, {freshCurve().MarketCapLamports(), 27_958_993_476},
		{freshCurve().ProgressBps(InitialRealTokenReserves), 0},
	} {
		if tc.got != tc.want {
			t.Errorf("got %d, want %d", tc.got, tc.want)
		}
	}
	if p := freshCurve().PriceSOL(); p < 2.795e-8 || p > 2.797e-8 {
		t.Errorf("initial price %g SOL", p)
	}
	g := MainnetGlobal()
	if a, b := g.SplitProtocolFee(101); a != 51 || b != 50 {
		t.Errorf("split %d/%d", a, b)
	}
}

func TestTraderRecipients(t *testing.T) {
	g := MainnetGlobal()
	seenFee, seenBuyback := map[solana.PublicKey]bool{}, map[solana.PublicKey]bool{}
	for i := range 8 {
		tr, err := g.TraderAt(gUser, i, false)
		if err != nil {
			t.Fatal(err)
		}
		seenFee[tr.FeeRecipient], seenBuyback[tr.BuybackRecipient] = true, true
	}
	if len(seenFee) != 8 || len(seenBuyback) != 8 {
		t.Fatalf("8 wallets share recipients: %d fee, %d buyback", len(seenFee), len(seenBuyback))
	}
	t0, _ := g.TraderAt(gUser, 0, false)
	t8, _ := g.TraderAt(gUser, 8, false)
	if t0 != t8 || t0.FeeRecipient != MainnetFeeRecipients[0] {
		t.Fatalf("index wraps: %+v %+v", t0, t8)
	}
	m, _ := g.TraderAt(gUser, 3, true)
	if !slices.Contains(MainnetReservedFeeRecipients, m.FeeRecipient) {
		t.Fatalf("mayhem coin got a normal recipient %s", m.FeeRecipient)
	}
	for range 50 {
		rt, err := g.RandomTrader(gUser, false)
		if err != nil || !seenFee[rt.FeeRecipient] || !seenBuyback[rt.BuybackRecipient] {
			t.Fatalf("random trader %+v %v", rt, err)
		}
	}
	var empty Global
	if _, err := empty.TraderAt(gUser, 0, false); err == nil {
		t.Fatal("global without recipients yields a trader")
	}
}

func TestBuildersRejectBadInput(t *testing.T) {
	c := goldenCoin(t, token2022())
	long := string(make([]byte, 33))
	for name, err := range map[string]error{
		"long name":     errOf(CreateV2(CreateV2Params{Coin: c, User: gUser, Name: long})),
		"long symbol":   errOf(CreateV2(CreateV2Params{Coin: c, User: gUser, Symbol: "ABCDEFGHIJKLMN"})),
		"long uri":      errOf(CreateV2(CreateV2Params{Coin: c, User: gUser, URI: string(make([]byte, 201))})),
		"SPL create_v2": errOf(CreateV2(CreateV2Params{Coin: goldenCoin(t, splToken()), User: gUser})),
		"no buyback":    errOf(Buy(c, Trader{User: gUser, FeeRecipient: gFee}, 1, 1)),
		"zero buy":      errOf(Buy(c, goldenTrader(), 0, 1)),
		"zero sell":     errOf(Sell(c, goldenTrader(), 0, 1)),
		"no fee recip":  errOf(Sell(c, Trader{User: gUser, BuybackRecipient: gBuyback}, 1, 1)),
	} {
		if !errors.Is(err, ErrInvalidParams) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if _, err := NewCoin(gMint, gUser, gCreator); err == nil {
		t.Error("NewCoin accepted a non-token program")
	}
}

func errOf(_ solana.Instruction, err error) error { return err }

func TestQuoteBuySequence(t *testing.T) {
	budgets := []uint64{LamportsPerSOL, LamportsPerSOL, LamportsPerSOL, 100 * LamportsPerSOL, LamportsPerSOL}
	qs, end, err := QuoteBuySequence(freshCurve(), mainnetFees(), budgets)
	if !errors.Is(err, ErrCurveComplete) || len(qs) != 4 || !end.Complete {
		t.Fatalf("sequence: %d quotes, %v, complete %v", len(qs), err, end.Complete)
	}
	if qs[0].Tokens != 34_199_203_120_618 || qs[1].Tokens >= qs[0].Tokens || qs[2].Tokens >= qs[1].Tokens || !qs[3].Capped {
		t.Fatalf("later buyers should get fewer tokens: %+v", qs)
	}
	sum := uint64(0)
	for _, q := range qs {
		sum += q.Tokens
	}
	if sum != InitialRealTokenReserves {
		t.Fatalf("sold %d tokens, want all %d", sum, InitialRealTokenReserves)
	}
}
