package workers

import (
	"strings"
	"testing"

	sol "github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/solana/token"
)

// TestSells: dev_sell 50% then wallet_sell 100% of a pump launch, each checked
// against quotes and balances on chain; another user's sells are refused.
func TestSells(t *testing.T) {
	e := newEnv(t, nil)
	s := e.setup("dave", progress.PlatformPump, []float64{0.3, 0.2}, false)
	var launch launchResult
	e.mustComplete(e.run(progress.LaunchToken, s.payload(false)), &launch)
	mint := sol.MustPublicKeyFromBase58(launch.TokenAddress)
	m := e.expect(s, mint)

	// Another user can neither sell the launch nor name its wallets.
	e.wallet("eve", 1)
	j := e.run(progress.DevSell, map[string]any{"userId": "eve", "tokenAddress": launch.TokenAddress, "sellPercent": 50})
	if j.State != "failed" || !strings.Contains(j.Error, "is not a launch of user eve") || j.Attempt != 0 {
		t.Fatalf("eve's dev_sell: %s %q", j.State, j.Error)
	}
	j = e.run(progress.WalletSell, map[string]any{"userId": "eve", "tokenAddress": launch.TokenAddress, "sellPercent": 100,
		"wallets": []string{s.buyers[0].PublicKey().String()}})
	if j.State != "failed" || !strings.Contains(j.Error, "is not a launch of user eve") {
		t.Fatalf("eve's wallet_sell: %s %q", j.State, j.Error)
	}

	devTokens := e.tokens(m, s.dev.PublicKey())
	devLamports := e.balance(s.dev.PublicKey())
	if err := m.load(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	_, wantOut, err := m.sell(s.dev.PublicKey(), 0, devTokens/2, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	var sold sellResult
	j = e.run(progress.DevSell, map[string]any{"userId": "dave", "tokenAddress": launch.TokenAddress, "sellPercent": 50})
	e.mustComplete(j, &sold)
	if got := e.tokens(m, s.dev.PublicKey()); got != devTokens-devTokens/2 {
		t.Errorf("dev holds %d after selling 50%% of %d", got, devTokens)
	}
	if sold.TokensSold != tokensOf(devTokens/2) || sold.SolReceived != solOf(wantOut) || len(sold.Signatures) != 1 {
		t.Errorf("dev_sell result %+v, want %d tokens for %d lamports", sold, devTokens/2, wantOut)
	}
	if got := e.balance(s.dev.PublicKey()); got != devLamports+wantOut-5000 {
		t.Errorf("dev lamports %d, want %d + %d - fee", got, devLamports, wantOut)
	}

	before := []uint64{e.balance(s.buyers[0].PublicKey()), e.balance(s.buyers[1].PublicKey())}
	j = e.run(progress.WalletSell, map[string]any{"userId": "dave", "tokenAddress": launch.TokenAddress, "sellPercent": 100})
	e.mustComplete(j, &sold)
	if len(sold.Signatures) != 2 || sold.SolReceived <= 0 || len(e.steps(j.ID)) != 2 {
		t.Errorf("wallet_sell result %+v, %d steps", sold, len(e.steps(j.ID)))
	}
	for i, b := range s.buyers {
		if e.exists(m.ata(b.PublicKey())) {
			t.Errorf("buyer %d token account still open after selling 100%%", i)
		}
		gain := int64(e.balance(b.PublicKey())) - int64(before[i])
		want := int64(lamportsOf(sold.Wallets[i].SolReceived)) + int64(token.RentExemptMinimum(170)) - 5000
		if gain != want {
			t.Errorf("buyer %d gained %d lamports, want sale + ATA rent - fee = %d", i, gain, want)
		}
	}
}
