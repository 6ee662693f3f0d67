package socketio

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
	sio "github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"

	"github.com/nitro-runtime/nitro/auth"
)

// fakeClock is a settable time source.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newRecoveryAdapter builds the adapter on a real library server, as New does.
func newRecoveryAdapter(t *testing.T, window time.Duration, maxBytes int64) (*recoveryAdapter, *fakeClock) {
	t.Helper()
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	opts := sio.DefaultServerOptions()
	csr := sio.DefaultConnectionStateRecovery()
	csr.SetMaxDisconnectionDuration(window.Milliseconds())
	opts.SetConnectionStateRecovery(csr)
	opts.SetAdapter(&recoveryAdapterBuilder{window: window, maxBytes: maxBytes, now: clock.now})
	srv := sio.NewServer(nil, opts)
	t.Cleanup(func() { srv.Close(nil) })
	a, ok := srv.Sockets().Adapter().(*recoveryAdapter)
	if !ok {
		t.Fatalf("adapter is %T", srv.Sockets().Adapter())
	}
	return a, clock
}

// emit broadcasts one event to rooms (none: everyone) and returns the offset it got.
func emit(t *testing.T, a *recoveryAdapter, name string, rooms ...sio.Room) string {
	t.Helper()
	p := &parser.Packet{Type: parser.EVENT, Nsp: "/", Data: []any{name, encodedJSON(`{"n":"` + name + `"}`)}}
	a.Broadcast(p, &sio.BroadcastOptions{Rooms: types.NewSet(rooms...), Except: types.NewSet[sio.Room]()})
	data := p.Data.([]any)
	if len(data) != 3 {
		t.Fatalf("%s: data %v, want the offset appended", name, data)
	}
	return data[2].(string)
}

// persisted is alice's session pid, as the library persists it.
func persisted(pid string, rooms ...sio.Room) *sio.SessionToPersist {
	return &sio.SessionToPersist{Sid: sio.SocketId("sid-" + pid), Pid: sio.PrivateSessionId(pid), Rooms: types.NewSet(rooms...),
		Data: &session{Principal: auth.Principal{UserID: "alice"}}}
}

// as is pid as a handshake of p sends it to RestoreSession (see bindClaim).
func as(p auth.Principal, pid string) sio.PrivateSessionId {
	return sio.PrivateSessionId((&session{Principal: p}).claim() + "." + pid)
}

func asAlice(pid string) sio.PrivateSessionId { return as(auth.Principal{UserID: "alice"}, pid) }

func missedNames(t *testing.T, s *sio.Session) []string {
	t.Helper()
	var names []string
	for _, m := range s.MissedPackets {
		names = append(names, m.([]any)[0].(string))
	}
	return names
}

func TestRecoveryReplaysWhatTheRoomsMissed(t *testing.T) {
	a, clock := newRecoveryAdapter(t, 2*time.Minute, DefaultRecoveryBytes)
	last := emit(t, a, "before", "user_alice")
	a.PersistSession(persisted("p1", "sid-p1", "user_alice"))
	clock.add(30 * time.Second)
	emit(t, a, "alice1", "user_alice")
	emit(t, a, "bob1", "user_bob")
	emit(t, a, "everyone")
	emit(t, a, "both", "user_bob", "user_alice")
	s, err := a.RestoreSession(asAlice("p1"), last)
	if err != nil || s == nil {
		t.Fatalf("restore: %v, %v", s, err)
	}
	if got := fmt.Sprint(missedNames(t, s)); got != "[alice1 everyone both]" {
		t.Errorf("missed %s, want [alice1 everyone both]", got)
	}
	if s.Sid != "sid-p1" {
		t.Errorf("session %+v", s.SessionToPersist)
	}
	// The replayed data carries each packet's own offset, so a second drop resumes there.
	replayed := s.MissedPackets[0].([]any)
	s2, err := a.RestoreSession(asAlice("p1"), replayed[2].(string))
	if err != nil || s2 == nil || fmt.Sprint(missedNames(t, s2)) != "[everyone both]" {
		t.Errorf("restore from a replayed offset: %v, %v", s2, err)
	}
}

