package solanatest

import (
	"context"
	"os"
	"testing"
	"time"

	sol "github.com/gagliardetto/solana-go"

	nsolana "github.com/nitro-runtime/nitro/solana"
)

// TestDevnet runs the suite against SOLANA_RPC_URL (e.g. https://api.devnet.solana.com,
// with SOLANA_WS_URL optional), funding wallets by airdrop. Skipped when unset: the
// built-in cluster runs the same suite in solana/localnet.
func TestDevnet(t *testing.T) {
	url := os.Getenv("SOLANA_RPC_URL")
	if url == "" {
		t.Skip("SOLANA_RPC_URL not set")
	}
	newClient := func(t *testing.T) *nsolana.Client {
		c, err := nsolana.NewClient(nsolana.Config{RPCURL: url, WSURL: os.Getenv("SOLANA_WS_URL"), RateLimit: 5})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	fund := func(t *testing.T, k sol.PublicKey, lamports uint64) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if _, err := newClient(t).Airdrop(ctx, k, lamports); err != nil {
			t.Fatalf("airdrop %d to %s: %v", lamports, k, err)
		}
	}
	Exercise(t, newClient, fund)
}
