package solanatest

import (
	"context"
	"sync"
	"testing"
	"time"

	sol "github.com/gagliardetto/solana-go"

	nsolana "github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/mixer"
	"github.com/nitro-runtime/nitro/solana/mixer/mixertest"
)

// testMixer runs a real mixing run (3 buyers, 2 hops, a random pause before each
// hop) against the cluster and accounts for every lamport: buyers get exactly their
// amounts, each intermediate keeps a rent-exempt amount within bounds that differs
// from hop to hop, and funding spent = buyers received + fees + kept (rent), to the
// lamport. Then Sweep returns what the intermediates kept to the funder.
func testMixer(t *testing.T, c *nsolana.Client, fund Fund) {
	funder := wallet()
	const start = 2 * sol1
	fund(t, funder.PublicKey(), start)
	buyers := []sol.PublicKey{wallet().PublicKey(), wallet().PublicKey(), wallet().PublicKey()}
	keys, journal := &mixertest.KeyStore{}, &mixertest.Journal{}
	var mu sync.Mutex
	var pauses []time.Duration
	m := mixer.New(c, keys, journal, mixer.Config{PriorityFeeMicroLamports: 1000, JitterMax: 40 * time.Millisecond,
		Pause: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			pauses = append(pauses, d)
			mu.Unlock()
			return nil
		}})
	req := mixer.Request{RunID: "conformance", Funder: funder, Hops: 2, Targets: []mixer.Target{
		{Wallet: buyers[0], Min: sol1 / 10, Max: sol1 / 5}, {Wallet: buyers[1], Min: sol1 / 20, Max: sol1 / 20},
		{Wallet: buyers[2], Min: sol1 / 50, Max: sol1 / 10}}}
	var hops int
	res, err := m.Run(ctxT(t), req, func(p mixer.Progress) {
		if p.State == mixer.Confirmed {
			hops++
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	var received uint64
	for i, rr := range res.Routes {
		if got := balance(t, c, buyers[i]); got != rr.Delivered || got < req.Targets[i].Min {
			t.Fatalf("buyer %d has %d, delivered %d", i, got, rr.Delivered)
		}
		received += rr.Delivered
	}
	var rent uint64
	kept := map[uint64]bool{}
	for _, k := range keys.Keys() {
		got := balance(t, c, k)
		if got < mixer.RentExemptMinimum || got > mixer.DefaultKeepMax {
			t.Fatalf("intermediate %s keeps %d, want %d..%d", k, got, mixer.RentExemptMinimum, mixer.DefaultKeepMax)
		}
		rent += got
		kept[got] = true
	}
	fees := uint64(hops) * m.HopFee()
	spent := start - balance(t, c, funder.PublicKey())
	if hops != 9 || len(keys.Keys()) != 6 || spent != received+fees+rent {
		t.Fatalf("funding spent %d; buyers received %d + fees %d (%d hops) + rent %d = %d",
			spent, received, fees, hops, rent, received+fees+rent)
	}
	if len(kept) < 3 {
		t.Fatalf("hop amounts barely vary: intermediates keep %v", kept)
	}
	mu.Lock()
	distinct := map[time.Duration]bool{}
	for _, d := range pauses {
		distinct[d] = true
	}
	mu.Unlock()
	if len(pauses) != 9 || len(distinct) < 2 {
		t.Fatalf("pauses before the 9 hops: %v", pauses)
	}

	swept, err := m.Sweep(ctxT(t), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if swept != rent-6*m.HopFee() {
		t.Fatalf("swept %d, want the rent %d less 6 fees", swept, rent)
	}
	for _, k := range keys.Keys() {
		if got := balance(t, c, k); got != 0 {
			t.Fatalf("intermediate %s left with %d after the sweep", k, got)
		}
	}
	if got, want := balance(t, c, funder.PublicKey()), start-received-fees-6*m.HopFee(); got != want {
		t.Fatalf("funder after the sweep %d, want %d", got, want)
	}
}
