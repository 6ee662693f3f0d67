package workers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sol "github.com/gagliardetto/solana-go"
	"github.com/hibiken/asynq"

	"github.com/nitro-runtime/nitro/jobs"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/mixer"
	"github.com/nitro-runtime/nitro/store"
)

// crashOnce makes the first journaled transaction of each named step "crash" the
// run: when sent is true the bytes reach the cluster first (the process died after
// broadcasting, before recording the outcome), otherwise they never leave.
func crashOnce(e *env, sent bool, steps ...string) *sync.Map {
	crashed := &sync.Map{}
	want := map[string]bool{}
	for _, s := range steps {
		want[s] = true
	}
	e.faults.afterJournal = func(ctx context.Context, step string, stx *solana.SignedTx) error {
		if !want[step] {
			return nil
		}
		if _, dup := crashed.LoadOrStore(step, true); dup {
			return nil
		}
		if sent {
			if _, err := e.chain.SendRaw(ctx, stx.Raw, solana.SendOpts{SkipPreflight: true}); err != nil {
				return err
			}
		}
		return errors.New("simulated crash after journaling " + step)
	}
	return crashed
}

// checkOnce: each on-chain step of the job has exactly one confirmed transaction,
// and the chain holds exactly one create and one buy per wallet (token balances
// equal the quotes of a single buy each).
func checkOnce(e *env, jobID string, s *launchSetup, res launchResult, steps ...string) {
	e.t.Helper()
	for _, step := range steps {
		if n := e.confirmedTxs(jobID, step); n != 1 {
			e.t.Errorf("step %s confirmed %d times", step, n)
		}
	}
	e.expect(s, sol.MustPublicKeyFromBase58(res.TokenAddress))
	left, err := e.st.UnsettledTxs(ctxT(e.t), jobID)
	if err != nil || len(left) != 0 {
		e.t.Errorf("unsettled transactions left: %v %v", left, err)
	}
}

func TestExactlyOnceAfterCrashAfterSend(t *testing.T) {
	e := newEnv(t, nil)
	crashed := crashOnce(e, true, "create", "buys/0")
	s := e.setup("frank", progress.PlatformPump, []float64{0.3, 0.2}, true)
	j := e.run(progress.LaunchToken, s.payload(true))
	var res launchResult
	e.mustComplete(j, &res)
	for _, step := range []string{"create", "buys/0"} {
		if _, ok := crashed.Load(step); !ok {
			t.Fatalf("step %s never crashed", step)
		}
	}
	if j.Attempt < 2 {
		t.Errorf("job completed on attempt %d, want two crashed runs before", j.Attempt)
	}
	checkOnce(e, j.ID, s, res, "create", "buys/0")
	txs, _ := e.st.TxsForStep(ctxT(t), j.ID, "create")
	if len(txs) != 1 {
		t.Errorf("create was signed %d times; a retry must settle the journaled one, not re-sign", len(txs))
	}
}

func TestExactlyOnceAfterCrashBeforeSend(t *testing.T) {
	e := newEnv(t, nil)
	crashOnce(e, false, "create", "buys/0")
	s := e.setup("grace", progress.PlatformBonk, []float64{0.3}, false)
	j := e.run(progress.LaunchToken, s.payload(false))
	var res launchResult
	e.mustComplete(j, &res)
	checkOnce(e, j.ID, s, res, "create", "buys/0")
}

// TestFaults runs launches against a misbehaving cluster: dropped broadcasts,
// delayed confirmations, HTTP 429/503 and blockhashes that expire early (so
// transactions that never landed are re-signed). Nothing lands twice.
func TestFaults(t *testing.T) {
	e := newEnv(t, nil)
	f := e.cluster.Faults()
	t.Cleanup(f.Reset)
	s := e.setup("heidi", progress.PlatformPump, []float64{0.2, 0.1, 0.1}, true)
	f.SetDropFraction(0.3)
	f.SetConfirmDelay(60 * time.Millisecond)
	f.SetHTTPFailFraction(0.05, 429)
	f.FailHTTPNext(3, 503)
	f.SetBlockhashValidity(8)
	j := e.run(progress.LaunchToken, s.payload(true))
	f.Reset()
	var res launchResult
	e.mustComplete(j, &res)
	checkOnce(e, j.ID, s, res, "create", "buys/0")
	expired := 0
	for _, step := range []string{"create", "buys/0", "buys/1"} {
		txs, _ := e.st.TxsForStep(ctxT(t), j.ID, step)
		for _, tx := range txs {
			if tx.State == store.TxExpired {
				expired++
			}
		}
	}
	for _, ev := range e.rec.WorkerProgress(j.ID) {
		if ev.Details != nil && ev.Details.Retrying {
			t.Logf("attempt %d retried: %s", ev.Details.Attempt, ev.Details.Error)
		}
	}
	t.Logf("dropped %d broadcasts; %d transactions expired and were re-signed; attempt %d", f.Dropped(), expired, j.Attempt)
	e.checkIntermediatesKeepRent(s.user)
}

