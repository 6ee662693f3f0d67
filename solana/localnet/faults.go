package localnet

import (
	"math/rand/v2"
	"sync"
	"time"
)

// Faults are runtime-settable failure knobs for testing clients against a
// misbehaving cluster. The zero value injects nothing; all methods are safe for
// concurrent use.
type Faults struct {
	mu                sync.Mutex
	dropNext          int
	dropFraction      float64
	confirmDelay      time.Duration
	blockhashValidity uint64
	httpFailNext      int
	httpFailFraction  float64
	httpStatus        int
	dropped           int
}

// DropNext makes the next n sent transactions vanish: the RPC accepts them and
// returns their signature, but they are never executed.
func (f *Faults) DropNext(n int) { f.mu.Lock(); f.dropNext = n; f.mu.Unlock() }

// SetDropFraction drops that fraction (0..1) of sent transactions at random.
func (f *Faults) SetDropFraction(p float64) { f.mu.Lock(); f.dropFraction = p; f.mu.Unlock() }

// SetConfirmDelay delays the execution (and so the confirmation) of sent
// transactions by d.
func (f *Faults) SetConfirmDelay(d time.Duration) { f.mu.Lock(); f.confirmDelay = d; f.mu.Unlock() }

// SetBlockhashValidity shortens (or lengthens) how many blocks a blockhash stays
// valid; 0 restores the default 150.
func (f *Faults) SetBlockhashValidity(blocks uint64) {
	f.mu.Lock()
	f.blockhashValidity = blocks
	f.mu.Unlock()
}

// FailHTTPNext answers the next n JSON-RPC HTTP requests with status (429, 500,
// 503, ...).
func (f *Faults) FailHTTPNext(n, status int) {
	f.mu.Lock()
	f.httpFailNext, f.httpStatus = n, status
	f.mu.Unlock()
}

// SetHTTPFailFraction answers that fraction of requests with status.
func (f *Faults) SetHTTPFailFraction(p float64, status int) {
	f.mu.Lock()
	f.httpFailFraction, f.httpStatus = p, status
	f.mu.Unlock()
}

// Reset clears every fault.
func (f *Faults) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dropNext, f.dropFraction, f.confirmDelay = 0, 0, 0
	f.blockhashValidity, f.httpFailNext, f.httpFailFraction = 0, 0, 0
}

// Dropped counts the transactions dropped so far.
func (f *Faults) Dropped() int { f.mu.Lock(); defer f.mu.Unlock(); return f.dropped }

// shouldDrop consumes one drop decision for a sent transaction.
func (f *Faults) shouldDrop() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	drop := false
	if f.dropNext > 0 {
		f.dropNext--
		drop = true
	} else if f.dropFraction > 0 && rand.Float64() < f.dropFraction {
		drop = true
	}
	if drop {
		f.dropped++
	}
	return drop
}

func (f *Faults) delay() time.Duration { f.mu.Lock(); defer f.mu.Unlock(); return f.confirmDelay }

func (f *Faults) validity() uint64 { f.mu.Lock(); defer f.mu.Unlock(); return f.blockhashValidity }

func (f *Faults) httpFailure() (int, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	status := f.httpStatus
	if status == 0 {
		status = 429
	}
	if f.httpFailNext > 0 {
		f.httpFailNext--
		return status, true
	}
	if f.httpFailFraction > 0 && rand.Float64() < f.httpFailFraction {
		return status, true
	}
	return 0, false
}
