package progress

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nitro-runtime/nitro/progress/wire"
)

// blockingLoader is a launch loader that answers its first read and then blocks every
// later one until released: a database that has gone slow after the run began.
type blockingLoader struct {
	memLaunches
	release chan struct{}
}

func (l *blockingLoader) LoadLaunch(ctx context.Context, token string) (wire.LaunchRow, error) {
	l.mu.Lock()
	n := l.loads
	l.mu.Unlock()
	if n > 0 {
		<-l.release
	}
	return l.memLaunches.LoadLaunch(ctx, token)
}

// A run reports its whole life, launch stages included, while the database does not
// answer: nothing the worker calls waits for it. The job's row and the launch's state
// reach the database once it answers again, though the event buffer overflowed.
func TestReporterNeverWaitsForTheDatabase(t *testing.T) {
	e := &recEmitter{}
	p := &memPersister{block: make(chan struct{})}
	l := &blockingLoader{memLaunches: memLaunches{m: map[string]*LaunchState{}, versions: map[string]int64{}}, release: make(chan struct{})}
	st := NewLaunchState("Mint1", PlatformPump, "u1", "Nitro", "NIT", false)
	l.m["Mint1"] = &st
	h := NewHub(HubConfig{BufferSize: 4, BatchSize: 2, FlushEvery: time.Millisecond}, e, p, l, zerolog.Nop())
	defer func() { close(l.release); _ = h.Close(context.Background()) }()

	done := make(chan error, 1)
	go func() {
		ctx := context.Background()
		r := h.Start(Job{ID: "j1", Type: LaunchToken, UserID: "u1", UserChatID: 5, TokenAddress: "Mint1",
			Queue: "default", MaxRetry: 5, Attempt: 1}, plan3)
		r.Enter(1)
		if err := r.LaunchStage(ctx, StageCreated, StageInput{Message: "created"}); err != nil {
			done <- err
			return
		}
		for i := range 50 {
			r.Step("buy", "bought", 50, nil)
			r.Progress(i * 2)
		}
		if err := r.LaunchStage(ctx, StageLaunched, StageInput{Message: "launched"}); err != nil {
			done <- err
			return
		}
		r.CompleteWith([]byte(`{"ok":true}`))
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the run waited for the database")
	}
	if h.Stats().Dropped == 0 {
		t.Fatal("the buffer never overflowed: the test proves less than it says")
	}
	close(p.block)
	if err := h.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	row, ok := p.job("j1")
	if !ok {
		t.Fatal("the job's row never reached the database")
	}
	if row.State != wire.JobCompleted || row.Type != LaunchToken || row.UserChatID != 5 || row.Queue != "default" ||
		row.Attempt != 1 || row.MaxRetry != 5 || row.TokenAddress != "Mint1" || string(row.Result) != `{"ok":true}` ||
		row.Error != "" || row.EndedAt.IsZero() || row.StartedAt.IsZero() {
		t.Fatalf("job row = %+v", row)
	}
	if latest := payloadOf(Record{Name: EventWorkerProgress, JSON: row.Latest}).(WorkerProgressEvent); latest.Status != StatusCompleted {
		t.Fatalf("row's latest progress = %+v", latest)
	}
	p.mu.Lock()
	saved := p.launches["Mint1"].State
	p.mu.Unlock()
	if saved.Events != 2 || !saved.Done(StageLaunched) {
		t.Fatalf("launch state saved = %+v", saved)
	}
}

