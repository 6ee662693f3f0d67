package chaincheck

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	sol "github.com/gagliardetto/solana-go"

	nsolana "github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/localnet"
	"github.com/nitro-runtime/nitro/solana/solanatest"
)

// TestDevnetPathOnBuiltinCluster runs `make check/devnet`'s path (TestDevnet with a
// funding keypair file) against the built-in cluster served over HTTP and WebSocket,
// so the devnet check itself cannot rot: funding from the keypair, the whole suite,
// and every subtest's wallets emptied back into the keypair. It checks that the
// keypair ends where it started less what the suite really spends on chain.
func TestDevnetPathOnBuiltinCluster(t *testing.T) {
	c, err := localnet.New(localnet.Config{SlotInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	rpcURL, wsURL := solanatest.Serve(t, c.Handler(), c.WSHandler())

	funder := sol.NewWallet().PrivateKey // not a test wallet: ReturnFunds must not empty it
	ints := make([]int, len(funder))
	for i, b := range funder {
		ints[i] = int(b)
	}
	raw, _ := json.Marshal(ints)
	path := filepath.Join(t.TempDir(), "devnet.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	const start = 20 * sol1
	if _, err := c.Airdrop(funder.PublicKey(), start); err != nil {
		t.Fatal(err)
	}
	t.Run("suite", func(t *testing.T) {
		// Slots every 20 ms: blockhashes cached for 200 ms, not the default 10 s (150 slots
		// of validity last 3 s here, a minute on a real cluster).
		runDevnet(t, nsolana.Config{RPCURL: rpcURL, WSURL: wsURL,
			RateLimit: 2000, RetryBackoff: 10 * time.Millisecond, ResendInterval: 100 * time.Millisecond,
			PollInterval: 20 * time.Millisecond, BlockhashMaxAge: 200 * time.Millisecond}, path)
	})
	// Every wallet the suite made was emptied back when its subtest ended.
	cl, err := nsolana.NewClient(nsolana.Config{RPCURL: rpcURL, RateLimit: nsolana.NoRateLimit})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if n, err := solanatest.ReturnFunds(t.Context(), cl, funder.PublicKey()); err != nil || n != 0 {
		t.Fatalf("%d lamports were still in test wallets after the run (%v)", n, err)
	}
	left := c.Bank().Balance(funder.PublicKey())
	// What stays spent: fees, the pump curve's share of the trade, rent of the lookup
	// table and of what the failure cases leave; far below what was lent out.
	if spent := start - left; spent > sol1/5 {
		t.Fatalf("the suite kept %d lamports of the funder's: wallets were not emptied back", spent)
	}
}
