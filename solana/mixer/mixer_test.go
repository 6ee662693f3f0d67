package mixer_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"

	sol "github.com/gagliardetto/solana-go"

	nsolana "github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/mixer"
	"github.com/nitro-runtime/nitro/solana/mixer/mixertest"
)

func key(n byte) sol.PrivateKey {
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = n
	}
	return sol.PrivateKey(ed25519.NewKeyFromSeed(seed))
}

const sol1 = 1_000_000_000

type rig struct {
	chain   *fakeChain
	keys    *mixertest.KeyStore
	journal *mixertest.Journal
	req     mixer.Request
	start   uint64
}

func newRig(buyers, hops int) *rig {
	r := &rig{chain: newFakeChain(), keys: &mixertest.KeyStore{}, journal: &mixertest.Journal{}}
	r.req = mixer.Request{RunID: "run-1", Funder: key(1), Hops: hops}
	for i := range buyers {
		r.req.Targets = append(r.req.Targets, mixer.Target{Wallet: key(byte(10 + i)).PublicKey(), Min: sol1 / 10, Max: sol1 / 5})
	}
	r.chain.bal[r.req.Funder.PublicKey()] = 5 * sol1
	r.start = r.chain.total()
	return r
}

func (r *rig) mixer(cfg mixer.Config) *mixer.Mixer {
	return mixer.New(r.chain, r.keys, r.journal, cfg)
}

// check asserts exactly-once delivery, intermediates keeping a rent-exempt amount
// within bounds, conservation and the journal.
func (r *rig) check(t *testing.T, m *mixer.Mixer, delivered []uint64) {
	t.Helper()
	n, h := len(r.req.Targets), r.req.Hops
	if got := len(r.chain.ledger); got != n*(h+1) {
		t.Fatalf("%d transfers landed, want %d", got, n*(h+1))
	}
	if r.chain.total() != r.start {
		t.Fatalf("lamports not conserved: %d != %d", r.chain.total(), r.start)
	}
	for i, tg := range r.req.Targets {
		got := r.chain.bal[tg.Wallet]
		if got < tg.Min || got > tg.Max || (delivered != nil && got != delivered[i]) {
			t.Fatalf("buyer %d got %d (bounds %d..%d, delivered %v)", i, got, tg.Min, tg.Max, delivered)
		}
	}
	for _, k := range r.keys.Keys() {
		if b := r.chain.bal[k]; b < mixer.RentExemptMinimum || b > mixer.DefaultKeepMax {
			t.Fatalf("intermediate %s left with %d, want %d..%d", k, b, mixer.RentExemptMinimum, mixer.DefaultKeepMax)
		}
	}
	confirmed := map[[2]int]int{}
	for _, hp := range r.journal.All() {
		if hp.State == mixer.Confirmed {
			confirmed[[2]int{hp.Route, hp.Step}]++
		}
	}
	if len(confirmed) != n*(h+1) {
		t.Fatalf("journal has %d confirmed steps, want %d", len(confirmed), n*(h+1))
	}
	for k, c := range confirmed {
		if c != 1 {
			t.Fatalf("step %v confirmed %d times", k, c)
		}
	}
	if got := r.chain.feesTot; got != uint64(n*(h+1))*m.HopFee() {
		t.Fatalf("fees %d, want %d", got, uint64(n*(h+1))*m.HopFee())
	}
}

func TestRunDeliversExactAmounts(t *testing.T) {
	r := newRig(3, 2)
	m := r.mixer(mixer.Config{PriorityFeeMicroLamports: 10_000})
	var events []mixer.Progress
	res, err := m.Run(context.Background(), r.req, func(p mixer.Progress) { events = append(events, p) })
	if err != nil {
		t.Fatal(err)
	}
	delivered := make([]uint64, 3)
	for i, rr := range res.Routes {
		delivered[i] = rr.Delivered
	}
	r.check(t, m, delivered)
	if m.HopFee() != 5000+10 || res.Fees != 9*m.HopFee() {
		t.Fatalf("fee %d fees %d", m.HopFee(), res.Fees)
	}
	if len(events) != 9 || events[0].Steps != 3 || events[0].State != mixer.Confirmed {
		t.Fatalf("progress %+v", events)
	}
	if len(r.keys.Keys()) != 6 {
		t.Fatalf("%d intermediates, want 6", len(r.keys.Keys()))
	}
}

func TestRunDirectWhenNoHops(t *testing.T) {
	r := newRig(2, 0)
	m := r.mixer(mixer.Config{})
	if _, err := m.Run(context.Background(), r.req, nil); err != nil {
		t.Fatal(err)
	}
	r.check(t, m, nil)
}

// TestResumeAfterCrashAtEveryHop crashes at each SendAndConfirm call, before and
// after the transaction landed, with the unknown transaction later landing or
// expiring; a second run must complete with every hop landed exactly once.
func TestResumeAfterCrashAtEveryHop(t *testing.T) {
	const buyers, hops = 2, 2
	for crashAt := range buyers * (hops + 1) {
		for _, land := range []bool{false, true} {
			for _, settleLands := range []bool{false, true} {
				r := newRig(buyers, hops)
				r.chain.crashAt, r.chain.landBeforeCrash, r.chain.settleLands = crashAt, land, settleLands
				m := r.mixer(mixer.Config{Concurrency: 1})
				if _, err := m.Run(context.Background(), r.req, nil); !errors.Is(err, errCrash) {
					t.Fatalf("crash %d: first run err %v", crashAt, err)
				}
				if n := len(mixer.Unsettled(r.journal.All())); n != 1 {
					t.Fatalf("crash %d: %d unsettled hops, want 1", crashAt, n)
				}
				r.chain.crashAt = -1
				res, err := r.mixer(mixer.Config{Concurrency: 1}).Run(context.Background(), r.req, nil)
				if err != nil {
					t.Fatalf("crash %d land %v settle %v: resume: %v", crashAt, land, settleLands, err)
				}
				delivered := []uint64{res.Routes[0].Delivered, res.Routes[1].Delivered}
				r.check(t, m, delivered)
			}
		}
	}
}