func TestRecoveryRefusesExpiredForeignAndUnknown(t *testing.T) {
	a, clock := newRecoveryAdapter(t, 2*time.Minute, DefaultRecoveryBytes)
	off := emit(t, a, "e1", "user_alice")
	emit(t, a, "e2", "user_alice")
	a.PersistSession(persisted("p1", "user_alice"))
	for _, bad := range []string{"", "zz", "abc-1", off + "0", a.prefix + "-1", a.prefix + "zzzzzzzzzzzzzzzzzz", a.prefix + "ZZ!"} {
		if s, err := a.RestoreSession(asAlice("p1"), bad); s != nil || err != nil {
			t.Errorf("offset %q: restored %v, %v", bad, s, err)
		}
	}
	if s, _ := a.RestoreSession(asAlice("nobody"), off); s != nil {
		t.Error("unknown pid restored")
	}
	clock.add(2*time.Minute + time.Second)
	if s, _ := a.RestoreSession(asAlice("p1"), off); s != nil {
		t.Error("a session older than the window was restored")
	}
}

func TestRecoveryDropsPacketsPastTheWindow(t *testing.T) {
	a, clock := newRecoveryAdapter(t, 2*time.Minute, DefaultRecoveryBytes)
	old := emit(t, a, "old", "user_alice")
	clock.add(90 * time.Second)
	a.PersistSession(persisted("p1", "user_alice"))
	clock.add(31 * time.Second)
	recent := emit(t, a, "recent", "user_alice")
	emit(t, a, "newest", "user_alice")
	if n, _ := a.recoveryStats(); n != 2 {
		t.Errorf("%d packets kept, want the 2 of the last 2 minutes", n)
	}
	if s, _ := a.RestoreSession(asAlice("p1"), old); s != nil {
		t.Error("restored from an offset older than the window")
	}
	if s, _ := a.RestoreSession(asAlice("p1"), recent); s == nil || fmt.Sprint(missedNames(t, s)) != "[newest]" {
		t.Errorf("restore from a kept offset: %v", s)
	}
}

func TestRecoveryStaysWithinItsByteBudget(t *testing.T) {
	const budget = 64 << 10
	a, _ := newRecoveryAdapter(t, 2*time.Minute, budget)
	a.PersistSession(persisted("p1", "user_alice"))
	first := emit(t, a, "first", "user_alice")
	var offsets []string
	for i := range 5000 {
		offsets = append(offsets, emit(t, a, fmt.Sprintf("e%d", i), "user_alice"))
	}
	n, bytes := a.recoveryStats()
	if bytes > budget || n == 0 || n >= 5000 {
		t.Fatalf("kept %d packets, %d bytes; want some, within %d", n, bytes, budget)
	}
	if s, _ := a.RestoreSession(asAlice("p1"), first); s != nil {
		t.Error("restored from an offset the budget dropped")
	}
	s, _ := a.RestoreSession(asAlice("p1"), offsets[len(offsets)-11])
	if s == nil || len(s.MissedPackets) != 10 {
		t.Fatalf("restore from a recent offset: %v", s)
	}
}

func TestRecoveryKeepsOnlyPlainEvents(t *testing.T) {
	a, _ := newRecoveryAdapter(t, 2*time.Minute, DefaultRecoveryBytes)
	id := uint64(3)
	volatile := &sio.BroadcastOptions{Rooms: types.NewSet[sio.Room](), Except: types.NewSet[sio.Room](),
		Flags: &sio.BroadcastFlags{WriteOptions: sio.WriteOptions{Volatile: true}}}
	a.Broadcast(&parser.Packet{Type: parser.EVENT, Nsp: "/", Data: []any{"v", encodedJSON(`1`)}}, volatile)
	a.Broadcast(&parser.Packet{Type: parser.EVENT, Nsp: "/", Id: &id, Data: []any{"ack", encodedJSON(`1`)}},
		&sio.BroadcastOptions{Rooms: types.NewSet[sio.Room](), Except: types.NewSet[sio.Room]()})
	if n, _ := a.recoveryStats(); n != 0 {
		t.Errorf("%d volatile/ack packets kept, want 0", n)
	}
}

