package localnet

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/gagliardetto/solana-go"

	pumpc "github.com/nitro-runtime/nitro/solana/pump"
)

// cloneIx copies a built instruction so a case can corrupt it.
func cloneIx(t testing.TB, ix solana.Instruction) (solana.AccountMetaSlice, []byte) {
	t.Helper()
	data, err := ix.Data()
	if err != nil {
		t.Fatal(err)
	}
	var metas solana.AccountMetaSlice
	for _, m := range ix.Accounts() {
		c := *m
		metas = append(metas, &c)
	}
	return metas, append([]byte(nil), data...)
}

// TestPumpRejects: wrong accounts and bad amounts fail with the real codes.
func TestPumpRejects(t *testing.T) {
	e := newPumpEnv(t, 60, 61)
	buyer, payer := lpKey(62), lpKey(63)
	user := buyer.PublicKey()
	e.b.Airdrop(user, 10_000_000_000)
	e.b.Airdrop(payer.PublicKey(), 1_000_000_000)
	tr, _ := e.g.TraderAt(user, 2, false)
	q, _ := pumpc.BuyTokensCost(e.curve(t), e.fc.For(e.curve(t)), 10_000_000_000_000)
	ixs, err := pumpc.BuyInstructions(e.coin, tr, q.Tokens, q.Total)
	if err != nil {
		t.Fatal(err)
	}
	lpOK(t, e.b, ixs, buyer) // a valid buy first: the ATA exists, the user holds tokens
	buyIx, _ := pumpc.Buy(e.coin, tr, q.Tokens, q.Total)
	sq, _ := pumpc.SellQuote(e.curve(t), e.fc.For(e.curve(t)), 1_000_000_000_000)
	sellIx, _ := pumpc.Sell(e.coin, tr, 1_000_000_000_000, sq.Out)
	other, _ := pumpc.NewCoin(lpKey(99).PublicKey(), e.coin.TokenProgram, e.coin.Creator)

	type mut func(m solana.AccountMetaSlice, d []byte) (solana.AccountMetaSlice, []byte)
	cases := []struct {
		name   string
		base   solana.Instruction
		code   uint32
		mutate mut
		payer  bool // user does not sign; another wallet pays
	}{
		{"wrong curve PDA", buyIx, 2006, func(m solana.AccountMetaSlice, d []byte) (solana.AccountMetaSlice, []byte) {
			m[3].PublicKey = other.BondingCurve
			return m, d
		}, false},
		{"user not signer", buyIx, 3010, func(m solana.AccountMetaSlice, d []byte) (solana.AccountMetaSlice, []byte) {
			m[6].IsSigner = false
			return m, d
		}, true},
		{"read-only curve", buyIx, 2000, func(m solana.AccountMetaSlice, d []byte) (solana.AccountMetaSlice, []byte) {
			m[3].IsWritable = false
			return m, d
		}, false},
		{"wrong creator vault", sellIx, 2006, func(m solana.AccountMetaSlice, d []byte) (solana.AccountMetaSlice, []byte) {
			m[8].PublicKey = e.coin.BondingCurve
			return m, d
		}, false},
		{"spl token program for a token-2022 coin", buyIx, 2006, func(m solana.AccountMetaSlice, d []byte) (solana.AccountMetaSlice, []byte) {
			m[8].PublicKey = solana.TokenProgramID
			return m, d
		}, false},
		{"unknown fee recipient", buyIx, 6000, func(m solana.AccountMetaSlice, d []byte) (solana.AccountMetaSlice, []byte) {
			m[1].PublicKey = payer.PublicKey()
			return m, d
		}, false},
		{"bonding_curve_v2 missing", buyIx, 6074, func(m solana.AccountMetaSlice, d []byte) (solana.AccountMetaSlice, []byte) {
			return m[:16], d
		}, false},
		{"buyback missing", buyIx, 6062, func(m solana.AccountMetaSlice, d []byte) (solana.AccountMetaSlice, []byte) {
			return m[:17], d
		}, false},
		{"buyback not authorized", sellIx, 6057, func(m solana.AccountMetaSlice, d []byte) (solana.AccountMetaSlice, []byte) {
			m[15].PublicKey = e.g.FeeRecipient
			return m, d
		}, false},
		{"too few accounts", sellIx, 3005, func(m solana.AccountMetaSlice, d []byte) (solana.AccountMetaSlice, []byte) {
			return m[:10], d
		}, false},
		{"max_sol_cost one short", buyIx, 6002, func(m solana.AccountMetaSlice, d []byte) (solana.AccountMetaSlice, []byte) {
			binary.LittleEndian.PutUint64(d[16:], q.Total-1)
			return m, d
		}, false},
		{"buy zero", buyIx, 6020, func(m solana.AccountMetaSlice, d []byte) (solana.AccountMetaSlice, []byte) {
			binary.LittleEndian.PutUint64(d[8:], 0)
			return m, d
		}, false},
		{"buy more than the curve holds", buyIx, 6021, func(m solana.AccountMetaSlice, d []byte) (solana.AccountMetaSlice, []byte) {
			binary.LittleEndian.PutUint64(d[8:], e.g.InitialRealTokenReserves)
			return m, d
		}, false},
		{"min_sol_output one above", sellIx, 6003, func(m solana.AccountMetaSlice, d []byte) (solana.AccountMetaSlice, []byte) {
			binary.LittleEndian.PutUint64(d[16:], sq.Out+1)
			return m, d
		}, false},
		{"sell zero", sellIx, 6022, func(m solana.AccountMetaSlice, d []byte) (solana.AccountMetaSlice, []byte) {
			binary.LittleEndian.PutUint64(d[8:], 0)
			return m, d
		}, false},
		{"sell more than held", sellIx, 6023, func(m solana.AccountMetaSlice, d []byte) (solana.AccountMetaSlice, []byte) {
			binary.LittleEndian.PutUint64(d[8:], q.Tokens+1)
			return m, d
		}, false},
		{"buy_exact_sol_in below min out", buyIx, 6042, func(m solana.AccountMetaSlice, d []byte) (solana.AccountMetaSlice, []byte) {
			copy(d, pumpc.DiscBuyExactSolIn[:])
			binary.LittleEndian.PutUint64(d[8:], 100_000_000)
			binary.LittleEndian.PutUint64(d[16:], q.Tokens)
			return m, d
		}, false},
		{"unknown instruction", buyIx, 101, func(m solana.AccountMetaSlice, d []byte) (solana.AccountMetaSlice, []byte) {
			d[0] ^= 0xff
			return m, d
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, d := cloneIx(t, c.base)
			m, d = c.mutate(m, d)
			ix := solana.NewInstruction(PumpProgramID, m, d)
			if c.payer {
				lpFailCode(t, e.b, c.code, 0, []solana.Instruction{ix}, payer)
				return
			}
			lpFailCode(t, e.b, c.code, 0, []solana.Instruction{ix}, buyer)
		})
	}
}

