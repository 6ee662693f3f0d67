package solana

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	sol "github.com/gagliardetto/solana-go"
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{}, "RPCURL is required"},
		{Config{RPCURL: "ftp://x"}, "RPCURL"},
		{Config{RPCURL: "http://x", WSURL: "http://x"}, "WSURL"},
		{Config{RPCURL: "http://x", Commitment: "max"}, "Commitment"},
		{Config{RPCURL: "http://x", RateLimit: -1}, "RateLimit"},
		{Config{RPCURL: "https://x/?api-key=SECRET", WSURL: "wss://x"}, ""},
	}
	for _, c := range cases {
		_, err := NewClient(c.cfg)
		if c.want == "" {
			if err != nil {
				t.Errorf("%+v: unexpected %v", c.cfg, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want mention of %q", c.cfg, err, c.want)
		}
	}
	d := Config{RPCURL: "http://x"}.withDefaults()
	if d.Commitment != "confirmed" || d.RateLimit != DefaultRateLimit || d.Burst != 10 || d.PollInterval != 400*time.Millisecond {
		t.Fatalf("defaults: %+v", d)
	}
}

func TestGetBalanceWire(t *testing.T) {
	f := newFakeRPC(t)
	f.handle("getBalance", func(p []json.RawMessage) (any, *rpcErr) { return ctxValue(1234567), nil })
	c := f.client(t)
	got, err := c.GetBalance(context.Background(), pk(1))
	if err != nil || got != 1234567 {
		t.Fatalf("balance %d %v", got, err)
	}
	calls := f.callsOf("getBalance")
	var key string
	var opts map[string]string
	mustJSON(t, calls[0].Params[0], &key)
	mustJSON(t, calls[0].Params[1], &opts)
	if key != pk(1).String() || opts["commitment"] != "confirmed" {
		t.Fatalf("params %s %v", key, opts)
	}
}

func accountJSON(lamports uint64, owner string, data []byte) map[string]any {
	return map[string]any{"lamports": lamports, "owner": owner, "executable": false, "rentEpoch": 0,
		"data": []string{base64.StdEncoding.EncodeToString(data), "base64"}}
}

func TestGetAccountInfoWire(t *testing.T) {
	f := newFakeRPC(t)
	f.handle("getAccountInfo", func(p []json.RawMessage) (any, *rpcErr) {
		var key string
		_ = json.Unmarshal(p[0], &key)
		if key == pk(2).String() {
			return ctxValue(nil), nil
		}
		return ctxValue(accountJSON(99, pk(9).String(), []byte{1, 2, 3})), nil
	})
	c := f.client(t)
	acc, err := c.GetAccountInfo(context.Background(), pk(1))
	if err != nil || acc.Lamports != 99 || !acc.Owner.Equals(pk(9)) || string(acc.Data) != "\x01\x02\x03" {
		t.Fatalf("account %+v %v", acc, err)
	}
	var opts map[string]any
	mustJSON(t, f.callsOf("getAccountInfo")[0].Params[1], &opts)
	if opts["encoding"] != "base64" || opts["commitment"] != "confirmed" {
		t.Fatalf("opts %v", opts)
	}
	if _, err := c.GetAccountInfo(context.Background(), pk(2)); !errors.Is(err, ErrAccountNotFound) {
		t.Fatalf("missing account: %v", err)
	}
}

func TestGetMultipleAccountsWire(t *testing.T) {
	f := newFakeRPC(t)
	f.handle("getMultipleAccounts", func(p []json.RawMessage) (any, *rpcErr) {
		var keys []string
		_ = json.Unmarshal(p[0], &keys)
		vals := make([]any, len(keys))
		for i := range keys {
			if i%2 == 0 {
				vals[i] = accountJSON(uint64(i), pk(9).String(), nil)
			}
		}
		return ctxValue(vals), nil
	})
	c := f.client(t)
	keys := make([]sol.PublicKey, 150)
	for i := range keys {
		keys[i] = pk(byte(i))
	}
	accs, err := c.GetMultipleAccounts(context.Background(), keys...)
	if err != nil || len(accs) != 150 {
		t.Fatalf("%d %v", len(accs), err)
	}
	if accs[0] == nil || accs[1] != nil || accs[102] == nil || accs[102].Lamports != 2 {
		t.Fatalf("values %v %v %v", accs[0], accs[1], accs[102])
	}
	if n := len(f.callsOf("getMultipleAccounts")); n != 2 {
		t.Fatalf("%d calls, want 2 chunks", n)
	}
}

func TestGetTokenAccountBalanceWire(t *testing.T) {
	f := newFakeRPC(t)
	f.handle("getTokenAccountBalance", func(p []json.RawMessage) (any, *rpcErr) {
		var key string
		_ = json.Unmarshal(p[0], &key)
		if key == pk(2).String() {
			return nil, &rpcErr{Code: -32602, Message: "Invalid param: could not find account"}
		}
		return ctxValue(map[string]any{"amount": "18446744073709551615", "decimals": 6, "uiAmountString": "x"}), nil
	})
	c := f.client(t)
	amt, dec, err := c.GetTokenAccountBalance(context.Background(), pk(1))
	if err != nil || amt != 18446744073709551615 || dec != 6 {
		t.Fatalf("%d %d %v", amt, dec, err)
	}
	if _, _, err := c.GetTokenAccountBalance(context.Background(), pk(2)); !errors.Is(err, ErrAccountNotFound) {
		t.Fatalf("missing: %v", err)
	}
}

func TestBlockhashTrackerCaches(t *testing.T) {
	f := newFakeRPC(t)
	n := 0
	f.handle("getLatestBlockhash", func(p []json.RawMessage) (any, *rpcErr) {
		n++
		return ctxValue(map[string]any{"blockhash": pk(byte(n)).String(), "lastValidBlockHeight": 100 + n}), nil
	})
	c := f.client(t, func(c *Config) { c.BlockhashMaxAge = time.Hour })
	ctx := context.Background()
	a, err := c.LatestBlockhash(ctx)
	b, _ := c.LatestBlockhash(ctx)
	if err != nil || a != b || a.LastValidBlockHeight != 101 || a.Hash.String() != pk(1).String() {
		t.Fatalf("%+v %+v %v", a, b, err)
	}
	fresh, _ := c.RefreshBlockhash(ctx)
	if fresh.LastValidBlockHeight != 102 || len(f.callsOf("getLatestBlockhash")) != 2 {
		t.Fatalf("refresh %+v", fresh)
	}
	var opts map[string]string
	mustJSON(t, f.callsOf("getLatestBlockhash")[0].Params[0], &opts)
	if opts["commitment"] != "confirmed" {
		t.Fatalf("opts %v", opts)
	}
	// Expiry by age: a tracker with a fake clock refetches once maxAge passed.
	now := time.Unix(0, 0)
	c.bh.now = func() time.Time { return now }
	c.bh.maxAge = time.Second
	_, _ = c.RefreshBlockhash(ctx)
	_, _ = c.LatestBlockhash(ctx)
	now = now.Add(2 * time.Second)
	_, _ = c.LatestBlockhash(ctx)
	if got := len(f.callsOf("getLatestBlockhash")); got != 4 {
		t.Fatalf("%d fetches, want 4", got)
	}
}

func TestPriorityFeeEstimateWire(t *testing.T) {
	f := newFakeRPC(t)
	f.handle("getRecentPrioritizationFees", func(p []json.RawMessage) (any, *rpcErr) {
		out := []map[string]uint64{}
		for i := range 10 {
			out = append(out, map[string]uint64{"slot": uint64(i), "prioritizationFee": uint64(i * 1000)})
		}
		return out, nil
	})
	c := f.client(t)
	got, err := c.PriorityFeeEstimate(context.Background(), []sol.PublicKey{pk(4)}, 75, 100, 0)
	if err != nil || got != 7000 {
		t.Fatalf("%d %v", got, err)
	}
	var keys []string
	mustJSON(t, f.callsOf("getRecentPrioritizationFees")[0].Params[0], &keys)
	if len(keys) != 1 || keys[0] != pk(4).String() {
		t.Fatalf("params %v", keys)
	}
	if got, _ := c.PriorityFeeEstimate(context.Background(), nil, 99, 0, 5000); got != 5000 {
		t.Fatalf("ceiling %d", got)
	}
	if got, _ := c.PriorityFeeEstimate(context.Background(), nil, 0, 20_000, 0); got != 20_000 {
		t.Fatalf("floor %d", got)
	}
	if Percentile(nil, 50) != 0 || Percentile([]uint64{5, 1, 3}, 50) != 3 || Percentile([]uint64{5, 1, 3}, 100) != 5 {
		t.Fatal("percentile")
	}
}
