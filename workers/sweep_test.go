package workers

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	sol "github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/jobs"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/mixer"
	"github.com/nitro-runtime/nitro/solana/token"
	"github.com/nitro-runtime/nitro/store"
)

// wrapSOL puts lamports of owner's own into its wrapped-SOL token account.
func (e *env) wrapSOL(owner sol.PrivateKey, lamports uint64) sol.PublicKey {
	e.t.Helper()
	ctx := ctxT(e.t)
	stx, err := e.chain.BuildTx(ctx, owner.PublicKey(), token.WrapSOL(owner.PublicKey(), owner.PublicKey(), lamports),
		[]sol.PrivateKey{owner}, solana.BuildOpts{})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.chain.SendAndConfirm(ctx, stx, nil); err != nil {
		e.t.Fatal(err)
	}
	ata, err := token.AssociatedAddress(owner.PublicKey(), token.WSOLMint, token.TokenProgramID)
	if err != nil {
		e.t.Fatal(err)
	}
	return ata
}

func (e *env) sweep(user string, dest sol.PublicKey, wallets []sol.PrivateKey, extra map[string]any) (store.Job, sweepResult) {
	e.t.Helper()
	p := map[string]any{"userId": user, "destination": dest.String()}
	var list []string
	for _, w := range wallets {
		list = append(list, w.PublicKey().String())
	}
	p["wallets"] = list
	for k, v := range extra {
		p[k] = v
	}
	j := e.run(progress.SweepWallets, p)
	var res sweepResult
	if j.State == store.JobCompleted {
		e.mustComplete(j, &res)
	}
	return j, res
}

// TestSweepWallets: SOL moves to the destination to the lamport: a wallet that
// still owns a token account keeps exactly the rent-exempt minimum; with the sale
// first and closeTokenAccounts every wallet ends at 0 (tokens sold, token accounts
// and wrapped SOL closed); an empty wallet is skipped; another user's wallet is
// refused before anything moves. One worker_step per wallet.
func TestSweepWallets(t *testing.T) {
	e := newEnv(t, nil)
	s := e.setup("sven", progress.PlatformPump, []float64{0.2, 0.1}, false)
	var launch launchResult
	e.mustComplete(e.run(progress.LaunchToken, s.payload(false)), &launch)
	mint := sol.MustPublicKeyFromBase58(launch.TokenAddress)
	m := e.expect(s, mint)
	dest := e.wallet("sven", 1)
	plain, empty := e.wallet("sven", 1.5), e.wallet("sven", 0)
	other := e.wallet("olaf", 1)
	e.waitSlot()
	wsol := e.wrapSOL(plain, lamportsOf(0.3))

	j, _ := e.sweep("sven", dest.PublicKey(), []sol.PrivateKey{plain, other}, nil)
	if j.State != store.JobFailed || j.Attempt != 0 || !strings.Contains(j.Error, "is not a wallet registered to user sven") {
		t.Fatalf("a sweep naming another user's wallet: %s attempt %d %q", j.State, j.Attempt, j.Error)
	}
	if got := e.balance(other.PublicKey()); got != lamportsOf(1) {
		t.Errorf("another user's wallet was touched: %d", got)
	}

	// Buyer 0 keeps its tokens, so its token account stays open: the wallet keeps
	// the rent-exempt minimum and the rest goes.
	b0 := s.buyers[0]
	before, destBefore := e.balance(b0.PublicKey()), e.balance(dest.PublicKey())
	j, res := e.sweep("sven", dest.PublicKey(), []sol.PrivateKey{b0}, nil)
	if j.State != store.JobCompleted {
		t.Fatalf("sweep: %s %q", j.State, j.Error)
	}
	if got := e.balance(b0.PublicKey()); got != mixer.RentExemptMinimum || res.Wallets[0].LamportsLeft != got {
		t.Errorf("buyer 0 holds %d after the sweep (result says %d), want the rent-exempt minimum %d", got, res.Wallets[0].LamportsLeft, mixer.RentExemptMinimum)
	}
	if want := before - 5000 - mixer.RentExemptMinimum; res.LamportsSwept != want || e.balance(dest.PublicKey())-destBefore != want {
		t.Errorf("swept %d, destination gained %d, want %d", res.LamportsSwept, e.balance(dest.PublicKey())-destBefore, want)
	}
	if e.tokens(m, b0.PublicKey()) == 0 {
		t.Error("the sweep without a sale touched buyer 0's tokens")
	}

	// Sell first, close token accounts: everything goes. (Buyer 0, left at the
	// rent-exempt minimum, could not pay a sale's fee: a fee payer must stay
	// rent-exempt.)
	mintKey, err := e.st.WalletSecret(ctxT(t), "sven", launch.TokenAddress) // the user's mint keypair, a wallet too
	if err != nil {
		t.Fatal(err)
	}
	all := []sol.PrivateKey{s.buyers[1], plain, empty, sol.PrivateKey(mintKey)}
	plainBefore := e.balance(plain.PublicKey()) + e.balance(wsol)
	destBefore = e.balance(dest.PublicKey())
	j, res = e.sweep("sven", dest.PublicKey(), all, map[string]any{"tokenAddress": launch.TokenAddress, "closeTokenAccounts": true})
	if j.State != store.JobCompleted {
		t.Fatalf("sweep with a sale: %s %q", j.State, j.Error)
	}
	if gain := e.balance(dest.PublicKey()) - destBefore; gain != res.LamportsSwept {
		t.Errorf("destination gained %d lamports, the sweep reports %d", gain, res.LamportsSwept)
	}
	var sum uint64
	for i, w := range all[:3] {
		ws := res.Wallets[i]
		sum += ws.LamportsSwept
		if got := e.balance(w.PublicKey()); got != 0 || ws.LamportsLeft != 0 {
			t.Errorf("wallet %d holds %d lamports after the sweep (left %d)", i, got, ws.LamportsLeft)
		}
		if e.exists(m.ata(w.PublicKey())) {
			t.Errorf("wallet %d still has its token account", i)
		}
	}
	if sum != res.LamportsSwept {
		t.Errorf("wallets sum to %d, total %d", sum, res.LamportsSwept)
	}
	if res.Wallets[0].Sale == "" || res.Wallets[1].Sale != "" {
		t.Errorf("sales: %+v, want buyer 1's only", res.Wallets)
	}
	if w := res.Wallets[1]; w.TokenAccountsClosed != 1 || w.LamportsSwept != plainBefore-5000 || e.exists(wsol) {
		t.Errorf("wrapped SOL wallet: %+v, want its %d lamports (wrapped included) less the fee", w, plainBefore)
	}
	if w := res.Wallets[2]; w.Skipped != "the wallet is empty" || w.Signature != "" {
		t.Errorf("empty wallet: %+v", w)
	}
	if w := res.Wallets[3]; !strings.Contains(w.Skipped, "not a plain wallet") || w.Signature != "" || !e.exists(mint) {
		t.Errorf("the mint account: %+v", w)
	}
	if len(res.Signatures) != 2 {
		t.Errorf("%d sweep signatures, want 2", len(res.Signatures))
	}
	sweeps := 0
	for _, st := range e.steps(j.ID) {
		if st.Step == "sweep" {
			sweeps++
		}
	}
	if sweeps != len(all) {
		t.Errorf("%d sweep steps for %d wallets", sweeps, len(all))
	}
}

