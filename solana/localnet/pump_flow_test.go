package localnet

import (
	"testing"

	"github.com/gagliardetto/solana-go"

	pumpc "github.com/nitro-runtime/nitro/solana/pump"
	"github.com/nitro-runtime/nitro/solana/token"
)

// Launch and trade through the client builders and quotes of solana/pump
// (written independently from the facts): what the bot sends is accepted and
// every lamport moves as the client quoted.

const (
	lpTxFee      = 5000
	lpT22ATARent = 2_074_080 // (128+170)×6960: Token-2022 ATA with immutable owner
	lpUVARent    = 1_844_400 // (128+137)×6960
)

// pumpEnv is a bank with one launched coin.
type pumpEnv struct {
	b       *Bank
	g       pumpc.Global
	fc      pumpc.FeeConfig
	coin    pumpc.Coin
	dev     solana.PrivateKey
	mintKey solana.PrivateKey
}

func (e *pumpEnv) curve(t testing.TB) pumpc.BondingCurve {
	t.Helper()
	a, ok := e.b.GetAccount(e.coin.BondingCurve)
	if !ok {
		t.Fatalf("no curve")
	}
	c, err := pumpc.DecodeBondingCurve(a.Data)
	if err != nil {
		t.Fatalf("decode curve: %v", err)
	}
	return c
}

// newPumpEnv launches a coin with create_v2 from dev (key n) and no dev buy.
func newPumpEnv(t testing.TB, devN, mintN byte) *pumpEnv {
	t.Helper()
	e := &pumpEnv{b: lpBank(t), dev: lpKey(devN), mintKey: lpKey(mintN)}
	ga, _ := e.b.GetAccount(pumpGlobalKey)
	fa, _ := e.b.GetAccount(pumpFeeConfigKey)
	var err error
	if e.g, err = pumpc.DecodeGlobal(ga.Data); err != nil {
		t.Fatalf("client decode of genesis Global: %v", err)
	}
	if e.fc, err = pumpc.DecodeFeeConfig(fa.Data); err != nil {
		t.Fatalf("client decode of genesis FeeConfig: %v", err)
	}
	dev := e.dev.PublicKey()
	if e.coin, err = pumpc.NewCoin(e.mintKey.PublicKey(), token.Token2022ProgramID, dev); err != nil {
		t.Fatal(err)
	}
	e.b.Airdrop(dev, 100_000_000_000)
	ix, err := pumpc.CreateV2(pumpc.CreateV2Params{Coin: e.coin, User: dev, Name: "Nitro", Symbol: "NTR", URI: "https://ipfs.io/ipfs/bafy"})
	if err != nil {
		t.Fatal(err)
	}
	lpOK(t, e.b, []solana.Instruction{ix}, e.dev, e.mintKey)
	return e
}

// balances snapshots lamports of keys.
func (e *pumpEnv) balances(keys ...solana.PublicKey) []uint64 {
	out := make([]uint64, len(keys))
	for i, k := range keys {
		out[i] = e.b.Balance(k)
	}
	return out
}

// buy sends ATA + buy for exactly q.Tokens with the quote's total as cap
// and checks every lamport against the quote.
func (e *pumpEnv) buy(t testing.TB, buyer solana.PrivateKey, idx int, q pumpc.BuyResult) {
	t.Helper()
	user := buyer.PublicKey()
	tr, err := e.g.TraderAt(user, idx, false)
	if err != nil {
		t.Fatal(err)
	}
	ixs, err := pumpc.BuyInstructions(e.coin, tr, q.Tokens, q.Total)
	if err != nil {
		t.Fatal(err)
	}
	uva := mustPDA(PumpProgramID, []byte("user_volume_accumulator"), user[:])
	ata, _ := e.coin.UserATA(user)
	keys := []solana.PublicKey{user, e.coin.BondingCurve, tr.FeeRecipient, tr.BuybackRecipient, e.coin.CreatorVault}
	pre := e.balances(keys...)
	rent := uint64(0)
	if e.b.Balance(uva) == 0 {
		rent += lpUVARent
	}
	if e.b.Balance(ata) == 0 {
		rent += lpT22ATARent
	}
	preTok := lpTokenBalance(t, e.b, ata)
	before := e.curve(t)
	lpOK(t, e.b, ixs, buyer)
	post := e.balances(keys...)
	toFee, toBuyback := e.g.SplitProtocolFee(q.ProtocolFee)
	want := []int64{-int64(q.Total + rent + lpTxFee), int64(q.SolCost), int64(toFee), int64(toBuyback), int64(q.CreatorFee)}
	for i := range keys {
		if d := int64(post[i]) - int64(pre[i]); d != want[i] {
			t.Errorf("buy: Δ%d (%s) = %d, want %d", i, keys[i], d, want[i])
		}
	}
	if got := lpTokenBalance(t, e.b, ata) - preTok; got != q.Tokens {
		t.Errorf("buy: got %d tokens, want %d", got, q.Tokens)
	}
	if after, want := e.curve(t), before.AfterBuy(q); after.VirtualQuoteReserves != want.VirtualQuoteReserves ||
		after.RealTokenReserves != want.RealTokenReserves || after.Complete != want.Complete {
		t.Errorf("curve after buy = %+v, want %+v", after, want)
	}
	e.checkCurveLamports(t)
}