// TestPumpCreateRejects: create_v2 argument checks.
func TestPumpCreateRejects(t *testing.T) {
	b := lpBank(t)
	b.Airdrop(gvUser, 10_000_000_000)
	long := func(n int) string { return string(make([]byte, n)) }
	for _, c := range []struct {
		name, sym, uri string
		code           uint32
	}{
		{long(33), "S", "u", 6043}, {"N", long(14), "u", 6044}, {"N", "S", long(201), 6045},
	} {
		ix := gvCreateV2(t)
		w := &borshWriter{}
		w.raw(pumpIxCreateV2[:]).str(c.name).str(c.sym).str(c.uri).key(gvCreator).u8(0).u8(0).u64(0).u8(0)
		bad := solana.NewInstruction(PumpProgramID, ix.Accounts(), w.b)
		lpFailCode(t, b, c.code, 0, []solana.Instruction{bad}, lpKey(2), lpKey(1))
	}
	w := &borshWriter{}
	w.raw(pumpIxCreateV2[:]).str("N").str("S").str("u").key(solana.PublicKey{}).u8(0)
	lpFailCode(t, b, 6030, 0, []solana.Instruction{solana.NewInstruction(PumpProgramID, gvCreateV2(t).Accounts(), w.b)}, lpKey(2), lpKey(1))
}

