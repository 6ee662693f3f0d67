package progress

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// Record is one event as it is emitted and persisted: the payload is one of the four
// wire types. Seq orders the events of a job across its runs: each run numbers its
// records from a base taken from the clock (see Hub.runBase).
type Record struct {
	JobID        string
	UserID       string
	TokenAddress string
	Seq          int64
	Name         string // one of the Event* names
	Payload      any
	// JSON is Payload encoded once by the hub, so the socket server and the store
	// do not marshal it again (nil if it could not be encoded).
	JSON []byte
	At   time.Time
}

// Emitter delivers a record to the sockets that may see it (the socketio package).
// It must not block for long: it is called in the worker's goroutine, in order.
type Emitter interface {
	Emit(r Record)
}

// Persister stores a batch of records in order (the store package).
type Persister interface {
	PersistEvents(ctx context.Context, batch []Record) error
}

// LaunchTracker keeps LaunchState per token. UpdateLaunch loads the state under a
// lock, calls fn, and saves what fn changed; it returns ErrUnknownLaunch when the
// launch was never registered.
type LaunchTracker interface {
	UpdateLaunch(ctx context.Context, token string, fn func(*LaunchState) error) error
}

// ErrUnknownLaunch is returned by a LaunchTracker for a token it does not know.
var ErrUnknownLaunch = errors.New("unknown launch")

// HubConfig tunes the hub. The zero value is valid.
type HubConfig struct {
	BufferSize int           // records waiting for persistence; default 65536
	BatchSize  int           // records per database batch; default 2048
	Writers    int           // database writers, each owning the jobs that hash to it; default 2
	FlushEvery time.Duration // longest wait before a partial batch is written; default 10ms
	// RetryFor is how long a batch the database refuses is retried (PostgreSQL
	// restarting, a failover) before it is given up and counted; default 1 minute.
	// Meanwhile the writer's later records wait in its buffer (BufferSize), and what
	// does not fit is dropped and counted: the worker never waits.
	RetryFor time.Duration
	Now      func() time.Time
}

