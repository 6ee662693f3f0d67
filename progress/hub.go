package progress

import (
	"cmp"
	"context"
	"hash/fnv"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/nitro-runtime/nitro/progress/wire"
)

// Emitter delivers a record to the sockets that may see it (the socketio package,
// through the relay). It must not block for long: it is called in the worker's
// goroutine, in order.
type Emitter = wire.Emitter

// Persister stores what the hub's writers hand it (the store package): a job's events
// in order, and the latest row of each job and launch they changed. Re-sending a batch
// must be harmless.
type Persister interface {
	Persist(ctx context.Context, b wire.Batch) error
}

// LaunchLoader reads a launch's state and its version (the store package). The hub asks
// once per launch while runs of this process report its stages (see
// Reporter.LaunchStage), and before they need it; it returns ErrUnknownLaunch when the
// launch was never registered.
type LaunchLoader interface {
	LoadLaunch(ctx context.Context, token string) (wire.LaunchRow, error)
}

// ErrUnknownLaunch is returned by a LaunchLoader for a token it does not know.
var ErrUnknownLaunch = wire.ErrUnknownLaunch

// HubConfig tunes the hub. The zero value is valid.
type HubConfig struct {
	BufferSize int           // events waiting for persistence; default 65536
	BatchSize  int           // events per database batch; default 2048
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
// worker never waits for the database: a full buffer drops events (counted and logged)
// rather than stalling a launch that is moving money.
//
// The hub's writers are the one writer of a job's row once a run has begun (state,
// progress, result, error; the API creates it queued) and of a launch's state. Those
// rows are kept apart from the events: the latest row per job and per launch waits in
// its writer's map, so it is never dropped, and a write that fails is retried with the
// next batch.
type Hub struct {
	cfg      HubConfig
	emitter  Emitter
	persist  Persister
	launches LaunchLoader
	log      zerolog.Logger

	shards  []*shard
	done    chan struct{}
	closing sync.Once
	loops   sync.WaitGroup

	emitted, persisted, dropped, persistErrs atomic.Uint64

	baseMu   sync.Mutex
	lastBase int64

	launchMu sync.Mutex
	launchAt map[string]*launchEntry // launches that runs of this process report on
}

// runSeqBits leaves room for 2^20 records per run below the run's base.
const runSeqBits = wire.RunSeqBits

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

// NewHub starts the hub's persistence loops; Close stops them after a final flush. p
// and l may be nil (nothing persisted; no launch progress).
func NewHub(cfg HubConfig, e Emitter, p Persister, l LaunchLoader, log zerolog.Logger) *Hub {
	cfg = cfg.withDefaults()
	h := &Hub{cfg: cfg, emitter: e, persist: p, launches: l, log: log, done: make(chan struct{}),
		launchAt: map[string]*launchEntry{}}
	for range cfg.Writers {
		sh := &shard{queue: make(chan Record, max(cfg.BufferSize/cfg.Writers, 1)), flushes: make(chan chan struct{}),
			jobs: map[string]wire.JobRow{}, launches: map[string]wire.LaunchRow{}}
		h.shards = append(h.shards, sh)
		h.loops.Add(1)
		go h.loop(sh)
	}
	return h
}

// shard is one database writer: its queue of events, and the latest rows of its jobs
// and launches not written yet. A job (and a launch) always hashes to the same shard, so
// its records are written in order while other jobs' batches go in parallel.
type shard struct {
	queue   chan Record
	flushes chan chan struct{}

	mu       sync.Mutex
	jobs     map[string]wire.JobRow
	launches map[string]wire.LaunchRow
	writing  map[string]wire.LaunchRow // the launch rows of the write in progress
}

func (h *Hub) shardOf(key string) *shard {
	f := fnv.New32a()
	_, _ = f.Write([]byte(key))
	return h.shards[int(f.Sum32()%uint32(len(h.shards)))]
}

// Stats returns the counters.
func (h *Hub) Stats() Stats {
	return Stats{h.emitted.Load(), h.persisted.Load(), h.dropped.Load(), h.persistErrs.Load()}
}

// publish emits r and queues it for persistence. Callers hold their job's lock, so
// the order of one job's records is the order of the calls.
func (h *Hub) publish(r Record) {
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

// saveJob hands the job's row to its writer, replacing an older one not written yet.
// Callers save a row before they publish the event it reflects, so a stored event's row
// is stored in the same statement or an earlier one.
func (h *Hub) saveJob(row wire.JobRow) {
	if h.persist == nil {
		return
	}
	sh := h.shardOf(row.ID)
	sh.mu.Lock()
	if old, ok := sh.jobs[row.ID]; !ok || row.Seq >= old.Seq {
		sh.jobs[row.ID] = row
	}
	sh.mu.Unlock()
}

// saveLaunch hands the launch's state, as job's run changed it, to the job's writer:
// the state and the events that announce the change are then written in one statement
// (callers save before they publish), so a process killed in between never leaves an
// announced stage unrecorded, for a retried run to announce again. Versions keep the
// latest of the launch's states wherever it waits.
func (h *Hub) saveLaunch(jobID string, row wire.LaunchRow) {
	if h.persist == nil {
		return
	}
	sh := h.shardOf(jobID)
	sh.mu.Lock()
	if old, ok := sh.launches[row.TokenAddress]; !ok || row.Version > old.Version {
		sh.launches[row.TokenAddress] = row
	}
	sh.mu.Unlock()
}

// unsavedLaunch returns the latest of the launch's states this process handed its
// writers and the database may not have yet.
func (h *Hub) unsavedLaunch(token string) (wire.LaunchRow, bool) {
	var best wire.LaunchRow
	found := false
	for _, sh := range h.shards {
		sh.mu.Lock()
		for _, m := range []map[string]wire.LaunchRow{sh.launches, sh.writing} {
			if row, ok := m[token]; ok && (!found || row.Version > best.Version) {
				best, found = row, true
			}
		}
		sh.mu.Unlock()
	}
	return best, found
}

// Flush returns once every record published before the call has been written (or ctx
// ends).
func (h *Hub) Flush(ctx context.Context) error {
	return h.flush(ctx, h.shards...)
}

func (h *Hub) flush(ctx context.Context, shards ...*shard) error {
	acks := make([]chan struct{}, len(shards))
	for i, sh := range shards {
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
				batch = h.write(sh, batch)
			}
		case <-tick.C:
			batch = h.write(sh, batch)
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
				batch = h.write(sh, batch)
			}
		default:
			return h.write(sh, batch)
		}
	}
}