// TestInsufficientFundsIsPermanent: a launch the wallets cannot pay for fails on
// its first attempt with a message naming the wallet, before anything is sent.
func TestInsufficientFundsIsPermanent(t *testing.T) {
	e := newEnv(t, nil)
	s := e.setup("ivan", progress.PlatformPump, []float64{50}, true)
	j := e.run(progress.LaunchToken, s.payload(false))
	if j.State != store.JobFailed || j.Attempt != 0 {
		t.Fatalf("job %s attempt %d: %s", j.State, j.Attempt, j.Error)
	}
	if want := "funding wallet " + s.funding.PublicKey().String() + " holds"; !strings.Contains(j.Error, want) {
		t.Errorf("error %q does not name the funding wallet", j.Error)
	}
	if ls, err := e.st.ListUserLaunches(ctxT(t), "ivan", 10); err != nil || len(ls) != 0 {
		t.Errorf("a launch was registered before the balance check: %v %v", ls, err)
	}
	if b := e.balance(s.funding.PublicKey()); b != lamportsOf(10) {
		t.Errorf("funding wallet spent %d lamports on a refused launch", lamportsOf(10)-b)
	}
}

// TestMixingResumesAfterCrash: runs crash right after journaling mixing hops (some
// sent, some not); the retried runs rebuild the hops from the journal, settle them
// and finish every route without paying any buyer twice.
func TestMixingResumesAfterCrash(t *testing.T) {
	e := newEnv(t, nil)
	var crashes atomic.Int32
	e.faults.afterHop = func(ctx context.Context, h mixer.Hop) error {
		if h.Step != 1 || crashes.Add(1) > 2 {
			return nil
		}
		if h.Route == 0 {
			if _, err := e.chain.SendRaw(ctx, h.Raw, solana.SendOpts{SkipPreflight: true}); err != nil {
				return err
			}
		}
		return errors.New("simulated crash after journaling a hop")
	}
	s := e.setup("mike", progress.PlatformPump, []float64{0.2, 0.15}, true)
	j := e.run(progress.LaunchToken, s.payload(true))
	var res launchResult
	e.mustComplete(j, &res)
	if crashes.Load() < 2 || j.Attempt == 0 {
		t.Fatalf("crashes %d, attempt %d", crashes.Load(), j.Attempt)
	}
	for _, st := range e.steps(j.ID) {
		if st.Step == "sweep" {
			t.Errorf("a run that will be retried started a sweep: %s", st.Message)
		}
	}
	var plan fundingPlan
	if ok, err := e.st.GetCheckpoint(ctxT(t), j.ID, "funding-plan", &plan); !ok || err != nil {
		t.Fatal("no funding plan", err)
	}
	e.checkIntermediatesKeepRent(s.user)
	checkOnce(e, j.ID, s, res, "create", "buys/0")
	// Each buyer was funded exactly once: what it holds is its plan minus its buy,
	// rent and the fee it paid.
	for i, b := range s.buyers {
		if got := e.balance(b.PublicKey()); got >= plan.Sends[i]-lamportsOf(s.buys[i]) {
			t.Errorf("buyer %d holds %d lamports: funded more than once (plan %d)", i, got, plan.Sends[i])
		}
	}
}

// TestRedeliveredJobSendsNothing: asynq delivers at least once. A launch_token task
// delivered again after it completed (same task id) settles its journal, finds every
// step confirmed and sends nothing new.
func TestRedeliveredJobSendsNothing(t *testing.T) {
	e := newEnv(t, nil)
	s := e.setup("olga", progress.PlatformPump, []float64{0.2}, true)
	payload := s.payload(true)
	id := e.enqueue(progress.LaunchToken, payload)
	first := e.wait(id)
	var res launchResult
	e.mustComplete(first, &res)
	steps := []string{"create", "buys/0"}
	signed := map[string]int{}
	for _, st := range steps {
		txs, _ := e.st.TxsForStep(ctxT(t), id, st)
		signed[st] = len(txs)
	}
	dev := e.balance(s.dev.PublicKey())
	funding := e.balance(s.funding.PublicKey())

	raw, _ := json.Marshal(payload)
	if _, err := e.client.Enqueue(asynq.NewTask(string(progress.LaunchToken), raw), asynq.TaskID(id), asynq.MaxRetry(5),
		asynq.Queue(jobs.QueueDefault+e.queueSuffix)); err != nil {
		t.Fatal(err)
	}
	var again store.Job
	e.poll("the second delivery", func() bool {
		var err error
		again, err = e.st.GetJob(context.Background(), id)
		return err == nil && again.State == store.JobCompleted && again.StartedAt != nil && again.EndedAt != nil &&
			again.StartedAt.After(*first.EndedAt)
	})
	var res2 launchResult
	e.mustComplete(again, &res2)
	if res2.TokenAddress != res.TokenAddress || res2.Signatures.Create != res.Signatures.Create {
		t.Errorf("second delivery reported another launch: %+v vs %+v", res2, res)
	}
	for _, st := range steps {
		if txs, _ := e.st.TxsForStep(ctxT(t), id, st); len(txs) != signed[st] {
			t.Errorf("step %s: %d transactions after redelivery, %d before", st, len(txs), signed[st])
		}
	}
	if e.balance(s.dev.PublicKey()) != dev || e.balance(s.funding.PublicKey()) != funding {
		t.Error("the redelivered job spent SOL")
	}
	checkOnce(e, id, s, res2, steps...)
}

