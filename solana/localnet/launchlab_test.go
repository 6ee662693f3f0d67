package localnet

import (
	"math/rand/v2"
	"testing"

	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/solana/bonk"
	"github.com/nitro-runtime/nitro/solana/token"
)

// LaunchLab golden vectors (built with the official SDK) and trades through the
// solana/bonk client builders and quotes.

var (
	llgMint       = lpPK("7v54NWdBtkjuAFJrLGsS2SXnuk8nKam81mZJeeYxVFi9")
	llgUser       = lpPK("mBKqcnGotbsSb5vNrdyhzZ5EhqZdids9QYiTRckvi7v")
	llgPlatform   = lpPK("FfYek5vEz23cMkWsdJwG2oa6EphsvXSHrGpdALN4g6W1")
	llgPool       = lpPK("4LYxUcXZsfgexNzwd9C5nLX4eLm5Je6Hj2rgP5HBG5nS")
	llgBaseVault  = lpPK("B6kbXww53SXq3J169AxriK3d2rqVqmqEftgzB15dCGiW")
	llgQuoteVault = lpPK("E98GqituFiVmc2seJA91FMvYtm5zwdks4LEGyZRn8i4o")
	llgMetadata   = lpPK("GahnvdQ5mNbt48DADapARTheBUTbfiWX5WUoMe84jugn")
	llgUserBase   = lpPK("2NuwYSJtd9DU8WwzyxUH995pBFVRDsDNPPhFpD2AVdQy")
	llgUserWSOL   = lpPK("BhqRZaV8eGsKiJ7ASYewxkvRtbWPDD78WXfGQyDGkoAe")
	llgPlatVault  = lpPK("AMWjewk8jvQkqyrUv5cowmbQdoS2ChbJopXXPtVqKtch")
	llgCreatVault = lpPK("63knbVQLm8rX5vBJGEz4AnkBWPVwaDt9DUruJBCALC1Y")
	llgGlobal     = lpPK("6s1xP3hpbAfFoNtUNF8mfHsjr2Bd97JxFJRWLbL6aHuX")
	llgAuthority  = lpPK("WLHv2UAZm6z4KyaaELi5pjdbJh6RESMva1Rnn8pJVVh")
	llgEventAuth  = lpPK("2DPAtwB8L12vrMRExbLuyGnC7n2J5LNoZQSejeQGpwkr")
)

const (
	llgInitHex   = "4399af27da10262006040000004e616d650300000053594d1600000068747470733a2f2f697066732e696f2f697066732f78000080c6a47e8d03000078c5fb51d10200001265ca130000000000000000000000000000000000000000000000000000000000"
	llgBuyHex    = "faea0d7bd59c13ec00e1f5050000000001000000000000000000000000000000"
	llgSellHex   = "9527de9bd37c981a40420f000000000001000000000000000000000000000000"
	lpSPLATARent = 2_039_280 // (128+165)×6960
)

func llgInit(t testing.TB) solana.Instruction {
	return solana.NewInstruction(LaunchLabProgramID, solana.AccountMetaSlice{
		lpMeta(llgUser, "ws"), lpMeta(llgUser, ""), lpMeta(llgGlobal, ""), lpMeta(llgPlatform, ""),
		lpMeta(llgAuthority, ""), lpMeta(llgPool, "w"), lpMeta(llgMint, "ws"), lpMeta(solana.SolMint, ""),
		lpMeta(llgBaseVault, "w"), lpMeta(llgQuoteVault, "w"), lpMeta(llgMetadata, "w"),
		lpMeta(solana.TokenProgramID, ""), lpMeta(solana.TokenProgramID, ""), lpMeta(MetaplexProgramID, ""),
		lpMeta(solana.SystemProgramID, ""), lpMeta(solana.SysVarRentPubkey, ""), lpMeta(llgEventAuth, ""),
		lpMeta(LaunchLabProgramID, ""),
	}, lpHex(t, llgInitHex))
}

