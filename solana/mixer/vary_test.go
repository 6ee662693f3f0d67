package mixer_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nitro-runtime/nitro/solana/mixer"
)

// kept returns what each intermediate kept, read from the journal: the hop into it
// less the hop out of it and that hop's fee.
func kept(t *testing.T, hops []mixer.Hop, fee uint64) []uint64 {
	t.Helper()
	in := map[[2]int]uint64{}
	for _, h := range hops {
		if h.State == mixer.Confirmed {
			in[[2]int{h.Route, h.Step}] = h.Lamports
		}
	}
	var out []uint64
	for k, l := range in {
		if next, ok := in[[2]int{k[0], k[1] + 1}]; ok {
			out = append(out, l-next-fee)
		}
	}
	return out
}

// runKept runs the rig's 4 routes of 3 hops, checks the delivery and returns what the
// 12 intermediates kept.
func runKept(t *testing.T, r *rig, m *mixer.Mixer) []uint64 {
	t.Helper()
	if _, err := m.Run(context.Background(), r.req, nil); err != nil {
		t.Fatal(err)
	}
	r.check(t, m, nil)
	ks := kept(t, r.journal.All(), m.HopFee())
	if len(ks) != 4*3 {
		t.Fatalf("%d intermediates kept something, want 12", len(ks))
	}
	return ks
}

// TestHopAmountsVary: no hop of a route moves what the previous one moved less just a
// fee; what each intermediate keeps is rent-exempt, within bounds, and not constant.
func TestHopAmountsVary(t *testing.T) {
	r := newRig(4, 3)
	m := r.mixer(mixer.Config{})
	ks := runKept(t, r, m)
	distinct := map[uint64]bool{}
	for _, k := range ks {
		if k < mixer.RentExemptMinimum || k > mixer.DefaultKeepMax {
			t.Fatalf("kept %d, outside %d..%d", k, mixer.RentExemptMinimum, mixer.DefaultKeepMax)
		}
		distinct[k] = true
	}
	if len(distinct) < len(ks)/2 {
		t.Fatalf("kept amounts barely vary: %v", ks)
	}
	// Every lamport: funder's loss = delivered + fees + kept.
	var delivered, keptSum uint64
	for _, tg := range r.req.Targets {
		delivered += r.chain.bal[tg.Wallet]
	}
	for _, k := range r.keys.Keys() {
		keptSum += r.chain.bal[k]
	}
	spent := 5*sol1 - r.chain.bal[r.req.Funder.PublicKey()]
	if spent != delivered+r.chain.feesTot+keptSum {
		t.Fatalf("funder spent %d != delivered %d + fees %d + kept %d", spent, delivered, r.chain.feesTot, keptSum)
	}
}

// TestKeptAmountsPayTheirOwnSweep: with KeepMax so low that about half the draws
// would leave an intermediate less than one fee above the rent-exempt minimum (where
// it could not pay the fee of its sweep and stay rent-exempt), none is left there.
func TestKeptAmountsPayTheirOwnSweep(t *testing.T) {
	r := newRig(4, 3)
	fee := r.mixer(mixer.Config{}).HopFee()
	m := r.mixer(mixer.Config{KeepMax: mixer.RentExemptMinimum + 2*fee})
	ks := runKept(t, r, m)
	for _, k := range ks {
		if k < mixer.RentExemptMinimum+fee || k > mixer.RentExemptMinimum+2*fee {
			t.Fatalf("kept %d, outside %d..%d", k, mixer.RentExemptMinimum+fee, mixer.RentExemptMinimum+2*fee)
		}
	}
}

// TestHopsInterleave: hop k of every buyer goes before hop k+1 of any, and the waves
// do not all start the buyers in the same order.
func TestHopsInterleave(t *testing.T) {
	r := newRig(6, 2)
	m := r.mixer(mixer.Config{Concurrency: 1})
	if _, err := m.Run(context.Background(), r.req, nil); err != nil {
		t.Fatal(err)
	}
	waves := make([][]int, 3)
	step := 0
	for _, h := range r.journal.All() {
		if h.Step < step {
			t.Fatalf("hop %d of route %d sent after a hop %d: not in waves", h.Step, h.Route, step)
		}
		step = h.Step
		waves[h.Step] = append(waves[h.Step], h.Route)
	}
	identity := []int{0, 1, 2, 3, 4, 5}
	if slices.Equal(waves[0], waves[1]) && slices.Equal(waves[1], waves[2]) || slices.Equal(waves[0], identity) && slices.Equal(waves[1], identity) {
		t.Fatalf("every wave in the same order: %v", waves)
	}
}

// TestSeedDecidesEverything: the same request makes the same choices (a resumed run
// sends what the crashed one planned); another seed makes others.
func TestSeedDecidesEverything(t *testing.T) {
	run := func(seed []byte) []mixer.Hop {
		r := newRig(3, 2)
		r.req.Seed = seed
		if _, err := r.mixer(mixer.Config{Concurrency: 1}).Run(context.Background(), r.req, nil); err != nil {
			t.Fatal(err)
		}
		return r.journal.All()
	}
	shape := func(hs []mixer.Hop) (out [][3]uint64) {
		for _, h := range hs {
			out = append(out, [3]uint64{uint64(h.Route), uint64(h.Step), h.Lamports})
		}
		return out
	}
	a, b, c := shape(run([]byte("job-1"))), shape(run([]byte("job-1"))), shape(run([]byte("job-2")))
	if !slices.Equal(a, b) {
		t.Fatalf("same seed, different runs:\n%v\n%v", a, b)
	}
	if slices.Equal(a, c) {
		t.Fatal("another seed made the same choices")
	}
}

// TestJitterPauses: a pause before each hop, within [JitterMin, JitterMax], varying.
func TestJitterPauses(t *testing.T) {
	r := newRig(3, 2)
	var mu sync.Mutex
	var pauses []time.Duration
	m := r.mixer(mixer.Config{JitterMin: time.Millisecond, JitterMax: time.Second, Pause: func(_ context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		pauses = append(pauses, d)
		return nil
	}})
	if _, err := m.Run(context.Background(), r.req, nil); err != nil {
		t.Fatal(err)
	}
	if len(pauses) != 9 {
		t.Fatalf("%d pauses for 9 hops", len(pauses))
	}
	distinct := map[time.Duration]bool{}
	for _, d := range pauses {
		if d < time.Millisecond || d > time.Second {
			t.Fatalf("pause %v outside 1ms..1s", d)
		}
		distinct[d] = true
	}
	if len(distinct) < 2 {
		t.Fatalf("pauses do not vary: %v", pauses)
	}
	// JitterMax 0: no pause at all.
	pauses = nil
	r2 := newRig(1, 1)
	if _, err := r2.mixer(mixer.Config{Pause: func(context.Context, time.Duration) error { pauses = append(pauses, 0); return nil }}).
		Run(context.Background(), r2.req, nil); err != nil || len(pauses) != 0 {
		t.Fatalf("%v, %d pauses without jitter", err, len(pauses))
	}
}