// write persists events with the rows waiting on sh, retrying with a growing pause
// (50ms up to 1s) for RetryFor, so that a database that restarts gets what was emitted
// while it was down once it is back. The events were already delivered live, so a
// longer outage costs history (counted and logged), not the launch; rows that could not
// be written go back to wait for the next batch, unless a newer one came. A hub closing
// stops retrying.
func (h *Hub) write(sh *shard, events []Record) []Record {
	sh.mu.Lock()
	b := wire.Batch{Events: events}
	var jobs map[string]wire.JobRow
	if len(sh.jobs) > 0 {
		jobs, sh.jobs = sh.jobs, map[string]wire.JobRow{}
		b.Jobs = make([]wire.JobRow, 0, len(jobs))
		for _, row := range jobs {
			b.Jobs = append(b.Jobs, row)
		}
	}
	if len(sh.launches) > 0 {
		sh.writing, sh.launches = sh.launches, map[string]wire.LaunchRow{}
		b.Launches = make([]wire.LaunchRow, 0, len(sh.writing))
		for _, row := range sh.writing {
			b.Launches = append(b.Launches, row)
		}
	}
	sh.mu.Unlock()
	if b.Len() == 0 {
		return events
	}
	// Rows in key order, so that overlapping writes (a retried batch) cannot deadlock.
	slices.SortFunc(b.Jobs, func(x, y wire.JobRow) int { return strings.Compare(x.ID, y.ID) })
	slices.SortFunc(b.Launches, func(x, y wire.LaunchRow) int { return strings.Compare(x.TokenAddress, y.TokenAddress) })

	var err error
	start, pause := time.Now(), 50*time.Millisecond
	for try := 0; ; try++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = h.persist.Persist(ctx, b)
		cancel()
		if err == nil {
			if try > 0 {
				h.log.Info().Int("events", len(events)).Int("tries", try+1).Dur("after", time.Since(start)).Msg("progress persisted after the database came back")
			}
			break
		}
		if try == 0 {
			h.log.Warn().Err(err).Int("events", len(events)).Dur("retry_for", h.cfg.RetryFor).Msg("persist progress; keeping it and retrying")
		}
		if time.Since(start) >= h.cfg.RetryFor || h.sleep(pause) {
			break
		}
		pause = min(2*pause, time.Second)
	}
	sh.mu.Lock()
	if err != nil {
		for id, row := range jobs {
			if _, newer := sh.jobs[id]; !newer {
				sh.jobs[id] = row
			}
		}
		for token, row := range sh.writing {
			if newer, ok := sh.launches[token]; !ok || newer.Version < row.Version {
				sh.launches[token] = row
			}
		}
	}
	sh.writing = nil
	sh.mu.Unlock()
	if err != nil {
		h.persistErrs.Add(uint64(len(events)))
		h.log.Error().Err(err).Int("events", len(events)).Int("jobs", len(b.Jobs)).Int("launches", len(b.Launches)).
			Msg("persist progress: given up, events not stored (job and launch rows are kept for the next batch)")
		return events[:0]
	}
	h.persisted.Add(uint64(len(events)))
	return events[:0]
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
