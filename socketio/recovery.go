package socketio

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
	sio "github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// DefaultRecoveryBytes bounds the events kept for connection-state recovery.
const DefaultRecoveryBytes = 128 << 20

// recoveryOverhead approximates the bookkeeping of one kept packet beside its payload.
const recoveryOverhead = 160

// recoveryAdapter is the library's in-memory adapter plus connection-state recovery
// with a memory bound. The library's own session-aware adapter keeps every broadcast of
// the whole window (2 minutes: ~1 GB at 10k events/s, growing with the rate) and finds
// a reconnecting client's offset by scanning all of them. This one keeps the window
// but at most maxBytes, and its offsets carry their packet's position, so a restore
// reads only the missed packets. A client whose offset has been dropped is told
// nothing was recovered: it re-subscribes and gets the snapshot, as after a long drop.
type recoveryAdapter struct {
	sio.Adapter

	window   time.Duration
	maxBytes int64
	now      func() time.Time
	prefix   string // per process, so an offset from a previous process never matches

	// sendMu makes a broadcast one step: its offset is taken and it is written to every
	// socket before the next broadcast starts. Without it two emitters (two jobs) could
	// reach a socket in the other order than their offsets, and a client that drops
	// right then resumes past an event it never got. It also guards restoring; it is
	// taken before mu, never after.
	sendMu sync.Mutex
	// restoring holds the sockets whose session was restored but that the connection
	// middleware has not let in yet: broadcasts leave them out and catchUp sends them
	// what was kept meanwhile, once they are in.
	restoring map[sio.SocketId]restoreMark

	mu       sync.Mutex
	packets  fifo[keptPacket] // a packet's position is packets.popped + its index in the queue
	bytes    int64
	sessions map[sio.PrivateSessionId]keptSession
	swept    time.Time // when expired sessions were last dropped
}

// keptPacket is one broadcast as a recovering client gets it. A progress event keeps
// its three parts as they are (no []any and boxed values per event: the buffer holds up
// to 128 MB of them, all marked by every GC cycle); anything else keeps its data.
type keptPacket struct {
	at      time.Time
	data    []any // a generic broadcast's data, offset included; nil for a progress event
	name    string
	payload encodedJSON
	offset  string
	rooms   []sio.Room // the broadcast's rooms (none: everyone) and exceptions
	except  []sio.Room
	size    int64
}

// sent is the packet's data as it was sent.
func (p *keptPacket) sent() []any {
	if p.data != nil {
		return p.data
	}
	return []any{p.name, p.payload, p.offset}
}

// restoreMark is where a restored socket's missed packets ended: next is the position
// of the first packet they did not include.
type restoreMark struct {
	next uint64
	at   time.Time
}

type keptSession struct {
	session        *sio.SessionToPersist
	owner          session // who the socket acted as: only they get the session back
	disconnectedAt time.Time
}

// recoveryAdapterBuilder makes one recoveryAdapter per namespace.
type recoveryAdapterBuilder struct {
	window   time.Duration
	maxBytes int64
	now      func() time.Time
}

func (b *recoveryAdapterBuilder) New(nsp sio.Namespace) sio.Adapter {
	var salt [6]byte
	_, _ = rand.Read(salt[:])
	a := &recoveryAdapter{Adapter: sio.MakeAdapter(), window: b.window, maxBytes: b.maxBytes,
		now: b.now, prefix: hex.EncodeToString(salt[:]) + "-", sessions: map[sio.PrivateSessionId]keptSession{},
		restoring: map[sio.SocketId]restoreMark{}}
	if a.now == nil {
		a.now = time.Now
	}
	a.Prototype(a)
	a.Construct(nsp)
	return a
}

