package localnet_test

import (
	"context"
	"testing"
	"time"

	sol "github.com/gagliardetto/solana-go"

	nsolana "github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/jito"
	"github.com/nitro-runtime/nitro/solana/localnet"
	"github.com/nitro-runtime/nitro/solana/solanatest"
	"github.com/nitro-runtime/nitro/solana/solanatest/chaincheck"
)

// conformanceCluster starts a cluster producing slots every 20 ms with its RPC
// and PubSub servers, and returns client and funding hooks for solanatest.
func conformanceCluster(t *testing.T) (*localnet.Cluster, string, solanatest.NewClient, solanatest.Fund) {
	t.Helper()
	c, err := localnet.New(localnet.Config{SlotInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	rpcURL, wsURL := solanatest.Serve(t, c.Handler(), c.WSHandler())
	newClient := func(t *testing.T) *nsolana.Client {
		cl, err := nsolana.NewClient(nsolana.Config{
			RPCURL: rpcURL, WSURL: wsURL,
			RateLimit: 2000, RetryBackoff: 10 * time.Millisecond,
			ResendInterval: 100 * time.Millisecond, PollInterval: 20 * time.Millisecond,
			BlockhashMaxAge: 200 * time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cl.Close() })
		return cl
	}
	fund := func(t *testing.T, k sol.PublicKey, lamports uint64) {
		if _, err := c.Airdrop(k, lamports); err != nil {
			t.Fatalf("airdrop: %v", err)
		}
		// Wait until the airdrop is confirmed (one slot later), as a real faucet returns.
		slot := c.Bank().Slot()
		deadline := time.Now().Add(5 * time.Second)
		for c.Bank().Slot() <= slot && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
	}
	return c, rpcURL, newClient, fund
}

// TestConformance runs the chain check (the client's conformance suite, the mixer
// with its sweep, pump create_v2/buy/sell) against the built-in cluster; the same
// check runs against devnet with `make check/devnet` (solanatest/chaincheck).
func TestConformance(t *testing.T) {
	_, _, newClient, fund := conformanceCluster(t)
	chaincheck.Exercise(t, newClient, fund)
}

func TestConformanceFaults(t *testing.T) {
	c, _, newClient, fund := conformanceCluster(t)
	solanatest.ExerciseFaults(t, newClient, fund, c.Faults())
}

func TestConformanceJito(t *testing.T) {
	_, url, newClient, fund := conformanceCluster(t)
	solanatest.ExerciseJito(t, &jito.Client{URL: url}, newClient, fund)
}

var _ = context.Background
