package relay

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/nitro-runtime/nitro/internal/testkit"
	"github.com/nitro-runtime/nitro/progress"
)

// checkRun fails unless got is exactly job's records 1..n, in order.
func checkRun(t *testing.T, got []progress.Record, job string, n int) {
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