func TestRecoveryForgetsExpiredSessions(t *testing.T) {
	a, clock := newRecoveryAdapter(t, 2*time.Minute, DefaultRecoveryBytes)
	for i := range 100 {
		a.PersistSession(persisted(fmt.Sprintf("p%d", i), "user_alice"))
	}
	clock.add(2*time.Minute + 2*time.Second)
	emit(t, a, "later", "user_alice") // live traffic sweeps; no new disconnect needed
	if n := a.keptSessions(); n != 0 {
		t.Errorf("%d expired sessions kept, want 0", n)
	}
}

// TestRecoveryReplaysProgressEventsAsSent: progress events (kept without their []any) come
// back exactly as they were sent, [name, payload, offset], between generic broadcasts.
func TestRecoveryReplaysProgressEventsAsSent(t *testing.T) {
	a, _ := newRecoveryAdapter(t, 2*time.Minute, DefaultRecoveryBytes)
	last := emit(t, a, "before", "user_alice")
	a.PersistSession(persisted("p1", "user_alice"))
	o1 := a.keepEvent("worker_step", encodedJSON(`{"step":1}`), []sio.Room{"user_alice", AdminRoom})
	emit(t, a, "generic", "user_alice")
	a.keepEvent("worker_step", encodedJSON(`{"step":2}`), []sio.Room{"user_bob"})
	o3 := a.keepEvent("worker_progress", encodedJSON(`{"progress":3}`), []sio.Room{"user_alice"})
	s, err := a.RestoreSession(asAlice("p1"), last)
	if err != nil || s == nil {
		t.Fatalf("restore: %v, %v", s, err)
	}
	got := fmt.Sprint(s.MissedPackets)
	want := fmt.Sprint([]any{
		[]any{"worker_step", encodedJSON(`{"step":1}`), o1},
		s.MissedPackets[1], // the generic one, checked by name below
		[]any{"worker_progress", encodedJSON(`{"progress":3}`), o3},
	})
	if len(s.MissedPackets) != 3 || got != want || missedNames(t, s)[1] != "generic" {
		t.Fatalf("missed %s, want %s", got, want)
	}
}

// TestRecoveryOnlyForItsOwner: a session comes back only to a handshake of the user who
// persisted it, with the rooms that handshake may join; a stranger's attempt, or a pid
// no handshake bound, leaves it for its owner.
func TestRecoveryOnlyForItsOwner(t *testing.T) {
	a, _ := newRecoveryAdapter(t, 2*time.Minute, DefaultRecoveryBytes)
	last := emit(t, a, "before", "user_alice")
	s := persisted("p1", "sid-p1", "user_alice", AdminRoom, "user_bob")
	s.Data = &session{Principal: auth.Principal{UserID: "alice", Admin: true}}
	a.PersistSession(s)
	emit(t, a, "alice1", "user_alice")
	emit(t, a, "admin1", AdminRoom)
	emit(t, a, "bob1", "user_bob")
	for name, pid := range map[string]sio.PrivateSessionId{
		"bob":           as(auth.Principal{UserID: "bob"}, "p1"),
		"bob as admin":  as(auth.Principal{UserID: "bob", Admin: true}, "p1"),
		"unbound":       "p1",
		"nobody":        sio.PrivateSessionId("-.p1"),
		"forged claim":  sio.PrivateSessionId("u!!.p1"),
		"alice, dotted": asAlice("p1.x"),
	} {
		if got, err := a.RestoreSession(pid, last); got != nil || err != nil {
			t.Errorf("%s: restored %+v, %v; want nothing", name, got, err)
		}
	}
	got, err := a.RestoreSession(asAlice("p1"), last)
	if err != nil || got == nil {
		t.Fatalf("alice without admin: %v, %v; want her session", got, err)
	}
	if rooms := fmt.Sprint(got.Rooms.Keys()); !got.Rooms.Has("sid-p1") || !got.Rooms.Has("user_alice") || got.Rooms.Len() != 2 {
		t.Errorf("rooms %s, want her own and user_alice only", rooms)
	}
	if names := fmt.Sprint(missedNames(t, got)); names != "[alice1]" {
		t.Errorf("missed %s, want [alice1]", names)
	}
	admin, _ := a.RestoreSession(as(auth.Principal{UserID: "alice", Admin: true}, "p1"), last)
	if admin == nil || admin.Rooms.Len() != 4 || fmt.Sprint(missedNames(t, admin)) != "[alice1 admin1 bob1]" {
		t.Errorf("alice as admin: %+v, want all four rooms back and every event", admin)
	}
}
