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
	// JitterMin/JitterMax bound the random pause before each hop (JitterMax 0 = no pause).
	JitterMin, JitterMax time.Duration
	// Concurrency is how many routes of a wave run at once (default 4).
	Concurrency int
	// MaxAttempts bounds re-signs of one hop after its blockhash expired (default 3).
	MaxAttempts int
	// KeepMax is the most lamports an intermediate keeps (the least is
	// RentExemptMinimum); default DefaultKeepMax. Sweep returns what is kept.
	KeepMax uint64
	// Pause waits d before a hop (default: a timer that ctx cancels); tests observe
	// the pauses through it.
	Pause func(ctx context.Context, d time.Duration) error
}

// DefaultKeepMax is Config.KeepMax's default: an intermediate keeps 0.00089 to
// 0.00178 SOL.
const DefaultKeepMax = 2 * RentExemptMinimum

func (c Config) withDefaults() Config {
	c.CULimit = cmp.Or(c.CULimit, 1000)
	c.Concurrency = cmp.Or(c.Concurrency, 4)
	c.MaxAttempts = cmp.Or(c.MaxAttempts, 3)
	c.KeepMax = max(cmp.Or(c.KeepMax, DefaultKeepMax), RentExemptMinimum)
	if c.Pause == nil {
		c.Pause = nsolana.Sleep
	}
	return c
}

// MaxKept is the most a run with hops intermediates per route leaves in the
// intermediates of one route: what a funder needs on top of amounts and fees.
func (c Config) MaxKept(hops int) uint64 {
	return uint64(hops) * c.withDefaults().KeepMax
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
	cfg = cfg.withDefaults()
	fee := nsolana.TxFee(1, cfg.CULimit, cfg.PriorityFeeMicroLamports)
	cfg.KeepMax = max(cfg.KeepMax, RentExemptMinimum+2*fee) // room for ownSweepFloor
	return &Mixer{chain: chain, keys: keys, journal: journal, cfg: cfg, fee: fee}
}

// ownSweepFloor lifts what an intermediate keeps out of [RentExemptMinimum,
// RentExemptMinimum+fee): a fee payer may not go from rent-exempt to a non-zero balance
// below the minimum by its fee (the cluster drops such a transaction before running
// it), so a wallet in that band could never pay for the transfer that empties it. A
// draw in the band moves up by one fee; every other draw stays what the seed gave.
func (m *Mixer) ownSweepFloor(k uint64) uint64 {
	if RentPaying(k - m.fee) { // k is at least RentExemptMinimum, far above a fee
		return k + m.fee
	}
	return k
}

// HopFee is the exact fee each hop costs its sender.
func (m *Mixer) HopFee() uint64 { return m.fee }

// Run executes (or resumes) req: journaled hops are settled first, then each route
// continues from its last confirmed hop, wave by wave. progress (may be nil) is
// called serially. The returned error joins the routes' errors; Result says which
// route failed.
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
	d := newDice(req)
	plans, need := m.plan(req, d, byRoute)
	if err := m.checkFunding(ctx, req.Funder.PublicKey(), need); err != nil {
		return Result{}, err
	}
	res := Result{Routes: make([]RouteResult, len(req.Targets))}
	last := make([]*Hop, len(req.Targets))
	for i, t := range req.Targets {
		res.Routes[i].Wallet = t.Wallet
	}
	for step := 0; step <= req.Hops; step++ {
		res.Fees += m.wave(ctx, req, step, d.order(step, len(req.Targets)), plans, byRoute, last, res.Routes, progress)
	}
	var errs []error
	for i, rr := range res.Routes {
		if rr.Err != nil {
			errs = append(errs, fmt.Errorf("route %d (%s): %w", i, rr.Wallet, rr.Err))
			continue
		}
		res.Routes[i].Delivered = last[i].Lamports
	}
	return res, errors.Join(errs...)
}

// wave runs hop step of every route still going, starting them in order (at most
// Concurrency at once), and returns the fees of the hops it landed.
func (m *Mixer) wave(ctx context.Context, req Request, step int, order []int, plans []routePlan,
	byRoute map[int][]Hop, last []*Hop, routes []RouteResult, progress func(Progress)) uint64 {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var fees uint64
	sem := make(chan struct{}, m.cfg.Concurrency)
	for _, r := range order {
		if routes[r].Err != nil {
			continue
		}
		sem <- struct{}{} // taken here, so routes start in the wave's order
		wg.Go(func() {
			defer func() { <-sem }()
			done, landed, err := m.step(ctx, req, r, step, plans[r], last[r], ofStep(byRoute[r], step), progress)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				routes[r].Err = fmt.Errorf("step %d: %w", step, err)
				return
			}
			last[r] = done
			if landed {
				fees += m.fee
			}
		})
	}
	wg.Wait()
	return fees
}

// routePlan is what the seed decided for one route: the buyer's amount and what each
// intermediate keeps (keep[j-1] for intermediate j).
type routePlan struct {
	amount uint64
	keep   []uint64
}

// first is what hop 0 moves: the amount, every later fee and everything kept.
func (p routePlan) first(hops int, fee uint64) uint64 {
	n := p.amount + uint64(hops)*fee
	for _, k := range p.keep {
		n += k
	}
	return n
}

// plan derives every route's plan from the seed and sums what the funder still has
// to pay for routes that have not journaled their first hop (hop 0 plus its fee).
func (m *Mixer) plan(req Request, d dice, byRoute map[int][]Hop) (plans []routePlan, need uint64) {
	plans = make([]routePlan, len(req.Targets))
	for i, t := range req.Targets {
		p := routePlan{amount: t.Min, keep: make([]uint64, req.Hops)}
		if t.Max > t.Min {
			p.amount += d.uint64n("amount", i, 0, t.Max-t.Min+1)
		}
		for j := range p.keep {
			p.keep[j] = m.ownSweepFloor(RentExemptMinimum + d.uint64n("keep", i, j+1, m.cfg.KeepMax-RentExemptMinimum+1))
		}
		plans[i] = p
		if len(byRoute[i]) == 0 {
			need += p.first(req.Hops, m.fee) + m.fee
		}
	}
	return plans, need
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
	if left := bal - need; RentPaying(left) {
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
		d += rand.N(span + 1)
	}
	return m.cfg.Pause(ctx, d)
}

func transfer(from sol.PrivateKey, to sol.PublicKey, lamports uint64, bh nsolana.Blockhash, cfg Config) (*nsolana.SignedTx, error) {
	ix := system.NewTransferInstruction(lamports, from.PublicKey(), to).Build()
	return nsolana.SignTx(from.PublicKey(), []sol.Instruction{ix}, []sol.PrivateKey{from}, bh,
		nsolana.BuildOpts{CULimit: cfg.CULimit, PriorityFeeMicroLamports: cfg.PriorityFeeMicroLamports})
}

func signedOf(h Hop) *nsolana.SignedTx {
	return &nsolana.SignedTx{Raw: h.Raw, Signature: h.Signature, Blockhash: h.Blockhash, LastValidBlockHeight: h.LastValidBlockHeight}
}
