package solanatest

import (
	"context"
	"errors"
	"sync"
	"testing"

	sol "github.com/gagliardetto/solana-go"

	nsolana "github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/mixer"
)

// testMixer runs a real mixing run (2 buyers, 2 hops) against the cluster and checks
// the lamports to the last one: buyers get exactly their amounts, intermediates end
// at 0, the funder pays amounts plus exactly one fee per hop.
func testMixer(t *testing.T, c *nsolana.Client, fund Fund) {
	funder := wallet()
	fund(t, funder.PublicKey(), 2*sol1)
	buyers := []sol.PublicKey{wallet().PublicKey(), wallet().PublicKey()}
	keys, journal := &MemKeyStore{}, &MemJournal{}
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

// MemKeyStore is an in-memory mixer.KeyStore for tests.
type MemKeyStore struct {
	mu   sync.Mutex
	keys map[sol.PublicKey]sol.PrivateKey
}

// Create implements mixer.KeyStore.
func (k *MemKeyStore) Create(context.Context, string) (sol.PublicKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.keys == nil {
		k.keys = map[sol.PublicKey]sol.PrivateKey{}
	}
	w := wallet()
	k.keys[w.PublicKey()] = w
	return w.PublicKey(), nil
}

// Load implements mixer.KeyStore.
func (k *MemKeyStore) Load(_ context.Context, pub sol.PublicKey) (sol.PrivateKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if p, ok := k.keys[pub]; ok {
		return p, nil
	}
	return nil, errors.New("memkeystore: unknown key")
}

// Keys lists the created public keys.
func (k *MemKeyStore) Keys() []sol.PublicKey {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make([]sol.PublicKey, 0, len(k.keys))
	for p := range k.keys {
		out = append(out, p)
	}
	return out
}

// MemJournal is an in-memory mixer.Journal for tests.
type MemJournal struct {
	mu   sync.Mutex
	hops []mixer.Hop
}

// Record implements mixer.Journal.
func (j *MemJournal) Record(_ context.Context, h mixer.Hop) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.hops = append(j.hops, h)
	return nil
}

// Mark implements mixer.Journal.
func (j *MemJournal) Mark(_ context.Context, sig sol.Signature, st mixer.State, msg string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for i := range j.hops {
		if j.hops[i].Signature == sig {
			j.hops[i].State, j.hops[i].Err = st, msg
			return nil
		}
	}
	return errors.New("memjournal: unknown signature")
}

// Hops implements mixer.Journal.
func (j *MemJournal) Hops(_ context.Context, runID string) ([]mixer.Hop, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []mixer.Hop
	for _, h := range j.hops {
		if h.RunID == runID {
			out = append(out, h)
		}
	}
	return out, nil
}
