package workers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	sol "github.com/gagliardetto/solana-go"
	"github.com/hibiken/asynq"

	"github.com/nitro-runtime/nitro/jobs"
	"github.com/nitro-runtime/nitro/progress"
)

// Enqueuer puts a follow-up job into the queue (jobs.Enqueue over the process's
// asynq client and store): the automatic sweep after a launch fails for good.
type Enqueuer func(ctx context.Context, r jobs.Request) (jobs.Enqueued, error)

// AutoSweepCaller scopes the idempotency keys of automatic sweeps (jobs.Request.Caller):
// no API key hashes to it, so no client can name one of these jobs.
const AutoSweepCaller = "auto-sweep"

// mixRunID is the mixer run of a launch job (one per job: its journal is the job's).
const mixRunID = "mix"

// settleBeforeSweep bounds the wait for hops still in flight when a launch fails for
// good: a hop that lands after the sweep would leave its SOL behind.
const settleBeforeSweep = 90 * time.Second

// finalFailure reports a run whose error ends the job: asynq will not retry it.
func finalFailure(ctx context.Context, try int, err error) bool {
	maxRetry, ok := asynq.GetMaxRetry(ctx)
	return err != nil && ok && !willRetry(err, try, maxRetry)
}

// walletPlanOf is the wallet plan of a payload that may mix (the launch jobs).
func walletPlanOf(p jobs.Payload) *jobs.WalletPlan {
	switch v := p.(type) {
	case *jobs.LaunchTokenPayload:
		return &v.WalletPlan
	case *jobs.LaunchTokenFromDappPayload:
		return &v.WalletPlan
	case *jobs.PrepareLaunchPayload:
		return &v.WalletPlan
	}
	return nil
}

// sweptError is a launch's final error with what happened to its stranded SOL.
type sweptError struct {
	err  error
	note string
}

func (e *sweptError) Error() string { return errorText(e.err) + "; " + e.note }
func (e *sweptError) Unwrap() error { return e.err }

// sweepAfterFailure runs when a launch job fails for good. If mixing had started,
// SOL may sit in intermediate wallets that nothing else will ever touch: it
// enqueues a sweep_wallets job moving them back to the funding wallet, under an
// idempotency key derived from this job (a repeated failure path finds the same
// sweep), and says so in a worker_step and in the job's error. Failing to do so
// never hides the launch's own error.
func (j *job) sweepAfterFailure(ctx context.Context, p jobs.Payload, cause error) error {
	plan := walletPlanOf(p)
	if plan == nil || plan.FundingWallet == "" {
		return cause
	}
	ctx = context.WithoutCancel(ctx) // bookkeeping of a failure outlives a cancelled run
	wallets, err := j.intermediates(ctx, plan)
	if err != nil || len(wallets) == 0 {
		if err != nil {
			j.log.Error().Err(err).Msg("list intermediate wallets after a failed launch")
		}
		return cause
	}
	sctx, cancel := context.WithTimeout(ctx, settleBeforeSweep)
	err = j.settleAll(sctx)
	cancel()
	if err != nil {
		j.log.Warn().Err(err).Msg("hops still unsettled before the sweep; SOL that lands later stays in its wallet")
	}
	held, err := j.holding(ctx, wallets)
	if err != nil {
		j.log.Error().Err(err).Msg("read intermediate balances after a failed launch")
		return cause
	}
	if held == 0 {
		j.rep.Step("sweep", fmt.Sprintf("Mixing left no SOL in its %d intermediate wallets: nothing to sweep", len(wallets)),
			1, map[string]any{"wallets": len(wallets), "destination": plan.FundingWallet})
		return cause
	}
	ids, err := j.enqueueSweeps(ctx, p, plan.FundingWallet, wallets)
	if err != nil {
		j.log.Error().Err(err).Msg("enqueue the sweep of intermediate wallets")
		j.rep.Step("sweep", fmt.Sprintf("%.9f SOL is left in intermediate wallets; the automatic sweep could not be enqueued: %v", solOf(held), err),
			1, map[string]any{"wallets": len(wallets), "destination": plan.FundingWallet, "lamports": held})
		return cause
	}
	msg := fmt.Sprintf("The launch failed after mixing started: job %s sweeps %.9f SOL from %d intermediate wallets back to the funding wallet %s",
		ids[0], solOf(held), len(wallets), plan.FundingWallet)
	j.rep.Step("sweep", msg, 1, map[string]any{"sweepJobId": ids[0], "sweepJobIds": ids, "wallets": len(wallets),
		"destination": plan.FundingWallet, "lamports": held})
	j.log.Info().Strs("sweep_jobs", ids).Int("wallets", len(wallets)).Uint64("lamports", held).Msg("intermediate wallets will be swept")
	return &sweptError{err: cause, note: "intermediate wallets are swept back to the funding wallet by job " + ids[0]}
}

// intermediates are the wallets the job's mixing journaled as receivers that are
// neither a buyer nor the funding wallet, sorted (the sweep's payload is then the
// same whenever it is computed).
func (j *job) intermediates(ctx context.Context, plan *jobs.WalletPlan) ([]string, error) {
	hops, err := (&mixJournal{st: j.d.Store, jobID: j.id}).Hops(ctx, mixRunID)
	if err != nil {
		return nil, err
	}
	skip := map[string]bool{plan.FundingWallet: true}
	for _, b := range plan.BuyerWallets {
		skip[b.PublicKey] = true
	}
	var out []string
	for _, h := range hops {
		if to := h.To.String(); !skip[to] {
			skip[to] = true
			out = append(out, to)
		}
	}
	slices.Sort(out)
	return out, nil
}

// holding is the lamports the wallets hold together.
func (j *job) holding(ctx context.Context, wallets []string) (uint64, error) {
	keys := make([]sol.PublicKey, len(wallets))
	for i, w := range wallets {
		keys[i] = sol.MustPublicKeyFromBase58(w)
	}
	accs, err := j.d.Chain.GetMultipleAccounts(ctx, keys...)
	if err != nil {
		return 0, err
	}
	var sum uint64
	for _, a := range accs {
		if a != nil {
			sum += a.Lamports
		}
	}
	return sum, nil
}

// enqueueSweeps enqueues one sweep_wallets job per MaxSweepWallets wallets.
func (j *job) enqueueSweeps(ctx context.Context, p jobs.Payload, dest string, wallets []string) ([]string, error) {
	if j.d.Enqueue == nil {
		return nil, errors.New("no enqueuer is configured")
	}
	sum := sha256.Sum256([]byte(j.id))
	base := "after-failure." + hex.EncodeToString(sum[:12])
	var ids []string
	for part, chunk := range chunks(wallets, jobs.MaxSweepWallets) {
		sp := &jobs.SweepWalletsPayload{Common: jobs.Common{User: j.user}, Wallets: chunk, Destination: dest}
		if chat := p.ChatID(); chat != 0 {
			sp.UserChatID = &chat
		}
		if err := sp.Validate(); err != nil {
			return ids, err
		}
		e, err := j.d.Enqueue(ctx, jobs.Request{Type: progress.SweepWallets, Payload: sp, Caller: AutoSweepCaller,
			Key: base + "." + strconv.Itoa(part)})
		if err != nil {
			return ids, err
		}
		ids = append(ids, e.ID)
	}
	return ids, nil
}

func chunks(list []string, n int) [][]string {
	var out [][]string
	for len(list) > n {
		out = append(out, list[:n])
		list = list[n:]
	}
	return append(out, list)
}
