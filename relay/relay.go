// Package relay carries progress records between nitro processes over Redis pub/sub.
// Each process emits its own jobs' records to its own sockets and publishes them; every
// other process emits what it receives to its sockets. So a browser connected to any
// process sees the live events of every job, whichever process runs it.
//
// Per job, order is kept: a job's records are emitted in one process, published in that
// order on one channel and received in that order. Publishing never blocks a worker: a
// bounded buffer sits in between, and what overflows it is counted and logged (the
// events are still persisted and emitted locally).
//
// A process alone on the channel publishes nothing: every message would only come back
// to itself (about 5 µs per record and a tenth of the server's allocations at 20k
// records/s, for nothing). On a single Redis server PUBLISH answers how many listened, so
// a process learns it is alone from its own publishes; a process that subscribes (or
// resubscribes after a reconnect) announces itself, every other process starts
// publishing again before it answers, and Start waits for those answers, so the new
// process's sockets miss nothing. On a Redis Cluster, where that count covers one node,
// every record is published.
//
// Pub/sub keeps nothing for a subscriber that is away, so each process also publishes
// its last few seconds of records again when another process (re)subscribes, and a
// receiver emits only what is past the last record it emitted of each run (replay.go):
// what a process emitted while Redis restarted, or while it believed itself alone,
// still reaches the others' sockets, in order.
package relay

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/nitro-runtime/nitro/progress/wire"
)

// Defaults for Config's zero fields.
const (
	DefaultBuffer       = 16384
	DefaultBatch        = 256
	DefaultCloseTimeout = 5 * time.Second
	DefaultLinger       = time.Millisecond
)

// Config tunes a Relay. Channel is required; the rest have defaults.
type Config struct {
	// Channel is the Redis pub/sub channel every process of one deployment shares.
	// Channels are not scoped by Redis database number: name the deployment in it.
	Channel string
	// Buffer is how many records may wait to be published.
	Buffer int
	// Batch is the most records one message carries.
	Batch int
	// CloseTimeout bounds how long Close spends publishing what is still buffered.
	CloseTimeout time.Duration
	// Linger is how long a message waits for more records before it is published: one
	// PUBLISH per record would cost more than the rest of the path at 10k events/s.
	// Only other processes' sockets wait for it; this process emits at once.
	Linger time.Duration
	// Replay is how far back the records this process emitted are published again
	// when another process (re)subscribes, at most ReplayKeep of them (see replay.go).
	Replay     time.Duration
	ReplayKeep int
}

// Stats are a relay's counters.
type Stats struct {
	Published uint64 // records sent to the channel
	Unshared  uint64 // records not published: no other process listened
	Received  uint64 // records from other processes emitted here
	Dropped   uint64 // records not published: buffer full or Redis error
	Refused   uint64 // messages that could not be decoded
	Replayed  uint64 // records published again for a process that (re)subscribed
	Repeated  uint64 // records received again (a replay) and not emitted twice
}

// Relay is a wire.Emitter that emits to the local sockets and to the other
// processes. Start it before the first Emit; Close it after the last.
type Relay struct {
	cfg    Config
	rdb    redis.UniversalClient
	local  wire.Emitter
	log    zerolog.Logger
	origin [originSize]byte

	mu     sync.RWMutex // Emit's sends (read side) against Close's close(out)
	closed bool
	out    chan wire.Record
	sub    *redis.PubSub
	// stopCtx ends CloseTimeout after Close began: the last publishes give up then.
	stopCtx             context.Context
	stop                context.CancelFunc
	published, received chan struct{} // closed when each loop has exited

	nPublished, nReceived, nDropped, nRefused, nUnshared atomic.Uint64
	nReplayed, nRepeated                                 atomic.Uint64
	lastDropLog                                          atomic.Int64

	kept kept // this process's recent records, for a replay
	seen seen // the last record emitted of each run from other processes
	// pubMu orders publishes and replays, so that no record published after a replay
	// began reaches another process ahead of it (it would then drop the replay as
	// behind its run). cut: a publish failed, the next one replays the window first.
	pubMu sync.Mutex
	cut   bool

	// canBeAlone: rdb is one Redis server, whose PUBLISH reply counts every listener.
	canBeAlone bool
	peerMu     sync.Mutex
	peers      bool   // another process listens: publish
	heard      uint64 // signs of other processes so far; a PUBLISH reply older than one is stale
	answers    chan struct{}
}

// answerWait bounds how long Start waits for the other processes to answer.
const answerWait = time.Second

