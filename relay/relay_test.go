package relay

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/nitro-runtime/nitro/internal/testkit"
	"github.com/nitro-runtime/nitro/progress/progresstest"
	"github.com/nitro-runtime/nitro/progress/wire"
)

// waitRecords polls until r holds n records and returns them.
func waitRecords(t *testing.T, r *progresstest.Recorder, n int) []wire.Record {
	t.Helper()
	testkit.WaitFor(t, 10*time.Second, fmt.Sprintf("%d records", n), func() bool { return len(r.Records()) >= n })
	return r.Records()
}

func redisClient(t *testing.T) redis.UniversalClient {
	t.Helper()
	return testkit.Redis(t, testkit.DBRelay)
}

// channel is unique per test: pub/sub ignores database numbers.
func channel(t *testing.T) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "nitro-test:" + t.Name() + ":" + hex.EncodeToString(b[:])
}

func startRelay(t *testing.T, cfg Config, rdb redis.UniversalClient) (*Relay, *progresstest.Recorder) {
	t.Helper()
	local := &progresstest.Recorder{}
	r, err := New(cfg, rdb, local, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r, local
}

func rec(job string, seq int64) wire.Record {
	return wire.Record{JobID: job, UserID: "u-" + job, Seq: seq, Name: wire.EventWorkerStep,
		JSON: []byte(fmt.Sprintf(`{"jobId":%q,"stepNumber":%d}`, job, seq)), At: time.Unix(0, seq)}
}

func TestRelayDeliversOtherProcessesRecordsInOrder(t *testing.T) {
	rdb, ch := redisClient(t), channel(t)
	a, aLocal := startRelay(t, Config{Channel: ch, Batch: 64}, rdb)
	b, bLocal := startRelay(t, Config{Channel: ch}, rdb)
	const jobs, per = 10, 500
	for i := range per {
		for j := range jobs {
			a.Emit(rec(fmt.Sprintf("job%d", j), int64(i+1)))
		}
	}
	b.Emit(rec("from-b", 1))
	got := waitRecords(t, bLocal, jobs*per+1)
	next := map[string]int64{}
	for _, r := range got {
		if r.JobID == "from-b" {
			continue
		}
		if r.Seq != next[r.JobID]+1 {
			t.Fatalf("job %s: seq %d after %d", r.JobID, r.Seq, next[r.JobID])
		}
		next[r.JobID] = r.Seq
		if want := rec(r.JobID, r.Seq); string(r.JSON) != string(want.JSON) || r.UserID != want.UserID || !r.At.Equal(want.At) {
			t.Fatalf("record %+v, want %+v", r, want)
		}
	}
	if fromA := waitRecords(t, aLocal, jobs*per+1); len(fromA) != jobs*per+1 {
		t.Errorf("A's sockets got %d records, want its own %d plus B's 1, no echo", len(fromA), jobs*per)
	}
	// B has all of A's records, so Redis published them before B's marker: A's
	// subscription receives its own messages (if it took them) before the marker.
	b.Emit(rec("marker", 1))
	if got := waitRecords(t, aLocal, jobs*per+2); len(got) != jobs*per+2 || got[len(got)-1].JobID != "marker" {
		t.Errorf("A's sockets got %d records ending with %s, want %d ending with B's marker: its own came back",
			len(got), got[len(got)-1].JobID, jobs*per+2)
	}
	if st := a.Stats(); st.Published != jobs*per || st.Received != 2 || st.Dropped != 0 {
		t.Errorf("A stats %+v", st)
	}
}

func TestRelayRefusesBadMessagesAndKeepsServing(t *testing.T) {
	rdb, ch := redisClient(t), channel(t)
	b, bLocal := startRelay(t, Config{Channel: ch}, rdb)
	var other [originSize]byte
	other[0] = 1
	bad := [][]byte{
		[]byte("hello"),
		encode(nil, other, []wire.Record{{JobID: "j", Name: "evil_event", JSON: []byte(`{}`)}}),
		encode(nil, other, []wire.Record{{JobID: "j", Name: wire.EventWorkerStep, JSON: []byte(`{"a":`)}}),
		encode(nil, other, []wire.Record{{JobID: "", Name: wire.EventWorkerStep, JSON: []byte(`{}`)}}),
	}
	for _, m := range bad {
		if err := rdb.Publish(t.Context(), ch, m).Err(); err != nil {
			t.Fatal(err)
		}
	}
	good := encode(nil, other, []wire.Record{rec("j", 1)})
	if err := rdb.Publish(t.Context(), ch, good).Err(); err != nil {
		t.Fatal(err)
	}
	got := waitRecords(t, bLocal, 1)
	if len(got) != 1 || got[0].JobID != "j" {
		t.Errorf("delivered %+v, want only the good record", got)
	}
	if st := b.Stats(); st.Refused != uint64(len(bad)) {
		t.Errorf("refused %d messages, want %d", st.Refused, len(bad))
	}
}

func TestRelayEmitNeverBlocks(t *testing.T) {
	local := &progresstest.Recorder{}
	r, err := New(Config{Channel: "unused", Buffer: 4}, redisClient(t), local, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	// Not started: nothing drains the buffer, as when Redis stalls.
	for i := range 10 {
		r.Emit(rec("j", int64(i+1)))
	}
	if n, st := len(local.Records()), r.Stats(); n != 10 || st.Dropped != 6 {
		t.Errorf("local got %d (want 10), dropped %d (want 6)", n, st.Dropped)
	}
	_ = r.Close()
	r.Emit(rec("j", 11))
	if n := len(local.Records()); n != 11 {
		t.Errorf("after Close, local got %d records, want 11", n)
	}
}

func TestRelayCloseFlushesTheBuffer(t *testing.T) {
	rdb, ch := redisClient(t), channel(t)
	_, bLocal := startRelay(t, Config{Channel: ch}, rdb)
	a, _ := startRelay(t, Config{Channel: ch}, rdb)
	for i := range 3000 {
		a.Emit(rec("j", int64(i+1)))
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	waitRecords(t, bLocal, 3000)
}

func TestNewValidates(t *testing.T) {
	for _, cfg := range []Config{{}, {Channel: "c", Buffer: -1}, {Channel: "c", CloseTimeout: -time.Second}} {
		if _, err := New(cfg, nil, &progresstest.Recorder{}, zerolog.Nop()); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

func TestRelayStartFailsCleanly(t *testing.T) {
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer dead.Close()
	local := &progresstest.Recorder{}
	r, err := New(Config{Channel: "c"}, dead, local, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	if err := r.Start(ctx); err == nil {
		t.Fatal("Start against a closed port succeeded")
	}
	r.Emit(rec("j", 1)) // still reaches the local sockets
	done := make(chan error, 1)
	go func() { done <- r.Close() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close after a failed Start hangs")
	}
	if n := len(local.Records()); n != 1 {
		t.Errorf("local got %d records, want 1", n)
	}
}

// waitStats polls until cond holds for r's counters.
func waitStats(t *testing.T, r *Relay, what string, cond func(Stats) bool) {
	t.Helper()
	testkit.WaitFor(t, 10*time.Second, what, func() bool { return cond(r.Stats()) })
}

// TestRelayQuietWhenAlone: a process alone on the channel publishes nothing; once a
// second one has started, every record reaches it in order; once that one is gone, the
// first goes quiet again.
func TestRelayQuietWhenAlone(t *testing.T) {
	rdb, ch := redisClient(t), channel(t)
	a, aLocal := startRelay(t, Config{Channel: ch}, rdb)
	for i := range 100 {
		a.Emit(rec("solo", int64(i+1)))
	}
	waitStats(t, a, "100 unshared", func(s Stats) bool { return s.Unshared == 100 })
	if st := a.Stats(); st.Published != 0 || st.Dropped != 0 || len(aLocal.Records()) != 100 {
		t.Fatalf("alone: %+v, local %d", st, len(aLocal.Records()))
	}

	b, local := startRelay(t, Config{Channel: ch}, rdb)
	// Start returned: A already publishes, so nothing emitted from now on is missed.
	for i := range 500 {
		a.Emit(rec("shared", int64(i+1)))
	}
	// B also gets A's last seconds replayed (the solo records, in order before the
	// shared ones: A replays on B's announcement, before Start returns).
	got := waitRecords(t, local, 600)
	checkRun(t, got, "solo", 100)
	checkRun(t, got, "shared", 500)

	_ = b.Close()
	unshared, seq := a.Stats().Unshared, int64(0)
	testkit.WaitFor(t, 10*time.Second, "A to stop publishing with nobody listening", func() bool {
		seq++
		a.Emit(rec("after", seq))
		return a.Stats().Unshared != unshared
	})
}

// TestRelayPeerReconnectWakesItUp: while B's subscription is cut, A finds itself alone
// and goes quiet; B announces itself again when it resubscribes, and A's records reach
// it again.
func TestRelayPeerReconnectWakesItUp(t *testing.T) {
	rdb, ch := redisClient(t), channel(t)
	a, _ := startRelay(t, Config{Channel: ch}, rdb)
	name := "relay-test-" + hex.EncodeToString([]byte(ch))[:24]
	bOpt := testkit.RedisOptions(testkit.DBRelay)
	bOpt.ClientName = name
	bClient := redis.NewClient(bOpt)
	t.Cleanup(func() { bClient.Close() })
	_, bLocal := startRelay(t, Config{Channel: ch}, bClient)

	a.Emit(rec("before", 1))
	waitRecords(t, bLocal, 1)
	_, heard := a.hasPeers()

	// Cut B's pub/sub connection (only it: other tests' relays share this Redis).
	list, err := rdb.ClientList(t.Context()).Result()
	if err != nil {
		t.Fatal(err)
	}
	killed := 0
	for _, line := range strings.Split(list, "\n") {
		if strings.Contains(line, " name="+name+" ") && strings.Contains(line, "cmd=subscribe") {
			id := strings.TrimPrefix(strings.Fields(line)[0], "id=")
			if err := rdb.Do(t.Context(), "CLIENT", "KILL", "ID", id).Err(); err != nil {
				t.Fatal(err)
			}
			killed++
		}
	}
	if killed != 1 {
		t.Fatalf("found %d pub/sub connections named %s:\n%s", killed, name, list)
	}
	// B announces itself again once resubscribed (A hears nothing else from B).
	testkit.WaitFor(t, 10*time.Second, "B to announce itself after resubscribing",
		func() bool { _, now := a.hasPeers(); return now != heard })
	// A publishes until B is back: quiet meanwhile, then every record of a burst arrives.
	seq := int64(0)
	testkit.WaitFor(t, 10*time.Second, "B to hear A again", func() bool {
		// The last probe sent, not an earlier one: none is left in flight.
		if got := bLocal.Records(); got[len(got)-1].JobID == "probe" && got[len(got)-1].Seq == seq {
			return true
		}
		seq++
		a.Emit(rec("probe", seq))
		return false
	})
	n := len(bLocal.Records())
	for i := range 200 {
		a.Emit(rec("after", int64(i+1)))
	}
	got := waitRecords(t, bLocal, n+200)
	for i, r := range got[n:] {
		if r.JobID != "after" || r.Seq != int64(i+1) {
			t.Fatalf("B's record %d after the reconnect: %s/%d", i, r.JobID, r.Seq)
		}
	}
}
