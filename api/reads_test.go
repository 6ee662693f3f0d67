package api_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/progress/wire"
	"github.com/nitro-runtime/nitro/store"
)

func TestLaunches(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	ctx := context.Background()
	older, newer, theirs := pubkey(40), pubkey(80), pubkey(120)
	for _, l := range []store.Launch{
		{TokenAddress: older, UserID: "u1", Platform: progress.PlatformPump, Name: "Old", Symbol: "OLD", JobID: "j1"},
		{TokenAddress: newer, UserID: "u1", Platform: progress.PlatformBonk, Name: "New", Symbol: "NEW", JobID: "j2", Mixing: true},
		{TokenAddress: theirs, UserID: "u2", Platform: progress.PlatformPump, Name: "Theirs", Symbol: "THR"},
	} {
		if err := h.store.RegisterLaunch(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	row, err := h.store.LoadLaunch(ctx, newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := row.State.Apply(progress.StageCreated, 1700000000000); err != nil {
		t.Fatal(err)
	}
	row.Version++
	if err := h.store.Persist(ctx, wire.Batch{Launches: []wire.LaunchRow{row}}); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"key", h.token("u1", false), h.token("ops", true)} {
		m := h.expect(h.call("GET", "/api/launches/"+newer, who, nil), http.StatusOK)
		prog, _ := m["progress"].(map[string]any)
		stages, _ := prog["stages"].(map[string]any)
		creation, _ := stages["creation"].(map[string]any)
		if m["name"] != "New" || m["platform"] != "bonk" || creation["completed"] != true || prog["tokenAddress"] != newer {
			t.Fatalf("launch reply %v", m)
		}
	}
	h.expect(h.call("GET", "/api/launches/"+theirs, h.token("u1", false), nil), http.StatusForbidden)
	h.expect(h.call("GET", "/api/launches/"+pubkey(200), "key", nil), http.StatusNotFound)
	h.expect(h.call("GET", "/api/launches/not-a-token", "key", nil), http.StatusNotFound)
	h.expect(h.call("GET", "/api/launches/"+newer, "none", nil), http.StatusUnauthorized)
	h.expect(h.call("POST", "/api/launches/"+newer, "key", "{}"), http.StatusMethodNotAllowed)

	m := h.expect(h.call("GET", "/api/users/u1/launches", h.token("u1", false), nil), http.StatusOK)
	list, _ := m["launches"].([]any)
	var tokens []string
	for _, l := range list {
		tokens = append(tokens, l.(map[string]any)["tokenAddress"].(string))
	}
	if !slices.Equal(tokens, []string{newer, older}) {
		t.Fatalf("want newest first [%s %s], got %v", newer, older, tokens)
	}
	m = h.expect(h.call("GET", "/api/users/u1/launches?limit=1", "key", nil), http.StatusOK)
	if list, _ := m["launches"].([]any); len(list) != 1 {
		t.Fatalf("limit=1 gave %d launches", len(list))
	}
	m = h.expect(h.call("GET", "/api/users/nobody/launches", "key", nil), http.StatusOK)
	if list, ok := m["launches"].([]any); !ok || len(list) != 0 {
		t.Fatalf("a user with no launches gets [], got %v", m)
	}
	h.expect(h.call("GET", "/api/users/u1/launches?limit=0", "key", nil), http.StatusBadRequest)
	h.expect(h.call("GET", "/api/users/u1/launches", h.token("u2", false), nil), http.StatusForbidden)
	h.expect(h.call("GET", "/api/users/u1/launches", "none", nil), http.StatusUnauthorized)
}

func TestWallets(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	secret, pub := keypair(t)
	m := h.expect(h.call("POST", "/api/wallets", "key", map[string]any{"userId": "u1", "label": "dev", "secretKey": secret}), http.StatusCreated)
	if len(m) != 3 || m["publicKey"] != pub || m["userId"] != "u1" || m["label"] != "dev" {
		t.Fatalf("201 must be exactly {publicKey, userId, label}: %v", m)
	}
	gen := h.expect(h.call("POST", "/api/wallets", "key", map[string]any{"userId": "u1", "generate": true}), http.StatusCreated)
	if len(gen) != 3 || gen["publicKey"] == "" || gen["label"] != "" {
		t.Fatalf("generated wallet reply %v", gen)
	}
	// Registering the same keypair again for the same user is idempotent; for another user, a conflict.
	h.expect(h.call("POST", "/api/wallets", "key", map[string]any{"userId": "u1", "label": "dev", "secretKey": secret}), http.StatusCreated)
	h.expect(h.call("POST", "/api/wallets", "key", map[string]any{"userId": "u2", "secretKey": secret}), http.StatusConflict)

	otherSecret, _ := keypair(t)
	bad := []map[string]any{
		{"userId": "u1"},
		{"userId": "u1", "secretKey": "not-base58-0OIl"},
		{"userId": "u1", "secretKey": pub}, // 32 bytes, not a keypair
		{"userId": "u1", "secretKey": otherSecret, "generate": true},
		{"userId": "u 1", "generate": true},
	}
	for _, b := range bad {
		m := h.expect(h.call("POST", "/api/wallets", "key", b), http.StatusBadRequest)
		if m["fields"] == nil {
			t.Fatalf("400 without fields for %v: %v", b, m)
		}
	}
	// A keypair whose halves do not match is refused by the store.
	sb, _ := keypair(t)
	mismatched := sb[:len(sb)-4] + "1111"
	h.expect(h.call("POST", "/api/wallets", "key", map[string]any{"userId": "u1", "secretKey": mismatched}), http.StatusBadRequest)
	h.expect(h.call("POST", "/api/wallets", "key", `{"userId":"u1","generate":true,"seed":"x"}`), http.StatusBadRequest)
	h.expect(h.call("POST", "/api/wallets", h.token("u1", false), map[string]any{"userId": "u1", "generate": true}), http.StatusForbidden)
	h.expect(h.call("POST", "/api/wallets", "none", map[string]any{"userId": "u1", "generate": true}), http.StatusUnauthorized)
	h.expect(h.call("POST", "/api/wallets", "key", map[string]any{"userId": "u1", "generate": true}, "Content-Type", "text/plain"), http.StatusUnsupportedMediaType)
	h.expect(h.call("POST", "/api/wallets", "key", `{"userId":"u1","label":"`+string(make([]byte, 5000))+`"}`), http.StatusRequestEntityTooLarge)

	m = h.expect(h.call("GET", "/api/users/u1/wallets", h.token("u1", false), nil), http.StatusOK)
	ws, _ := m["wallets"].([]any)
	if len(ws) != 2 {
		t.Fatalf("want 2 wallets, got %v", m)
	}
	first := ws[0].(map[string]any)
	if first["publicKey"] != pub || first["label"] != "dev" || first["balanceSol"] != 1.5 || first["lamports"] != 1.5e9 {
		t.Fatalf("wallet view %v", first)
	}
	h.expect(h.call("GET", "/api/users/u1/wallets", "key", nil), http.StatusOK)
	h.expect(h.call("GET", "/api/users/u1/wallets", h.token("u2", false), nil), http.StatusForbidden)
	h.expect(h.call("GET", "/api/users/u1/wallets", "none", nil), http.StatusUnauthorized)
	h.expect(h.call("DELETE", "/api/users/u1/wallets", "key", nil), http.StatusMethodNotAllowed)
	h.expect(h.call("GET", "/api/users/u%201/wallets", "key", nil), http.StatusBadRequest)
	h.assertNeverSent(secret, otherSecret, sb)
}