// New makes a relay over rdb (which it does not close) delivering to local.
func New(cfg Config, rdb redis.UniversalClient, local wire.Emitter, log zerolog.Logger) (*Relay, error) {
	if cfg.Channel == "" {
		return nil, errors.New("relay: Config.Channel is required")
	}
	if cfg.Buffer < 0 || cfg.Batch < 0 || cfg.CloseTimeout < 0 || cfg.Linger < 0 || cfg.Replay < 0 || cfg.ReplayKeep < 0 {
		return nil, errors.New("relay: Buffer, Batch, CloseTimeout, Linger, Replay and ReplayKeep must not be negative")
	}
	cfg.Buffer = cmp.Or(cfg.Buffer, DefaultBuffer)
	cfg.Batch = cmp.Or(cfg.Batch, DefaultBatch)
	cfg.CloseTimeout = cmp.Or(cfg.CloseTimeout, DefaultCloseTimeout)
	cfg.Linger = cmp.Or(cfg.Linger, DefaultLinger)
	cfg.Replay = cmp.Or(cfg.Replay, DefaultReplay)
	cfg.ReplayKeep = cmp.Or(cfg.ReplayKeep, DefaultReplayKeep)
	r := &Relay{cfg: cfg, rdb: rdb, local: local, out: make(chan wire.Record, cfg.Buffer),
		published: make(chan struct{}), received: make(chan struct{}),
		log: log.With().Str("component", "relay").Str("channel", cfg.Channel).Logger()}
	r.stopCtx, r.stop = context.WithCancel(context.Background())
	r.kept = kept{window: cfg.Replay, max: cfg.ReplayKeep}
	r.seen = seen{last: map[runKey]seenAt{}, keep: max(time.Minute, 4*cfg.Replay)}
	_, _ = rand.Read(r.origin[:])
	_, r.canBeAlone = rdb.(*redis.Client)
	r.peers = !r.canBeAlone
	r.answers = make(chan struct{}, 64)
	return r, nil
}

// Start subscribes (and waits for Redis to confirm it, so nothing published after
// Start returns is missed), announces this process and waits (at most answerWait) until
// every other process has answered, that is publishes to it too; then starts publishing.
func (r *Relay) Start(ctx context.Context) error {
	sub := r.rdb.Subscribe(ctx, r.cfg.Channel)
	if _, err := sub.Receive(ctx); err != nil {
		_ = sub.Close()
		return fmt.Errorf("relay: subscribe to %s: %w", r.cfg.Channel, err)
	}
	r.sub = sub // only once subscribed: Close waits for the loops started below
	go r.receiveLoop(r.sub.ChannelWithSubscriptions(redis.WithChannelSize(1024)))
	others := r.announce(ctx)
	wait := time.NewTimer(answerWait)
	defer wait.Stop()
	for ; others > 0; others-- {
		select {
		case <-r.answers:
		case <-wait.C:
			r.log.Warn().Int64("silent", others).Msg("processes on the relay channel did not answer; going on")
			others = 0
		case <-ctx.Done():
			others = 0
		}
	}
	go r.publishLoop()
	return nil
}

// announce tells the other processes this one listens and returns how many heard it.
func (r *Relay) announce(ctx context.Context) int64 {
	n, err := r.rdb.Publish(ctx, r.cfg.Channel, control(helloKind, r.origin, [originSize]byte{})).Result()
	if err != nil {
		r.log.Warn().Err(err).Msg("announce on the relay channel; publishing every record")
		r.sawPeers()
		return 0
	}
	if n > 1 || !r.canBeAlone {
		r.sawPeers()
	}
	return max(n-1, 0)
}

// sawPeers records a sign that another process listens.
func (r *Relay) sawPeers() {
	r.peerMu.Lock()
	r.peers = true
	r.heard++
	r.peerMu.Unlock()
}

func (r *Relay) hasPeers() (bool, uint64) {
	r.peerMu.Lock()
	defer r.peerMu.Unlock()
	return r.peers, r.heard
}

// aloneSince stops publishing after a PUBLISH only this process heard, unless another
// process showed up after that PUBLISH was sent (its reply is then stale).
func (r *Relay) aloneSince(heard uint64) {
	r.peerMu.Lock()
	if r.heard == heard {
		r.peers = false
	}
	r.peerMu.Unlock()
}

// Emit delivers rec to this process's sockets and queues it for the others. It never
// blocks.
func (r *Relay) Emit(rec wire.Record) {
	r.local.Emit(rec)
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		r.drop(1, "relay closed")
		return
	}
	select {
	case r.out <- rec:
	default:
		r.drop(1, "publish buffer full")
	}
}

// drop counts records that other processes will not see live, logging at most once a
// second.
func (r *Relay) drop(n int, why string) {
	total := r.nDropped.Add(uint64(n))
	now := time.Now().UnixNano()
	if last := r.lastDropLog.Load(); now-last > int64(time.Second) && r.lastDropLog.CompareAndSwap(last, now) {
		r.log.Warn().Uint64("dropped_total", total).Str("reason", why).
			Msg("progress records not relayed to other processes (persisted and emitted here)")
	}
}

