package relay

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/nitro-runtime/nitro/progress"
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

// kept is the recent records of this process, oldest first.
type kept struct {
	mu     sync.Mutex
	recs   []progress.Record
	at     []time.Time // when each was kept
	window time.Duration
	max    int
}

// add keeps batch and forgets what is older than the window or beyond max.
func (k *kept) add(batch []progress.Record, now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, rec := range batch {
		k.recs = append(k.recs, rec)
		k.at = append(k.at, now)
	}
	drop := max(len(k.recs)-k.max, 0)
	for drop < len(k.at) && now.Sub(k.at[drop]) > k.window {
		drop++
	}
	if drop > 0 {
		// Copy down rather than reslice, so the arrays do not grow without bound.
		n := copy(k.recs, k.recs[drop:])
		clear(k.recs[n:])
		k.recs = k.recs[:n]
		k.at = k.at[:copy(k.at, k.at[drop:])]
	}
}

// since returns the records kept within the window, oldest first.
func (k *kept) since(now time.Time) []progress.Record {
	k.mu.Lock()
	defer k.mu.Unlock()
	for i, at := range k.at {
		if now.Sub(at) <= k.window {
			return append([]progress.Record(nil), k.recs[i:]...)
		}
	}
	return nil
}

// replay publishes the records kept within the window, in batches.
func (r *Relay) replay(why string) {
	recs := r.kept.since(time.Now())
	if len(recs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(r.stopCtx, r.cfg.CloseTimeout)
	defer cancel()
	var buf []byte
	for start := 0; start < len(recs); start += r.cfg.Batch {
		batch := withJSON(recs[start:min(start+r.cfg.Batch, len(recs))])
		buf = encode(buf[:0], r.origin, batch)
		if err := r.rdb.Publish(ctx, r.cfg.Channel, buf).Err(); err != nil {
			r.log.Warn().Err(err).Str("reason", why).Int("records", len(recs)-start).Msg("replay recent progress records")
			return
		}
		r.nReplayed.Add(uint64(len(batch)))
	}
}

// withJSON returns batch with each record's JSON set (the hub sets it; a record that
// does not encode is left out).
func withJSON(batch []progress.Record) []progress.Record {
	out := batch[:0:0]
	for _, rec := range batch {
		if rec.JSON == nil {
			b, err := json.Marshal(rec.Payload)
			if err != nil {
				continue
			}
			rec.JSON = b
		}
		out = append(out, rec)
	}
	return out
}

// runKey names one run of a job: its records share Seq's high bits (progress.Hub).
type runKey struct {
	job  string
	base int64
}

// runSeqBits mirrors progress's: a run numbers its records below its base.
const runSeqBits = 20

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
func (s *seen) fresh(rec progress.Record, now time.Time) bool {
	k := runKey{rec.JobID, rec.Seq >> runSeqBits}
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