func llgTrade(t testing.TB, hexData string) solana.Instruction {
	return solana.NewInstruction(LaunchLabProgramID, solana.AccountMetaSlice{
		lpMeta(llgUser, "ws"), lpMeta(llgAuthority, ""), lpMeta(llgGlobal, ""), lpMeta(llgPlatform, ""),
		lpMeta(llgPool, "w"), lpMeta(llgUserBase, "w"), lpMeta(llgUserWSOL, "w"), lpMeta(llgBaseVault, "w"),
		lpMeta(llgQuoteVault, "w"), lpMeta(llgMint, ""), lpMeta(solana.SolMint, ""),
		lpMeta(solana.TokenProgramID, ""), lpMeta(solana.TokenProgramID, ""), lpMeta(llgEventAuth, ""),
		lpMeta(LaunchLabProgramID, ""), lpMeta(solana.SystemProgramID, ""), lpMeta(llgPlatVault, "w"),
		lpMeta(llgCreatVault, "w"),
	}, lpHex(t, hexData))
}

func TestLaunchLabGoldenDerivations(t *testing.T) {
	if lpKey(11).PublicKey() != llgMint || lpKey(12).PublicKey() != llgUser {
		t.Fatal("golden keys differ")
	}
	pool := mustPDA(LaunchLabProgramID, []byte("pool"), llgMint[:], solana.SolMint[:])
	for name, c := range map[string][2]solana.PublicKey{
		"global config":  {LaunchLabGlobalConfigKey, llgGlobal},
		"platform":       {LetsBonkPlatformConfigKey, llgPlatform},
		"authority":      {llAuthority, llgAuthority},
		"event auth":     {llEventAuthority, llgEventAuth},
		"pool":           {pool, llgPool},
		"base vault":     {mustPDA(LaunchLabProgramID, []byte("pool_vault"), pool[:], llgMint[:]), llgBaseVault},
		"quote vault":    {mustPDA(LaunchLabProgramID, []byte("pool_vault"), pool[:], solana.SolMint[:]), llgQuoteVault},
		"metadata":       {mustPDA(MetaplexProgramID, []byte("metadata"), MetaplexProgramID[:], llgMint[:]), llgMetadata},
		"platform vault": {mustPDA(LaunchLabProgramID, llgPlatform[:], solana.SolMint[:]), llgPlatVault},
		"creator vault":  {mustPDA(LaunchLabProgramID, llgUser[:], solana.SolMint[:]), llgCreatVault},
	} {
		if c[0] != c[1] {
			t.Errorf("%s: derived %s, appendix %s", name, c[0], c[1])
		}
	}
	for name, d := range map[string][2][8]byte{
		"initialize_v2":  {anchorDisc("global", "initialize_v2"), llIxInitializeV2},
		"buy_exact_in":   {anchorDisc("global", "buy_exact_in"), llIxBuyExactIn},
		"sell_exact_in":  {anchorDisc("global", "sell_exact_in"), llIxSellExactIn},
		"PoolState":      {anchorDisc("account", "PoolState"), llPoolStateDisc},
		"GlobalConfig":   {anchorDisc("account", "GlobalConfig"), llGlobalConfigDisc},
		"PlatformConfig": {anchorDisc("account", "PlatformConfig"), llPlatformDisc},
	} {
		if d[0] != d[1] {
			t.Errorf("%s discriminator %x, notes %x", name, d[0], d[1])
		}
	}
}

// TestLaunchLabGoldenVectors runs initialize_v2, buy_exact_in and
// sell_exact_in exactly as the appendix encodes them.
func TestLaunchLabGoldenVectors(t *testing.T) {
	b := lpBank(t)
	user, mint := lpKey(12), lpKey(11)
	b.Airdrop(llgUser, 10_000_000_000)
	lpOK(t, b, []solana.Instruction{llgInit(t)}, user, mint)
	pa, _ := b.GetAccount(llgPool)
	p := decodeLLPool(pa.Data)
	if p.virtualBase != 1_073_025_605_596_382 || p.virtualQuote != 30_000_852_951 || p.status != 0 ||
		p.creator != llgUser || p.baseVault != llgBaseVault || p.totalBaseSell != 793_100_000_000_000 {
		t.Fatalf("pool = %+v", p)
	}
	if got := lpTokenBalance(t, b, llgBaseVault); got != 1_000_000_000_000_000 {
		t.Fatalf("base vault holds %d", got)
	}
	md, _ := b.GetAccount(llgMetadata)
	if md.Owner != MetaplexProgramID || len(md.Data) != mplMetadataSize || md.Data[0] != mplKeyMetadataV1 ||
		keyAt(md.Data, 33) != llgMint || string(md.Data[69:73]) != "Name" {
		t.Fatalf("metadata account owner %s len %d", md.Owner, len(md.Data))
	}
	ixs := append(token.WrapSOL(llgUser, llgUser, 100_000_000),
		lpIdempotentATA(llgUser, llgUser, llgMint, solana.TokenProgramID), llgTrade(t, llgBuyHex))
	lpOK(t, b, ixs, user)
	bought := lpTokenBalance(t, b, llgUserBase)
	if bought == 0 || lpTokenBalance(t, b, llgUserWSOL) != 0 {
		t.Fatalf("after golden buy: %d tokens, %d WSOL", bought, lpTokenBalance(t, b, llgUserWSOL))
	}
	lpOK(t, b, []solana.Instruction{llgTrade(t, llgSellHex)}, user)
	if got := lpTokenBalance(t, b, llgUserBase); got != bought-1_000_000 {
		t.Fatalf("after golden sell: %d tokens", got)
	}
}