func TestExpiredHopIsResignedOnce(t *testing.T) {
	r := newRig(1, 1)
	r.chain.expire = map[int]bool{0: true, 2: true} // first attempts of both steps expire
	m := r.mixer(mixer.Config{})
	if _, err := m.Run(context.Background(), r.req, nil); err != nil {
		t.Fatal(err)
	}
	r.check(t, m, nil)
	var expired int
	for _, h := range r.journal.All() {
		if h.State == mixer.Expired {
			expired++
		}
	}
	if expired != 2 || len(r.journal.All()) != 4 {
		t.Fatalf("journal %d hops, %d expired", len(r.journal.All()), expired)
	}
}

func TestInsufficientFundingSendsNothing(t *testing.T) {
	r := newRig(3, 1)
	r.chain.bal[r.req.Funder.PublicKey()] = sol1 / 4
	_, err := r.mixer(mixer.Config{}).Run(context.Background(), r.req, nil)
	if !errors.Is(err, nsolana.ErrInsufficientFunds) || len(r.journal.All()) != 0 {
		t.Fatalf("err %v, %d hops", err, len(r.journal.All()))
	}
	// Leaving dust below the rent-exempt minimum in the funder is refused too.
	r2 := newRig(1, 0)
	r2.req.Targets[0].Max = 0
	r2.chain.bal[r2.req.Funder.PublicKey()] = sol1/10 + 5000 + 1000
	if _, err := r2.mixer(mixer.Config{}).Run(context.Background(), r2.req, nil); !errors.Is(err, nsolana.ErrInsufficientFunds) {
		t.Fatalf("dust: %v", err)
	}
}

func TestRequestValidation(t *testing.T) {
	good := newRig(1, 1).req
	cases := map[string]func(*mixer.Request){
		"RunID":   func(r *mixer.Request) { r.RunID = "" },
		"Funder":  func(r *mixer.Request) { r.Funder = nil },
		"Targets": func(r *mixer.Request) { r.Targets = nil },
		"Hops":    func(r *mixer.Request) { r.Hops = 11 },
		"Min":     func(r *mixer.Request) { r.Targets = []mixer.Target{{Wallet: key(9).PublicKey(), Min: 1000}} },
	}
	for name, mod := range cases {
		req := good
		req.Targets = append([]mixer.Target(nil), good.Targets...)
		mod(&req)
		_, err := mixer.New(newFakeChain(), &mixertest.KeyStore{}, &mixertest.Journal{}, mixer.Config{}).Run(context.Background(), req, nil)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// sweepAll sweeps the rig's run and checks the outcome: something swept, all of it to
// the funder, every intermediate at exactly 0, every lamport accounted for.
func sweepAll(t *testing.T, r *rig, m *mixer.Mixer) {
	t.Helper()
	funder := r.req.Funder.PublicKey()
	before := r.chain.bal[funder]
	swept, err := m.Sweep(context.Background(), r.req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if swept == 0 || r.chain.bal[funder] != before+swept {
		t.Fatalf("swept %d, funder %d -> %d", swept, before, r.chain.bal[funder])
	}
	for _, k := range r.keys.Keys() {
		if b := r.chain.bal[k]; b != 0 {
			t.Fatalf("intermediate %s left with %d", k, b)
		}
	}
	if r.chain.total() != r.start {
		t.Fatal("not conserved")
	}
}

func TestSweepReturnsLeftovers(t *testing.T) {
	r := newRig(2, 2)
	r.chain.crashAt, r.chain.landBeforeCrash = 1, true // route 0: step 0 landed, step 1 landed+crash
	m := r.mixer(mixer.Config{Concurrency: 1})
	if _, err := m.Run(context.Background(), r.req, nil); !errors.Is(err, errCrash) {
		t.Fatalf("err %v", err)
	}
	r.chain.crashAt = -1
	sweepAll(t, r, m)
	again, err := m.Sweep(context.Background(), r.req, nil)
	if err != nil || again != 0 {
		t.Fatalf("second sweep %d %v", again, err)
	}
}

// TestExpiredSweepIsResigned: a sweep transfer whose blockhash expired is signed
// again with a fresh one, and the wallet still ends at exactly 0.
func TestExpiredSweepIsResigned(t *testing.T) {
	r := newRig(1, 1)
	m := r.mixer(mixer.Config{})
	if _, err := m.Run(context.Background(), r.req, nil); err != nil {
		t.Fatal(err)
	}
	r.chain.mu.Lock()
	r.chain.expire = map[int]bool{r.chain.calls: true} // the sweep's first attempt
	r.chain.mu.Unlock()
	sweepAll(t, r, m)
	var attempts []mixer.State
	for _, h := range r.journal.All() {
		if h.Route == mixer.SweepRoute {
			attempts = append(attempts, h.State)
		}
	}
	if len(attempts) != 2 || attempts[0] != mixer.Expired || attempts[1] != mixer.Confirmed {
		t.Fatalf("sweep attempts %v; want one expired, then one confirmed", attempts)
	}
}
