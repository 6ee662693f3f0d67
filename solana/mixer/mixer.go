// Package mixer moves SOL from a funding wallet to N buyer wallets through H hops of
// fresh intermediate wallets, so buyers are not funded directly by one visible
// wallet. Every hop is journaled (signed bytes and signature) before it is sent;
// a restarted run settles journaled hops first and never lets a hop land twice.
//
// Amounts: buyer i receives exactly its chosen amount T (random within [Min, Max]).
// Intermediate j of a route keeps K_j lamports, random within [RentExemptMinimum,
// Config.KeepMax] but never less than RentExemptMinimum plus one fee (so it can pay
// for its own sweep), so no two hops of a route move amounts that differ by just a fee:
// hop k transfers T + (H-k)·fee + K_{k+1} + … + K_H. What intermediates keep is
// rent-exempt (a system account holds 0 or at least the minimum; never dust) and
// Sweep returns it. The funder pays, to the lamport, T + (H+1)·fee + ΣK per route.
//
// Order: routes advance in waves, hop k of every route before hop k+1 of any, each
// wave in its own shuffled order with an optional random pause before each hop, so
// the hops of different buyers interleave on chain.
//
// Every random choice (amounts, what is kept, the order of a wave) is derived from
// Request.Seed: a resumed run recomputes exactly what the crashed one journaled and
// sent. Only the pauses are not, since they move nothing.
package mixer

import (
	"context"
	"errors"
	"fmt"

	sol "github.com/gagliardetto/solana-go"

	nsolana "github.com/nitro-runtime/nitro/solana"
)

// RentExemptMinimum is the rent-exempt minimum of a 0-byte system account.
const RentExemptMinimum = 890_880

// RentPaying reports whether a system account left with lamports would be neither
// empty nor rent-exempt, which the cluster refuses: of any account a transaction
// leaves so, and of a fee payer as soon as its fee would.
func RentPaying(lamports uint64) bool { return lamports != 0 && lamports < RentExemptMinimum }

// Chain is the subset of *solana.Client the mixer needs.
type Chain interface {
	GetBalance(ctx context.Context, key sol.PublicKey) (uint64, error)
	LatestBlockhash(ctx context.Context) (nsolana.Blockhash, error)
	SendAndConfirm(ctx context.Context, stx *nsolana.SignedTx, journal nsolana.JournalHook) error
	Settle(ctx context.Context, stx *nsolana.SignedTx) error
}

// KeyStore creates and keeps intermediate wallets. Create must persist (sealed) the
// new private key before returning its public key.
type KeyStore interface {
	Create(ctx context.Context, runID string) (sol.PublicKey, error)
	Load(ctx context.Context, key sol.PublicKey) (sol.PrivateKey, error)
}

// State is a journaled hop's state.
type State string

// Hop states. Pending: journaled, maybe broadcast. Confirmed and Failed are final
// outcomes on chain; Expired means provably never landed (it may be re-signed).
const (
	Pending   State = "pending"
	Confirmed State = "confirmed"
	Failed    State = "failed"
	Expired   State = "expired"
)

// SweepRoute marks sweep transfers in the journal.
const SweepRoute = -1

// Hop is one transfer attempt as journaled.
type Hop struct {
	RunID   string
	Route   int // buyer index, or SweepRoute
	Step    int // 0 = from the funder … H = to the buyer
	Attempt int
	From    sol.PublicKey
	To      sol.PublicKey
	// Lamports transferred (the fee is paid on top by From).
	Lamports             uint64
	Raw                  []byte
	Signature            sol.Signature
	Blockhash            sol.Hash
	LastValidBlockHeight uint64
	State                State
	Err                  string
}

// Journal persists hops. Record is called before the hop is sent; Hops returns every
// attempt of a run in Record order.
type Journal interface {
	Record(ctx context.Context, hop Hop) error
	Mark(ctx context.Context, sig sol.Signature, state State, errMsg string) error
	Hops(ctx context.Context, runID string) ([]Hop, error)
}

// Unsettled returns the hops still Pending.
func Unsettled(hops []Hop) []Hop {
	var out []Hop
	for _, h := range hops {
		if h.State == Pending {
			out = append(out, h)
		}
	}
	return out
}

// Target is a buyer wallet and the bounds of what it must receive.
type Target struct {
	Wallet sol.PublicKey
	Min    uint64
	Max    uint64 // 0 or == Min: exactly Min
}

// Request is one mixing run. The same RunID, Funder, Targets and Hops must be passed
// again to resume after a crash.
type Request struct {
	RunID   string
	Funder  sol.PrivateKey
	Targets []Target
	Hops    int // intermediate wallets per route (0 = direct transfer)
	// Seed drives every random choice of the run; the same seed makes the same
	// choices. Default: a hash of RunID, the funder and the targets (give the job
	// id, or anything unique per run, when a RunID may repeat across runs).
	Seed []byte
}

func (r Request) validate() error {
	if r.RunID == "" {
		return errors.New("mixer: RunID is required")
	}
	if len(r.Funder) != 64 {
		return errors.New("mixer: Funder key is required")
	}
	if len(r.Targets) == 0 {
		return errors.New("mixer: Targets is empty")
	}
	if r.Hops < 0 || r.Hops > 10 {
		return fmt.Errorf("mixer: Hops %d out of range 0..10", r.Hops)
	}
	for i, t := range r.Targets {
		if t.Wallet.IsZero() {
			return fmt.Errorf("mixer: Targets[%d].Wallet is required", i)
		}
		if t.Min < RentExemptMinimum || (t.Max != 0 && t.Max < t.Min) {
			return fmt.Errorf("mixer: Targets[%d] bounds [%d, %d]: Min must be >= %d and Max >= Min", i, t.Min, t.Max, RentExemptMinimum)
		}
	}
	return nil
}

// Progress is reported after each hop changes state.
type Progress struct {
	RunID     string
	Route     int
	Step      int
	Steps     int // hops in a route (H+1)
	From, To  sol.PublicKey
	Lamports  uint64
	Signature sol.Signature
	State     State
}

// RouteResult is the outcome of one buyer's route.
type RouteResult struct {
	Wallet    sol.PublicKey
	Delivered uint64 // lamports the buyer received (0 unless the route completed)
	Err       error
}

// Result is the outcome of a run; Err of a route is also joined into Run's error.
type Result struct {
	Routes []RouteResult
	Fees   uint64 // fees of the hops that landed in this call (excludes earlier runs)
}
