package relay

import (
	"context"
	"sync"
	"time"

	"github.com/nitro-runtime/nitro/progress/wire"
)

// Replay: pub/sub keeps nothing, so what is published while another process is not
// subscribed (Redis restarting, its connection being re-established) never reaches it,
// and what this process could not publish (Redis down, or it believed itself alone)
// reaches no one. Each process therefore keeps the records it emitted in the last
// Config.Replay and publishes them again when another process announces itself, and
// when its own subscription comes back after a reconnect. A receiver emits a record
// only if it is past the last one it emitted of the same run, so a replay a process
// had already received costs it nothing but the decoding.

// Defaults of the replay window.
const (
	DefaultReplay     = 5 * time.Second
	DefaultReplayKeep = 16384
)

// kept is the recent records of this process: a ring of at most max, oldest first
// from head, so keeping a record costs the same however full it is.
type kept struct {
	mu      sync.Mutex
	recs    []wire.Record
	at      []time.Time // when each was kept
	head, n int
	window  time.Duration
	max     int
}

// add keeps batch, over the oldest when full, and forgets what is older than the window.
func (k *kept) add(batch []wire.Record, now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, rec := range batch {
		if len(k.recs) < k.max { // grow up to max as records come
			k.recs, k.at = append(k.recs, wire.Record{}), append(k.at, time.Time{})
		}
		if k.n == len(k.recs) {
			k.head, k.n = (k.head+1)%len(k.recs), k.n-1
		}
		i := (k.head + k.n) % len(k.recs)
		k.recs[i], k.at[i] = rec, now
		k.n++
	}
	for k.n > 0 && now.Sub(k.at[k.head]) > k.window {
		k.recs[k.head] = wire.Record{} // let the payload go
		k.head, k.n = (k.head+1)%len(k.recs), k.n-1
	}
}

// since returns the records kept within the window, oldest first.
func (k *kept) since(now time.Time) []wire.Record {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []wire.Record
	for j := range k.n {
		i := (k.head + j) % len(k.recs)
		if now.Sub(k.at[i]) <= k.window {
			out = append(out, k.recs[i])
		}
	}
	return out
}

// replay publishes the records kept within the window, in batches. Callers hold pubMu.
func (r *Relay) replay() error {
	recs := r.kept.since(time.Now())
	ctx, cancel := context.WithTimeout(r.stopCtx, r.cfg.CloseTimeout)
	defer cancel()
	var buf []byte
	for start := 0; start < len(recs); start += r.cfg.Batch {
		batch := recs[start:min(start+r.cfg.Batch, len(recs))]
		buf = encode(buf[:0], r.origin, batch)
		if err := r.rdb.Publish(ctx, r.cfg.Channel, buf).Err(); err != nil {
			return err
		}
		r.nReplayed.Add(uint64(len(batch)))
	}
	return nil
}

// replayLogged replays, logging a failure with why the replay was due.
func (r *Relay) replayLogged(why string) {
	if err := r.replay(); err != nil {
		r.log.Warn().Err(err).Str("reason", why).Msg("replay recent progress records")
	}
}

// runKey names one run of a job: its records share Seq's bits above wire.RunSeqBits.
type runKey struct {
	job  string
	base int64
}

// seen is the last record emitted here of each run heard from other processes. Only
// the receive loop touches it.
type seen struct {
	last   map[runKey]seenAt
	pruned time.Time
	keep   time.Duration
}

type seenAt struct {
	seq int64
	at  time.Time
}

// fresh reports whether rec is past what was emitted of its run, and notes it.
func (s *seen) fresh(rec wire.Record, now time.Time) bool {
	k := runKey{rec.JobID, rec.Seq >> wire.RunSeqBits}
	if prev, ok := s.last[k]; ok && rec.Seq <= prev.seq {
		return false
	}
	s.last[k] = seenAt{rec.Seq, now}
	if now.Sub(s.pruned) > s.keep {
		// A run not heard of for longer than a replay can reach back is forgotten.
		for k, v := range s.last {
			if now.Sub(v.at) > s.keep {
				delete(s.last, k)
			}
		}
		s.pruned = now
	}
	return true
}
