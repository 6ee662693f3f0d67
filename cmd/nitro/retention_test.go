package main

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/nitro-runtime/nitro/internal/testkit"
)

// fakePruner records the cutoffs it is asked for; the SQL is tested in store.
type fakePruner struct {
	mu            sync.Mutex
	cutoffs       []time.Time
	walletCutoffs []time.Time // PruneForgottenWallets's, after each PruneEvents
	err           error
	calls         chan struct{}
}

func (f *fakePruner) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	f.mu.Lock()
	f.cutoffs = append(f.cutoffs, before)
	f.mu.Unlock()
	select {
	case f.calls <- struct{}{}:
	default:
	}
	return 3, f.err
}

func (f *fakePruner) PruneForgottenWallets(ctx context.Context, before time.Time) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.walletCutoffs = append(f.walletCutoffs, before)
	return 1, f.err
}

func TestRetentionPrunesAtStartAndPeriodically(t *testing.T) {
	f := &fakePruner{calls: make(chan struct{}, 16), err: errors.New("db down")}
	var logs testkit.Buffer
	before := goleak.IgnoreCurrent()
	start := time.Now()
	stop := startRetention(f, 48*time.Hour, 10*time.Millisecond, zerolog.New(&logs))
	for range 3 {
		select {
		case <-f.calls:
		case <-time.After(5 * time.Second):
			t.Fatal("PruneEvents not called three times")
		}
	}
	stop()
	f.mu.Lock()
	n, first := len(f.cutoffs), f.cutoffs[0]
	wallets := f.walletCutoffs
	f.mu.Unlock()
	// Deleted wallets are erased on the same cut, in the same pass.
	if len(wallets) < 2 || !wallets[0].Equal(first) {
		t.Errorf("deleted wallets pruned at %v; want each pass's cutoff, first %v", wallets, first)
	}
	if d := start.Sub(first); d < 48*time.Hour-time.Second || d > 48*time.Hour+time.Second {
		t.Errorf("first cutoff %v before start, want 48h", d)
	}
	// The loop's goroutine is gone once stop returns, so nothing can call PruneEvents
	// again: n is final.
	if err := goleak.Find(before); err != nil {
		t.Errorf("the retention loop outlived stop: %v", err)
	}
	if n < 3 {
		t.Errorf("PruneEvents called %d times, want at least 3", n)
	}
	// A failing prune is logged and retried on the next tick; it does not end the loop.
	if !strings.Contains(logs.String(), "prune progress events") || !strings.Contains(logs.String(), "prune deleted wallets") {
		t.Errorf("the store error was not logged: %s", logs.String())
	}
}

func TestRetentionOff(t *testing.T) {
	f := &fakePruner{calls: make(chan struct{}, 1)}
	before := goleak.IgnoreCurrent()
	stop := startRetention(f, 0, time.Millisecond, zerolog.Nop())
	// No goroutine was started, so nothing will ever call PruneEvents.
	if err := goleak.Find(before); err != nil {
		t.Errorf("retention off started a loop: %v", err)
	}
	stop()
	if len(f.cutoffs) != 0 {
		t.Errorf("retention off: PruneEvents called %d times", len(f.cutoffs))
	}
}
