package api

import (
	"context"
	"crypto/ed25519"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/mr-tron/base58"

	"github.com/nitro-runtime/nitro/store"
)

// TestWalletDeleteNeedsTheChain: a delete that cannot prove the wallet empty does
// not delete it: 503 without a balance reader or when the chain does not answer.
func TestWalletDeleteNeedsTheChain(t *testing.T) {
	const pub = "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T"
	st := newFakeStore()
	st.wallets = []store.Wallet{{PublicKey: pub, UserID: "u1", Label: "dev", Kind: store.WalletUser}}
	down := BalancesFunc(func(context.Context, []string, []TokenMint) (map[string]Holding, error) {
		return nil, errors.New("rpc down")
	})
	for name, bal := range map[string]Balances{"no reader": nil, "chain down": down} {
		h := newFakeServer(t, &fakeEnqueuer{}, st, bal, nil)
		if rec := fakeCall(h, "DELETE", "/api/users/u1/wallets/"+pub, ""); rec.Code != http.StatusServiceUnavailable {
			t.Errorf("%s: %d %s", name, rec.Code, rec.Body)
		}
	}
}

// TestWalletImportStoreDown: a store failure is a 503 that names no secret.
func TestWalletImportStoreDown(t *testing.T) {
	st := newFakeStore()
	st.err = errors.New("pool closed")
	h := newFakeServer(t, &fakeEnqueuer{}, st, nil, nil)
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	secret := base58.Encode(priv)
	rec := fakeCall(h, "POST", "/api/wallets/import", `{"userId":"u1","wallets":[{"secretKey":"`+secret+`"}]}`)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), secret) {
		t.Fatal("the secret was echoed")
	}
}
