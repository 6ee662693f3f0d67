package bonk

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/solana/token"
)

// fresh is a fresh default pool, derived once: PDA derivation dominates otherwise.
var fresh = func() PoolState {
	p, err := NewPool(gMint, gUser, solana.PublicKey{}, solana.PublicKey{})
	if err != nil {
		panic(err)
	}
	s, err := NewPoolState(InitializeV2Params{Payer: gUser, Creator: gUser, BaseMint: gMint, Pool: p}, MainnetGlobalConfig())
	if err != nil {
		panic(err)
	}
	return s
}()

var testRates = []FeeRates{MainnetRates(), {}, {Trade: 2500, Platform: 10_000, Creator: 5_000, Share: 1_000}}

// randomPool returns a trading pool somewhere along a fresh pool's path.
func randomPool(t *testing.T, r *rand.Rand) PoolState {
	s := fresh
	q, err := BuyExactInQuote(s, FeeRates{}, 1+r.Uint64N(80_000_000_000))
	if err != nil {
		t.Fatal(err)
	}
	return s.AfterBuy(q)
}

func TestBuyExactInProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, rates := range testRates {
		for range 1000 {
			s := randomPool(t, r)
			in := 1 + r.Uint64N(20_000_000_000)
			q, err := BuyExactInQuote(s, rates, in)
			if errors.Is(err, ErrSoldOut) {
				continue
			}
			if err != nil {
				t.Fatalf("buy %d: %v", in, err)
			}
			if q.QuoteIn > in || q.Net+q.Fees.Total != q.QuoteIn {
				t.Fatalf("buy %d: %+v", in, q)
			}
			f := q.Fees
			if f.Protocol+f.Platform+f.Creator+f.Share != f.Total || (rates.Total() > 0 && !q.Capped && f.Total*RateDenom < in*rates.Total()) {
				t.Fatalf("fee split or rate wrong: %+v at %+v", f, rates)
			}
			if q2, err := BuyExactInQuote(s, rates, in+1+r.Uint64N(1e9)); err != nil || q2.BaseOut < q.BaseOut {
				t.Fatalf("not monotonic: %+v then %+v (%v)", q, q2, err)
			}
		}
	}
}

func TestBonkBuyThenSellNeverProfits(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, rates := range testRates {
		for range 1000 {
			s := randomPool(t, r)
			q, err := BuyExactInQuote(s, rates, 1+r.Uint64N(20_000_000_000))
			if errors.Is(err, ErrSoldOut) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			after := s.AfterBuy(q)
			if after.Status != StatusTrading || q.BaseOut == 0 {
				continue
			}
			back, err := SellExactInQuote(after, rates, q.BaseOut)
			if err != nil {
				t.Fatalf("sell back: %v", err)
			}
			if back.QuoteOut > q.QuoteIn || (rates.Total() > 0 && back.QuoteOut >= q.QuoteIn) {
				t.Fatalf("round trip profits: paid %d got %d at %+v", q.QuoteIn, back.QuoteOut, rates)
			}
		}
	}
}

func TestSellExactInProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 1000 {
		s := randomPool(t, r)
		n := 1 + r.Uint64N(s.RealBase)
		q, err := SellExactInQuote(s, MainnetRates(), n)
		if err != nil {
			t.Fatalf("sell %d of %d: %v", n, s.RealBase, err)
		}
		if q.QuoteOut+q.Fees.Total != q.Gross || q.Gross > s.RealQuote {
			t.Fatalf("sell %+v on real quote %d", q, s.RealQuote)
		}
		if n < s.RealBase {
			if q2, err := SellExactInQuote(s, MainnetRates(), n+1); err != nil || q2.QuoteOut < q.QuoteOut {
				t.Fatalf("not monotonic %+v %+v %v", q, q2, err)
			}
		}
	}
	if _, err := SellExactInQuote(freshPool(t), MainnetRates(), 1); !errors.Is(err, ErrInvalidPool) {
		t.Fatalf("sell into an empty pool: %v", err)
	}
}

