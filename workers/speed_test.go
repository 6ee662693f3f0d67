package workers

import (
	"context"
	"encoding/binary"
	"strings"
	"sync"
	"testing"
	"time"

	sol "github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/mixer"
)

// slotGate drives a cluster's slots by hand (one every 10 ms) and can hold them:
// while held, nothing sent becomes confirmed, so what a run signs then was signed
// before the transactions it had already sent were confirmed. A hold ends when
// released, or after holdLimit so that code that does wait for confirmations (the
// behaviour these tests rule out) still finishes and is reported instead of hanging.
type slotGate struct {
	e        *env
	mu       sync.Mutex
	heldAt   time.Time
	released bool
	stop     chan struct{}
	done     chan struct{}
}

const holdLimit = 2 * time.Second

func newSlotGate(t *testing.T, tune func(*Deps)) (*env, *slotGate) {
	e := newEnvSlot(t, -1, tune)
	g := &slotGate{e: e, stop: make(chan struct{}), done: make(chan struct{})}
	go g.drive()
	t.Cleanup(func() { close(g.stop); <-g.done })
	return e, g
}

func (g *slotGate) drive() {
	defer close(g.done)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-g.stop:
			return
		case <-tick.C:
			if !g.holding() {
				g.e.cluster.Bank().Advance(1)
			}
		}
	}
}

// hold stops slot production (the first call only).
func (g *slotGate) hold() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.heldAt.IsZero() {
		g.heldAt = time.Now()
	}
}

// release lets slots run again and reports whether the hold was still on.
func (g *slotGate) release() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	was := !g.heldAt.IsZero() && !g.released && time.Since(g.heldAt) < holdLimit
	g.released = true
	return was
}

func (g *slotGate) holding() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return !g.heldAt.IsZero() && !g.released && time.Since(g.heldAt) < holdLimit
}

// counter returns signed, to be called as each transaction of interest is signed:
// the first call holds the slots, each call while they are held is counted, and the
// want-th releases them; held reports the count.
func (g *slotGate) counter(want int) (signed func(), held func() int) {
	var mu sync.Mutex
	n := 0
	signed = func() {
		g.hold()
		mu.Lock()
		defer mu.Unlock()
		if g.holding() {
			if n++; n == want {
				g.release()
			}
		}
	}
	held = func() int {
		mu.Lock()
		defer mu.Unlock()
		return n
	}
	return signed, held
}

// slotOf is the slot a confirmed transaction landed in.
func (e *env) slotOf(sig string) uint64 {
	e.t.Helper()
	s, err := sol.SignatureFromBase58(sig)
	if err != nil {
		e.t.Fatal(err)
	}
	sts, err := e.chain.SignatureStatuses(ctxT(e.t), s)
	if err != nil || sts[0] == nil {
		e.t.Fatalf("status of %s: %v %v", sig, sts, err)
	}
	return sts[0].Slot
}

// TestBuysGoOutBeforeTheCreateIsConfirmed: slots stop once the create is journaled,
// so the create can be processed but not confirmed; the buyer buys must be signed
// and sent all the same, and land in the create's slot.
func TestBuysGoOutBeforeTheCreateIsConfirmed(t *testing.T) {
	e, g := newSlotGate(t, nil)
	s := e.setup("quinn", progress.PlatformPump, []float64{0.3, 0.2, 0.1}, false)
	var mu sync.Mutex
	signedHeld, signedAfter := 0, 0
	e.faults.afterJournal = func(_ context.Context, step string, _ *solana.SignedTx) error {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case step == "create":
			g.hold() // held until holdLimit: every pack must go out meanwhile
		case strings.HasPrefix(step, "buys/") && g.holding():
			signedHeld++
		case strings.HasPrefix(step, "buys/"):
			signedAfter++
		}
		return nil
	}
	var res launchResult
	e.mustComplete(e.run(progress.LaunchToken, s.payload(false)), &res)
	if signedHeld == 0 || signedAfter > 0 {
		t.Fatalf("%d packs signed while the create was processed but not confirmed, %d after: want all before", signedHeld, signedAfter)
	}
	created := e.slotOf(res.Signatures.Create)
	for n, sig := range res.Signatures.Buys {
		if got := e.slotOf(sig); got != created {
			t.Errorf("buys/%d landed in slot %d, the create in %d: want the same slot", n, got, created)
		}
	}
	e.expect(s, sol.MustPublicKeyFromBase58(res.TokenAddress))
}

// TestMixingHopsOfEveryBuyerGoOutTogether: six buyers, one hop: slots stop at the
// first hop, and every buyer's first hop must still be signed (the routes run side
// by side, not four at a time).
func TestMixingHopsOfEveryBuyerGoOutTogether(t *testing.T) {
	e, g := newSlotGate(t, nil)
	buys := []float64{0.1, 0.1, 0.1, 0.1, 0.1, 0.1}
	s := e.setup("mona", progress.PlatformPump, buys, true)
	signed, held := g.counter(len(buys))
	e.faults.afterHop = func(_ context.Context, h mixer.Hop) error {
		if h.Step == 0 {
			signed()
		}
		return nil
	}
	p := s.payload(true)
	p["mixing"] = map[string]any{"enabled": true, "hops": 1}
	var res launchResult
	e.mustComplete(e.run(progress.LaunchToken, p), &res)
	if firstHops := held(); firstHops != len(buys) {
		t.Fatalf("%d of %d buyers' first hops were signed in the same slot", firstHops, len(buys))
	}
}

