package workers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/nitro-runtime/nitro/internal/testkit"
	"github.com/nitro-runtime/nitro/jobs"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/progress/progresstest"
	"github.com/nitro-runtime/nitro/progress/wire"
)

type runLog struct {
	mu     sync.Mutex
	states map[string][]string
	result map[string]json.RawMessage
	// refuse is how many Persist calls fail next, as while PostgreSQL restarts.
	refuse int
}

// refused consumes one refusal, if any is left.
func (l *runLog) refused() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.refuse > 0 {
		l.refuse--
		return true
	}
	return false
}

// Persist keeps what the job rows the hub writes say (the store's part in production):
// each run's start, then how it ended, and the result.
func (l *runLog) Persist(_ context.Context, b wire.Batch) error {
	if l.refused() {
		return errors.New("persist: connection refused")
	}
	for _, row := range b.Jobs {
		l.note(row)
	}
	return nil
}

func (l *runLog) note(row wire.JobRow) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.states[row.ID]
	// A row of attempt n says its run started, even when the hub wrote only the latest
	// of the run's rows.
	if start := fmt.Sprintf("start%d", row.Attempt); !slices.Contains(st, start) {
		st = append(st, start)
	}
	if row.State != wire.JobRunning && st[len(st)-1] != string(row.State) {
		st = append(st, string(row.State))
	}
	if row.State == wire.JobCompleted {
		l.result[row.ID] = row.Result
	}
	l.states[row.ID] = st
}

func (l *runLog) resultOf(id string) json.RawMessage {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.result[id]
}

func (l *runLog) get(id string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.states[id]...)
}

// queueClient enqueues into a test's own queue.
type queueClient struct {
	*asynq.Client
	queue string
}

// startRuntime runs a real asynq server on Redis with the runtime wrapper, on a queue
// of its own: the package's database is shared with the job tests' envs (and another
// run of this package), so nothing here flushes it.
func startRuntime(t *testing.T, handlers ...Handler) (*queueClient, *progresstest.Recorder, *runLog) {
	t.Helper()
	return startRuntimeWith(t, func(int, error, *asynq.Task) time.Duration { return 100 * time.Millisecond }, handlers...)
}

// startRuntimeWith is startRuntime with asynq retrying after delay.
func startRuntimeWith(t *testing.T, delay asynq.RetryDelayFunc, handlers ...Handler) (*queueClient, *progresstest.Recorder, *runLog) {
	t.Helper()
	testkit.Redis(t, testkit.DBWorkers) // fails the test when Redis is down
	opt := testkit.AsynqRedis(testkit.DBWorkers)
	queue := fmt.Sprintf("runtime-%d", time.Now().UnixNano())
	rec, runs := &progresstest.Recorder{}, &runLog{states: map[string][]string{}, result: map[string]json.RawMessage{}}
	hub := progress.NewHub(progress.HubConfig{}, rec, runs, nil, zerolog.Nop())
	rt := &Runtime{Hub: hub, Log: zerolog.Nop()}
	mux := asynq.NewServeMux()
	for _, h := range handlers {
		mux.Handle(h.Type, rt.Wrap(h))
	}
	srv := asynq.NewServer(opt, asynq.Config{
		Concurrency: 4, Queues: map[string]int{queue: 1}, Logger: AsynqLogger{zerolog.Nop()},
		RetryDelayFunc: delay,
	})
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	cl := &queueClient{Client: asynq.NewClient(opt), queue: queue}
	t.Cleanup(func() {
		_ = cl.Close()
		srv.Shutdown()
		_ = hub.Close(context.Background())
		ins := asynq.NewInspector(opt)
		_ = ins.DeleteQueue(queue, true)
		_ = ins.Close()
	})
	return cl, rec, runs
}

