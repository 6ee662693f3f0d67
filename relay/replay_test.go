package relay

import (
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/nitro-runtime/nitro/internal/testkit"
	"github.com/nitro-runtime/nitro/progress/wire"
)

// checkRun fails unless got is exactly job's records 1..n, in order.
func checkRun(t *testing.T, got []wire.Record, job string, n int) {
	t.Helper()
	var seqs []int64
	for _, r := range got {
		if r.JobID == job {
			seqs = append(seqs, r.Seq)
		}
	}
	if len(seqs) != n {
		t.Fatalf("job %s: %d records %v, want %d", job, len(seqs), seqs, n)
	}
	for i, s := range seqs {
		if s != int64(i+1) {
			t.Fatalf("job %s: records %v, want 1..%d in order", job, seqs, n)
		}
	}
}

// A process alone publishes nothing, but one that joins within the replay window still
// gets what its sockets would have missed.
func TestRelayReplaysRecentRecordsToAProcessThatJoins(t *testing.T) {
	rdb, ch := redisClient(t), channel(t)
	a, _ := startRelay(t, Config{Channel: ch}, rdb)
	for i := range 3 {
		a.Emit(rec("j", int64(i+1)))
	}
	testkit.WaitFor(t, 10*time.Second, "a to pass the records on", func() bool { return a.Stats().Unshared == 3 })
	_, bLocal := startRelay(t, Config{Channel: ch}, rdb)
	checkRun(t, waitRecords(t, bLocal, 3), "j", 3)
	testkit.WaitFor(t, 10*time.Second, "a to count the replay", func() bool { return a.Stats().Replayed == 3 })
}

// A process that had the records already does not emit a replay of them again.
func TestRelayEmitsAReplayedRecordOnce(t *testing.T) {
	rdb, ch := redisClient(t), channel(t)
	a, _ := startRelay(t, Config{Channel: ch}, rdb)
	b, bLocal := startRelay(t, Config{Channel: ch}, rdb)
	for i := range 3 {
		a.Emit(rec("j", int64(i+1)))
	}
	waitRecords(t, bLocal, 3)
	_, cLocal := startRelay(t, Config{Channel: ch}, rdb) // a replays to it; b hears that too
	checkRun(t, waitRecords(t, cLocal, 3), "j", 3)
	testkit.WaitFor(t, 10*time.Second, "b to hear the replay", func() bool { return b.Stats().Repeated == 3 })
	checkRun(t, bLocal.Records(), "j", 3)
}

// Redis killed and started again: the records a process emitted while it was down
// (dropped by the publisher) reach the other process once both have resubscribed.
func TestRelayReplaysWhatARedisRestartCut(t *testing.T) {
	srv := testkit.StartRedis(t, false)
	ch := channel(t)
	client := func() redis.UniversalClient {
		c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	a, _ := startRelay(t, Config{Channel: ch}, client())
	_, bLocal := startRelay(t, Config{Channel: ch}, client())
	a.Emit(rec("j", 1))
	waitRecords(t, bLocal, 1)
	srv.Kill()
	for i := 2; i <= 4; i++ {
		a.Emit(rec("j", int64(i))) // published into a dead Redis: dropped
	}
	testkit.WaitFor(t, 20*time.Second, "a to fail publishing", func() bool { return a.Stats().Dropped > 0 })
	srv.Start()
	// Whichever resubscribes first, a replays its window once both listen: on its own
	// resubscription, or on b's announcement.
	testkit.WaitFor(t, 20*time.Second, "b to get the records cut by the restart", func() bool { return len(bLocal.Records()) >= 4 })
	a.Emit(rec("j", 5))
	got := waitRecords(t, bLocal, 5)
	checkRun(t, got, "j", 5)
}

// The ring keeps the newest max records within the window, oldest first.
func TestKeptKeepsTheNewestWithinTheWindow(t *testing.T) {
	k := kept{window: time.Second, max: 4}
	t0 := time.Unix(1000, 0)
	seqs := func(recs []wire.Record) (out []int64) {
		for _, r := range recs {
			out = append(out, r.Seq)
		}
		return out
	}
	k.add([]wire.Record{rec("j", 1), rec("j", 2), rec("j", 3)}, t0)
	k.add([]wire.Record{rec("j", 4), rec("j", 5), rec("j", 6)}, t0.Add(500*time.Millisecond))
	if got := seqs(k.since(t0.Add(600 * time.Millisecond))); fmt.Sprint(got) != "[3 4 5 6]" {
		t.Fatalf("full ring: %v, want [3 4 5 6]", got)
	}
	if got := seqs(k.since(t0.Add(1200 * time.Millisecond))); fmt.Sprint(got) != "[4 5 6]" {
		t.Fatalf("past the window of 3: %v, want [4 5 6]", got)
	}
	k.add([]wire.Record{rec("j", 7)}, t0.Add(1400*time.Millisecond))              // over 3
	k.add([]wire.Record{rec("j", 8), rec("j", 9)}, t0.Add(1400*time.Millisecond)) // over 4 and 5
	if got := seqs(k.since(t0.Add(1400 * time.Millisecond))); fmt.Sprint(got) != "[6 7 8 9]" {
		t.Fatalf("after wrapping: %v, want [6 7 8 9]", got)
	}
	k.add(nil, t0.Add(1600*time.Millisecond)) // 6 is past the window now
	if got := seqs(k.since(t0.Add(1600 * time.Millisecond))); fmt.Sprint(got) != "[7 8 9]" {
		t.Fatalf("after the window passed 6: %v, want [7 8 9]", got)
	}
}
