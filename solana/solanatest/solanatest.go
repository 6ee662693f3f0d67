// Package solanatest is the conformance suite of the chain client: Exercise runs the
// same checks against any cluster (the built-in solana/localnet, or devnet through
// SOLANA_RPC_URL), so the built-in cluster cannot drift from real RPC behaviour.
// It is used only from tests.
package solanatest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"testing"
	"time"

	sol "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"

	nsolana "github.com/nitro-runtime/nitro/solana"
)

// SeedKey is the deterministic test key Keypair.fromSeed(32 × n), as golden vectors use.
func SeedKey(n byte) sol.PrivateKey {
	return sol.PrivateKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{n}, 32)))
}

// Fund gives pubkey lamports (airdrop, or a transfer from a funded key) and returns
// once the funds are confirmed.
type Fund func(t *testing.T, pubkey sol.PublicKey, lamports uint64)

// NewClient returns a client for the cluster under test.
type NewClient func(t *testing.T) *nsolana.Client

const sol1 = 1_000_000_000

// Exercise runs the conformance suite.
func Exercise(t *testing.T, newClient NewClient, fund Fund) {
	tests := []struct {
		name string
		fn   func(t *testing.T, c *nsolana.Client, fund Fund)
	}{
		{"FundAndBalance", testFundAndBalance},
		{"MissingAccounts", testMissingAccounts},
		{"BlockhashValidity", testBlockhashValidity},
		{"TransferAndConfirm", testTransferAndConfirm},
		{"SimulateCU", testSimulateCU},
		{"SimulateFailureClassified", testSimulateFailure},
		{"LandedFailureClassified", testLandedFailure},
		{"TxTooLargeRejected", testTooLarge},
		{"UnknownSignatureStatus", testUnknownSignature},
		{"ExpiredBlockhash", testExpiredBlockhash},
		{"LookupTableV0", testLookupTableV0},
		{"Mixer", testMixer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newClient(t), fund)
		})
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func wallet() sol.PrivateKey {
	w := sol.NewWallet()
	return w.PrivateKey
}

func transfer(from sol.PrivateKey, to sol.PublicKey, lamports uint64) sol.Instruction {
	return system.NewTransferInstruction(lamports, from.PublicKey(), to).Build()
}

func balance(t *testing.T, c *nsolana.Client, k sol.PublicKey) uint64 {
	t.Helper()
	b, err := c.GetBalance(ctxT(t), k)
	if err != nil {
		t.Fatalf("balance %s: %v", k, err)
	}
	return b
}

func testFundAndBalance(t *testing.T, c *nsolana.Client, fund Fund) {
	w := wallet()
	fund(t, w.PublicKey(), 2*sol1)
	if got := balance(t, c, w.PublicKey()); got != 2*sol1 {
		t.Fatalf("balance %d, want %d", got, 2*sol1)
	}
	acc, err := c.GetAccountInfo(ctxT(t), w.PublicKey())
	if err != nil || acc.Lamports != 2*sol1 || !acc.Owner.Equals(sol.SystemProgramID) || len(acc.Data) != 0 {
		t.Fatalf("account %+v %v", acc, err)
	}
}

func testMissingAccounts(t *testing.T, c *nsolana.Client, fund Fund) {
	missing := wallet().PublicKey()
	if got := balance(t, c, missing); got != 0 {
		t.Fatalf("missing account balance %d", got)
	}
	if _, err := c.GetAccountInfo(ctxT(t), missing); !errors.Is(err, nsolana.ErrAccountNotFound) {
		t.Fatalf("GetAccountInfo missing: %v", err)
	}
	if _, _, err := c.GetTokenAccountBalance(ctxT(t), missing); !errors.Is(err, nsolana.ErrAccountNotFound) {
		t.Fatalf("GetTokenAccountBalance missing: %v", err)
	}
	w := wallet()
	fund(t, w.PublicKey(), sol1)
	accs, err := c.GetMultipleAccounts(ctxT(t), missing, w.PublicKey())
	if err != nil || len(accs) != 2 || accs[0] != nil || accs[1] == nil || accs[1].Lamports != sol1 {
		t.Fatalf("GetMultipleAccounts %v %v", accs, err)
	}
}

func testBlockhashValidity(t *testing.T, c *nsolana.Client, _ Fund) {
	bh, err := c.RefreshBlockhash(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	h, err := c.BlockHeight(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	// A fresh blockhash is valid for about 150 blocks beyond the current height.
	if bh.Hash.IsZero() || bh.LastValidBlockHeight <= h || bh.LastValidBlockHeight > h+300 {
		t.Fatalf("blockhash %s last valid %d at height %d", bh.Hash, bh.LastValidBlockHeight, h)
	}
	cached, _ := c.LatestBlockhash(ctxT(t))
	if cached != bh {
		t.Fatalf("tracker did not cache: %v vs %v", cached, bh)
	}
}
