package api_test

import (
	"context"
	"crypto/ed25519"
	"net/http"
	"testing"

	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/store"
)

// TestEnqueueRefusesWhatTheUserDoesNotOwn: a payload naming another user's wallet or
// launch is a 403, an unregistered wallet or unknown token a 404, each naming the
// field, at enqueue (not minutes later inside the job); the user's own pass.
func TestEnqueueRefusesWhatTheUserDoesNotOwn(t *testing.T) {
	h := newHarness(t, harnessOpts{owners: true})
	ctx := context.Background()
	wallet := func(user string) string {
		_, priv, err := ed25519.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		w, err := h.store.CreateWallet(ctx, user, "w", store.WalletUser, priv)
		if err != nil {
			t.Fatal(err)
		}
		return w.PublicKey
	}
	mine, mine2, theirs := wallet("u1"), wallet("u1"), wallet("u2")
	theirToken := pubkey(77)
	if err := h.store.RegisterLaunch(ctx, store.Launch{TokenAddress: theirToken, UserID: "u2", Platform: progress.PlatformPump, Name: "X", Symbol: "X"}); err != nil {
		t.Fatal(err)
	}
	launch := func(dev string, buyers ...string) map[string]any {
		p := validJob(progress.LaunchToken, "u1")
		p["devWallet"] = dev
		var bw []any
		for _, b := range buyers {
			bw = append(bw, map[string]any{"publicKey": b, "buySol": 0.1})
		}
		if len(bw) > 0 {
			p["buyerWallets"], p["fundingWallet"] = bw, mine
		}
		return p
	}
	for _, c := range []struct {
		name   string
		typ    progress.WorkerType
		body   map[string]any
		status int
		field  string
	}{
		{"another user's dev wallet", progress.LaunchToken, launch(theirs), http.StatusForbidden, "devWallet"},
		{"another user's buyer", progress.LaunchToken, launch(mine, mine, theirs), http.StatusForbidden, "buyerWallets[1].publicKey"},
		{"an unregistered wallet", progress.LaunchToken, launch(pubkey(55)), http.StatusNotFound, "devWallet"},
		{"another user's launch", progress.DevSell, map[string]any{"userId": "u1", "tokenAddress": theirToken, "sellPercent": 50}, http.StatusForbidden, "tokenAddress"},
		{"an unknown token", progress.WalletSell, map[string]any{"userId": "u1", "tokenAddress": pubkey(66), "sellPercent": 50}, http.StatusNotFound, "tokenAddress"},
		{"a sweep from another user's wallet", progress.SweepWallets, map[string]any{"userId": "u1", "wallets": []any{theirs}, "destination": mine}, http.StatusForbidden, "wallets[0]"},
		{"a sweep to another user's wallet", progress.SweepWallets, map[string]any{"userId": "u1", "wallets": []any{mine2}, "destination": theirs}, http.StatusForbidden, "destination"},
		{"a sweep to an unregistered wallet", progress.SweepWallets, map[string]any{"userId": "u1", "wallets": []any{mine2}, "destination": pubkey(56)}, http.StatusNotFound, "destination"},
	} {
		m := h.expect(h.call("POST", "/api/jobs/"+string(c.typ), "key", c.body), c.status)
		fields, _ := m["fields"].(map[string]any)
		if msg, _ := fields[c.field].(string); msg == "" {
			t.Errorf("%s: the refusal does not name %s: %v", c.name, c.field, m)
		}
	}
	h.expect(h.call("POST", "/api/jobs/launch_token", "key", launch(mine, mine)), http.StatusAccepted)
	h.expect(h.call("POST", "/api/jobs/sweep_wallets", "key", map[string]any{"userId": "u1", "wallets": []any{mine2}, "destination": mine}), http.StatusAccepted)
}