// TestPumpGraduation: buying every curve token completes the curve; later
// trades fail with BondingCurveComplete.
func TestPumpGraduation(t *testing.T) {
	e := newPumpEnv(t, 70, 71)
	whale := lpKey(72)
	e.b.Airdrop(whale.PublicKey(), 200_000_000_000)
	q, err := pumpc.BuyTokensCost(e.curve(t), e.fc.For(e.curve(t)), e.g.InitialRealTokenReserves)
	if err != nil {
		t.Fatal(err)
	}
	e.buy(t, whale, 0, q)
	c := e.curve(t)
	if !c.Complete || c.RealTokenReserves != 0 {
		t.Fatalf("curve after the last token: %+v", c)
	}
	t.Logf("graduation: %d lamports real SOL, virtual %d", c.RealQuoteReserves, c.VirtualQuoteReserves)
	tr, _ := e.g.TraderAt(whale.PublicKey(), 1, false)
	sell, _ := pumpc.Sell(e.coin, tr, 1_000_000, 0)
	lpFailCode(t, e.b, 6005, 0, []solana.Instruction{sell}, whale)
	buy, _ := pumpc.Buy(e.coin, tr, 1_000_000, 1_000_000_000)
	lpFailCode(t, e.b, 6005, 0, []solana.Instruction{buy}, whale)
}

// TestPumpRandomTradesConserve: random buys and sells by three wallets;
// a round trip never profits, the curve holds rent + real reserves, and
// every lamport a trade moves is found among payer, curve, recipients,
// creator vault, accumulator and token account (the rest is the tx fee).
func TestPumpRandomTradesConserve(t *testing.T) {
	e := newPumpEnv(t, 80, 81)
	rng := rand.New(rand.NewPCG(1, 2))
	wallets := []solana.PrivateKey{lpKey(82), lpKey(83), lpKey(84)}
	for _, w := range wallets {
		e.b.Airdrop(w.PublicKey(), 50_000_000_000)
	}
	for i := range 40 {
		w := wallets[rng.IntN(len(wallets))]
		user := w.PublicKey()
		ata, _ := e.coin.UserATA(user)
		startLamports := e.b.Balance(user) + e.b.Balance(ata) + e.b.Balance(mustPDA(PumpProgramID, []byte("user_volume_accumulator"), user[:]))
		c := e.curve(t)
		n := 1 + rng.Uint64N(c.RealTokenReserves/20)
		q, err := pumpc.BuyTokensCost(c, e.fc.For(c), n)
		if err != nil {
			t.Fatal(err)
		}
		before := lpTokenBalance(t, e.b, ata)
		e.buy(t, w, i, q)
		sq := e.sell(t, w, i+1, lpTokenBalance(t, e.b, ata)-before)
		if sq.Out >= q.Total {
			t.Fatalf("round trip %d profits: paid %d, got %d", i, q.Total, sq.Out)
		}
		end := e.b.Balance(user) + e.b.Balance(ata) + e.b.Balance(mustPDA(PumpProgramID, []byte("user_volume_accumulator"), user[:]))
		if lost := startLamports - end; lost != q.Total-sq.Out+2*lpTxFee {
			t.Fatalf("round trip %d: wallet side lost %d, want %d", i, lost, q.Total-sq.Out+2*lpTxFee)
		}
	}
}

// TestPumpMayhemRecipients: a mayhem-mode coin takes its protocol fee only
// through the reserved fee recipients. (The mayhem program's own CPI is not
// modelled; only the curve flag and the recipient rule are.)
func TestPumpMayhemRecipients(t *testing.T) {
	b := lpBank(t)
	dev, mint := lpKey(150), lpKey(151)
	b.Airdrop(dev.PublicKey(), 10_000_000_000)
	ga, _ := b.GetAccount(pumpGlobalKey)
	g, _ := pumpc.DecodeGlobal(ga.Data)
	coin, _ := pumpc.NewCoin(mint.PublicKey(), solana.Token2022ProgramID, dev.PublicKey())
	create, err := pumpc.CreateV2(pumpc.CreateV2Params{Coin: coin, User: dev.PublicKey(), Name: "M", Symbol: "M", URI: "u", Mayhem: true})
	if err != nil {
		t.Fatal(err)
	}
	lpOK(t, b, []solana.Instruction{create}, dev, mint)
	normal, _ := g.TraderAt(dev.PublicKey(), 0, false)
	ixs, _ := pumpc.BuyInstructions(coin, normal, 1_000_000_000, 10_000_000)
	lpFailCode(t, b, 6000, 1, ixs, dev)
	reserved, _ := g.TraderAt(dev.PublicKey(), 0, true)
	ixs, _ = pumpc.BuyInstructions(coin, reserved, 1_000_000_000, 10_000_000)
	lpOK(t, b, ixs, dev)
}
