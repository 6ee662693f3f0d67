package jobs

import (
	"context"
	"net/http"
	"testing"

	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/store"
)

// TestSweepWalletsValidation: each bad field of a sweep_wallets payload is named.
func TestSweepWalletsValidation(t *testing.T) {
	many := make([]any, MaxSweepWallets+1)
	for i := range many {
		many[i] = key(byte(i))
	}
	cases := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"no wallets", map[string]any{"userId": "u1", "destination": key(2)}, "wallets"},
		{"empty wallets", map[string]any{"userId": "u1", "wallets": []any{}, "destination": key(2)}, "wallets"},
		{"too many", map[string]any{"userId": "u1", "wallets": many, "destination": key(200)}, "wallets"},
		{"duplicate", map[string]any{"userId": "u1", "wallets": []any{key(3), key(3)}, "destination": key(2)}, "wallets[1]"},
		{"destination in list", map[string]any{"userId": "u1", "wallets": []any{key(3), key(2)}, "destination": key(2)}, "wallets[1]"},
		{"bad wallet", map[string]any{"userId": "u1", "wallets": []any{"nope"}, "destination": key(2)}, "wallets[0]"},
		{"no destination", map[string]any{"userId": "u1", "wallets": []any{key(3)}}, "destination"},
		{"slippage without a sale", map[string]any{"userId": "u1", "wallets": []any{key(3)}, "destination": key(2), "slippageBps": 10}, "slippageBps"},
		{"bad token", map[string]any{"userId": "u1", "wallets": []any{key(3)}, "destination": key(2), "tokenAddress": "x"}, "tokenAddress"},
		{"unknown field", map[string]any{"userId": "u1", "wallets": []any{key(3)}, "destination": key(2), "lamports": 5}, "lamports"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(progress.SweepWallets, mustJSON(t, c.body))
			fe, ok := err.(*FieldErrors)
			if !ok || fe.Fields[c.field] == "" {
				t.Fatalf("error %v does not name %s", err, c.field)
			}
		})
	}
	// Exactly MaxSweepWallets is accepted.
	p, err := Decode(progress.SweepWallets, mustJSON(t, map[string]any{"userId": "u1", "wallets": many[:MaxSweepWallets], "destination": key(200)}))
	if err != nil {
		t.Fatal(err)
	}
	if s := p.(*SweepWalletsPayload); s.SlippageBps != nil || s.Queue() != QueueDefault {
		t.Errorf("defaults: slippage %v queue %s", s.SlippageBps, s.Queue())
	}
}

type fakeOwners map[string]string

func (f fakeOwners) WalletOwner(_ context.Context, pub string) (string, error) {
	if o, ok := f[pub]; ok {
		return o, nil
	}
	return "", store.ErrNotFound
}

func (f fakeOwners) LaunchOwner(ctx context.Context, token string) (string, error) {
	return f.WalletOwner(ctx, token)
}

// TestSweepWalletsOwners: the destination and every wallet must be the user's: 403
// naming another user's, 404 naming an unknown one.
func TestSweepWalletsOwners(t *testing.T) {
	owners := fakeOwners{key(2): "u1", key(3): "u1", key(4): "u2"}
	decode := func(body map[string]any) Payload {
		p, err := Decode(progress.SweepWallets, mustJSON(t, body))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if err := CheckOwners(context.Background(), owners, decode(map[string]any{"userId": "u1", "wallets": []any{key(3)}, "destination": key(2)})); err != nil {
		t.Fatalf("own wallets refused: %v", err)
	}
	err := CheckOwners(context.Background(), owners, decode(map[string]any{"userId": "u1", "wallets": []any{key(3), key(4)}, "destination": key(2)}))
	if oe, ok := err.(*OwnershipError); !ok || oe.Status != http.StatusForbidden || oe.Fields["wallets[1]"] == "" {
		t.Fatalf("another user's wallet: %v", err)
	}
	err = CheckOwners(context.Background(), owners, decode(map[string]any{"userId": "u1", "wallets": []any{key(3)}, "destination": key(5)}))
	if oe, ok := err.(*OwnershipError); !ok || oe.Status != http.StatusNotFound || oe.Fields["destination"] == "" {
		t.Fatalf("unknown destination: %v", err)
	}
	err = CheckOwners(context.Background(), owners, decode(map[string]any{"userId": "u2", "wallets": []any{key(4)}, "destination": key(2)}))
	if oe, ok := err.(*OwnershipError); !ok || oe.Status != http.StatusForbidden || oe.Fields["destination"] == "" {
		t.Fatalf("another user's destination: %v", err)
	}
}