func (c HubConfig) withDefaults() HubConfig {
	c.BufferSize = cmp.Or(c.BufferSize, 65536)
	c.BatchSize = cmp.Or(c.BatchSize, 2048)
	c.Writers = cmp.Or(c.Writers, 2)
	c.FlushEvery = cmp.Or(c.FlushEvery, 10*time.Millisecond)
	c.RetryFor = cmp.Or(c.RetryFor, time.Minute)
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Stats are the hub's counters, read by the metrics endpoint.
type Stats struct {
	Emitted, Persisted, Dropped, PersistErrors uint64
}

// Hub fans progress out to the emitter at once and to the persister in batches. The
// worker never waits for the database: a full buffer drops (counted and logged)
// rather than stalling a launch that is moving money.
type Hub struct {
	cfg      HubConfig
	emitter  Emitter
	persist  Persister
	launches LaunchTracker
	log      zerolog.Logger

	shards  []*shard
	done    chan struct{}
	closing sync.Once
	loops   sync.WaitGroup

	emitted, persisted, dropped, persistErrs atomic.Uint64

	baseMu   sync.Mutex
	lastBase int64
}

// runSeqBits leaves room for 2^20 records per run below the run's base.
const runSeqBits = 20

// runBase gives a run the first number of its sequence: the start time in ms shifted
// left, and never a base used before in this process. A retried run, or one handed
// back at shutdown and resumed (asynq does not count that as a retry), therefore sorts
// after the earlier runs of its job and never reuses their sequence numbers.
func (h *Hub) runBase() int64 {
	h.baseMu.Lock()
	defer h.baseMu.Unlock()
	b := max(h.cfg.Now().UnixMilli()<<runSeqBits, h.lastBase+1<<runSeqBits)
	h.lastBase = b
	return b
}

// NewHub starts the hub's persistence loop; Close stops it after a final flush.
func NewHub(cfg HubConfig, e Emitter, p Persister, l LaunchTracker, log zerolog.Logger) *Hub {
	cfg = cfg.withDefaults()
	h := &Hub{cfg: cfg, emitter: e, persist: p, launches: l, log: log, done: make(chan struct{})}
	for range cfg.Writers {
		sh := &shard{queue: make(chan Record, max(cfg.BufferSize/cfg.Writers, 1)), flushes: make(chan chan struct{})}
		h.shards = append(h.shards, sh)
		h.loops.Add(1)
		go h.loop(sh)
	}
	return h
}

// shard is one database writer and its queue. A job always hashes to the same shard,
// so its records are written in order while other jobs' batches go in parallel.
type shard struct {
	queue   chan Record
	flushes chan chan struct{}
}

func (h *Hub) shardOf(jobID string) *shard {
	f := fnv.New32a()
	_, _ = f.Write([]byte(jobID))
	return h.shards[int(f.Sum32()%uint32(len(h.shards)))]
}

// Stats returns the counters.
func (h *Hub) Stats() Stats {
	return Stats{h.emitted.Load(), h.persisted.Load(), h.dropped.Load(), h.persistErrs.Load()}
}

// publish emits r and queues it for persistence. Callers hold their job's lock, so
// the order of one job's records is the order of the calls.
func (h *Hub) publish(r Record) {
	if b, err := json.Marshal(r.Payload); err == nil {
		r.JSON = b
	}
	if h.emitter != nil {
		h.emitter.Emit(r)
		h.emitted.Add(1)
	}
	if h.persist == nil {
		return
	}
	select {
	case h.shardOf(r.JobID).queue <- r:
	default:
		if n := h.dropped.Add(1); n == 1 || n%1000 == 0 {
			h.log.Error().Uint64("dropped", n).Str("job_id", r.JobID).Msg("progress buffer full: event not persisted")
		}
	}
}

// Flush returns once every record published before the call is persisted (or ctx ends).
func (h *Hub) Flush(ctx context.Context) error {
	acks := make([]chan struct{}, len(h.shards))
	for i, sh := range h.shards {
		acks[i] = make(chan struct{})
		select {
		case sh.flushes <- acks[i]:
		case <-h.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for _, ack := range acks {
		select {
		case <-ack:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Close flushes what is queued and stops the writers. Publishing after Close is a bug.
func (h *Hub) Close(ctx context.Context) error {
	err := h.Flush(ctx)
	h.closing.Do(func() { close(h.done) })
	h.loops.Wait()
	return err
}

func (h *Hub) loop(sh *shard) {
	defer h.loops.Done()
	batch := make([]Record, 0, h.cfg.BatchSize)
	tick := time.NewTicker(h.cfg.FlushEvery)
	defer tick.Stop()
	for {
		select {
		case r := <-sh.queue:
			batch = append(batch, r)
			if len(batch) >= h.cfg.BatchSize {
				batch = h.write(batch)
			}
		case <-tick.C:
			batch = h.write(batch)
		case ack := <-sh.flushes:
			batch = h.drain(sh, batch)
			close(ack)
		case <-h.done:
			return
		}
	}
}

// drain writes everything queued on sh right now, in batches.
func (h *Hub) drain(sh *shard, batch []Record) []Record {
	for {
		select {
		case r := <-sh.queue:
			batch = append(batch, r)
			if len(batch) >= h.cfg.BatchSize {
				batch = h.write(batch)
			}
		default:
			return h.write(batch)
		}
	}
}

// write persists batch, retrying with a growing pause (50ms up to 1s) for RetryFor, so
// a database that restarts gets the events emitted while it was down once it is back.
// The events were already delivered live, so an outage longer than that costs history
// (counted and logged), not the launch. A hub closing stops retrying.
func (h *Hub) write(batch []Record) []Record {
	if len(batch) == 0 {
		return batch
	}
	var err error
	start, pause := time.Now(), 50*time.Millisecond
	for try := 0; ; try++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = h.persist.PersistEvents(ctx, batch)
		cancel()
		if err == nil {
			h.persisted.Add(uint64(len(batch)))
			if try > 0 {
				h.log.Info().Int("events", len(batch)).Int("tries", try+1).Dur("after", time.Since(start)).Msg("progress events persisted after the database came back")
			}
			return batch[:0]
		}
		if try == 0 {
			h.log.Warn().Err(err).Int("events", len(batch)).Dur("retry_for", h.cfg.RetryFor).Msg("persist progress events; keeping them and retrying")
		}
		if time.Since(start) >= h.cfg.RetryFor || h.sleep(pause) {
			break
		}
		pause = min(2*pause, time.Second)
	}
	h.persistErrs.Add(uint64(len(batch)))
	h.log.Error().Err(err).Int("events", len(batch)).Msg("persist progress events: given up, events not stored")
	return batch[:0]
}

// sleep waits d and reports whether the hub is closing (Close gave up flushing).
func (h *Hub) sleep(d time.Duration) (closing bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return false
	case <-h.done:
		return true
	}
}