// The row follows the run: running from its start, retrying with the error when asynq
// will run it again, failed for good, each typed by the reporter.
func TestJobRowFollowsTheRun(t *testing.T) {
	p := &memPersister{}
	// No timed flush: rows are written when asked for.
	h := NewHub(HubConfig{FlushEvery: time.Hour}, &recEmitter{}, p, nil, zerolog.Nop())
	defer func() { _ = h.Close(context.Background()) }()
	ctx := context.Background()
	r := h.Start(Job{ID: "j", Type: DevSell, TaskType: "nitro_test_walk", UserID: "u", Queue: "critical", MaxRetry: 1}, plan3)
	must(t, h.Flush(ctx))
	if row, _ := p.job("j"); row.State != wire.JobRunning || row.Type != "nitro_test_walk" || row.Latest != nil {
		t.Fatalf("started row = %+v", row)
	}
	r.Enter(1)
	r.Retrying(errors.New("rpc down"), 1, time.Now())
	must(t, h.Flush(ctx))
	if row, _ := p.job("j"); row.State != wire.JobRetrying || row.Error != "rpc down" || !row.EndedAt.IsZero() {
		t.Fatalf("retrying row = %+v", row)
	}
	r = h.Start(Job{ID: "j", Type: DevSell, UserID: "u", Attempt: 1, MaxRetry: 1}, plan3)
	r.Enter(2)
	r.Fail(errors.New("gave up"))
	must(t, r.Sync(ctx)) // what the runtime waits for before asynq hears the task is done
	if row, _ := p.job("j"); row.State != wire.JobFailed || row.Error != "gave up" || row.Attempt != 1 || row.EndedAt.IsZero() {
		t.Fatalf("failed row = %+v", row)
	}
}

// A launch's next job in this process starts from the state the last one left, even
// before the database has it.
func TestLaunchStateCarriesOverUnwritten(t *testing.T) {
	e := &recEmitter{}
	p := &memPersister{block: make(chan struct{})}
	l := &memLaunches{m: map[string]*LaunchState{}, versions: map[string]int64{}}
	st := NewLaunchState("Mint1", PlatformPump, "u1", "Nitro", "NIT", false)
	l.m["Mint1"] = &st
	h := NewHub(HubConfig{FlushEvery: time.Millisecond}, e, p, l, zerolog.Nop())
	defer func() { _ = h.Close(context.Background()) }()
	ctx := context.Background()

	first := h.Start(Job{ID: "create", UserID: "u1"}, plan3)
	first.SetToken("Mint1")
	must(t, first.LaunchStage(ctx, StageCreated, StageInput{}))
	first.Complete()
	second := h.Start(Job{ID: "execute", UserID: "u1", TokenAddress: "Mint1"}, plan3)
	must(t, second.LaunchStage(ctx, StageLaunched, StageInput{}))
	second.Complete()
	close(p.block)

	var steps []int
	for _, rec := range e.all() {
		if ev, ok := payloadOf(rec).(TokenLaunchEvent); ok {
			steps = append(steps, ev.StepNumber)
		}
	}
	if !slices.Equal(steps, []int{1, 2}) {
		t.Fatalf("stage numbers = %v, want [1 2]", steps)
	}
}

// Runs of several jobs report stages of one launch at once: they take turns, so every
// change is kept and each stage is numbered once.
func TestConcurrentRunsShareALaunch(t *testing.T) {
	h, e, p, l := newTestHub(t)
	st := NewLaunchState("Mint1", PlatformPump, "u1", "Nitro", "NIT", true)
	l.mu.Lock()
	l.m["Mint1"] = &st
	l.mu.Unlock()
	stages := []Stage{StageCreated, StageLaunched, StageMixingStarted, StageMixingCompleted, StageFullyReady}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			r := h.Start(Job{ID: "j" + string(rune('a'+i)), UserID: "u1", TokenAddress: "Mint1"}, plan3)
			for _, s := range stages {
				if err := r.LaunchStage(context.Background(), s, StageInput{}); err != nil {
					t.Error(err)
				}
			}
			r.Complete()
		})
	}
	wg.Wait()
	must(t, h.Flush(context.Background()))
	var steps []int
	for _, rec := range e.all() {
		if ev, ok := payloadOf(rec).(TokenLaunchEvent); ok {
			steps = append(steps, ev.StepNumber)
		}
	}
	slices.Sort(steps)
	if !slices.Equal(steps, []int{1, 2, 3, 4, 5}) {
		t.Fatalf("stage numbers = %v", steps)
	}
	p.mu.Lock()
	saved := p.launches["Mint1"]
	p.mu.Unlock()
	if saved.State.Events != 5 || saved.State.Progress.CurrentStep != 4 || saved.Version != 5 {
		t.Fatalf("saved state = %+v", saved)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
