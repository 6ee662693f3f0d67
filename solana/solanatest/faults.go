package solanatest

import (
	"context"
	"errors"
	"testing"
	"time"

	sol "github.com/gagliardetto/solana-go"

	nsolana "github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/mixer"
	"github.com/nitro-runtime/nitro/solana/mixer/mixertest"
)

// Faults are the failure knobs of a test cluster (solana/localnet's *Faults has them).
type Faults interface {
	DropNext(n int)
	SetDropFraction(p float64)
	SetBlockhashValidity(blocks uint64)
	FailHTTPNext(n, status int)
	Reset()
}

// ExerciseFaults checks the client against a misbehaving cluster: dropped
// broadcasts are re-sent with the same bytes and land once, a transaction that
// never lands ends in ErrBlockhashExpired without re-signing, rate-limited reads are
// retried, and a mixer run survives dropped hops. The cluster must produce slots on
// its own (the expiry case waits for the height to pass).
func ExerciseFaults(t *testing.T, newClient NewClient, fund Fund, faults Faults) {
	t.Cleanup(faults.Reset)
	t.Run("DroppedBroadcastsAreResent", func(t *testing.T) {
		defer faults.Reset()
		c := newClient(t)
		payer, to := wallet(), wallet().PublicKey()
		fund(t, payer.PublicKey(), sol1)
		faults.DropNext(2)
		stx := signed(t, c, payer, to, sol1/10)
		if err := c.SendAndConfirm(ctxT(t), stx, nil); err != nil {
			t.Fatalf("send with drops: %v", err)
		}
		if got := balance(t, c, to); got != sol1/10 {
			t.Fatalf("recipient %d", got)
		}
	})
	t.Run("NeverLandedExpires", func(t *testing.T) {
		defer faults.Reset()
		c := newClient(t)
		payer := wallet()
		fund(t, payer.PublicKey(), sol1)
		faults.SetBlockhashValidity(5)
		bh, err := c.RefreshBlockhash(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		faults.SetDropFraction(1)
		stx, err := nsolana.SignTx(payer.PublicKey(), []sol.Instruction{transfer(payer, wallet().PublicKey(), 1000)},
			[]sol.PrivateKey{payer}, bh, nsolana.BuildOpts{CULimit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.SendAndConfirm(ctxT(t), stx, nil); !errors.Is(err, nsolana.ErrBlockhashExpired) {
			t.Fatalf("want ErrBlockhashExpired, got %v", err)
		}
		faults.SetDropFraction(0)
		if got := balance(t, c, payer.PublicKey()); got != sol1 {
			t.Fatalf("payer charged for a dropped tx: %d", got)
		}
	})
	t.Run("RateLimitedReadsRetried", func(t *testing.T) {
		defer faults.Reset()
		c := newClient(t)
		w := wallet()
		fund(t, w.PublicKey(), sol1)
		faults.FailHTTPNext(2, 429)
		if got, err := c.GetBalance(ctxT(t), w.PublicKey()); err != nil || got != sol1 {
			t.Fatalf("balance through 429s: %d %v", got, err)
		}
	})
	t.Run("MixerSurvivesDrops", func(t *testing.T) {
		defer faults.Reset()
		c := newClient(t)
		funder := wallet()
		fund(t, funder.PublicKey(), sol1)
		faults.SetDropFraction(0.3)
		buyer := wallet().PublicKey()
		keys := &mixertest.KeyStore{}
		m := mixer.New(c, keys, &mixertest.Journal{}, mixer.Config{})
		req := mixer.Request{RunID: "faults", Funder: funder, Hops: 2,
			Targets: []mixer.Target{{Wallet: buyer, Min: sol1 / 10}}}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if _, err := m.Run(ctx, req, nil); err != nil {
			t.Fatal(err)
		}
		if got := balance(t, c, buyer); got != sol1/10 {
			t.Fatalf("buyer %d", got)
		}
		var kept uint64
		for _, k := range keys.Keys() {
			kept += balance(t, c, k)
		}
		if got := balance(t, c, funder.PublicKey()); got != sol1-sol1/10-3*m.HopFee()-kept {
			t.Fatalf("funder %d: a hop landed twice or fees are off", got)
		}
	})
}

func signed(t *testing.T, c *nsolana.Client, payer sol.PrivateKey, to sol.PublicKey, lamports uint64) *nsolana.SignedTx {
	t.Helper()
	bh, err := c.RefreshBlockhash(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	stx, err := nsolana.SignTx(payer.PublicKey(), []sol.Instruction{transfer(payer, to, lamports)},
		[]sol.PrivateKey{payer}, bh, nsolana.BuildOpts{CULimit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return stx
}
