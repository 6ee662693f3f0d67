package localnet

import (
	"testing"

	"github.com/gagliardetto/solana-go"

	pumpc "github.com/nitro-runtime/nitro/solana/pump"
)

// BenchmarkPumpBuys measures signed pump buy transactions executed by the
// bank (decode, signature check, execution with its CPIs, commit). The
// transactions are built and signed before the timer starts; buyers rotate
// over 16 wallets whose ATAs and volume accumulators already exist.
func BenchmarkPumpBuys(b *testing.B) {
	e := newPumpEnv(b, 120, 121)
	wallets := make([]solana.PrivateKey, 16)
	for i := range wallets {
		wallets[i] = lpKey(byte(130 + i))
		e.b.Airdrop(wallets[i].PublicKey(), 1_000_000_000_000)
		q, _ := pumpc.BuyTokensCost(e.curve(b), e.fc.For(e.curve(b)), 1_000_000)
		ixs, err := pumpc.BuyInstructions(e.coin, mustTrader(b, e, wallets[i], i), q.Tokens, q.Total*2)
		if err != nil {
			b.Fatal(err)
		}
		lpOK(b, e.b, ixs, wallets[i])
	}
	raws := make([][]byte, b.N)
	bh, _ := e.b.LatestBlockhash()
	for i := range raws {
		w := wallets[i%len(wallets)]
		// Distinct amounts keep signatures distinct; max cost is generous.
		ix, err := pumpc.Buy(e.coin, mustTrader(b, e, w, i), 1_000_000+uint64(i), 10_000_000)
		if err != nil {
			b.Fatal(err)
		}
		raws[i] = lpSign(b, bh, []solana.Instruction{ix}, w)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range raws {
		rec, err := e.b.ProcessTransaction(raws[i])
		if err != nil || rec.Err != nil {
			b.Fatalf("buy %d: %v %v", i, err, rec.Err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "buys/s")
}

func mustTrader(tb testing.TB, e *pumpEnv, w solana.PrivateKey, i int) pumpc.Trader {
	tb.Helper()
	tr, err := e.g.TraderAt(w.PublicKey(), i, false)
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}

// lpSign signs ixs against bh (first signer pays) and returns the wire bytes.
func lpSign(tb testing.TB, bh solana.Hash, ixs []solana.Instruction, signers ...solana.PrivateKey) []byte {
	tb.Helper()
	return signTx(tb, bh, ixs, nil, signers...)
}