// bonkEnv is a bank with one LaunchLab pool created through the client.
type bonkEnv struct {
	b     *Bank
	pool  bonk.Pool
	rates bonk.FeeRates
	dev   solana.PrivateKey
}

func newBonkEnv(t testing.TB, devN, mintN byte, platform solana.PublicKey) *bonkEnv {
	t.Helper()
	return newBonkEnvOn(t, lpBank(t), devN, mintN, platform)
}

func newBonkEnvOn(t testing.TB, b *Bank, devN, mintN byte, platform solana.PublicKey) *bonkEnv {
	t.Helper()
	e := &bonkEnv{b: b, dev: lpKey(devN)}
	dev, mint := e.dev.PublicKey(), lpKey(mintN)
	e.b.Airdrop(dev, 100_000_000_000)
	var err error
	if e.pool, err = bonk.NewPool(mint.PublicKey(), dev, solana.PublicKey{}, platform); err != nil {
		t.Fatal(err)
	}
	ix, err := bonk.InitializeV2(bonk.InitializeV2Params{Payer: dev, Creator: dev, BaseMint: mint.PublicKey(),
		Pool: e.pool, Name: "Bonk Nitro", Symbol: "BNTR", URI: "https://ipfs.io/ipfs/bonk"})
	if err != nil {
		t.Fatal(err)
	}
	lpOK(t, e.b, []solana.Instruction{ix}, e.dev, mint)
	ga, _ := e.b.GetAccount(e.pool.GlobalConfig)
	pa, _ := e.b.GetAccount(e.pool.PlatformConfig)
	g, err1 := bonk.DecodeGlobalConfig(ga.Data)
	p, err2 := bonk.DecodePlatformConfig(pa.Data)
	if err1 != nil || err2 != nil {
		t.Fatalf("client decode of genesis configs: %v %v", err1, err2)
	}
	e.rates = bonk.Rates(g, p, 0)
	return e
}