// TestSweepSkipsAWalletThatCannotPayItsFee: a wallet that the fee alone would leave
// below the rent-exempt minimum is skipped with the reason (the cluster would drop its
// transaction); one with exactly the minimum plus the fee is emptied.
func TestSweepSkipsAWalletThatCannotPayItsFee(t *testing.T) {
	e := newEnv(t, nil)
	dest := e.wallet("tess", 1)
	stuck, edge := e.wallet("tess", 0), e.wallet("tess", 0)
	for w, lamports := range map[sol.PublicKey]uint64{stuck.PublicKey(): mixer.RentExemptMinimum + 2000, edge.PublicKey(): mixer.RentExemptMinimum + 5000} {
		if _, err := e.cluster.Airdrop(w, lamports); err != nil {
			t.Fatal(err)
		}
	}
	e.waitSlot()
	j, res := e.sweep("tess", dest.PublicKey(), []sol.PrivateKey{stuck, edge}, nil)
	if j.State != store.JobCompleted {
		t.Fatalf("sweep: %s %q", j.State, j.Error)
	}
	if w := res.Wallets[0]; !strings.Contains(w.Skipped, "below the rent-exempt minimum") || w.Signature != "" {
		t.Errorf("wallet one fee short: %+v", w)
	}
	if got := e.balance(stuck.PublicKey()); got != mixer.RentExemptMinimum+2000 {
		t.Errorf("the skipped wallet holds %d", got)
	}
	if w := res.Wallets[1]; w.LamportsSwept != mixer.RentExemptMinimum || e.balance(edge.PublicKey()) != 0 {
		t.Errorf("wallet at the minimum plus the fee: %+v, holds %d", w, e.balance(edge.PublicKey()))
	}
}