// TestWalletSellSellsEveryWalletTogether: slots stop at the first sale; every one of
// six wallets must still have its sale signed.
func TestWalletSellSellsEveryWalletTogether(t *testing.T) {
	e, g := newSlotGate(t, nil)
	buys := []float64{0.1, 0.1, 0.1, 0.1, 0.1, 0.1}
	s := e.setup("sven", progress.PlatformPump, buys, false)
	var res launchResult
	e.mustComplete(e.run(progress.LaunchToken, s.payload(false)), &res)
	signed, held := g.counter(len(buys))
	e.faults.afterJournal = func(_ context.Context, step string, _ *solana.SignedTx) error {
		if strings.HasPrefix(step, "sell/") {
			signed()
		}
		return nil
	}
	var sold sellResult
	e.mustComplete(e.run(progress.WalletSell, map[string]any{"userId": "sven", "tokenAddress": res.TokenAddress, "sellPercent": 100}), &sold)
	if sales := held(); sales != len(buys) || len(sold.Signatures) != len(buys) {
		t.Fatalf("%d of %d sales signed in the same slot; %d sold", sales, len(buys), len(sold.Signatures))
	}
}

// TestTradesPricedFromRecentFees: with no priority fee in the payload, a sale pays
// the percentile of what recent trades paid to lock the coin's curve, capped at
// Config.MaxPriorityFee.
func TestTradesPricedFromRecentFees(t *testing.T) {
	e := newEnv(t, func(d *Deps) { d.Config.MaxPriorityFee = 10_000 })
	s := e.setup("pia", progress.PlatformPump, []float64{0.2}, false)
	var res launchResult
	e.mustComplete(e.run(progress.LaunchToken, s.payload(false)), &res)
	rival := e.wallet("rival", 20)
	e.waitSlot()
	sellAt := func(rivalPrice uint64) uint64 {
		t.Helper()
		for range 3 { // three slots of rival trades outweigh the launch's own
			e.rivalBuyAt(res.TokenAddress, rival, rivalPrice)
			e.waitSlot()
		}
		j := e.run(progress.DevSell, map[string]any{"userId": "pia", "tokenAddress": res.TokenAddress, "sellPercent": 10})
		e.mustComplete(j, &sellResult{})
		txs, err := e.st.TxsForStep(ctxT(t), j.ID, "sell/"+s.dev.PublicKey().String())
		if err != nil || len(txs) != 1 {
			t.Fatalf("sell journal %v %v", txs, err)
		}
		return cuPriceOf(t, txs[0].SignedTx)
	}
	if got := sellAt(7_000); got != 7_000 {
		t.Errorf("sale paid %d micro-lamports per CU after rivals paid 7000, want 7000", got)
	}
	if got := sellAt(50_000); got != 10_000 {
		t.Errorf("sale paid %d micro-lamports per CU after rivals paid 50000, want the cap 10000", got)
	}
}

func (e *env) rivalBuyAt(mint string, rival sol.PrivateKey, price uint64) {
	e.t.Helper()
	ctx := ctxT(e.t)
	m, err := newPumpMarket(ctx, e.chain, sol.MustPublicKeyFromBase58(mint), sol.PublicKey{})
	if err == nil {
		err = m.load(ctx)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	ixs, _, err := m.buy(rival.PublicKey(), 5, lamportsOf(0.01), 0)
	if err != nil {
		e.t.Fatal(err)
	}
	stx, err := e.chain.BuildTx(ctx, rival.PublicKey(), ixs, []sol.PrivateKey{rival}, solana.BuildOpts{PriorityFeeMicroLamports: price})
	if err == nil {
		err = e.chain.SendAndConfirm(ctx, stx, nil)
	}
	if err != nil {
		e.t.Fatal(err)
	}
}

// cuPriceOf reads SetComputeUnitPrice from a signed transaction (0 without one).
func cuPriceOf(t *testing.T, raw []byte) uint64 {
	tx, err := sol.TransactionFromBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, ix := range tx.Message.Instructions {
		prog, err := tx.Message.Program(ix.ProgramIDIndex)
		if err == nil && prog == solana.ComputeBudgetProgramID && len(ix.Data) == 9 && ix.Data[0] == 3 {
			return binary.LittleEndian.Uint64(ix.Data[1:])
		}
	}
	return 0
}

// TestBundleWithoutBlockEngineIsRefused: a task that asks for a bundle, put straight
// into asynq on a runtime without a block engine, fails at once naming the field
// instead of being sent one transaction at a time.
func TestBundleWithoutBlockEngineIsRefused(t *testing.T) {
	e := newEnv(t, func(d *Deps) { d.Jito = nil })
	s := e.setup("bea", progress.PlatformPump, []float64{0.1}, false)
	p := s.payload(false)
	p["bundle"] = true
	j := e.run(progress.LaunchToken, p)
	if j.State != "failed" || j.Attempt != 0 || !strings.Contains(j.Error, "bundle") {
		t.Fatalf("job %s after attempt %d: %q", j.State, j.Attempt, j.Error)
	}
	if got := e.balance(s.dev.PublicKey()); got != lamportsOf(5) {
		t.Errorf("dev wallet spent %d lamports", lamportsOf(5)-got)
	}
}
