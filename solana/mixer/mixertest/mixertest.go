// Package mixertest holds in-memory mixer.KeyStore and mixer.Journal implementations
// for the tests of the mixer itself and of the chain conformance suite. Use it from
// tests only.
package mixertest

import (
	"context"
	"errors"
	"sync"

	sol "github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/solana/mixer"
)

// KeyStore is an in-memory mixer.KeyStore of fresh random keys (fresh, so a run against
// a real cluster never reuses an account an earlier run left behind).
type KeyStore struct {
	mu   sync.Mutex
	keys map[sol.PublicKey]sol.PrivateKey
}

// Create implements mixer.KeyStore.
func (k *KeyStore) Create(context.Context, string) (sol.PublicKey, error) {
	w, err := sol.NewRandomPrivateKey()
	if err != nil {
		return sol.PublicKey{}, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.keys == nil {
		k.keys = map[sol.PublicKey]sol.PrivateKey{}
	}
	k.keys[w.PublicKey()] = w
	return w.PublicKey(), nil
}

// Load implements mixer.KeyStore.
func (k *KeyStore) Load(_ context.Context, pub sol.PublicKey) (sol.PrivateKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if p, ok := k.keys[pub]; ok {
		return p, nil
	}
	return nil, errors.New("mixertest: unknown key")
}

// Keys lists the created public keys.
func (k *KeyStore) Keys() []sol.PublicKey {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make([]sol.PublicKey, 0, len(k.keys))
	for p := range k.keys {
		out = append(out, p)
	}
	return out
}

// Journal is an in-memory mixer.Journal. Like the store's, it refuses a signature
// recorded twice, and it keeps its own copy of a hop's raw transaction.
type Journal struct {
	mu   sync.Mutex
	hops []mixer.Hop
}

// Record implements mixer.Journal.
func (j *Journal) Record(_ context.Context, h mixer.Hop) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, o := range j.hops {
		if o.Signature == h.Signature {
			return errors.New("mixertest: duplicate signature recorded")
		}
	}
	h.Raw = append([]byte(nil), h.Raw...)
	j.hops = append(j.hops, h)
	return nil
}

// Mark implements mixer.Journal.
func (j *Journal) Mark(_ context.Context, sig sol.Signature, st mixer.State, msg string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for i := range j.hops {
		if j.hops[i].Signature == sig {
			j.hops[i].State, j.hops[i].Err = st, msg
			return nil
		}
	}
	return errors.New("mixertest: mark: unknown signature")
}

// Hops implements mixer.Journal.
func (j *Journal) Hops(_ context.Context, runID string) ([]mixer.Hop, error) {
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

// All returns every hop of every run, in the order recorded.
func (j *Journal) All() []mixer.Hop {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]mixer.Hop(nil), j.hops...)
}
