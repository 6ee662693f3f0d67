package jobs_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/nitro-runtime/nitro/internal/testkit"
	"github.com/nitro-runtime/nitro/jobs"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/store"
	"github.com/nitro-runtime/nitro/store/storetest"
)

// redisOpt is this package's Redis database, flushed by every test that uses it.
var redisOpt = testkit.AsynqRedis(testkit.DBJobs)

func realRedis(t *testing.T) *asynq.Client {
	t.Helper()
	testkit.FlushRedis(t, testkit.DBJobs)
	cl := asynq.NewClient(redisOpt)
	t.Cleanup(func() { cl.Close() })
	return cl
}

// deadRedis is a client of a Redis that is not there: nothing serves port 1 here.
func deadRedis(t *testing.T) *asynq.Client {
	t.Helper()
	cl := asynq.NewClient(asynq.RedisClientOpt{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { cl.Close() })
	return cl
}

func devSell(t *testing.T, user string, pct int) jobs.Payload {
	t.Helper()
	body := `{"userId":"` + user + `","tokenAddress":"4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T","sellPercent":` + strconv.Itoa(pct) + `}`
	p, err := jobs.Decode(progress.DevSell, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// One key names one job per (caller, user, type): a repeat is that job, another user
// or type is another job, another payload is refused naming what differs.
func TestEnqueueKeyScope(t *testing.T) {
	st, cl, ctx := storetest.New(t), realRedis(t), t.Context()
	enq := func(user string, typ progress.WorkerType, pct int, caller string) (jobs.Enqueued, error) {
		p := devSell(t, user, pct)
		if typ == progress.WalletSell {
			var err error
			if p, err = jobs.Decode(typ, []byte(`{"userId":"`+user+`","tokenAddress":"4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T","sellPercent":50}`)); err != nil {
				t.Fatal(err)
			}
		}
		return jobs.Enqueue(ctx, cl, st, jobs.Request{Type: typ, Payload: p, Caller: caller, Key: "msg-1"}, jobs.Options{})
	}
	first, err := enq("alice", progress.DevSell, 50, "bot")
	if err != nil || first.Replayed || first.ID != jobs.KeyID("bot", "alice", progress.DevSell, "msg-1") {
		t.Fatalf("first = %+v, %v", first, err)
	}
	if again, err := enq("alice", progress.DevSell, 50, "bot"); err != nil || !again.Replayed || again.ID != first.ID {
		t.Fatalf("repeat = %+v, %v; want %s replayed", again, err, first.ID)
	}
	for _, c := range []struct {
		user, caller string
		typ          progress.WorkerType
	}{{"bob", "bot", progress.DevSell}, {"alice", "bot", progress.WalletSell}, {"alice", "dapp", progress.DevSell}} {
		if other, err := enq(c.user, c.typ, 50, c.caller); err != nil || other.Replayed || other.ID == first.ID {
			t.Fatalf("%+v: %+v, %v; want a job of its own", c, other, err)
		}
	}
	_, err = enq("alice", progress.DevSell, 75, "bot")
	var reused *jobs.KeyReusedError
	if !errors.As(err, &reused) || len(reused.Fields) != 1 || reused.Fields["sellPercent"] == "" {
		t.Fatalf("another payload under the key: %v", err)
	}
	if _, err := jobs.Enqueue(ctx, cl, st, jobs.Request{Type: progress.DevSell, Payload: devSell(t, "alice", 50), Key: "a b"}, jobs.Options{}); !errors.Is(err, jobs.ErrInvalidKey) {
		t.Fatalf("bad key: %v", err)
	}
}

// A key whose first enqueue failed in Redis is not a dead job forever: the retry
// enqueues it under the same id, and it runs.
func TestEnqueueRetryAfterRedisFailed(t *testing.T) {
	st, ctx := storetest.New(t), t.Context()
	req := jobs.Request{Type: progress.DevSell, Payload: devSell(t, "alice", 50), Caller: "bot", Key: "msg-2"}
	if _, err := jobs.Enqueue(ctx, deadRedis(t), st, req, jobs.Options{}); err == nil {
		t.Fatal("enqueue into a Redis that is down succeeded")
	}
	id := jobs.KeyID("bot", "alice", progress.DevSell, "msg-2")
	if row, err := st.GetJob(ctx, id); err != nil || row.State != store.JobFailed {
		t.Fatalf("row of the unenqueued job = %+v, %v; want failed", row, err)
	}
	cl := realRedis(t)
	e, err := jobs.Enqueue(ctx, cl, st, req, jobs.Options{MaxRetry: 2})
	if err != nil || e.Replayed || e.ID != id {
		t.Fatalf("retry = %+v, %v; want job %s enqueued", e, err, id)
	}
	if row, err := st.GetJob(ctx, id); err != nil || row.State != store.JobQueued || row.Error != "" {
		t.Fatalf("row after the retry = %+v, %v; want queued", row, err)
	}
	ran := make(chan string, 1)
	srv := asynq.NewServer(redisOpt, asynq.Config{Concurrency: 1, Queues: jobs.QueuePriorities, LogLevel: asynq.FatalLevel})
	mux := asynq.NewServeMux()
	mux.HandleFunc(string(progress.DevSell), func(ctx context.Context, t *asynq.Task) error {
		id, _ := asynq.GetTaskID(ctx)
		ran <- id
		return nil
	})
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	select {
	case got := <-ran:
		if got != id {
			t.Fatalf("ran task %s, want %s", got, id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the retried job never ran")
	}
	if again, err := jobs.Enqueue(ctx, cl, st, req, jobs.Options{}); err != nil || !again.Replayed || again.ID != id {
		t.Fatalf("a third try = %+v, %v; want the enqueued job replayed", again, err)
	}
}
