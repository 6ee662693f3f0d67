package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/progress"
)

// walletList is GET /api/users/{userId}/wallets.
type walletList struct {
	Wallets []struct {
		PublicKey string  `json:"publicKey"`
		Label     string  `json:"label"`
		Kind      string  `json:"kind"`
		Lamports  *uint64 `json:"lamports"`
		Tokens    []struct {
			Mint     string `json:"mint"`
			Amount   uint64 `json:"amount"`
			Decimals int    `json:"decimals"`
		} `json:"tokens"`
	} `json:"wallets"`
	BalancesError string `json:"balancesError"`
}

// TestWalletManagement drives a real nitro serve: a bulk import, a mixed pump launch,
// the wallet list with every wallet's SOL and token balance as the chain holds them,
// read in one getMultipleAccounts request, a rename, deletes that the chain allows (an
// empty wallet) or refuses (a buyer holding the coin, a funded wallet), and a deleted
// wallet restored and swept after SOL reached it.
func TestWalletManagement(t *testing.T) {
	s := startServer(t)
	chain := rpc{t: t, url: s.URL + "/localnet/rpc"}
	c := newCrew(s, chain, "wendy", 2)

	var imported []solana.PrivateKey
	var items []map[string]any
	for i := range 3 {
		k, err := solana.NewRandomPrivateKey()
		if err != nil {
			t.Fatal(err)
		}
		imported = append(imported, k)
		items = append(items, map[string]any{"label": fmt.Sprint("spare", i), "secretKey": k.String()})
	}
	status, body := s.apiCall("POST", "/api/wallets/import", map[string]any{"userId": "wendy", "wallets": items})
	if status != http.StatusCreated || strings.Contains(string(body), imported[0].String()) {
		t.Fatalf("import: %d %s", status, body)
	}
	// The same batch again: nothing is imported twice, the first item is named.
	if status, body := s.apiCall("POST", "/api/wallets/import", map[string]any{"userId": "wendy", "wallets": items}); status != http.StatusConflict ||
		!strings.Contains(string(body), "wallets[0].secretKey") {
		t.Fatalf("repeat import: %d %s", status, body)
	}

	id := s.enqueue(progress.LaunchToken, c.launchPayload(progress.PlatformPump, "Walletz", true, 0.2, 0.1))
	job := s.waitJob(id, launchJobTimeout)
	if job.State != "completed" {
		t.Fatalf("launch ended %s: %s", job.State, job.Error)
	}
	var res launchResult
	mustJSON(t, job.Result, &res)
	mint := solana.MustPublicKeyFromBase58(res.TokenAddress)

	const series = `nitro_rpc_requests_total{method="getMultipleAccounts",outcome="ok"}`
	before, _ := scanMetric(t, s.URL, series, false)
	status, body = s.apiCall("GET", "/api/users/wendy/wallets", nil)
	after, _ := scanMetric(t, s.URL, series, false)
	if status != http.StatusOK {
		t.Fatalf("list: %d %s", status, body)
	}
	var list walletList
	mustJSON(t, body, &list)
	// dev, funding, 2 buyers, 3 imported, the mint keypair, 4 intermediates: 12 wallets,
	// so 12 system accounts + 1 mint + 12 token accounts.
	if len(list.Wallets) != 12 || list.BalancesError != "" {
		t.Fatalf("wallets: %s", body)
	}
	if after-before != 1 {
		t.Errorf("the list of 12 wallets took %v getMultipleAccounts requests, want 1", after-before)
	}
	holders := 0
	for _, w := range list.Wallets {
		pub := solana.MustPublicKeyFromBase58(w.PublicKey)
		if w.Lamports == nil || *w.Lamports != chain.balance(pub) {
			t.Errorf("%s (%s): lamports %v, chain %d", w.Label, w.Kind, w.Lamports, chain.balance(pub))
		}
		onChain := chain.tokenBalance(pub, mint)
		switch {
		case onChain == 0 && len(w.Tokens) != 0:
			t.Errorf("%s lists tokens %+v it does not hold", w.Label, w.Tokens)
		case onChain > 0 && (len(w.Tokens) != 1 || w.Tokens[0].Mint != mint.String() || w.Tokens[0].Amount != onChain || w.Tokens[0].Decimals != 6):
			t.Errorf("%s: tokens %+v, chain holds %d of %s", w.Label, w.Tokens, onChain, mint)
		case onChain > 0:
			holders++
		}
	}
	if holders != 3 { // the dev and both buyers
		t.Errorf("%d wallets list the coin, want 3", holders)
	}

	path := func(k solana.PublicKey) string { return "/api/users/wendy/wallets/" + k.String() }
	if status, body := s.apiCall("PATCH", path(imported[0].PublicKey()), map[string]any{"label": "renamed"}); status != http.StatusOK ||
		!strings.Contains(string(body), `"label":"renamed"`) {
		t.Fatalf("rename: %d %s", status, body)
	}
	// A buyer holds the coin (and SOL): refused. A funded spare: refused. An empty spare: deleted.
	if status, body := s.apiCall("DELETE", path(c.buyers[0].Pub()), nil); status != http.StatusConflict {
		t.Fatalf("delete a buyer holding the coin: %d %s", status, body)
	}
	chain.airdrop(imported[1].PublicKey(), 890_880) // the least a wallet can hold
	if status, body := s.apiCall("DELETE", path(imported[1].PublicKey()), nil); status != http.StatusConflict {
		t.Fatalf("delete a funded wallet: %d %s", status, body)
	}
	if status, body := s.apiCall("DELETE", path(imported[0].PublicKey()), nil); status != http.StatusNoContent {
		t.Fatalf("delete an empty wallet: %d %s", status, body)
	}
	status, body = s.apiCall("GET", "/api/users/wendy/wallets", nil)
	if status != http.StatusOK || strings.Contains(string(body), imported[0].PublicKey().String()) || !strings.Contains(string(body), imported[1].PublicKey().String()) {
		t.Fatalf("after the delete: %d %s", status, body)
	}

	// SOL reaches the deleted wallet afterwards (a deposit in flight during the check):
	// the user restores it and sweeps it to a wallet of theirs, to the lamport.
	late := uint64(lamportsPerSOL/20 + 7)
	chain.airdrop(imported[0].PublicKey(), late)
	if status, body := s.apiCall("POST", path(imported[0].PublicKey())+"/restore", nil); status != http.StatusOK ||
		!strings.Contains(string(body), `"label":"renamed"`) {
		t.Fatalf("restore: %d %s", status, body)
	}
	destAt := chain.balance(imported[1].PublicKey())
	sweep := s.enqueue(progress.SweepWallets, map[string]any{"userId": "wendy",
		"wallets": []string{imported[0].PublicKey().String()}, "destination": imported[1].PublicKey().String()})
	if job := s.waitJob(sweep, launchJobTimeout); job.State != "completed" {
		t.Fatalf("sweep of the restored wallet ended %s: %s", job.State, job.Error)
	}
	if b := chain.balance(imported[0].PublicKey()); b != 0 {
		t.Errorf("the restored wallet holds %d lamports after the sweep", b)
	}
	if got := chain.balance(imported[1].PublicKey()) - destAt; got != late-5000 {
		t.Errorf("the sweep brought %d lamports, want %d (the late deposit less one fee)", got, late-5000)
	}
}