// TestRateLimitedClusterFailsClearly: a cluster that answers every request with 429
// makes each attempt fail retryably; when the retries run out the job fails with
// the reason, and nothing was sent.
func TestRateLimitedClusterFailsClearly(t *testing.T) {
	e := newEnv(t, nil)
	s := e.setup("pete", progress.PlatformPump, []float64{0.1}, false)
	f := e.cluster.Faults()
	t.Cleanup(f.Reset)
	f.SetHTTPFailFraction(1, 429)
	j := e.run(progress.LaunchToken, s.payload(false))
	f.Reset()
	if j.State != store.JobFailed || j.Attempt != 5 || !strings.Contains(j.Error, "rate limited") {
		t.Fatalf("job %s after attempt %d: %q", j.State, j.Attempt, j.Error)
	}
	if got := e.balance(s.dev.PublicKey()); got != lamportsOf(5) {
		t.Errorf("dev wallet spent %d lamports", lamportsOf(5)-got)
	}
}

// TestSlippageRetriedWithFreshQuote: another trader's buy lands between our quote
// and our pack (slippage 0), so the pack fails on chain; the launch reports the
// failed stage, the retry re-quotes on the moved curve and the pack lands once.
func TestSlippageRetriedWithFreshQuote(t *testing.T) {
	e := newEnv(t, nil)
	s := e.setup("rita", progress.PlatformPump, []float64{0.3}, false)
	rival := e.wallet("rival", 3)
	e.waitSlot()
	var once sync.Once
	e.faults.afterJournal = func(ctx context.Context, step string, _ *solana.SignedTx) error {
		if step != "buys/0" {
			return nil
		}
		var err error
		once.Do(func() { err = e.rivalBuy(ctx, "rita", rival) })
		return err
	}
	p := s.payload(false)
	p["slippageBps"] = 0
	j := e.run(progress.LaunchToken, p)
	var res launchResult
	e.mustComplete(j, &res)
	txs, _ := e.st.TxsForStep(ctxT(t), j.ID, "buys/0")
	if len(txs) != 2 || txs[0].State != store.TxFailed || txs[1].State != store.TxConfirmed {
		t.Fatalf("buys/0 journal %+v, want one failed then one confirmed", txs)
	}
	var failed *progress.TokenLaunchEvent
	for _, ev := range e.stages(res.TokenAddress) {
		if ev.Error != nil {
			failed = &ev
		}
	}
	if failed == nil || failed.Error.Code != "SLIPPAGE" || failed.Error.Stage != string(progress.StageFullyReady) {
		t.Errorf("no failed-stage event with code SLIPPAGE: %+v", failed)
	}
	mint := sol.MustPublicKeyFromBase58(res.TokenAddress)
	m, _ := newMarket(ctxT(t), e.chain, progress.PlatformPump, mint, s.dev.PublicKey())
	if got := e.tokens(m, s.buyers[0].PublicKey()); got == 0 || got != uint64(res.BuyerTokens[0].Tokens*1e6+0.5) {
		t.Errorf("buyer holds %d tokens, result says %v", got, res.BuyerTokens[0].Tokens)
	}
}

// rivalBuy lands a 1 SOL buy of the user's launch from rival.
func (e *env) rivalBuy(ctx context.Context, user string, rival sol.PrivateKey) error {
	ls, err := e.st.ListUserLaunches(ctx, user, 1)
	if err != nil || len(ls) != 1 {
		return fmt.Errorf("launch of %s: %v %v", user, ls, err)
	}
	m, err := newPumpMarket(ctx, e.chain, sol.MustPublicKeyFromBase58(ls[0].TokenAddress), sol.PublicKey{})
	if err != nil {
		return err
	}
	if err := m.load(ctx); err != nil {
		return err
	}
	ixs, _, err := m.buy(rival.PublicKey(), 5, lamportsOf(1), 0)
	if err != nil {
		return err
	}
	stx, err := e.chain.BuildTx(ctx, rival.PublicKey(), ixs, []sol.PrivateKey{rival}, solana.BuildOpts{})
	if err != nil {
		return err
	}
	return e.chain.SendAndConfirm(ctx, stx, nil)
}
