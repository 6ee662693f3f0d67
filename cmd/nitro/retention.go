package main

import (
	"context"
	"time"

	"github.com/rs/zerolog"
)

// pruneEventsEvery is how often serve deletes the progress events older than
// NITRO_EVENT_RETENTION.
const pruneEventsEvery = time.Hour

// eventPruner is the store's side of retention.
type eventPruner interface {
	PruneEvents(ctx context.Context, before time.Time) (int64, error)
}

// startRetention prunes expired progress events at once and then every interval, in the
// background; the returned stop waits for a running prune to end. With retention 0 it
// does nothing.
func startRetention(st eventPruner, retention, every time.Duration, log zerolog.Logger) (stop func()) {
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
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() { cancel(); <-done }
}
