package chaincheck

import (
	"errors"
	"testing"

	sol "github.com/gagliardetto/solana-go"

	nsolana "github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/pump"
	"github.com/nitro-runtime/nitro/solana/solanatest"
	"github.com/nitro-runtime/nitro/solana/token"
)

// Compute budgets of the pump transactions (what the workers give them).
const (
	pumpCreateCU = 600_000
	pumpSellCU   = 250_000
	pumpDevBuy   = sol1 / 20
)

// testPump launches a coin with pump create_v2 and a dev buy in one transaction,
// then sells every token back, closing the token account. The cluster's pump
// program (the built-in one, or the real program on devnet under the same id) must
// give exactly what the quotes of solana/pump say, and the dev's lamports add up:
// after the sale it holds what it held before + the sale's proceeds + the token
// account's rent - the fee.
func testPump(t *testing.T, c *nsolana.Client, fund solanatest.Fund) {
	dev, mint := solanatest.Wallet(), solanatest.Wallet()
	fund(t, dev.PublicKey(), sol1/4)
	accs, err := c.GetMultipleAccounts(ctxT(t), pump.GlobalAddress, pump.FeeConfigAddress)
	if err != nil || accs[0] == nil || accs[1] == nil {
		t.Fatalf("pump global and fee config on this cluster: %v %v", accs, err)
	}
	g, err := pump.DecodeGlobal(accs[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := pump.DecodeFeeConfig(accs[1].Data)
	if err != nil {
		t.Fatal(err)
	}
	coin, err := pump.NewCoin(mint.PublicKey(), token.Token2022ProgramID, dev.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	create, err := pump.CreateV2(pump.CreateV2Params{Coin: coin, User: dev.PublicKey(), Name: "Nitro Check", Symbol: "NCHK",
		URI: "https://example.com/nitro-check.json"})
	if err != nil {
		t.Fatal(err)
	}
	curve := g.NewCurve(dev.PublicKey())
	q, err := pump.BuyQuote(curve, fc.For(curve), pumpDevBuy)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := g.TraderAt(dev.PublicKey(), 0, curve.IsMayhemMode)
	if err != nil {
		t.Fatal(err)
	}
	buy, err := pump.BuyExactSolIn(coin, tr, pumpDevBuy, pump.WithSlippageMin(q.Tokens, 100))
	if err != nil {
		t.Fatal(err)
	}
	ata, err := coin.UserATA(dev.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	send(t, c, dev.PublicKey(), []sol.Instruction{create, token.CreateIdempotentATAAt(dev.PublicKey(), ata, dev.PublicKey(), coin.Mint, coin.TokenProgram), buy},
		[]sol.PrivateKey{dev, mint}, pumpCreateCU)
	held, _, err := c.GetTokenAccountBalance(ctxT(t), ata)
	if err != nil || held != q.Tokens {
		t.Fatalf("dev holds %d tokens, quoted %d: %v", held, q.Tokens, err)
	}

	acc, err := c.GetAccountInfo(ctxT(t), coin.BondingCurve)
	if err != nil {
		t.Fatal(err)
	}
	curve, err = pump.DecodeBondingCurve(acc.Data)
	if err != nil || curve.Creator != dev.PublicKey() || curve.Complete {
		t.Fatalf("curve after the dev buy %+v: %v", curve, err)
	}
	sq, err := pump.SellQuote(curve, fc.For(curve), held)
	if err != nil {
		t.Fatal(err)
	}
	sell, err := pump.Sell(coin, tr, held, pump.WithSlippageMin(sq.Out, 100))
	if err != nil {
		t.Fatal(err)
	}
	ataAcc, err := c.GetAccountInfo(ctxT(t), ata)
	if err != nil {
		t.Fatal(err)
	}
	before := balance(t, c, dev.PublicKey())
	send(t, c, dev.PublicKey(), []sol.Instruction{sell, token.CloseAccount(coin.TokenProgram, ata, dev.PublicKey(), dev.PublicKey())},
		[]sol.PrivateKey{dev}, pumpSellCU)
	if _, err := c.GetAccountInfo(ctxT(t), ata); err == nil {
		t.Fatal("the token account is still open after selling everything")
	}
	if got, want := balance(t, c, dev.PublicKey()), before+sq.Out+ataAcc.Lamports-nsolana.TxFee(1, pumpSellCU, 0); got != want {
		t.Fatalf("dev holds %d after the sale, want %d (+%d proceeds +%d rent -fee)", got, want, sq.Out, ataAcc.Lamports)
	}
}

// send signs ixs with a fixed compute budget and waits until they are confirmed. A
// transaction whose blockhash expired never landed: it is signed again with a fresh
// one, as the workers do (a loaded machine can stall past a 20 ms-slot cluster's 3 s).
func send(t *testing.T, c *nsolana.Client, payer sol.PublicKey, ixs []sol.Instruction, signers []sol.PrivateKey, cu uint32) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		stx, err := c.BuildTx(ctxT(t), payer, ixs, signers, nsolana.BuildOpts{CULimit: cu})
		if err != nil {
			t.Fatal(err)
		}
		err = c.SendAndConfirm(ctxT(t), stx, nil)
		if err == nil {
			return
		}
		if !errors.Is(err, nsolana.ErrBlockhashExpired) || attempt == 3 {
			t.Fatalf("send %s (attempt %d): %v", stx.Signature, attempt, err)
		}
		t.Logf("send %s expired, signing again: %v", stx.Signature, err)
	}
}