// TestCappedBuyGraduates: a buy past total_base_sell takes only the remaining
// tokens, is charged less than offered, and moves the pool to status 1.
func TestCappedBuyGraduates(t *testing.T) {
	s := freshPool(t)
	q, err := BuyExactInQuote(s, MainnetRates(), 200_000_000_000)
	if err != nil || !q.Capped || q.BaseOut != DefaultTotalBaseSell || q.QuoteIn >= 200_000_000_000 {
		t.Fatalf("capped buy %+v %v", q, err)
	}
	// About 85 SOL reaches the curve (the raise), grossed up by the 1.25% fee.
	if q.Net < 84_900_000_000 || q.Net > 85_100_000_000 || q.QuoteIn < q.Net*1_012_500/RateDenom {
		t.Fatalf("graduation amounts %+v", q)
	}
	done := s.AfterBuy(q)
	if done.Status != StatusMigrating {
		t.Fatalf("status %d after selling out", done.Status)
	}
	if _, err := BuyExactInQuote(done, MainnetRates(), 1e9); !errors.Is(err, ErrNotTrading) {
		t.Fatalf("buy after graduation: %v", err)
	}
	if _, err := BuyExactInQuote(s, FeeRates{Trade: RateDenom, Platform: 1}, 1e9); !errors.Is(err, ErrFeeRateLimit) {
		t.Fatalf("rate over 100%%: %v", err)
	}
}

func TestWSOLSequences(t *testing.T) {
	p := goldenPool(t)
	buy, err := BuyWithSOL(p, Trade{User: gUser, AmountIn: 100_000_000, MinimumAmountOut: 1})
	if err != nil {
		t.Fatal(err)
	}
	wantPrograms := []solana.PublicKey{token.AssociatedTokenProgramID, token.AssociatedTokenProgramID,
		solana.SystemProgramID, token.TokenProgramID, ProgramID, token.TokenProgramID}
	if len(buy) != len(wantPrograms) {
		t.Fatalf("%d buy instructions", len(buy))
	}
	for i, w := range wantPrograms {
		if buy[i].ProgramID() != w {
			t.Errorf("buy ix %d program %s, want %s", i, buy[i].ProgramID(), w)
		}
	}
	if buy[0].Accounts()[1].PublicKey.String() != addrUserBase || buy[1].Accounts()[1].PublicKey.String() != addrUserWSOL ||
		buy[2].Accounts()[1].PublicKey.String() != addrUserWSOL || buy[5].Accounts()[0].PublicKey.String() != addrUserWSOL {
		t.Error("buy sequence does not create the base ATA and fund, sync and close the WSOL ATA")
	}
	if d, _ := buy[2].Data(); d[4] != 0x00 || d[5] != 0xe1 || d[6] != 0xf5 || d[7] != 0x05 {
		t.Errorf("wrap transfers %x, want 100 000 000 lamports", d[4:12])
	}
	sell, err := SellForSOL(p, Trade{User: gUser, AmountIn: 1_000_000, MinimumAmountOut: 1})
	if err != nil || len(sell) != 3 || sell[0].Accounts()[1].PublicKey.String() != addrUserWSOL ||
		sell[1].ProgramID() != ProgramID || sell[2].Accounts()[0].PublicKey.String() != addrUserWSOL ||
		sell[2].Accounts()[1].PublicKey != gUser {
		t.Fatalf("sell sequence %v %v", sell, err)
	}
}

