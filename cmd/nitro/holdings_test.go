package main

import (
	"crypto/ed25519"
	"net/http/httptest"
	"testing"

	sol "github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/api"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/localnet"
	"github.com/nitro-runtime/nitro/solana/token"
)

func newKey(t *testing.T) sol.PublicKey {
	t.Helper()
	p, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return sol.PublicKeyFromBytes(p)
}

// getMultipleAccounts answered by the client so far, and every other method.
func rpcCalls(c *solana.Client) (gma, other uint64) {
	for _, rc := range c.RequestCounts() {
		if rc.Method == "getMultipleAccounts" {
			gma += rc.N
		} else {
			other += rc.N
		}
	}
	return gma, other
}

// TestHoldingsOneRoundTrip: the wallet list's balances come from the built-in
// cluster in one getMultipleAccounts request (wallets, mints and ATAs together),
// with SOL and the token balances of a pump (Token-2022) and a LaunchLab (SPL) mint.
func TestHoldingsOneRoundTrip(t *testing.T) {
	cl, err := localnet.New(localnet.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(cl.Handler())
	t.Cleanup(func() { srv.Close(); cl.Close() })
	c, err := solana.NewClient(solana.Config{RPCURL: srv.URL, RateLimit: solana.NoRateLimit})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })

	bank := cl.Bank()
	pumpMint, bonkMint, unknown := newKey(t), newKey(t), newKey(t)
	bank.SetAccount(pumpMint, localnet.Account{Lamports: 2_000_000, Owner: token.Token2022ProgramID,
		Data: token.EncodeMint(token.Mint{Decimals: 6, IsInitialized: true, Supply: 1e15})})
	bank.SetAccount(bonkMint, localnet.Account{Lamports: 2_000_000, Owner: token.TokenProgramID,
		Data: token.EncodeMint(token.Mint{Decimals: 9, IsInitialized: true, Supply: 1e15})})
	mints := []api.TokenMint{{Mint: pumpMint.String(), Platform: progress.PlatformPump},
		{Mint: bonkMint.String(), Platform: progress.PlatformBonk}, {Mint: unknown.String(), Platform: progress.PlatformPump}}

	const n = 24 // 24 wallets + 3 mints + 72 ATAs = 99 keys: one request
	var wallets []string
	for i := range n {
		w := newKey(t)
		wallets = append(wallets, w.String())
		if i%3 != 2 {
			bank.SetAccount(w, localnet.Account{Lamports: uint64(i+1) * 1_000_000, Owner: sol.SystemProgramID})
		}
		for _, m := range []struct {
			mint, program sol.PublicKey
		}{{pumpMint, token.Token2022ProgramID}, {bonkMint, token.TokenProgramID}} {
			if i%2 == 0 {
				ata, _ := token.AssociatedAddress(w, m.mint, m.program)
				bank.SetAccount(ata, localnet.Account{Lamports: 2_039_280, Owner: m.program,
					Data: token.EncodeTokenAccount(token.Account{Mint: m.mint, Owner: w, Amount: uint64(i + 7), State: token.StateInitialized}, m.program)})
			}
		}
	}
	got, err := holdingsReader{c}.Holdings(t.Context(), wallets, mints)
	if err != nil {
		t.Fatal(err)
	}
	if gma, other := rpcCalls(c); gma != 1 || other != 0 {
		t.Fatalf("balances of %d wallets took %d getMultipleAccounts and %d other requests; want 1 and 0", n, gma, other)
	}
	for i, w := range wallets {
		h := got[w]
		want := uint64(i+1) * 1_000_000
		if i%3 == 2 {
			want = 0
		}
		if h.Lamports != want {
			t.Errorf("wallet %d: %d lamports, want %d", i, h.Lamports, want)
		}
		if i%2 == 1 {
			if len(h.Tokens) != 0 {
				t.Errorf("wallet %d: tokens %+v, want none", i, h.Tokens)
			}
			continue
		}
		wantToks := []api.TokenHolding{{Mint: pumpMint.String(), Amount: uint64(i + 7), Decimals: 6}, {Mint: bonkMint.String(), Amount: uint64(i + 7), Decimals: 9}}
		if len(h.Tokens) != 2 || h.Tokens[0] != wantToks[0] || h.Tokens[1] != wantToks[1] {
			t.Errorf("wallet %d: tokens %+v, want %+v", i, h.Tokens, wantToks)
		}
	}

	// 100 wallets x 3 mints: 403 keys in 5 requests sent side by side, still nothing per wallet.
	for range 100 - n {
		wallets = append(wallets, newKey(t).String())
	}
	if _, err := (holdingsReader{c}).Holdings(t.Context(), wallets, mints); err != nil {
		t.Fatal(err)
	}
	if gma, other := rpcCalls(c); gma != 1+5 || other != 0 {
		t.Fatalf("100 wallets: %d getMultipleAccounts and %d other requests; want 5 more and 0", gma-1, other)
	}
}
