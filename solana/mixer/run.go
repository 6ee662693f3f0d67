package mixer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	sol "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"

	nsolana "github.com/nitro-runtime/nitro/solana"
)

// Config tunes a Mixer; the zero value is valid.
type Config struct {
	// PriorityFeeMicroLamports is the CU price of every hop (0 = none).
	PriorityFeeMicroLamports uint64
	// CULimit of a hop (a system transfer uses ~150 CU; default 1000).
	CULimit uint32
	// JitterMin/JitterMax bound the random pause before each hop (0 = no pause).
	JitterMin, JitterMax time.Duration
	// Concurrency is how many routes run at once (default 4).
	Concurrency int
	// MaxAttempts bounds re-signs of one hop after its blockhash expired (default 3).
	MaxAttempts int
	// Rand picks amounts (default: a fresh PCG source); set it for reproducible tests.
	Rand *rand.Rand
}

// Mixer runs and resumes mixing runs.
type Mixer struct {
	chain   Chain
	keys    KeyStore
	journal Journal
	cfg     Config
	fee     uint64
	repMu   sync.Mutex
}

// New returns a Mixer. It does no I/O.
func New(chain Chain, keys KeyStore, journal Journal, cfg Config) *Mixer {
	cfg.CULimit = cmp.Or(cfg.CULimit, 1000)
	cfg.Concurrency = cmp.Or(cfg.Concurrency, 4)
	cfg.MaxAttempts = cmp.Or(cfg.MaxAttempts, 3)
	if cfg.Rand == nil {
		cfg.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	return &Mixer{chain: chain, keys: keys, journal: journal, cfg: cfg,
		fee: nsolana.TxFee(1, cfg.CULimit, cfg.PriorityFeeMicroLamports)}
}

// HopFee is the exact fee each hop costs its sender.
func (m *Mixer) HopFee() uint64 { return m.fee }

// Run executes (or resumes) req: journaled hops are settled first, then each route
// continues from its last confirmed hop. progress (may be nil) is called serially.
// The returned error joins the routes' errors; Result says which route failed.
func (m *Mixer) Run(ctx context.Context, req Request, progress func(Progress)) (Result, error) {
	if err := req.validate(); err != nil {
		return Result{}, err
	}
	hops, err := m.journal.Hops(ctx, req.RunID)
	if err != nil {
		return Result{}, fmt.Errorf("mixer: load journal: %w", err)
	}
	byRoute := map[int][]Hop{}
	for _, h := range hops {
		byRoute[h.Route] = append(byRoute[h.Route], h)
	}
	amounts, need := m.plan(req, byRoute)
	if err := m.checkFunding(ctx, req.Funder.PublicKey(), need); err != nil {
		return Result{}, err
	}
	res := Result{Routes: make([]RouteResult, len(req.Targets))}
	var wg sync.WaitGroup
	var feeMu sync.Mutex
	sem := make(chan struct{}, m.cfg.Concurrency)
	for i := range req.Targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			rr, fees := m.route(ctx, req, i, amounts[i], byRoute[i], progress)
			res.Routes[i] = rr
			feeMu.Lock()
			res.Fees += fees
			feeMu.Unlock()
		}()
	}
	wg.Wait()
	var errs []error
	for i, rr := range res.Routes {
		if rr.Err != nil {
			errs = append(errs, fmt.Errorf("route %d (%s): %w", i, rr.Wallet, rr.Err))
		}
	}
	return res, errors.Join(errs...)
}

// plan picks the amount of routes that have not journaled their first hop yet and
// sums what the funder still has to pay (amounts plus every fee on the way).
func (m *Mixer) plan(req Request, byRoute map[int][]Hop) (amounts []uint64, need uint64) {
	amounts = make([]uint64, len(req.Targets))
	for i, t := range req.Targets {
		if len(byRoute[i]) > 0 {
			continue // its first hop (and amount) is journaled
		}
		amt := t.Min
		if t.Max > t.Min {
			amt += m.cfg.Rand.Uint64N(t.Max - t.Min + 1)
		}
		amounts[i] = amt
		need += amt + uint64(req.Hops+1)*m.fee
	}
	return amounts, need
}

func (m *Mixer) checkFunding(ctx context.Context, funder sol.PublicKey, need uint64) error {
	if need == 0 {
		return nil
	}
	bal, err := m.chain.GetBalance(ctx, funder)
	if err != nil {
		return fmt.Errorf("mixer: funder balance: %w", err)
	}
	if bal < need {
		return fmt.Errorf("mixer: funder has %d lamports, needs %d: %w", bal, need, nsolana.ErrInsufficientFunds)
	}
	if left := bal - need; left != 0 && left < RentExemptMinimum {
		return fmt.Errorf("mixer: funder would keep %d lamports (< rent-exempt %d): %w", left, RentExemptMinimum, nsolana.ErrInsufficientFunds)
	}
	return nil
}

func (m *Mixer) report(progress func(Progress), req Request, h Hop) {
	if progress == nil {
		return
	}
	m.repMu.Lock()
	defer m.repMu.Unlock()
	progress(Progress{RunID: h.RunID, Route: h.Route, Step: h.Step, Steps: req.Hops + 1, From: h.From, To: h.To,
		Lamports: h.Lamports, Signature: h.Signature, State: h.State})
}

func (m *Mixer) jitter(ctx context.Context) error {
	if m.cfg.JitterMax <= 0 {
		return nil
	}
	d := m.cfg.JitterMin
	if span := m.cfg.JitterMax - m.cfg.JitterMin; span > 0 {
		d += rand.N(span)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func transfer(from sol.PrivateKey, to sol.PublicKey, lamports uint64, bh nsolana.Blockhash, cfg Config) (*nsolana.SignedTx, error) {
	ix := system.NewTransferInstruction(lamports, from.PublicKey(), to).Build()
	return nsolana.SignTx(from.PublicKey(), []sol.Instruction{ix}, []sol.PrivateKey{from}, bh,
		nsolana.BuildOpts{CULimit: cfg.CULimit, PriorityFeeMicroLamports: cfg.PriorityFeeMicroLamports})
}

func signedOf(h Hop) *nsolana.SignedTx {
	return &nsolana.SignedTx{Raw: h.Raw, Signature: h.Signature, Blockhash: h.Blockhash, LastValidBlockHeight: h.LastValidBlockHeight}
}
