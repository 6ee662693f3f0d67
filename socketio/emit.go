package socketio

import (
	"context"
	"encoding/json"
	"sync"

	sio "github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/nitro-runtime/nitro/progress/wire"
)

// Emit delivers r to room user_<r.UserID> and to admin_launches in one broadcast, so a
// socket in both receives it once. It implements wire.Emitter: the payload is the JSON
// the record was made with, and it never waits on a client.
func (s *Server) Emit(r wire.Record) {
	if len(r.JSON) == 0 {
		s.emitErrors.Add(1)
		s.log.Error().Str("job_id", r.JobID).Str("event", r.Name).Msg("progress record without a payload")
		return
	}
	// The bytes are what every socket gets, and what a recovering client gets later.
	payload := json.RawMessage(r.JSON)
	s.recent.add(r, payload)
	rooms := []sio.Room{AdminRoom}
	if r.UserID != "" {
		rooms = append(rooms, sio.Room(UserRoom(r.UserID)))
	}
	s.mu.RLock()
	s.deliveries.Add(uint64(s.adapter.broadcastEvent(r.Name, encodedJSON(payload), rooms)))
	s.pending.note(r)
	s.mu.RUnlock()
	s.emitted.Add(1)
}

// snapshotItem is one event of a snapshot.
type snapshotItem struct {
	name    string
	key     string
	payload any
}

func workerKey(jobID string) string { return "w:" + jobID }
func launchKey(token string) string { return "l:" + token }
func recordKey(r wire.Record) string {
	switch r.Name {
	case wire.EventWorkerProgress:
		return workerKey(r.JobID)
	case wire.EventLaunchProgress:
		return launchKey(r.TokenAddress)
	}
	return ""
}

// joinWithSnapshot joins room, acks, then sends the room's current state to this socket
// only. Ordering is exact: live events after the join are recorded per key while the
// store is read, and those keys are left out of the snapshot (the socket already has a
// newer state); events emitted just before the join that the store has not persisted yet
// come from the recent ring.
func (s *Server) joinWithSnapshot(c *client, room, userID string, all bool, ack sio.Ack) {
	p := &pendingSnapshot{userID: userID, all: all, seen: map[string]struct{}{}}
	s.mu.Lock()
	c.sock.Join(sio.Room(room))
	s.pending.add(p)
	s.mu.Unlock()
	defer s.pending.remove(p)
	reply(ack, ackReply{OK: true, Room: room})
	s.log.Debug().Str("socket_id", string(c.sock.Id())).Str("user_id", c.sess.Principal.UserID).
		Str("room", room).Msg("subscribed")

	items := s.loadSnapshot(c, userID, all)
	s.mu.Lock()
	defer s.mu.Unlock()
	items = mergeRecent(items, s.recent.latest(userID, all), s.cfg.SnapshotLimit, all)
	for _, it := range items {
		if p.saw(it.key) {
			continue
		}
		if err := c.sock.Emit(it.name, it.payload); err == nil {
			s.snapshotEvents.Add(1)
		}
	}
}

func (s *Server) loadSnapshot(c *client, userID string, all bool) []snapshotItem {
	if s.deps.Snapshots == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.SnapshotTimeout)
	defer cancel()
	workers, launches, err := s.deps.Snapshots.Snapshot(ctx, userID, all, s.cfg.SnapshotLimit)
	if err != nil {
		s.log.Error().Err(err).Str("socket_id", string(c.sock.Id())).Str("user_id", userID).
			Bool("all", all).Msg("load snapshot")
		return nil
	}
	items := make([]snapshotItem, 0, len(workers)+len(launches))
	for _, w := range workers {
		items = append(items, snapshotItem{wire.EventWorkerProgress, workerKey(w.JobID), w})
	}
	for _, l := range launches {
		items = append(items, snapshotItem{wire.EventLaunchProgress, launchKey(l.TokenAddress), l})
	}
	return items
}

// mergeRecent replaces store items by the newer state the ring holds for the same key
// and appends the keys the store did not have yet, keeping at most limit of each kind
// for the admin room.
func mergeRecent(items, recent []snapshotItem, limit int, all bool) []snapshotItem {
	if len(recent) == 0 {
		return items
	}
	at := make(map[string]int, len(items))
	for i, it := range items {
		at[it.key] = i
	}
	for _, r := range recent {
		if i, ok := at[r.key]; ok {
			items[i] = r
			continue
		}
		at[r.key] = len(items)
		items = append(items, r)
	}
	if !all || limit <= 0 {
		return items
	}
	return capPerKind(items, limit)
}

// capPerKind keeps the last limit items of each event name, in order.
func capPerKind(items []snapshotItem, limit int) []snapshotItem {
	count := map[string]int{}
	for _, it := range items {
		count[it.name]++
	}
	out := items[:0:0]
	for _, it := range items {
		if count[it.name] > limit {
			count[it.name]--
			continue
		}
		out = append(out, it)
	}
	return out
}

// pendingSnapshot records the keys a subscribing socket received live while its
// snapshot was being read.
type pendingSnapshot struct {
	userID string
	all    bool
	mu     sync.Mutex
	seen   map[string]struct{}
}

func (p *pendingSnapshot) saw(key string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.seen[key]
	return ok
}

type pendingSet struct {
	mu   sync.Mutex
	list []*pendingSnapshot
}

func (ps *pendingSet) add(p *pendingSnapshot) {
	ps.mu.Lock()
	ps.list = append(ps.list, p)
	ps.mu.Unlock()
}

func (ps *pendingSet) remove(p *pendingSnapshot) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for i, q := range ps.list {
		if q == p {
			ps.list = append(ps.list[:i], ps.list[i+1:]...)
			return
		}
	}
}

// note marks r's key as seen by every pending snapshot of its room.
func (ps *pendingSet) note(r wire.Record) {
	key := recordKey(r)
	if key == "" {
		return
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, p := range ps.list {
		if p.all || p.userID == r.UserID {
			p.mu.Lock()
			p.seen[key] = struct{}{}
			p.mu.Unlock()
		}
	}
}