// Broadcast keeps every event packet without an ack that is not volatile (what the
// library keeps), appending its offset to the data as the client expects. Progress
// events take broadcastEvent instead; this serves whatever else the library sends.
func (a *recoveryAdapter) Broadcast(p *parser.Packet, opts *sio.BroadcastOptions) {
	if data, ok := p.Data.([]any); ok && p.Type == parser.EVENT && p.Id == nil &&
		(opts == nil || opts.Flags == nil || !opts.Flags.Volatile) {
		var rooms, except []sio.Room
		if opts != nil && opts.Rooms != nil {
			rooms = opts.Rooms.Keys()
		}
		if opts != nil && opts.Except != nil {
			except = opts.Except.Keys()
		}
		a.sendMu.Lock()
		defer a.sendMu.Unlock()
		p.Data = a.keep(data, rooms, except)
		if len(a.restoring) > 0 {
			// The kept packet names the broadcast's own exceptions; the sockets being
			// admitted get it from catchUp instead. A socket is in the room of its id.
			var o sio.BroadcastOptions
			if opts != nil {
				o = *opts
			}
			o.Except = types.NewSet(except...)
			for id := range a.restoring {
				o.Except.Add(sio.Room(id))
			}
			opts = &o
		}
	}
	a.Adapter.Broadcast(p, opts)
}

// keep records a broadcast's data for recovering clients and returns it with its
// offset appended.
func (a *recoveryAdapter) keep(data []any, rooms, except []sio.Room) []any {
	a.mu.Lock()
	defer a.mu.Unlock()
	offset := a.nextOffsetLocked()
	data = append(data[:len(data):len(data)], offset)
	kept := keptPacket{data: data, offset: offset, rooms: rooms, except: except}
	for _, d := range data {
		switch v := d.(type) {
		case encodedJSON:
			kept.size += int64(len(v))
		case string:
			kept.size += int64(len(v))
		}
	}
	a.pushLocked(kept)
	return data
}

// keepEvent records the progress event [name, payload] sent to rooms and returns its
// offset.
func (a *recoveryAdapter) keepEvent(name string, payload encodedJSON, rooms []sio.Room) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	offset := a.nextOffsetLocked()
	a.pushLocked(keptPacket{name: name, payload: payload, offset: offset, rooms: rooms,
		size: int64(len(name) + len(payload) + len(offset))})
	return offset
}

// nextOffsetLocked is the offset of the packet pushed next: this process's prefix and
// the packet's position.
func (a *recoveryAdapter) nextOffsetLocked() string {
	return a.prefix + strconv.FormatUint(a.packets.popped+uint64(a.packets.len()), 36)
}

func (a *recoveryAdapter) pushLocked(kept keptPacket) {
	kept.at = a.now()
	kept.size += recoveryOverhead
	a.packets.push(kept)
	a.bytes += kept.size
	a.pruneLocked(kept.at)
}

// pruneLocked drops packets older than the window or beyond maxBytes, oldest first, and
// now and then the sessions that can no longer be restored.
func (a *recoveryAdapter) pruneLocked(now time.Time) {
	if now.Sub(a.swept) > time.Second {
		a.swept = now
		for pid, k := range a.sessions {
			if now.Sub(k.disconnectedAt) > a.window {
				delete(a.sessions, pid)
			}
		}
	}
	for a.packets.len() > 0 && (now.Sub(a.packets.front().at) > a.window || a.bytes > a.maxBytes) {
		a.bytes -= a.packets.front().size
		a.packets.pop()
	}
}

