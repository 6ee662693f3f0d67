package workers

import (
	"context"
	"errors"
	"fmt"

	sol "github.com/gagliardetto/solana-go"
	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/nitro-runtime/nitro/jobs"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/metadata"
	"github.com/nitro-runtime/nitro/store"
)

// phase is one entry of a job's plan, with a key the code enters it by.
type phase struct {
	key, title, desc string
}

func phasesOf(ps []phase) []progress.Phase {
	out := make([]progress.Phase, len(ps))
	for i, p := range ps {
		out[i] = progress.Phase{Title: p.title, Description: p.desc}
	}
	return out
}

// The phases a user sees, by key.
var (
	phUpload = phase{"upload", "Uploading token metadata", "Uploading the image and the metadata JSON of your token"}
	phMint   = phase{"mint", "Reserving the token address", "Generating the token's mint address (with your vanity suffix if you asked for one)"}
	phCheck  = phase{"check", "Checking wallets and balances", "Making sure every wallet is yours and holds enough SOL for the buys, rent and fees"}
	phFee    = phase{"fee", "Paying the platform fee", "Sending the platform fee from the funding wallet"}
	phMix    = phase{"mix", "Mixing SOL to buyer wallets", "Moving SOL from the funding wallet to each buyer wallet through fresh intermediate wallets"}
	phFund   = phase{"fund", "Funding buyer wallets", "Sending SOL from the funding wallet to each buyer wallet"}
	phCreate = phase{"create", "Creating the token", "Creating the token with the dev buy in one transaction and waiting for confirmation"}
	phBuys   = phase{"buys", "Buying from buyer wallets", "Each buyer wallet buys, several wallets per transaction, all confirmed on chain"}
	phSell   = phase{"sell", "Selling tokens", "Selling from each wallet and waiting for confirmation"}
)

// errRefused marks a request that can never succeed (a wallet the user does not
// own, a launch of another user, nothing to sell): the job fails without retries.
var errRefused = errors.New("refused")

func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errRefused, fmt.Sprintf(format, args...))
}

// job is one run of one job: its id, owner, reporter and plan.
type job struct {
	d     *Deps
	id    string
	user  string
	try   int
	rep   *progress.Reporter
	plan  []phase
	log   zerolog.Logger
	token string
}

func newJob(ctx context.Context, d *Deps, user string, plan []phase) (*job, error) {
	id, _ := asynq.GetTaskID(ctx)
	try, _ := asynq.GetRetryCount(ctx)
	rep := progress.FromContext(ctx)
	if id == "" || rep == nil {
		return nil, Permanent(errors.New("job handlers run inside an asynq task wrapped by Runtime.Wrap"))
	}
	j := &job{d: d, id: id, user: user, try: try, rep: rep, plan: plan, log: *zerolog.Ctx(ctx)}
	// A retried run settles what the last run left in flight before anything new.
	if err := j.settleAll(ctx); err != nil {
		return nil, err
	}
	return j, nil
}

// enter moves the reporter to the phase with key (absent phases are skipped).
func (j *job) enter(key string) {
	for i, p := range j.plan {
		if p.key == key {
			j.rep.Enter(i + 1)
			return
		}
	}
}

// setToken records the token the job works on, for events and the jobs table: the
// reporter's job row carries it, written with the run's next worker_progress.
func (j *job) setToken(token string) {
	if j.token == token {
		return
	}
	j.token = token
	j.rep.SetToken(token)
}

// checkpoint helpers: a finished step's output, so a retry skips it.
func (j *job) done(ctx context.Context, key string, into any) (bool, error) {
	return j.d.Store.GetCheckpoint(ctx, j.id, key, into)
}

func (j *job) save(ctx context.Context, key string, v any) error {
	return j.d.Store.Checkpoint(ctx, j.id, key, v)
}

// key loads the secret of a wallet the job's user owns; another user's wallet (or
// an unknown one) is refused with a message naming it.
func (j *job) key(ctx context.Context, pub, role string) (sol.PrivateKey, error) {
	secret, err := j.d.Store.WalletSecret(ctx, j.user, pub)
	if errors.Is(err, store.ErrNotFound) {
		return nil, refuse("%s %s is not a wallet registered to user %s", role, pub, j.user)
	}
	if err != nil {
		return nil, fmt.Errorf("load %s %s: %w", role, pub, err)
	}
	return sol.PrivateKey(secret), nil
}

// launch loads a launch of the job's user (another user's is refused).
func (j *job) launch(ctx context.Context, token string) (store.Launch, error) {
	l, err := j.d.Store.GetLaunch(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		return l, refuse("token %s is not a launch of user %s", token, j.user)
	}
	if err != nil {
		return l, fmt.Errorf("load launch %s: %w", token, err)
	}
	if l.UserID != j.user {
		return l, refuse("token %s is not a launch of user %s", token, j.user)
	}
	j.setToken(token)
	return l, nil
}

// classify turns err into the retry protocol: bad input, refused wallets, missing
// funds, completed curves and failed programs are permanent; rate limits, expired
// blockhashes, network and database hiccups are retried.
func classify(err error) error {
	switch {
	case err == nil, errors.Is(err, asynq.SkipRetry):
		return err
	case errors.Is(err, errRefused), errors.Is(err, metadata.ErrInvalid),
		errors.Is(err, solana.ErrInsufficientFunds), errors.Is(err, solana.ErrCurveComplete),
		errors.Is(err, solana.ErrTxTooLarge), errors.Is(err, solana.ErrTxFailed):
		return Permanent(err)
	}
	var fe *jobs.FieldErrors
	if errors.As(err, &fe) {
		return Permanent(err)
	}
	return err
}

// errorCode names an error's class for token_launch_event.error.code.
func errorCode(err error) string {
	switch {
	case errors.Is(err, errRefused):
		return "REFUSED"
	case errors.Is(err, solana.ErrInsufficientFunds):
		return "INSUFFICIENT_FUNDS"
	case errors.Is(err, solana.ErrSlippage):
		return "SLIPPAGE"
	case errors.Is(err, solana.ErrCurveComplete):
		return "CURVE_COMPLETE"
	case errors.Is(err, solana.ErrBlockhashExpired):
		return "BLOCKHASH_EXPIRED"
	case errors.Is(err, solana.ErrRateLimited):
		return "RATE_LIMITED"
	case errors.Is(err, metadata.ErrInvalid):
		return "INVALID_METADATA"
	}
	return "ERROR"
}
