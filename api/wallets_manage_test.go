package api_test

import (
	"crypto/ed25519"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mr-tron/base58"

	"github.com/nitro-runtime/nitro/api"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/store"
)

func importBody(user string, secrets ...string) map[string]any {
	ws := make([]any, len(secrets))
	for i, s := range secrets {
		ws[i] = map[string]any{"label": fmt.Sprint("w", i), "secretKey": s}
	}
	return map[string]any{"userId": user, "wallets": ws}
}

func TestWalletImport(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	var secrets, pubs []string
	for range 100 {
		s, p := keypair(t)
		secrets, pubs = append(secrets, s), append(pubs, p)
	}
	m := h.expect(h.call("POST", "/api/wallets/import", "key", importBody("u1", secrets...)), http.StatusCreated)
	ws, _ := m["wallets"].([]any)
	if len(ws) != 100 || m["userId"] != "u1" {
		t.Fatalf("import reply %v", m)
	}
	for i, w := range ws {
		v := w.(map[string]any)
		if len(v) != 3 || v["publicKey"] != pubs[i] || v["label"] != fmt.Sprint("w", i) || v["userId"] != "u1" {
			t.Fatalf("wallet %d reply %v (must be exactly {publicKey, userId, label} in request order)", i, v)
		}
	}
	list, err := h.store.ListWallets(t.Context(), "u1", store.WalletUser)
	if err != nil || len(list) != 100 {
		t.Fatalf("stored %d, %v", len(list), err)
	}

	s1, _ := keypair(t)
	s2, _ := keypair(t)
	// Already registered at index 2: 409 naming it, and nothing of the batch is stored.
	m = h.expect(h.call("POST", "/api/wallets/import", "key", importBody("u2", s1, s2, secrets[5])), http.StatusConflict)
	if f, _ := m["fields"].(map[string]any); f["wallets[2].secretKey"] == nil {
		t.Fatalf("409 must name wallets[2]: %v", m)
	}
	if list, _ := h.store.ListWallets(t.Context(), "u2", ""); len(list) != 0 {
		t.Fatalf("a refused import stored %d wallets", len(list))
	}
	// Refusals that name the field.
	tooMany := append(append([]string{}, secrets...), s1)
	for name, c := range map[string]struct {
		body  any
		field string
	}{
		"duplicate":   {importBody("u2", s1, s2, s1), "wallets[2].secretKey"},
		"not base58":  {importBody("u2", s1, "0OIl"), "wallets[1].secretKey"},
		"32 bytes":    {importBody("u2", pubs[0]), "wallets[0].secretKey"},
		"empty":       {importBody("u2"), "wallets"},
		"101 wallets": {importBody("u2", tooMany...), "wallets"},
		"bad user":    {importBody("u 2", s1), "userId"},
		"long label":  {map[string]any{"userId": "u2", "wallets": []any{map[string]any{"label": strings.Repeat("x", 65), "secretKey": s1}}}, "wallets[0].label"},
		"unknown":     {map[string]any{"userId": "u2", "wallets": []any{map[string]any{"secretKey": s1, "seed": "x"}}}, ""},
	} {
		m := h.expect(h.call("POST", "/api/wallets/import", "key", c.body), http.StatusBadRequest)
		if f, _ := m["fields"].(map[string]any); f == nil || (c.field != "" && f[c.field] == nil) {
			t.Errorf("%s: 400 must name %q: %v", name, c.field, m)
		}
	}
	if list, _ := h.store.ListWallets(t.Context(), "u2", ""); len(list) != 0 {
		t.Fatalf("refused imports stored %d wallets", len(list))
	}
	h.expect(h.call("POST", "/api/wallets/import", h.token("u1", false), importBody("u1", s1)), http.StatusForbidden)
	h.expect(h.call("POST", "/api/wallets/import", "key", `{"userId":"u1","wallets":[{"secretKey":"`+strings.Repeat("1", 70<<10)+`"}]}`),
		http.StatusRequestEntityTooLarge)
	h.assertNeverSent(append(secrets, s1, s2)...)
}

