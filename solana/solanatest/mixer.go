package solanatest

import (
	"testing"

	sol "github.com/gagliardetto/solana-go"

	nsolana "github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/mixer"
	"github.com/nitro-runtime/nitro/solana/mixer/mixertest"
)

// testMixer runs a real mixing run (2 buyers, 2 hops) against the cluster and checks
// the lamports to the last one: buyers get exactly their amounts, intermediates end
// at 0, the funder pays amounts plus exactly one fee per hop.
func testMixer(t *testing.T, c *nsolana.Client, fund Fund) {
	funder := wallet()
	fund(t, funder.PublicKey(), 2*sol1)
	buyers := []sol.PublicKey{wallet().PublicKey(), wallet().PublicKey()}
	keys, journal := &mixertest.KeyStore{}, &mixertest.Journal{}
	m := mixer.New(c, keys, journal, mixer.Config{PriorityFeeMicroLamports: 1000})
	req := mixer.Request{RunID: "conformance", Funder: funder, Hops: 2, Targets: []mixer.Target{
		{Wallet: buyers[0], Min: sol1 / 10, Max: sol1 / 5}, {Wallet: buyers[1], Min: sol1 / 20, Max: sol1 / 20}}}
	var hops int
	res, err := m.Run(ctxT(t), req, func(p mixer.Progress) {
		if p.State == mixer.Confirmed {
			hops++
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	var paid uint64
	for i, rr := range res.Routes {
		if got := balance(t, c, buyers[i]); got != rr.Delivered || got < req.Targets[i].Min {
			t.Fatalf("buyer %d has %d, delivered %d", i, got, rr.Delivered)
		}
		paid += rr.Delivered
	}
	for _, k := range keys.Keys() {
		if got := balance(t, c, k); got != 0 {
			t.Fatalf("intermediate %s left with %d", k, got)
		}
	}
	if got, want := balance(t, c, funder.PublicKey()), 2*sol1-paid-6*m.HopFee(); got != want || hops != 6 {
		t.Fatalf("funder %d, want %d (hops %d)", got, want, hops)
	}
}
