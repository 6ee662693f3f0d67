package mixer

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
)

// dice makes a run's random choices from its seed: each choice hashes the seed with
// what it is for, so the same run always decides the same and no choice depends on
// the order choices are made in (a resumed run may skip some).
type dice struct{ seed [32]byte }

func newDice(req Request) dice {
	h := sha256.New()
	h.Write([]byte("nitro mixer v1\x00"))
	if len(req.Seed) > 0 {
		h.Write(req.Seed)
	} else {
		h.Write([]byte(req.RunID))
		h.Write([]byte{0})
		h.Write(req.Funder.PublicKey().Bytes())
		for _, t := range req.Targets {
			h.Write(t.Wallet.Bytes())
		}
	}
	var d dice
	h.Sum(d.seed[:0])
	return d
}

// rng is a generator for one choice.
func (d dice) rng(what string, a, b int) *rand.Rand {
	h := sha256.New()
	h.Write(d.seed[:])
	h.Write([]byte(what))
	var ab [16]byte
	binary.LittleEndian.PutUint64(ab[:8], uint64(a))
	binary.LittleEndian.PutUint64(ab[8:], uint64(b))
	h.Write(ab[:])
	sum := h.Sum(nil)
	return rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16])))
}

// uint64n is a uniform choice in [0, n) (n > 0).
func (d dice) uint64n(what string, a, b int, n uint64) uint64 { return d.rng(what, a, b).Uint64N(n) }

// order is the order in which a wave starts its n routes.
func (d dice) order(step, n int) []int { return d.rng("order", step, 0).Perm(n) }
