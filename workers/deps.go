package workers

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/nitro-runtime/nitro/jobs"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/jito"
	"github.com/nitro-runtime/nitro/solana/metadata"
	"github.com/nitro-runtime/nitro/solana/mixer"
	"github.com/nitro-runtime/nitro/store"
)

// Store is what the job handlers keep in PostgreSQL (*store.Store implements it):
// sealed wallets, launches, the transaction journal and step checkpoints.
type Store interface {
	WalletSecret(ctx context.Context, userID, pub string) ([]byte, error)
	CreateWallet(ctx context.Context, userID, label string, kind store.WalletKind, secret []byte) (store.Wallet, error)
	RegisterLaunch(ctx context.Context, l store.Launch) error
	GetLaunch(ctx context.Context, token string) (store.Launch, error)
	SetLaunchResult(ctx context.Context, token string, result json.RawMessage) error
	SetMetadataURI(ctx context.Context, token, uri string) error
	MintSecret(ctx context.Context, token string) ([]byte, error)
	JournalTx(ctx context.Context, t store.TxRecord) error
	MarkTx(ctx context.Context, signature string, state store.TxState, errText string) error
	UnsettledTxs(ctx context.Context, jobID string) ([]store.TxRecord, error)
	TxsForStep(ctx context.Context, jobID, stepKey string) ([]store.TxRecord, error)
	Checkpoint(ctx context.Context, jobID, stepKey string, data any) error
	GetCheckpoint(ctx context.Context, jobID, stepKey string, into any) (bool, error)
}

// Config tunes the job handlers. The zero value is valid.
type Config struct {
	// VanityTimeout bounds the search for a mint address with a vanity suffix (default 20s).
	VanityTimeout time.Duration
	// PlatformFeeWallet receives PlatformFeeLamports from the funding wallet in
	// prepare_launch (a launch without a funding wallet pays none); empty or zero
	// takes no fee.
	PlatformFeeWallet   string
	PlatformFeeLamports uint64
	// SellConcurrency is how many wallets wallet_sell sells from (and sweep_wallets
	// sweeps) at once (default 32: every wallet of a launch in the same slot).
	SellConcurrency int
	// MaxPriorityFee caps the CU price (micro-lamports) estimated from recent fees
	// for a launchpad trade whose payload names none (default 1,000,000: 1 lamport
	// per CU). Budgets reserve fees at this price.
	MaxPriorityFee uint64
	// PriorityFeePercentile is the percentile of recent fees paid for the trade's
	// hot accounts that prices it (default 75).
	PriorityFeePercentile float64
	// JitoTipLamports is the tip of a launch bundle (default 100 000).
	JitoTipLamports uint64
	// MixerJitterMax is the longest random pause before a mixing hop (default none).
	MixerJitterMax time.Duration
	// BundleWait bounds the wait for a bundle to land before its transactions are
	// settled one by one (default 30s).
	BundleWait time.Duration
}

func (c Config) withDefaults() Config {
	c.VanityTimeout = cmp.Or(c.VanityTimeout, 20*time.Second)
	c.SellConcurrency = cmp.Or(c.SellConcurrency, 32)
	c.MaxPriorityFee = cmp.Or(c.MaxPriorityFee, DefaultMaxPriorityFee)
	c.PriorityFeePercentile = cmp.Or(c.PriorityFeePercentile, 75)
	c.JitoTipLamports = cmp.Or(c.JitoTipLamports, 100_000)
	c.BundleWait = cmp.Or(c.BundleWait, 30*time.Second)
	return c
}

// DefaultMaxPriorityFee is Config.MaxPriorityFee's default, in micro-lamports per CU.
const DefaultMaxPriorityFee = 1_000_000

// Deps are what the eight job types need. Store and Chain are required.
type Deps struct {
	Store Store
	Chain *solana.Client
	// Uploaders maps a platform to its metadata uploader; Uploader is the fallback
	// (the built-in store with the built-in cluster).
	Uploaders map[progress.Platform]metadata.Uploader
	Uploader  metadata.Uploader
	// Jito sends launch bundles; nil means bundles are not available and a launch
	// that asks for one sends its transactions one by one.
	Jito   *jito.Client
	Config Config
	Log    zerolog.Logger
	// Enqueue puts the automatic sweep of a failed launch's intermediate wallets
	// into the queue; nil: nothing is swept automatically (the failure says so).
	Enqueue Enqueuer

	// faults are test hooks (nil in production).
	faults *faults
}

