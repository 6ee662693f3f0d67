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
			n, err := st.PruneEvents(ctx, before)
			switch {
			case err != nil && ctx.Err() == nil:
				log.Error().Err(err).Int64("deleted", n).Msg("prune progress events")
			case n > 0:
				log.Info().Int64("deleted", n).Time("before", before).Msg("pruned progress events past NITRO_EVENT_RETENTION")
			}
			n, err = st.PruneForgottenWallets(ctx, before)
			switch {
			case err != nil && ctx.Err() == nil:
				log.Error().Err(err).Msg("prune deleted wallets")
			case n > 0:
				log.Info().Int64("erased", n).Time("before", before).Msg("erased the secrets of wallets deleted before NITRO_EVENT_RETENTION")
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() { cancel(); <-done }
}