func enqueue(t *testing.T, cl *queueClient, typ string, p any, opts ...asynq.Option) string {
	t.Helper()
	b, _ := json.Marshal(p)
	info, err := cl.Enqueue(asynq.NewTask(typ, b), append([]asynq.Option{asynq.Queue(cl.queue)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return info.ID
}

func TestRuntimeCompletesAndRecordsResult(t *testing.T) {
	cl, rec, runs := startRuntime(t, TestWalk())
	id := enqueue(t, cl, TestWalkType, TestWalkPayload{UserID: "u1", UserChatID: 9, Phases: 3, Steps: 2}, asynq.MaxRetry(2))
	testkit.WaitFor(t, 20*time.Second, "completion", func() bool { return len(runs.get(id)) == 2 })
	if got := runs.get(id); got[0] != "start0" || got[1] != "completed" {
		t.Fatalf("runs = %v", got)
	}
	evs := rec.WorkerProgress(id)
	last := evs[len(evs)-1]
	if last.Status != progress.StatusCompleted || last.Progress != 100 || last.UserChatID != 9 || last.TotalPhases != 3 {
		t.Fatalf("last event = %+v", last)
	}
	var res map[string]int
	if err := json.Unmarshal(runs.resultOf(id), &res); err != nil || res["phases"] != 3 {
		t.Fatalf("result = %s", runs.resultOf(id))
	}
}

func TestRuntimeRetriesThenFailsForGood(t *testing.T) {
	cl, rec, runs := startRuntime(t, TestWalk())
	id := enqueue(t, cl, TestWalkType, TestWalkPayload{UserID: "u1", Phases: 2, Steps: 1, FailAttempts: 5}, asynq.MaxRetry(1))
	testkit.WaitFor(t, 20*time.Second, "final failure", func() bool { s := runs.get(id); return len(s) > 0 && s[len(s)-1] == "failed" })
	if got := runs.get(id); fmt.Sprint(got) != "[start0 retrying start1 failed]" {
		t.Fatalf("runs = %v", got)
	}
	var retrying, failed int
	for _, ev := range rec.WorkerProgress(id) {
		if ev.Details != nil && ev.Details.Retrying {
			retrying++
		}
		if ev.Status == progress.StatusFailed {
			failed++
			if ev.Details.Error == "" {
				t.Error("failed event without details.error")
			}
		}
	}
	if retrying != 1 || failed != 1 {
		t.Fatalf("retrying=%d failed=%d, want 1 and 1", retrying, failed)
	}
}

func TestRuntimeSkipRetryAndPanic(t *testing.T) {
	boom := Handler{Type: "boom", Prepare: func([]byte) Run {
		return Run{Plan: []progress.Phase{{Title: "Boom"}}, Do: func(ctx context.Context) (any, error) {
			progress.FromContext(ctx).Enter(1)
			panic("kaboom")
		}}
	}}
	cl, rec, runs := startRuntime(t, TestWalk(), boom)
	permanent := enqueue(t, cl, TestWalkType, TestWalkPayload{UserID: "u1", Phases: 1, FailForGood: true}, asynq.MaxRetry(5))
	panicky := enqueue(t, cl, "boom", map[string]string{"userId": "u2"}, asynq.MaxRetry(0))
	testkit.WaitFor(t, 20*time.Second, "both failures", func() bool { return len(runs.get(permanent)) == 2 && len(runs.get(panicky)) == 2 })
	if got := runs.get(permanent); got[1] != "failed" {
		t.Fatalf("SkipRetry was retried: %v", got)
	}
	evs := rec.WorkerProgress(panicky)
	if last := evs[len(evs)-1]; last.Status != progress.StatusFailed || last.UserID != "u2" {
		t.Fatalf("panic run ended with %+v", last)
	}
	if !errors.Is(Permanent(errors.New("x")), asynq.SkipRetry) {
		t.Fatal("Permanent does not wrap SkipRetry")
	}
}

func TestMetaOfTakesOnlyExactUnambiguousKeys(t *testing.T) {
	cases := map[string]payloadMeta{
		`{"userId":"a","userChatId":7,"tokenAddress":"T"}`: {UserID: "a", UserChatID: 7, TokenAddress: "T"},
		`{"userId":"a","UserId":"b"}`:                      {},
		`{"UserId":"b"}`:                                   {},
		`{"userId":"a","userId":"b"}`:                      {},
		`{"userId":"a","other":{"userId":"x"}}`:            {UserID: "a"},
		`[1,2]`:                                            {},
		`{"userId":`:                                       {},
	}
	for in, want := range cases {
		if got := metaOf([]byte(in)); got != want {
			t.Errorf("metaOf(%s) = %+v, want %+v", in, got, want)
		}
	}
}

// TestRetryingEventSaysWhenAsynqRetries: the retrying event's nextRetryAt is when
// asynq has scheduled the retry (the delay is asked for twice, by asynq and by the
// runtime, and both must agree), and a final failure's reason carries no asynq marker.
func TestRetryingEventSaysWhenAsynqRetries(t *testing.T) {
	cl, rec, runs := startRuntimeWith(t, RetryDelay, TestWalk())
	id := enqueue(t, cl, TestWalkType, TestWalkPayload{UserID: "u1", Phases: 1, Steps: 1, FailAttempts: 5}, asynq.MaxRetry(3))
	testkit.WaitFor(t, 20*time.Second, "the second retry", func() bool { return len(runs.get(id)) >= 4 })
	insp := asynq.NewInspector(testkit.AsynqRedis(testkit.DBWorkers))
	defer insp.Close()
	info, err := insp.GetTaskInfo(cl.queue, id)
	if err != nil {
		t.Fatal(err)
	}
	var next int64
	for _, ev := range rec.WorkerProgress(id) {
		if ev.Details != nil && ev.Details.Retrying {
			next = ev.Details.NextRetryAt
		}
	}
	if d := time.UnixMilli(next).Sub(info.NextProcessAt); d.Abs() > time.Second {
		t.Fatalf("the event says retrying at %v, asynq retries at %v", time.UnixMilli(next), info.NextProcessAt)
	}

	final := enqueue(t, cl, TestWalkType, TestWalkPayload{UserID: "u2", Phases: 1, FailForGood: true}, asynq.MaxRetry(3))
	testkit.WaitFor(t, 20*time.Second, "the final failure", func() bool { return len(runs.get(final)) == 2 })
	for _, ev := range rec.WorkerProgress(final) {
		if ev.Status == progress.StatusFailed && (ev.Details == nil || ev.Details.Error == "" || strings.Contains(ev.Details.Error, asynq.SkipRetry.Error())) {
			t.Fatalf("failed event's reason: %+v", ev.Details)
		}
	}
}

func TestRetryDelayIsTheSameWhoeverAsks(t *testing.T) {
	task := asynq.NewTask("launch_token", []byte(`{"userId":"a"}`))
	for n := range 10 {
		d := RetryDelay(n, nil, task)
		if d != RetryDelay(n, nil, asynq.NewTask("launch_token", []byte(`{"userId":"a"}`))) {
			t.Fatalf("attempt %d: two asks, two delays", n)
		}
		base := min(time.Second<<min(n, 8), 5*time.Minute)
		if d < base || d > base+base/4 {
			t.Fatalf("attempt %d: delay %v outside [%v, %v]", n, d, base, base+base/4)
		}
	}
}

// A run decodes its payload once: the plan and the owner the runtime files the run
// under come from that one decode, and they match what metaOf reads from the bytes.
func TestPrepareDecodesOnce(t *testing.T) {
	var planned *jobs.DevSellPayload
	h := handler(&Deps{}, progress.DevSell, func(_ *Deps, p *jobs.DevSellPayload) []phase {
		planned = p
		return []phase{phCheck, phSell}
	}, runDevSell)
	body := []byte(`{"userId":"u1","userChatId":7,"tokenAddress":"4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T","sellPercent":50}`)
	r := h.Prepare(body)
	if planned == nil || len(r.Plan) != 2 || r.meta == nil || *r.meta != metaOf(body) {
		t.Fatalf("prepared run: plan %v, meta %+v; want the payload's (%+v)", r.Plan, r.meta, metaOf(body))
	}
	bad := h.Prepare([]byte(`{"userId":"u1","UserId":"u2"}`))
	if bad.meta != nil || len(bad.Plan) != 1 {
		t.Fatalf("a payload that does not decode: %+v", bad)
	}
	if _, err := bad.Do(t.Context()); !errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("a payload that does not decode must fail for good: %v", err)
	}
}

// A run's outcome the store refuses for a while (PostgreSQL restarting) is recorded
// once it answers again: the hub keeps the job's row and writes it with a later try.
func TestRuntimeRecordsTheOutcomeOnceTheStoreAnswersAgain(t *testing.T) {
	cl, _, runs := startRuntime(t, TestWalk())
	runs.mu.Lock()
	runs.refuse = 3
	runs.mu.Unlock()
	id := enqueue(t, cl, TestWalkType, TestWalkPayload{UserID: "u1", Phases: 1, Steps: 1, FailAttempts: 1}, asynq.MaxRetry(2))
	testkit.WaitFor(t, 20*time.Second, "the completed row", func() bool {
		st := runs.get(id)
		return len(st) > 0 && st[len(st)-1] == "completed"
	})
	runs.mu.Lock()
	defer runs.mu.Unlock()
	if runs.refuse != 0 || len(runs.result[id]) == 0 {
		t.Fatalf("refusals left %d, result %s: want every refusal used and the result recorded", runs.refuse, runs.result[id])
	}
}