// faults let tests crash a run at the worst moments.
type faults struct {
	// afterJournal runs after a transaction is journaled, before SendAndConfirm
	// broadcasts it; returning an error aborts the send (a crash).
	afterJournal func(ctx context.Context, step string, stx *solana.SignedTx) error
	// afterHop is afterJournal for a mixing hop.
	afterHop func(ctx context.Context, hop mixer.Hop) error
	// waited receives the time each send or settle spent waiting on the cluster.
	waited func(time.Duration)
}

func (d *Deps) uploader(p progress.Platform) (metadata.Uploader, error) {
	if u := d.Uploaders[p]; u != nil {
		return u, nil
	}
	if d.Uploader != nil {
		return d.Uploader, nil
	}
	return nil, fmt.Errorf("no metadata uploader configured for platform %q", p)
}

// Register adds the eight job types to mux, each wrapped by rt.
func Register(mux *asynq.ServeMux, rt *Runtime, d Deps) error {
	if d.Store == nil || d.Chain == nil {
		return errors.New("workers: Deps.Store and Deps.Chain are required")
	}
	d.Config = d.Config.withDefaults()
	for _, h := range Handlers(&d) {
		mux.Handle(h.Type, rt.Wrap(h))
	}
	return nil
}

// Handlers returns the eight job types over d.
func Handlers(d *Deps) []Handler {
	d.Config = d.Config.withDefaults()
	return []Handler{
		handler(d, progress.CreateTokenMetadata, planCreate, runCreateTokenMetadata),
		handler(d, progress.PrepareLaunch, planPrepare, runPrepareLaunch),
		handler(d, progress.ExecuteLaunch, planExecute, runExecuteLaunch),
		handler(d, progress.LaunchToken, planLaunch, runLaunchToken),
		handler(d, progress.LaunchTokenFromDapp, planLaunchDapp, runLaunchTokenFromDapp),
		handler(d, progress.DevSell, planDevSell, runDevSell),
		handler(d, progress.WalletSell, planWalletSell, runWalletSell),
		handler(d, progress.SweepWallets, planSweep, runSweepWallets),
	}
}

// handler ties a payload type P to its plan and run function: the payload is
// decoded once per run (strictly, as the API did), and the plan and the run get it.
func handler[P jobs.Payload](d *Deps, typ progress.WorkerType, plan func(*Deps, P) []phase, run func(context.Context, *job, P) (any, error)) Handler {
	return Handler{
		Type: string(typ),
		Prepare: func(payload []byte) Run {
			decoded, err := jobs.Decode(typ, payload)
			if err != nil {
				return Run{
					Plan: []progress.Phase{{Title: "Checking the request", Description: "Validating the job's input"}},
					Do: func(context.Context) (any, error) {
						return nil, Permanent(fmt.Errorf("%s: %w", typ, err))
					},
				}
			}
			p := decoded.(P)
			phases := plan(d, p)
			return Run{
				Plan: phasesOf(phases),
				meta: &payloadMeta{UserID: p.UserID(), UserChatID: p.ChatID(), TokenAddress: jobs.TokenOf(p)},
				Do: func(ctx context.Context) (any, error) {
					if jobs.WantsBundle(p) && d.Jito == nil { // enqueued straight into asynq, past the API's check
						return nil, Permanent(fmt.Errorf("%s: bundle: %w", typ, jobs.ErrNoBlockEngine))
					}
					j, err := newJob(ctx, d, p.UserID(), phases)
					if err != nil {
						return nil, classify(err)
					}
					res, err := run(ctx, j, p)
					if err = classify(err); finalFailure(ctx, j.try, err) {
						err = j.sweepAfterFailure(ctx, p, err)
					}
					return res, err
				},
			}
		},
	}
}
