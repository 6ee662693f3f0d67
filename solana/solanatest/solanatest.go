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
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
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

// made holds every wallet the suite made, so a run on a real cluster can send what
// they still hold back to where it came from (ReturnFunds).
var made struct {
	sync.Mutex
	keys []sol.PrivateKey
}

// Serve serves a cluster's JSON-RPC and PubSub handlers until the test ends and
// returns their URLs (http:// and ws://).
func Serve(t testing.TB, rpc, ws http.Handler) (rpcURL, wsURL string) {
	rpcSrv, wsSrv := httptest.NewServer(rpc), httptest.NewServer(ws)
	t.Cleanup(func() { wsSrv.Close(); rpcSrv.Close() })
	return rpcSrv.URL, "ws" + strings.TrimPrefix(wsSrv.URL, "http")
}

// Wallet makes a fresh wallet and remembers it for ReturnFunds.
func Wallet() sol.PrivateKey { return wallet() }

// Balance returns k's lamports, failing the test when the chain does not answer.
func Balance(t *testing.T, c *nsolana.Client, k sol.PublicKey) uint64 { return balance(t, c, k) }

func wallet() sol.PrivateKey {
	w := sol.NewWallet()
	made.Lock()
	made.keys = append(made.keys, w.PrivateKey)
	made.Unlock()
	return w.PrivateKey
}

// ReturnFunds moves what every wallet made so far (by the suite or Wallet) holds to `to` (all of it but the
// fee, leaving each at 0) and forgets them; it returns the lamports moved. Accounts
// that are no longer plain wallets (a mint keypair now owned by a token program)
// cannot pay a fee and keep their rent.
func ReturnFunds(ctx context.Context, c *nsolana.Client, to sol.PublicKey) (uint64, error) {
	made.Lock()
	keys := made.keys
	made.keys = nil
	made.Unlock()
	pubs := make([]sol.PublicKey, len(keys))
	for i, k := range keys {
		pubs[i] = k.PublicKey()
	}
	accs, err := c.GetMultipleAccounts(ctx, pubs...)
	if err != nil {
		return 0, err
	}
	fee := nsolana.TxFee(1, 1000, 0)
	var moved uint64
	var errs []error
	for i, k := range keys {
		a := accs[i]
		if a == nil || a.Lamports <= fee || a.Owner != sol.SystemProgramID || len(a.Data) != 0 || pubs[i] == to {
			continue
		}
		amount := a.Lamports - fee
		stx, err := c.BuildTx(ctx, pubs[i], []sol.Instruction{transfer(k, to, amount)}, []sol.PrivateKey{k}, nsolana.BuildOpts{CULimit: 1000})
		if err == nil {
			err = c.SendAndConfirm(ctx, stx, nil)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("return %d from %s: %w", amount, pubs[i], err))
			continue
		}
		moved += amount
	}
	return moved, errors.Join(errs...)
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