func (r *Relay) publishLoop() {
	defer close(r.published)
	batch := make([]wire.Record, 0, r.cfg.Batch)
	var buf []byte
	linger := time.NewTimer(r.cfg.Linger)
	for rec := range r.out {
		batch = append(batch[:0], rec)
		linger.Reset(r.cfg.Linger)
	fill:
		for len(batch) < r.cfg.Batch {
			select {
			case more, ok := <-r.out:
				if !ok {
					break fill
				}
				batch = append(batch, more)
			case <-linger.C:
				break fill
			}
		}
		r.kept.add(batch, time.Now())
		buf = r.publish(buf, batch)
	}
}

// publish sends one message; buf is reused between calls.
func (r *Relay) publish(buf []byte, batch []wire.Record) []byte {
	r.pubMu.Lock()
	defer r.pubMu.Unlock()
	peers, heard := r.hasPeers()
	if !peers {
		r.nUnshared.Add(uint64(len(batch)))
		return buf
	}
	if r.cut {
		// What failed to publish, and what followed, goes out again in order first: the
		// window holds this batch too.
		if err := r.replay(); err != nil {
			r.drop(len(batch), "redis error")
			return buf
		}
		r.cut = false
		return buf
	}
	recs := batch
	buf = encode(buf[:0], r.origin, recs)
	ctx, cancel := context.WithTimeout(r.stopCtx, r.cfg.CloseTimeout)
	defer cancel()
	listeners, err := r.rdb.Publish(ctx, r.cfg.Channel, buf).Result()
	if err != nil {
		r.log.Error().Err(err).Int("records", len(recs)).Msg("publish progress records; replaying them once Redis answers")
		r.drop(len(recs), "redis error")
		r.cut = true
		return buf
	}
	r.nPublished.Add(uint64(len(recs)))
	if r.canBeAlone && listeners <= 1 {
		r.aloneSince(heard)
	}
	return buf
}

func (r *Relay) receiveLoop(msgs <-chan any) {
	defer close(r.received)
	for m := range msgs {
		switch m := m.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" { // resubscribed after a reconnect: the others may have gone quiet
				r.pubMu.Lock()
				ctx, cancel := context.WithTimeout(r.stopCtx, r.cfg.CloseTimeout)
				r.announce(ctx)
				cancel()
				r.replayLogged("resubscribed") // what the others missed of ours while we were cut off
				r.pubMu.Unlock()
			}
		case *redis.Message:
			r.hear(m.Payload)
		}
	}
}

// hear handles one message of the channel.
func (r *Relay) hear(msg string) {
	if isFrom(msg, r.origin) {
		return // ours: already emitted here
	}
	if kind, from, to, ok := parseControl(msg); ok {
		if kind == helloKind {
			r.pubMu.Lock() // the replay goes out before anything published from now on
			defer r.pubMu.Unlock()
		}
		r.sawPeers()
		switch {
		case kind == helloKind:
			// Publishing to it already (sawPeers): now say so.
			ctx, cancel := context.WithTimeout(r.stopCtx, r.cfg.CloseTimeout)
			if err := r.rdb.Publish(ctx, r.cfg.Channel, control(answerKind, r.origin, from)).Err(); err != nil {
				r.log.Warn().Err(err).Msg("answer an announcement on the relay channel")
			}
			cancel()
			r.replayLogged("a process announced itself") // what it missed while it was not subscribed
		case to == r.origin:
			select {
			case r.answers <- struct{}{}:
			default:
			}
		}
		return
	}
	_, recs, err := decode([]byte(msg))
	if err != nil {
		r.nRefused.Add(1)
		r.log.Error().Err(err).Int("bytes", len(msg)).Msg("refused a relay message")
		return
	}
	r.sawPeers()
	now, emitted := time.Now(), 0
	for _, rec := range recs {
		if !r.seen.fresh(rec, now) {
			r.nRepeated.Add(1)
			continue
		}
		r.local.Emit(rec)
		emitted++
	}
	r.nReceived.Add(uint64(emitted))
}

// Close publishes what is buffered (for at most CloseTimeout), then unsubscribes. Emit
// calls after Close only reach the local sockets.
func (r *Relay) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	close(r.out)
	r.mu.Unlock()
	defer r.stop()
	if r.sub == nil {
		return nil // never started
	}
	timer := time.AfterFunc(r.cfg.CloseTimeout, r.stop)
	defer timer.Stop()
	<-r.published
	err := r.sub.Close()
	<-r.received
	return err
}

// Stats returns the counters.
func (r *Relay) Stats() Stats {
	return Stats{Published: r.nPublished.Load(), Unshared: r.nUnshared.Load(), Received: r.nReceived.Load(),
		Dropped: r.nDropped.Load(), Refused: r.nRefused.Load(), Replayed: r.nReplayed.Load(), Repeated: r.nRepeated.Load()}
}