// sell sells amount tokens and checks the payout against the client quote.
func (e *pumpEnv) sell(t testing.TB, seller solana.PrivateKey, idx int, amount uint64) pumpc.SellResult {
	t.Helper()
	user := seller.PublicKey()
	q, err := pumpc.SellQuote(e.curve(t), e.fc.For(e.curve(t)), amount)
	if err != nil {
		t.Fatal(err)
	}
	tr, _ := e.g.TraderAt(user, idx, false)
	ix, err := pumpc.Sell(e.coin, tr, amount, q.Out)
	if err != nil {
		t.Fatal(err)
	}
	keys := []solana.PublicKey{user, e.coin.BondingCurve, tr.FeeRecipient, tr.BuybackRecipient, e.coin.CreatorVault}
	pre := e.balances(keys...)
	lpOK(t, e.b, []solana.Instruction{ix}, seller)
	post := e.balances(keys...)
	toFee, toBuyback := e.g.SplitProtocolFee(q.ProtocolFee)
	want := []int64{int64(q.Out) - lpTxFee, -int64(q.Gross), int64(toFee), int64(toBuyback), int64(q.CreatorFee)}
	for i := range keys {
		if d := int64(post[i]) - int64(pre[i]); d != want[i] {
			t.Errorf("sell: Δ%d (%s) = %d, want %d", i, keys[i], d, want[i])
		}
	}
	e.checkCurveLamports(t)
	return q
}

// checkCurveLamports: the curve holds exactly its rent plus real SOL reserves.
func (e *pumpEnv) checkCurveLamports(t testing.TB) {
	t.Helper()
	a, _ := e.b.GetAccount(e.coin.BondingCurve)
	c := e.curve(t)
	if a.Lamports != RentExemptMinimum(len(a.Data))+c.RealQuoteReserves {
		t.Errorf("curve lamports %d != rent %d + real %d", a.Lamports, RentExemptMinimum(len(a.Data)), c.RealQuoteReserves)
	}
}

// TestPumpWorkedExample: the program's worked example, 1 SOL through buy_exact_sol_in on a
// fresh curve at 95/30 bps puts net 987 654 320 into the curve, pays
// 12 345 680 in fees and buys 34 199 203.120618 tokens (and buying exactly
// that many with buy costs one lamport less, TestPumpBuyExactTokensCost).
func TestPumpWorkedExample(t *testing.T) {
	e := newPumpEnv(t, 40, 41)
	buyer := lpKey(42)
	user := buyer.PublicKey()
	e.b.Airdrop(user, 2_000_000_000)
	tr, _ := e.g.TraderAt(user, 3, false)
	ix, err := pumpc.BuyExactSolIn(e.coin, tr, 1_000_000_000, 34_199_203_120_618)
	if err != nil {
		t.Fatal(err)
	}
	ata := lpIdempotentATA(user, user, e.coin.Mint, solana.Token2022ProgramID)
	pre := e.b.Balance(user)
	rec := lpOK(t, e.b, []solana.Instruction{ata, ix}, buyer)
	evs, err := pumpc.TradeEventsFromLogs(rec.Logs)
	if err != nil || len(evs) != 1 {
		t.Fatalf("trade events %+v, %v", evs, err)
	}
	if ev := evs[0]; !ev.IsBuy || ev.SolAmount != 987_654_320 || ev.TokenAmount != 34_199_203_120_618 ||
		ev.Fee != 9_382_717 || ev.CreatorFee != 2_962_963 || ev.FeeBasisPoints != 95 || ev.User != user ||
		ev.RealSolReserves != 987_654_320 || ev.Creator != e.dev.PublicKey() {
		t.Errorf("trade event %+v", ev)
	}
	spent := pre - e.b.Balance(user) - lpTxFee - lpUVARent - lpT22ATARent
	if spent != 1_000_000_000 {
		t.Errorf("spent %d lamports, want the whole budget", spent)
	}
	got := lpTokenBalance(t, e.b, ataAddress(user, solana.Token2022ProgramID, e.coin.Mint))
	if got != 34_199_203_120_618 {
		t.Errorf("got %d tokens, want 34 199 203 120 618", got)
	}
	if c := e.curve(t); c.RealQuoteReserves != 987_654_320 {
		t.Errorf("curve real SOL %d, want net 987 654 320", c.RealQuoteReserves)
	}
	feeSide := e.b.Balance(e.coin.CreatorVault)
	if feeSide != 2_962_963 {
		t.Errorf("creator vault %d, want ceil(987654320×30/1e4) = 2 962 963", feeSide)
	}
}