func (e *bonkEnv) state(t testing.TB) bonk.PoolState {
	t.Helper()
	a, _ := e.b.GetAccount(e.pool.Address)
	s, err := bonk.DecodePoolState(a.Data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkVaults: the quote vault holds real quote plus accrued protocol and
// platform fees; the base vault holds what has not been sold.
func (e *bonkEnv) checkVaults(t testing.TB) {
	t.Helper()
	s := e.state(t)
	if q := lpTokenBalance(t, e.b, e.pool.QuoteVault); q != s.RealQuote+s.QuoteProtocolFee+s.PlatformFee {
		t.Errorf("quote vault %d != real %d + protocol %d + platform %d", q, s.RealQuote, s.QuoteProtocolFee, s.PlatformFee)
	}
	if base := lpTokenBalance(t, e.b, e.pool.BaseVault); base != s.Supply-s.RealBase {
		t.Errorf("base vault %d != supply %d − sold %d", base, s.Supply, s.RealBase)
	}
}

// buy wraps SOL, buys and unwraps through bonk.BuyWithSOL and checks the
// wallet against the client quote.
func (e *bonkEnv) buy(t testing.TB, w solana.PrivateKey, amountIn uint64) bonk.BuyResult {
	t.Helper()
	user := w.PublicKey()
	q, err := bonk.BuyExactInQuote(e.state(t), e.rates, amountIn)
	if err != nil {
		t.Fatal(err)
	}
	ixs, err := bonk.BuyWithSOL(e.pool, bonk.Trade{User: user, AmountIn: amountIn, MinimumAmountOut: q.BaseOut})
	if err != nil {
		t.Fatal(err)
	}
	baseATA := ataAddress(user, solana.TokenProgramID, e.pool.BaseMint)
	rent := uint64(0)
	if e.b.Balance(baseATA) == 0 {
		rent = lpSPLATARent
	}
	pre, preTok, preCreator := e.b.Balance(user), lpTokenBalance(t, e.b, baseATA), lpTokenBalance(t, e.b, e.pool.CreatorFeeVault)
	creatorRent := uint64(0)
	if e.b.Balance(e.pool.CreatorFeeVault) == 0 && q.Fees.Creator > 0 {
		creatorRent = lpSPLATARent
	}
	lpOK(t, e.b, ixs, w)
	if d := pre - e.b.Balance(user); d != q.QuoteIn+rent+creatorRent+lpTxFee {
		t.Errorf("buy: wallet paid %d, want %d", d, q.QuoteIn+rent+creatorRent+lpTxFee)
	}
	if got := lpTokenBalance(t, e.b, baseATA) - preTok; got != q.BaseOut {
		t.Errorf("buy: got %d tokens, want %d", got, q.BaseOut)
	}
	if got := lpTokenBalance(t, e.b, e.pool.CreatorFeeVault) - preCreator; got != q.Fees.Creator {
		t.Errorf("buy: creator fee vault +%d, want %d", got, q.Fees.Creator)
	}
	e.checkVaults(t)
	return q
}

func (e *bonkEnv) sell(t testing.TB, w solana.PrivateKey, amount uint64) bonk.SellResult {
	t.Helper()
	user := w.PublicKey()
	q, err := bonk.SellExactInQuote(e.state(t), e.rates, amount)
	if err != nil {
		t.Fatal(err)
	}
	ixs, err := bonk.SellForSOL(e.pool, bonk.Trade{User: user, AmountIn: amount, MinimumAmountOut: q.QuoteOut})
	if err != nil {
		t.Fatal(err)
	}
	pre, preCreator := e.b.Balance(user), lpTokenBalance(t, e.b, e.pool.CreatorFeeVault)
	lpOK(t, e.b, ixs, w)
	if d := int64(e.b.Balance(user)) - int64(pre); d != int64(q.QuoteOut)-lpTxFee {
		t.Errorf("sell: wallet got %d, want %d", d, int64(q.QuoteOut)-lpTxFee)
	}
	if got := lpTokenBalance(t, e.b, e.pool.CreatorFeeVault) - preCreator; got != q.Fees.Creator {
		t.Errorf("sell: creator fee vault +%d, want %d", got, q.Fees.Creator)
	}
	e.checkVaults(t)
	return q
}

// TestLaunchLabWorkedExample: the worked fee example, 1 SOL at R = 1.25% on a fresh
// default pool pays a 12 500 000 fee and buys ≈34 193 904.63 tokens.
func TestLaunchLabWorkedExample(t *testing.T) {
	e := newBonkEnv(t, 90, 91, solana.PublicKey{})
	buyer := lpKey(92)
	e.b.Airdrop(buyer.PublicKey(), 3_000_000_000)
	q := e.buy(t, buyer, 1_000_000_000)
	if q.Fees.Total != 12_500_000 {
		t.Errorf("fee %d, want 12 500 000", q.Fees.Total)
	}
	if q.BaseOut/10_000 != 3_419_390_463 {
		t.Errorf("tokens %d, want ≈34 193 904.63", q.BaseOut)
	}
}

// TestLaunchLabBuySell: three wallets buy then sell everything; together
// they never get back what they paid, and the vaults always match the pool.
func TestLaunchLabBuySell(t *testing.T) {
	e := newBonkEnv(t, 93, 94, solana.PublicKey{})
	wallets := []solana.PrivateKey{lpKey(95), lpKey(96), lpKey(97)}
	var paid, got uint64
	for i, w := range wallets {
		e.b.Airdrop(w.PublicKey(), 20_000_000_000)
		paid += e.buy(t, w, uint64(i+1)*1_300_000_000).QuoteIn
	}
	for _, w := range wallets {
		bal := lpTokenBalance(t, e.b, ataAddress(w.PublicKey(), solana.TokenProgramID, e.pool.BaseMint))
		got += e.sell(t, w, bal/3).QuoteOut
		got += e.sell(t, w, bal-bal/3).QuoteOut
	}
	if got >= paid {
		t.Errorf("wallets paid %d and got back %d", paid, got)
	}
	if s := e.state(t); s.RealBase != 0 {
		t.Errorf("all sold back, real base %d", s.RealBase)
	}
}

// TestLaunchLabRandomRoundTrips: a buy followed at once by selling what it
// bought never returns more than it cost.
func TestLaunchLabRandomRoundTrips(t *testing.T) {
	e := newBonkEnv(t, 104, 105, solana.PublicKey{})
	rng := rand.New(rand.NewPCG(3, 4))
	w := lpKey(106)
	e.b.Airdrop(w.PublicKey(), 100_000_000_000)
	for range 15 {
		q := e.buy(t, w, 1_000_000+rng.Uint64N(5_000_000_000))
		if out := e.sell(t, w, q.BaseOut).QuoteOut; out >= q.QuoteIn {
			t.Fatalf("round trip paid %d, got %d", q.QuoteIn, out)
		}
	}
}

// TestLaunchLabCreatorFee: a platform with a creator fee pays it into the
// creator fee vault, created on first use.
func TestLaunchLabCreatorFee(t *testing.T) {
	admin := lpKey(100).PublicKey()
	platform := mustPDA(LaunchLabProgramID, []byte("platform_config"), admin[:])
	b := lpBank(t)
	data := LaunchLabPlatformConfigData(admin, 10_000, 5_000)
	b.SetAccount(platform, Account{Lamports: RentExemptMinimum(len(data)), Owner: LaunchLabProgramID, Data: data})
	env := newBonkEnvOn(t, b, 101, 102, platform)
	buyer := lpKey(103)
	env.b.Airdrop(buyer.PublicKey(), 5_000_000_000)
	q := env.buy(t, buyer, 2_000_000_000)
	if q.Fees.Creator == 0 {
		t.Fatalf("no creator fee quoted: %+v", q.Fees)
	}
	env.sell(t, buyer, q.BaseOut/2)
}

// TestLaunchLabRejects: wrong accounts and slippage fail with the codes.
func TestLaunchLabRejects(t *testing.T) {
	e := newBonkEnv(t, 107, 108, solana.PublicKey{})
	w := lpKey(109)
	user := w.PublicKey()
	e.b.Airdrop(user, 10_000_000_000)
	e.buy(t, w, 500_000_000)
	q, _ := bonk.BuyExactInQuote(e.state(t), e.rates, 100_000_000)
	buy, _ := bonk.BuyWithSOL(e.pool, bonk.Trade{User: user, AmountIn: 100_000_000, MinimumAmountOut: q.BaseOut + 1})
	lpFailCode(t, e.b, 6004, 4, buy, w)
	sq, _ := bonk.SellExactInQuote(e.state(t), e.rates, 1_000_000)
	sell, _ := bonk.SellForSOL(e.pool, bonk.Trade{User: user, AmountIn: 1_000_000, MinimumAmountOut: sq.QuoteOut + 1})
	lpFailCode(t, e.b, 6004, 1, sell, w)
	base, _ := bonk.SellExactIn(e.pool, bonk.Trade{User: user, AmountIn: 1_000_000, MinimumAmountOut: 1})
	for _, c := range []struct {
		name string
		code uint32
		mut  func(m solana.AccountMetaSlice)
	}{
		{"read-only pool", 2000, func(m solana.AccountMetaSlice) { m[4].IsWritable = false }},
		{"global config of another type", 3002, func(m solana.AccountMetaSlice) { m[2].PublicKey = e.pool.PlatformConfig }},
		{"wrong creator fee vault", 2006, func(m solana.AccountMetaSlice) { m[17].PublicKey = e.pool.PlatformFeeVault }},
		{"wrong base vault", 2012, func(m solana.AccountMetaSlice) { m[7].PublicKey = e.pool.QuoteVault }},
	} {
		m, d := cloneIx(t, base)
		c.mut(m)
		ix := solana.NewInstruction(LaunchLabProgramID, m, d)
		lpFailCode(t, e.b, c.code, 1, []solana.Instruction{sell[0], ix}, w)
	}
}

// TestLaunchLabInitRejects: initialize_v2 account checks.
func TestLaunchLabInitRejects(t *testing.T) {
	b := lpBank(t)
	b.Airdrop(llgUser, 10_000_000_000)
	for _, c := range []struct {
		code uint32
		mut  func(m solana.AccountMetaSlice)
	}{
		{2006, func(m solana.AccountMetaSlice) { m[5].PublicKey = llgBaseVault }},
		{3010, func(m solana.AccountMetaSlice) { m[6].IsSigner = false }},
		{2000, func(m solana.AccountMetaSlice) { m[5].IsWritable = false }},
		{3008, func(m solana.AccountMetaSlice) { m[13].PublicKey = solana.SystemProgramID }},
	} {
		m, d := cloneIx(t, llgInit(t))
		c.mut(m)
		signers := []solana.PrivateKey{lpKey(12)}
		if m[6].IsSigner {
			signers = append(signers, lpKey(11))
		}
		lpFailCode(t, b, c.code, 0, []solana.Instruction{solana.NewInstruction(LaunchLabProgramID, m, d)}, signers...)
	}
}

// TestLaunchLabGraduation: a buy past the sellable supply is capped, ends
// fundraising (status 1), and later trades fail.
func TestLaunchLabGraduation(t *testing.T) {
	e := newBonkEnv(t, 110, 111, solana.PublicKey{})
	whale := lpKey(112)
	e.b.Airdrop(whale.PublicKey(), 200_000_000_000)
	q := e.buy(t, whale, 150_000_000_000)
	if !q.Capped {
		t.Fatalf("buy not capped: %+v", q)
	}
	s := e.state(t)
	if s.Status != 1 || s.RealBase != s.TotalBaseSell {
		t.Fatalf("pool after sell-out: status %d, real base %d of %d", s.Status, s.RealBase, s.TotalBaseSell)
	}
	t.Logf("graduated with %d lamports real quote", s.RealQuote)
	buy, _ := bonk.BuyWithSOL(e.pool, bonk.Trade{User: whale.PublicKey(), AmountIn: 1_000_000, MinimumAmountOut: 1})
	lpFailCode(t, e.b, 6006, 4, buy, whale)
}

// TestLaunchLabCreateAndDevBuy: the bot's launch transaction, initialize_v2
// then a WSOL-wrapped dev buy, lands as one transaction.
func TestLaunchLabCreateAndDevBuy(t *testing.T) {
	b := lpBank(t)
	dev, mint := lpKey(113), lpKey(114)
	b.Airdrop(dev.PublicKey(), 10_000_000_000)
	pool, err := bonk.NewPool(mint.PublicKey(), dev.PublicKey(), solana.PublicKey{}, solana.PublicKey{})
	if err != nil {
		t.Fatal(err)
	}
	params := bonk.InitializeV2Params{Payer: dev.PublicKey(), Creator: dev.PublicKey(), BaseMint: mint.PublicKey(),
		Pool: pool, Name: "Launch In One", Symbol: "ONE", URI: "https://ipfs.io/ipfs/one"}
	init, err := bonk.InitializeV2(params)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := bonk.NewPoolState(params, bonk.MainnetGlobalConfig())
	if err != nil {
		t.Fatal(err)
	}
	q, err := bonk.BuyExactInQuote(fresh, bonk.MainnetRates(), 1_000_000_000)
	if err != nil {
		t.Fatal(err)
	}
	buy, err := bonk.BuyWithSOL(pool, bonk.Trade{User: dev.PublicKey(), AmountIn: 1_000_000_000, MinimumAmountOut: q.BaseOut})
	if err != nil {
		t.Fatal(err)
	}
	rec := lpOK(t, b, append([]solana.Instruction{init}, buy...), dev, mint)
	t.Logf("create + dev buy: %d bytes, %d CU", len(rec.Raw), rec.UnitsConsumed)
	if got := lpTokenBalance(t, b, ataAddress(dev.PublicKey(), solana.TokenProgramID, mint.PublicKey())); got != q.BaseOut {
		t.Errorf("dev got %d tokens, client quoted %d", got, q.BaseOut)
	}
}