func TestBuildersRejectBadInput(t *testing.T) {
	p := goldenPool(t)
	base := InitializeV2Params{Payer: gUser, Creator: gUser, BaseMint: gMint, Pool: p, Name: "N", Symbol: "S", URI: "u"}
	other, _ := NewPool(seedKey(13).PublicKey(), gUser, solana.PublicKey{}, solana.PublicKey{})
	cases := map[string]func(*InitializeV2Params){
		"long symbol": func(a *InitializeV2Params) { a.Symbol = "ELEVENCHARS" },
		"long name":   func(a *InitializeV2Params) { a.Name = string(make([]byte, 33)) },
		"long uri":    func(a *InitializeV2Params) { a.URI = string(make([]byte, 201)) },
		"no creator":  func(a *InitializeV2Params) { a.Creator = solana.PublicKey{} },
		"wrong pool":  func(a *InitializeV2Params) { a.Pool = other },
		"sell>supply": func(a *InitializeV2Params) { a.Curve = Curve{Supply: 10, TotalBaseSell: 10} },
	}
	for name, mutate := range cases {
		a := base
		mutate(&a)
		if _, err := InitializeV2(a); !errors.Is(err, ErrInvalidParams) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := InitializeV2(base); err != nil {
		t.Fatalf("valid params rejected: %v", err)
	}
	if _, err := SellExactIn(p, Trade{User: gUser}); !errors.Is(err, ErrInvalidParams) {
		t.Errorf("zero sell: %v", err)
	}
	usd := p
	usd.QuoteMint = seedKey(14).PublicKey()
	if _, err := BuyWithSOL(usd, Trade{User: gUser, AmountIn: 1}); !errors.Is(err, ErrInvalidParams) {
		t.Errorf("non-WSOL pool: %v", err)
	}
}

// TestLaunchTxSize: initialize_v2 + base ATA + WSOL wrap + buy + close + both
// compute-budget instructions with maximum-length metadata fits in 1232 bytes
// (1210 bytes measured).
func TestLaunchTxSize(t *testing.T) {
	mint, user := seedKey(11), seedKey(12)
	p := goldenPool(t)
	init, err := InitializeV2(InitializeV2Params{Payer: user.PublicKey(), Creator: user.PublicKey(), BaseMint: mint.PublicKey(),
		Pool: p, Name: string(make([]byte, MaxNameLen)), Symbol: string(make([]byte, MaxSymbolLen)), URI: string(make([]byte, 80))})
	if err != nil {
		t.Fatal(err)
	}
	buy, err := BuyWithSOL(p, Trade{User: user.PublicKey(), AmountIn: 1e9, MinimumAmountOut: 1})
	if err != nil {
		t.Fatal(err)
	}
	ixs := append([]solana.Instruction{token.SetComputeUnitLimit(300_000), token.SetComputeUnitPrice(1), init}, buy...)
	tx, err := solana.NewTransaction(ixs, solana.Hash{1}, solana.TransactionPayer(user.PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Sign(func(k solana.PublicKey) *solana.PrivateKey {
		if k == mint.PublicKey() {
			return &mint
		}
		return &user
	}); err != nil {
		t.Fatal(err)
	}
	raw, err := tx.MarshalBinary()
	if err != nil || len(raw) > 1232 {
		t.Fatalf("launch tx %d bytes (%v)", len(raw), err)
	}
	t.Logf("bonk launch tx: %d bytes", len(raw))
}

func TestQuoteBuySequence(t *testing.T) {
	qs, end, err := QuoteBuySequence(fresh, MainnetRates(), []uint64{1e9, 1e9, 200e9, 1e9})
	if !errors.Is(err, ErrNotTrading) || len(qs) != 3 || end.Status != StatusMigrating {
		t.Fatalf("sequence: %d quotes, %v, status %d", len(qs), err, end.Status)
	}
	if qs[1].BaseOut >= qs[0].BaseOut || !qs[2].Capped || qs[0].BaseOut+qs[1].BaseOut+qs[2].BaseOut != DefaultTotalBaseSell {
		t.Fatalf("quotes %+v", qs)
	}
}

func TestPriceAndProgress(t *testing.T) {
	// Fresh default pool: 30.0009 SOL over 1.073 B tokens, like pump's curve.
	if p := fresh.PriceSOL(); p < 2.795e-8 || p > 2.797e-8 {
		t.Errorf("initial price %g", p)
	}
	if m := fresh.MarketCapSOL(); m < 27.9 || m > 28.0 {
		t.Errorf("initial market cap %g SOL", m)
	}
	half := fresh
	half.RealBase = DefaultTotalBaseSell / 2
	if fresh.ProgressBps() != 0 || half.ProgressBps() != 5000 {
		t.Errorf("progress %d / %d", fresh.ProgressBps(), half.ProgressBps())
	}
	if half.PriceSOL() <= fresh.PriceSOL() {
		t.Error("price does not rise as tokens sell")
	}
}