// TestPumpLaunchBuySell: dev buy, three wallets buy, everyone sells out,
// each step checked against the client's quotes.
func TestPumpLaunchBuySell(t *testing.T) {
	e := newPumpEnv(t, 50, 51)
	devQ, err := pumpc.BuyTokensCost(e.curve(t), e.fc.For(e.curve(t)), 50_000_000_000_000)
	if err != nil {
		t.Fatal(err)
	}
	e.buy(t, e.dev, 0, devQ)
	buyers := []solana.PrivateKey{lpKey(52), lpKey(53), lpKey(54)}
	for i, w := range buyers {
		e.b.Airdrop(w.PublicKey(), 5_000_000_000)
		q, err := pumpc.BuyTokensCost(e.curve(t), e.fc.For(e.curve(t)), uint64(i+1)*21_000_000_000_000)
		if err != nil {
			t.Fatal(err)
		}
		e.buy(t, w, i+1, q)
	}
	for i, w := range append(buyers, e.dev) {
		ata, _ := e.coin.UserATA(w.PublicKey())
		bal := lpTokenBalance(t, e.b, ata)
		half := bal / 2
		e.sell(t, w, i+4, half)
		e.sell(t, w, i, bal-half)
	}
	c := e.curve(t)
	if c.RealTokenReserves != e.g.InitialRealTokenReserves {
		t.Errorf("all tokens back: real token %d, want %d", c.RealTokenReserves, e.g.InitialRealTokenReserves)
	}
	if c.RealQuoteReserves > 10 {
		t.Errorf("curve kept %d lamports of real SOL after everyone sold", c.RealQuoteReserves)
	}
}

// TestPumpBuyExactTokensCost: buying the worked example's
// 34 199 203.120618 tokens with buy costs 987 654 319 + 12 345 680.
func TestPumpBuyExactTokensCost(t *testing.T) {
	e := newPumpEnv(t, 43, 44)
	buyer := lpKey(45)
	e.b.Airdrop(buyer.PublicKey(), 2_000_000_000)
	q, err := pumpc.BuyTokensCost(e.curve(t), e.fc.For(e.curve(t)), 34_199_203_120_618)
	if err != nil {
		t.Fatal(err)
	}
	if q.Total != 999_999_999 || q.SolCost != 987_654_319 {
		t.Fatalf("client quote %+v", q)
	}
	e.buy(t, buyer, 1, q)
}

// TestPumpFeeTiers: with a tiered FeeConfig (written by the client's
// encoder), fees follow the curve's market cap as the client selects them.
func TestPumpFeeTiers(t *testing.T) {
	e := newPumpEnv(t, 55, 56)
	fc := e.fc
	fc.FeeTiers = []pumpc.FeeTier{
		{MarketCapThreshold: 0, Fees: pumpc.Fees{ProtocolBps: 95, CreatorBps: 30}},
		{MarketCapThreshold: 40_000_000_000, Fees: pumpc.Fees{ProtocolBps: 60, CreatorBps: 20}},
		{MarketCapThreshold: 60_000_000_000, Fees: pumpc.Fees{ProtocolBps: 25, CreatorBps: 5}},
	}
	data := pumpc.EncodeFeeConfig(fc)
	e.b.SetAccount(pumpFeeConfigKey, Account{Lamports: RentExemptMinimum(len(data)), Owner: PumpFeeProgramID, Data: data})
	e.fc = fc
	w := lpKey(57)
	e.b.Airdrop(w.PublicKey(), 100_000_000_000)
	seen := map[uint64]bool{}
	for i := range 12 {
		c := e.curve(t)
		f := fc.For(c)
		seen[f.Protocol] = true
		q, err := pumpc.BuyTokensCost(c, f, 40_000_000_000_000)
		if err != nil {
			t.Fatal(err)
		}
		e.buy(t, w, i, q)
	}
	if len(seen) != 3 {
		t.Errorf("trades crossed tiers %v, want all three", seen)
	}
	ata, _ := e.coin.UserATA(w.PublicKey())
	e.sell(t, w, 1, lpTokenBalance(t, e.b, ata))
}