func TestWalletRenameAndDelete(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	ctx := t.Context()
	secret, pub := keypair(t)
	h.expect(h.call("POST", "/api/wallets", "key", map[string]any{"userId": "u1", "label": "old", "secretKey": secret}), http.StatusCreated)
	path := "/api/users/u1/wallets/" + pub

	// Rename: API key or the owner's token; another user's token is 403, another user's path 404.
	m := h.expect(h.call("PATCH", path, h.token("u1", false), map[string]any{"label": "dev"}), http.StatusOK)
	if m["label"] != "dev" || m["publicKey"] != pub || len(m) != 3 {
		t.Fatalf("rename reply %v", m)
	}
	h.expect(h.call("PATCH", path, "key", map[string]any{"label": strings.Repeat("x", 65)}), http.StatusBadRequest)
	h.expect(h.call("PATCH", path, "key", `{"label":"a","secretKey":"x"}`), http.StatusBadRequest)
	h.expect(h.call("PATCH", path, h.token("u2", false), map[string]any{"label": "x"}), http.StatusForbidden)
	h.expect(h.call("PATCH", "/api/users/u2/wallets/"+pub, "key", map[string]any{"label": "x"}), http.StatusNotFound)
	h.expect(h.call("PATCH", "/api/users/u1/wallets/not-a-key", "key", map[string]any{"label": "x"}), http.StatusBadRequest)
	if ws, _ := h.store.ListWallets(ctx, "u1", ""); len(ws) != 1 || ws[0].Label != "dev" {
		t.Fatalf("stored %+v", ws)
	}

	// The user's launches are the mints whose balances are read.
	if err := h.store.RegisterLaunch(ctx, store.Launch{TokenAddress: pubkey(77), UserID: "u1", Platform: progress.PlatformBonk, Name: "A", Symbol: "A"}); err != nil {
		t.Fatal(err)
	}
	// Funds block the delete: lamports, or a token balance with 0 lamports.
	for _, held := range []api.Holding{{Lamports: 1}, {Tokens: []api.TokenHolding{{Mint: pubkey(77), Amount: 1, Decimals: 6}}}} {
		h.mu.Lock()
		h.held = map[string]api.Holding{pub: held}
		h.mu.Unlock()
		h.expect(h.call("DELETE", path, "key", nil), http.StatusConflict)
	}
	h.mu.Lock()
	last := h.mintsAsked[len(h.mintsAsked)-1]
	h.held = map[string]api.Holding{}
	h.mu.Unlock()
	if len(last) != 1 || last[0].Mint != pubkey(77) || last[0].Platform != progress.PlatformBonk {
		t.Fatalf("mints asked = %+v; want the user's launch", last)
	}
	h.expect(h.call("DELETE", path, h.token("u2", false), nil), http.StatusForbidden)
	h.expect(h.call("DELETE", path, h.token("u1", false), nil), http.StatusNoContent)
	h.expect(h.call("DELETE", path, "key", nil), http.StatusNotFound)
	if ws, _ := h.store.ListWallets(ctx, "u1", ""); len(ws) != 0 {
		t.Fatalf("deleted wallet still listed: %+v", ws)
	}
	// Restore: only the user who deleted it (or the API key, or an admin) gets it back,
	// label and secret included; a retry answers the same.
	restore := path + "/restore"
	h.expect(h.call("POST", restore, h.token("u2", false), nil), http.StatusForbidden)
	h.expect(h.call("POST", "/api/users/u2/wallets/"+pub+"/restore", "key", nil), http.StatusNotFound)
	h.expect(h.call("POST", "/api/users/u1/wallets/not-a-key/restore", "key", nil), http.StatusBadRequest)
	for _, who := range []string{h.token("u1", false), "key"} {
		m := h.expect(h.call("POST", restore, who, nil), http.StatusOK)
		if m["publicKey"] != pub || m["userId"] != "u1" || m["label"] != "dev" || len(m) != 3 {
			t.Fatalf("restore reply %v", m)
		}
	}
	if got, err := h.store.WalletSecret(ctx, "u1", pub); err != nil || base58.Encode(got) != secret {
		t.Fatalf("restored secret: %v", err)
	}
	h.expect(h.call("DELETE", path, "key", nil), http.StatusNoContent)
	// A mixer wallet stays.
	_, hopSecret, _ := ed25519.GenerateKey(nil)
	hop, err := h.store.CreateWallet(ctx, "u1", "hop", store.WalletIntermediate, hopSecret)
	if err != nil {
		t.Fatal(err)
	}
	h.expect(h.call("DELETE", "/api/users/u1/wallets/"+hop.PublicKey, "key", nil), http.StatusConflict)
	h.assertNeverSent(secret)
}

func TestWalletListTokens(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	secret, pub := keypair(t)
	h.expect(h.call("POST", "/api/wallets", "key", map[string]any{"userId": "u1", "secretKey": secret}), http.StatusCreated)
	h.mu.Lock()
	h.held = map[string]api.Holding{pub: {Lamports: 5, Tokens: []api.TokenHolding{{Mint: pubkey(9), Amount: 1_000_000, Decimals: 6}}}}
	h.mu.Unlock()
	m := h.expect(h.call("GET", "/api/users/u1/wallets", "key", nil), http.StatusOK)
	w := m["wallets"].([]any)[0].(map[string]any)
	toks, _ := w["tokens"].([]any)
	if w["lamports"] != 5.0 || len(toks) != 1 {
		t.Fatalf("wallet view %v", w)
	}
	if tok := toks[0].(map[string]any); tok["mint"] != pubkey(9) || tok["amount"] != 1e6 || tok["decimals"] != 6.0 {
		t.Fatalf("token view %v", tok)
	}
}
