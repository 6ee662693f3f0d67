package pump

import (
	"strings"
	"syscall"
	"testing"

	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/solana/token"
)

// launchTx builds and signs the create_v2 + dev buy transaction of a launch:
// compute budget, create_v2, idempotent dev ATA, buy.
func launchTx(mint, user solana.PrivateKey, name, symbol, uri string, withPrice bool) (*solana.Transaction, error) {
	g := MainnetGlobal()
	coin, err := NewCoin(mint.PublicKey(), token.Token2022ProgramID, user.PublicKey())
	if err != nil {
		return nil, err
	}
	create, err := CreateV2(CreateV2Params{Coin: coin, User: user.PublicKey(), Name: name, Symbol: symbol, URI: uri})
	if err != nil {
		return nil, err
	}
	q, err := BuyQuote(g.NewCurve(coin.Creator), mainnetFees(), LamportsPerSOL)
	if err != nil {
		return nil, err
	}
	trader, err := g.TraderAt(user.PublicKey(), 0, false)
	if err != nil {
		return nil, err
	}
	buy, err := BuyInstructions(coin, trader, q.Tokens, WithSlippageMax(q.Total, 500))
	if err != nil {
		return nil, err
	}
	ixs := []solana.Instruction{token.SetComputeUnitLimit(400_000)}
	if withPrice {
		ixs = append(ixs, token.SetComputeUnitPrice(100_000))
	}
	ixs = append(ixs, create)
	ixs = append(ixs, buy...)
	tx, err := solana.NewTransaction(ixs, solana.Hash{1}, solana.TransactionPayer(user.PublicKey()))
	if err != nil {
		return nil, err
	}
	_, err = tx.Sign(func(k solana.PublicKey) *solana.PrivateKey {
		switch k {
		case mint.PublicKey():
			return &mint
		case user.PublicKey():
			return &user
		}
		return nil
	})
	return tx, err
}

// TestLaunchTxSize pins the launch transaction size with typical metadata (name 11,
// symbol 5, 67-char URI): over the 1232-byte limit with both compute-budget
// instructions, under it with the limit alone, as measured. The reference
// measured 1242/1230 with web3.js; this build is 2 bytes smaller in both cases
// (the golden instruction bytes match, so the difference is in that measurement's
// inputs, which were not recorded in full).
func TestLaunchTxSize(t *testing.T) {
	uri := "https://ipfs.io/ipfs/" + strings.Repeat("Q", 46)
	for _, tc := range []struct {
		withPrice bool
		want      int
	}{{true, 1240}, {false, 1228}} {
		tx, err := launchTx(seedKey(1), seedKey(2), "Eleven Char", "FIVEC", uri, tc.withPrice)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := tx.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if len(raw) != tc.want || (len(raw) > 1232) != tc.withPrice {
			t.Errorf("price ix %v: %d bytes, want %d", tc.withPrice, len(raw), tc.want)
		}
		if err := tx.VerifySignatures(); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkCreateV2DevBuy builds and signs a full create_v2 + dev buy transaction,
// including every PDA derivation and the quote.
func BenchmarkCreateV2DevBuy(b *testing.B) {
	mint, user := seedKey(1), seedKey(2)
	uri := "https://ipfs.io/ipfs/" + strings.Repeat("Q", 46)
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		tx, err := launchTx(mint, user, "Eleven Char", "FIVEC", uri, false)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.MarshalBinary(); err != nil {
			b.Fatal(err)
		}
	}
	// CPU time per op, because wall time on a shared, loaded machine overstates it.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