// TestSweepRetryAfterSendDoesNotDoubleSend: the run dies right after its sweep
// transaction was journaled and broadcast; the retry settles the journaled
// transaction instead of signing a second one, and the destination gets the SOL once.
func TestSweepRetryAfterSendDoesNotDoubleSend(t *testing.T) {
	e := newEnv(t, nil)
	dest, w := e.wallet("tess", 1), e.wallet("tess", 2)
	e.waitSlot()
	step := "sweep/" + w.PublicKey().String()
	crashed := crashOnce(e, true, step)
	before, destBefore := e.balance(w.PublicKey()), e.balance(dest.PublicKey())
	j, res := e.sweep("tess", dest.PublicKey(), []sol.PrivateKey{w}, nil)
	if j.State != store.JobCompleted {
		t.Fatalf("sweep: %s %q", j.State, j.Error)
	}
	if _, ok := crashed.Load(step); !ok || j.Attempt == 0 {
		t.Fatalf("the run never crashed (attempt %d)", j.Attempt)
	}
	txs, _ := e.st.TxsForStep(ctxT(t), j.ID, step)
	if len(txs) != 1 || e.confirmedTxs(j.ID, step) != 1 {
		t.Errorf("%d transactions journaled for the sweep, want the one settled", len(txs))
	}
	if gain := e.balance(dest.PublicKey()) - destBefore; gain != before-5000 || res.LamportsSwept != gain {
		t.Errorf("destination gained %d, result %d, want %d once", gain, res.LamportsSwept, before-5000)
	}
	if got := e.balance(w.PublicKey()); got != 0 {
		t.Errorf("wallet holds %d", got)
	}
}

// TestAutoSweepAfterLaunchFailsForGood: a launch fails for good in the middle of
// mixing, with SOL in intermediate wallets. The failure enqueues a sweep_wallets job
// back to the funding wallet and says so (a worker_step and the error); the sweep
// empties every intermediate wallet, and every lamport is accounted for: what the
// wallets lost is exactly the fees of the transactions that landed.
func TestAutoSweepAfterLaunchFailsForGood(t *testing.T) {
	e := newEnv(t, nil)
	var failed atomic.Bool
	e.faults.afterHop = func(ctx context.Context, h mixer.Hop) error {
		if h.Route == 0 && h.Step == 1 && !failed.Swap(true) {
			// A permanent error while the route's SOL sits in its first intermediate:
			// the hop is journaled but never sent.
			return fmt.Errorf("simulated: %w", errRefused)
		}
		return nil
	}
	s := e.setup("ursula", progress.PlatformPump, []float64{0.2, 0.1}, true)
	wallets := append([]sol.PrivateKey{s.dev, s.funding}, s.buyers...)
	var start uint64
	for _, w := range wallets {
		start += e.balance(w.PublicKey())
	}
	j := e.run(progress.LaunchToken, s.payload(true))
	if j.State != store.JobFailed || j.Attempt != 0 {
		t.Fatalf("launch %s attempt %d: %q", j.State, j.Attempt, j.Error)
	}
	var sweepID string
	for _, st := range e.steps(j.ID) {
		if st.Step != "sweep" {
			continue
		}
		raw, _ := json.Marshal(st.Data)
		var d struct {
			SweepJobID string `json:"sweepJobId"`
		}
		_ = json.Unmarshal(raw, &d)
		sweepID = d.SweepJobID
	}
	if sweepID == "" || !strings.Contains(j.Error, "swept back to the funding wallet by job "+sweepID) {
		t.Fatalf("the failure does not name the sweep: steps %+v, error %q", e.steps(j.ID), j.Error)
	}
	var fail *progress.WorkerProgressEvent
	for _, ev := range e.rec.WorkerProgress(j.ID) {
		if ev.Status == progress.StatusFailed {
			fail = &ev
		}
	}
	if fail == nil || fail.Details == nil || !strings.Contains(fail.Details.Error, sweepID) {
		t.Errorf("the failed event does not name the sweep job: %+v", fail)
	}
	sj := e.wait(sweepID)
	var res sweepResult
	e.mustComplete(sj, &res)
	if res.Destination != s.funding.PublicKey().String() || res.LamportsSwept == 0 {
		t.Errorf("sweep result %+v", res)
	}
	plan := &jobs.WalletPlan{FundingWallet: s.funding.PublicKey().String()}
	for _, b := range s.buyers {
		plan.BuyerWallets = append(plan.BuyerWallets, jobs.BuyerWallet{PublicKey: b.PublicKey().String()})
	}
	inter, err := (&job{d: e.deps, id: j.ID}).intermediates(ctxT(t), plan)
	if err != nil || len(inter) == 0 {
		t.Fatalf("intermediates %v %v", inter, err)
	}
	for _, w := range inter {
		if b := e.balance(sol.MustPublicKeyFromBase58(w)); b != 0 {
			t.Errorf("intermediate %s holds %d lamports after the sweep", w, b)
		}
	}
	// Conservation: the launch's wallets lost exactly 5,000 lamports per landed
	// transaction (hops and sweeps); nothing is left anywhere else.
	var end uint64
	for _, w := range wallets {
		end += e.balance(w.PublicKey())
	}
	hops, err := (&mixJournal{st: e.st, jobID: j.ID}).Hops(ctxT(t), mixRunID)
	if err != nil {
		t.Fatal(err)
	}
	landed := len(res.Signatures)
	for _, h := range hops {
		if h.State == mixer.Confirmed {
			landed++
		}
	}
	if start-end != uint64(landed)*5000 {
		t.Errorf("the wallets lost %d lamports; %d transactions landed (%d in fees)", start-end, landed, landed*5000)
	}
}
