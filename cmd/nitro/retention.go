package main

import (
	"context"
	"time"

	"github.com/rs/zerolog"
)

// pruneEventsEvery is how often serve deletes the progress events, and erases the
// wallets deleted, longer ago than NITRO_EVENT_RETENTION.
const pruneEventsEvery = time.Hour

// historyPruner is the store's side of retention: progress events, and the sealed
// secrets of wallets their users deleted.
type historyPruner interface {
	PruneEvents(ctx context.Context, before time.Time) (int64, error)
	PruneForgottenWallets(ctx context.Context, before time.Time) (int64, error)
}

// startRetention prunes expired history at once and then every interval, in the
// background; the returned stop waits for a running prune to end. With retention 0 it
// does nothing.
func startRetention(st historyPruner, retention, every time.Duration, log zerolog.Logger) (stop func()) {
	if retention <= 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			before := time.Now().Add(-retention)
			prune(ctx, log, "prune progress events", "pruned progress events past NITRO_EVENT_RETENTION", before, st.PruneEvents)
			prune(ctx, log, "prune deleted wallets", "erased the secrets of wallets deleted before NITRO_EVENT_RETENTION", before, st.PruneForgottenWallets)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() { cancel(); <-done }
}

// prune runs one pruning step of retention and logs what it did: failed (unless
// retention is stopping) or how many rows it deleted.
func prune(ctx context.Context, log zerolog.Logger, failed, pruned string, before time.Time,
	step func(ctx context.Context, before time.Time) (int64, error)) {
	n, err := step(ctx, before)
	switch {
	case err != nil && ctx.Err() == nil:
		log.Error().Err(err).Int64("deleted", n).Msg(failed)
	case n > 0:
		log.Info().Int64("deleted", n).Time("before", before).Msg(pruned)
	}
}
