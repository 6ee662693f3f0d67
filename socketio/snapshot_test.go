package socketio

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nitro-runtime/nitro/progress/wire"
)

// blockingSnapshots holds Snapshot until release is closed, so a test can emit live
// events while a subscribe is reading the store.
type blockingSnapshots struct {
	entered chan struct{}
	release chan struct{}
	workers []wire.WorkerProgressEvent
}

func (b *blockingSnapshots) Snapshot(ctx context.Context, _ string, _ bool, _ int) ([]wire.WorkerProgressEvent, []wire.LaunchProgress, error) {
	close(b.entered)
	<-b.release
	return b.workers, nil, nil
}

// TestSnapshotNeverOverwritesLive: a live event that reaches the socket while its
// snapshot is being read wins; the snapshot leaves that job out instead of sending the
// older state after it.
func TestSnapshotNeverOverwritesLive(t *testing.T) {
	h := newHarness(t, Config{})
	bs := &blockingSnapshots{entered: make(chan struct{}), release: make(chan struct{}),
		workers: []wire.WorkerProgressEvent{workerEvent("alice", "x", 40), workerEvent("alice", "y", 10)}}
	h.server().deps.Snapshots = bs
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c := dialRawKeep(ctx, t, h.addr, map[string]any{"token": h.token("alice", false)}, true)
	defer c.close()
	go func() {
		<-bs.entered
		h.server().Emit(workerRecord("alice", "x", 50))
		close(bs.release)
	}()
	if r := c.call(ctx, t, EventSubscribeUser, "alice"); !r.OK {
		t.Fatalf("subscribe: %+v", r)
	}
	c.call(ctx, t, EventUnsubscribe, "flush") // answered after the snapshot task ended
	want := []string{"worker_progress/x/50", "worker_progress/y/10"}
	if got := c.received(); !reflect.DeepEqual(got, want) {
		t.Errorf("received %v, want %v", got, want)
	}
}

func TestRecentRing(t *testing.T) {
	now := time.Unix(1000, 0)
	r := newRecentRing(10*time.Second, 3)
	r.now = func() time.Time { return now }
	add := func(user, job string, pct int) {
		r.add(workerRecord(user, job, pct), []byte(`{}`))
		now = now.Add(time.Second)
	}
	r.add(wire.Record{Name: wire.EventWorkerStep, JobID: "s"}, nil) // not snapshot state: ignored
	add("alice", "a", 1)
	add("bob", "b", 1)
	add("alice", "a", 2)
	keys := func(items []snapshotItem) (out []string) {
		for _, it := range items {
			out = append(out, it.key)
		}
		return out
	}
	if got := keys(r.latest("alice", false)); !reflect.DeepEqual(got, []string{"w:a"}) {
		t.Errorf("alice: %v", got)
	}
	if got := keys(r.latest("", true)); !reflect.DeepEqual(got, []string{"w:b", "w:a"}) {
		t.Errorf("all: %v", got)
	}
	add("carol", "c", 1) // over max: the oldest (a/1) goes
	if n := r.entries.len(); n != 3 {
		t.Errorf("%d live entries, want 3", n)
	}
	now = now.Add(time.Minute)
	if got := r.latest("", true); len(got) != 0 {
		t.Errorf("after the window: %v", keys(got))
	}
}

func TestMergeRecent(t *testing.T) {
	it := func(name, key string, v int) snapshotItem { return snapshotItem{name: name, key: key, payload: v} }
	store := []snapshotItem{it("w", "w:a", 1), it("w", "w:b", 1), it("l", "l:t", 1)}
	recent := []snapshotItem{it("w", "w:b", 2), it("w", "w:c", 2)}
	got := mergeRecent(append([]snapshotItem(nil), store...), recent, 2, true)
	want := []snapshotItem{it("w", "w:b", 2), it("l", "l:t", 1), it("w", "w:c", 2)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("merged %+v, want %+v", got, want)
	}
	if got := mergeRecent(append([]snapshotItem(nil), store...), recent, 2, false); len(got) != 4 {
		t.Errorf("a user's snapshot is not capped: %d items", len(got))
	}
}

// TestAdminSnapshot: subscribe_all_launches gets every user's state, capped per kind.
func TestAdminSnapshot(t *testing.T) {
	h := newHarness(t, Config{SnapshotLimit: 2})
	seedAlice(h)
	h.snaps.mu.Lock()
	h.snaps.workers["bob"] = []wire.WorkerProgressEvent{workerEvent("bob", "bobJob", 70)}
	h.snaps.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c := dialRawKeep(ctx, t, h.addr, map[string]any{"token": h.token("root", true)}, true)
	defer c.close()
	if r := c.call(ctx, t, EventSubscribeAll); r != (ackReply{OK: true, Room: AdminRoom}) {
		t.Fatalf("subscribe all: %+v", r)
	}
	c.call(ctx, t, EventSubscribeAll) // repeat: acked, no second snapshot
	got := c.received()
	var workers, launches int
	for _, g := range got {
		switch {
		case strings.HasPrefix(g, wire.EventWorkerProgress+"/"):
			workers++
		case strings.HasPrefix(g, wire.EventLaunchProgress+"/"):
			launches++
		}
	}
	if workers != 2 || launches != 1 || len(got) != 3 {
		t.Errorf("admin snapshot %v: want 2 worker_progress (SnapshotLimit 2 of 3) and 1 launch_progress_update", got)
	}
	if st := h.server().Stats(); st.SnapshotEvents != 3 {
		t.Errorf("Stats().SnapshotEvents = %d, want 3", st.SnapshotEvents)
	}
}