// PersistSession remembers a disconnected socket's session, and whose it is (user id,
// admin, trusted: the socket's data), for the window.
func (a *recoveryAdapter) PersistSession(s *sio.SessionToPersist) {
	now := a.now()
	k := keptSession{session: s, disconnectedAt: now}
	if sess, ok := s.Data.(*session); ok {
		k.owner = session{Principal: sess.Principal, Trusted: sess.Trusted}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pruneLocked(now)
	a.sessions[s.Pid] = k
}

// RestoreSession returns the session of the bound pid (see bindClaim) with the packets
// its rooms missed after offset, or nil when the handshake's principal is not the one
// that persisted the session, the session expired or the offset is no longer (or never
// was) kept. The session comes back with the rooms the new principal may join, which
// are re-checked (a token without admin does not get admin_launches back); a stranger's
// attempt leaves the session for its owner.
//
// The library joins the socket to its rooms and writes the missed packets right away,
// but only lets it in (and so only reaches it with broadcasts) after the connection
// middleware: until catchUp, the socket is marked as restoring.
func (a *recoveryAdapter) RestoreSession(bound sio.PrivateSessionId, offset string) (*sio.Session, error) {
	claimant, pid, ok := unbindClaim(string(bound))
	if !ok {
		return nil, nil
	}
	now := a.now()
	a.sendMu.Lock()
	defer a.sendMu.Unlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	k, ok := a.sessions[sio.PrivateSessionId(pid)]
	if !ok || !claimant.owns(&k.owner) {
		return nil, nil
	}
	if now.Sub(k.disconnectedAt) > a.window {
		delete(a.sessions, sio.PrivateSessionId(pid))
		return nil, nil
	}
	a.pruneLocked(now)
	rest, ok := strings.CutPrefix(offset, a.prefix)
	if !ok {
		return nil, nil
	}
	pos, err := strconv.ParseUint(rest, 36, 64)
	first := a.packets.popped
	if err != nil || strconv.FormatUint(pos, 36) != rest || pos < first || pos >= first+uint64(a.packets.len()) {
		return nil, nil // too old (or foreign): the client re-subscribes and gets the snapshot
	}
	restored := *k.session
	restored.Rooms = types.NewSet[sio.Room]()
	if k.session.Rooms != nil {
		for _, r := range k.session.Rooms.Keys() {
			if claimant.mayRejoin(r, k.session.Sid) {
				restored.Rooms.Add(r)
			}
		}
	}
	var missed []any
	for _, p := range a.keptSinceLocked(pos+1, restored.Rooms.Has) {
		missed = append(missed, p.sent())
	}
	for id, m := range a.restoring {
		if now.Sub(m.at) > a.window { // refused by the middleware: never caught up
			delete(a.restoring, id)
		}
	}
	a.restoring[restored.Sid] = restoreMark{next: first + uint64(a.packets.len()), at: now}
	return &sio.Session{SessionToPersist: &restored, MissedPackets: missed}, nil
}

// catchUp sends a socket restored by RestoreSession what reached its rooms after its
// missed packets were gathered, now that it is in: broadcasts left it out meanwhile.
// It returns the number of progress packets it wrote itself (the library's Emit counts
// what it sends).
func (a *recoveryAdapter) catchUp(sock *sio.Socket) int {
	a.sendMu.Lock()
	defer a.sendMu.Unlock()
	mark, ok := a.restoring[sock.Id()]
	if !ok {
		return 0
	}
	delete(a.restoring, sock.Id())
	sent := 0
	nsp := a.Nsp().Name()
	// Written after mu is released (a write may close the socket, which persists its
	// session under mu); sendMu keeps every broadcast out until they are.
	for _, p := range a.keptSince(mark.next, sock.Rooms().Has) {
		if p.data != nil {
			name, _ := p.data[0].(string)
			_ = sock.Emit(name, p.data[1:]...)
			continue
		}
		sock.Client().WriteToEngine(eventWrite(nsp, p.name, p.payload, p.offset))
		sent++
	}
	return sent
}

// keptSince returns the kept packets from position next on that reach the rooms
// inRoom answers for; from the oldest kept if next was pruned meanwhile (a window or
// byte budget far too small for the time a handshake took).
func (a *recoveryAdapter) keptSince(next uint64, inRoom func(sio.Room) bool) []keptPacket {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.keptSinceLocked(next, inRoom)
}

func (a *recoveryAdapter) keptSinceLocked(next uint64, inRoom func(sio.Room) bool) []keptPacket {
	start := 0
	if first := a.packets.popped; next > first {
		start = int(next - first)
	}
	var out []keptPacket
	for _, p := range a.packets.from(start) {
		if p.reaches(inRoom) {
			out = append(out, *p)
		}
	}
	return out
}

// reaches reports whether a socket in the rooms inRoom answers for got this packet.
func (p keptPacket) reaches(inRoom func(sio.Room) bool) bool {
	for _, r := range p.except {
		if inRoom(r) {
			return false
		}
	}
	if len(p.rooms) == 0 {
		return true
	}
	for _, r := range p.rooms {
		if inRoom(r) {
			return true
		}
	}
	return false
}

// keptSessions is how many sessions wait for their client, for tests.
func (a *recoveryAdapter) keptSessions() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.sessions)
}

// recoveryStats reports what is kept, for tests and metrics.
func (a *recoveryAdapter) recoveryStats() (packets int, bytes int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.packets.len(), a.bytes
}
