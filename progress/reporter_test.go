package progress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nitro-runtime/nitro/progress/wire"
)

type recEmitter struct {
	mu   sync.Mutex
	recs []Record
}

func (e *recEmitter) Emit(r Record) { e.mu.Lock(); e.recs = append(e.recs, r); e.mu.Unlock() }
func (e *recEmitter) all() []Record {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Record(nil), e.recs...)
}

type memPersister struct {
	mu       sync.Mutex
	recs     []Record
	jobs     map[string]wire.JobRow
	launches map[string]wire.LaunchRow
	fails    int
	block    chan struct{}
	sink     *memLaunches // the launch states written go here too, as in the database
}

func (p *memPersister) Persist(_ context.Context, b wire.Batch) error {
	if p.block != nil {
		<-p.block
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fails > 0 {
		p.fails--
		return errors.New("db down")
	}
	p.recs = append(p.recs, b.Events...)
	if p.jobs == nil {
		p.jobs, p.launches = map[string]wire.JobRow{}, map[string]wire.LaunchRow{}
	}
	for _, row := range b.Jobs {
		if old, ok := p.jobs[row.ID]; ok && old.Seq > row.Seq {
			panic(fmt.Sprintf("job %s: row %d after row %d", row.ID, row.Seq, old.Seq))
		}
		p.jobs[row.ID] = row
	}
	for _, row := range b.Launches { // as the store does: a lower version is skipped
		if old, ok := p.launches[row.TokenAddress]; ok && old.Version >= row.Version {
			continue
		}
		p.launches[row.TokenAddress] = row
		if p.sink != nil {
			p.sink.mu.Lock()
			st := row.State
			p.sink.m[row.TokenAddress] = &st
			p.sink.versions[row.TokenAddress] = row.Version
			p.sink.mu.Unlock()
		}
	}
	return nil
}

func (p *memPersister) job(id string) (wire.JobRow, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	row, ok := p.jobs[id]
	return row, ok
}

type memLaunches struct {
	mu       sync.Mutex
	m        map[string]*LaunchState
	versions map[string]int64
	loads    int
}

func (l *memLaunches) LoadLaunch(_ context.Context, token string) (wire.LaunchRow, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.loads++
	s, ok := l.m[token]
	if !ok {
		return wire.LaunchRow{}, ErrUnknownLaunch
	}
	return wire.LaunchRow{TokenAddress: token, State: *s, Version: l.versions[token]}, nil
}

// payloadOf decodes a record's payload into its wire type.
func payloadOf(r Record) any {
	var v any
	switch r.Name {
	case EventWorkerProgress:
		v = new(WorkerProgressEvent)
	case EventWorkerStep:
		v = new(WorkerStepEvent)
	case EventTokenLaunch:
		v = new(TokenLaunchEvent)
	case EventLaunchProgress:
		v = new(LaunchProgress)
	default:
		panic("unknown event " + r.Name)
	}
	if err := json.Unmarshal(r.JSON, v); err != nil {
		panic(err)
	}
	switch v := v.(type) {
	case *WorkerProgressEvent:
		return *v
	case *WorkerStepEvent:
		return *v
	case *TokenLaunchEvent:
		return *v
	default:
		return *v.(*LaunchProgress)
	}
}

func newTestHub(t *testing.T) (*Hub, *recEmitter, *memPersister, *memLaunches) {
	t.Helper()
	l := &memLaunches{m: map[string]*LaunchState{}, versions: map[string]int64{}}
	e, p := &recEmitter{}, &memPersister{sink: l}
	h := NewHub(HubConfig{FlushEvery: time.Millisecond}, e, p, l, zerolog.Nop())
	t.Cleanup(func() { _ = h.Close(context.Background()) })
	return h, e, p, l
}

func progressEvents(recs []Record) []WorkerProgressEvent {
	var out []WorkerProgressEvent
	for _, r := range recs {
		if ev, ok := payloadOf(r).(WorkerProgressEvent); ok {
			out = append(out, ev)
		}
	}
	return out
}

var plan3 = []Phase{{"One", "first"}, {"Two", "second"}, {"Three", "third"}}

func TestReporterRunShape(t *testing.T) {
	h, e, p, _ := newTestHub(t)
	r := h.Start(Job{ID: "j1", Type: DevSell, UserID: "u1", UserChatID: 7}, plan3)
	r.Enter(1)
	r.Progress(50)
	r.Progress(20) // lower: ignored
	r.Enter(3)     // skips a checkpointed phase
	r.Enter(2)     // earlier: ignored
	r.Step("sell", "sold", 2, nil)
	r.Complete()
	r.Fail(errors.New("late")) // after the terminal event: ignored
	r.Progress(99)

	evs := progressEvents(e.all())
	wantStatus := []Status{StatusStarted, StatusInProgress, StatusInProgress, StatusCompleted}
	wantPct := []int{0, 16, 66, 100}
	if len(evs) != len(wantStatus) {
		t.Fatalf("got %d progress events: %+v", len(evs), evs)
	}
	for i, ev := range evs {
		if ev.Status != wantStatus[i] || ev.Progress != wantPct[i] {
			t.Errorf("event %d: status %s progress %d; want %s %d", i, ev.Status, ev.Progress, wantStatus[i], wantPct[i])
		}
		if ev.UserChatID != 7 || ev.TotalPhases != 3 || ev.WorkerType != DevSell {
			t.Errorf("event %d lacks job fields: %+v", i, ev)
		}
	}
	if evs[2].PhaseTitle != "Three" || evs[2].Phase != 3 {
		t.Errorf("phase 3 event = %+v", evs[2])
	}
	if err := h.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := len(p.recs), len(e.all()); got != want {
		t.Fatalf("persisted %d of %d", got, want)
	}
	for i := 1; i < len(p.recs); i++ {
		if p.recs[i].Seq <= p.recs[i-1].Seq {
			t.Fatalf("seq not increasing at %d: %d then %d", i, p.recs[i-1].Seq, p.recs[i].Seq)
		}
	}
}

func TestReporterRetryingIsNotFailed(t *testing.T) {
	h, e, _, _ := newTestHub(t)
	r := h.Start(Job{ID: "j1", Type: LaunchToken, UserID: "u1", Attempt: 0}, plan3)
	r.Enter(2)
	next := time.UnixMilli(1764115260000)
	r.Retrying(errors.New("rpc 429"), 1, next)
	evs := progressEvents(e.all())
	last := evs[len(evs)-1]
	if last.Status != StatusInProgress || !last.Details.Retrying || last.Details.Attempt != 1 ||
		last.Details.NextRetryAt != next.UnixMilli() || last.Details.Error != "rpc 429" {
		t.Fatalf("retrying event = %+v %+v", last, last.Details)
	}
	// The next run's events sort after this run's.
	r2 := h.Start(Job{ID: "j1", Type: LaunchToken, UserID: "u1", Attempt: 1}, plan3)
	r2.Enter(2)
	r2.Fail(errors.New("gave up"))
	recs := e.all()
	if recs[len(recs)-1].Seq <= recs[len(recs)-3].Seq {
		t.Fatal("second run's seq does not follow the first's")
	}
	final := progressEvents(recs)[len(progressEvents(recs))-1]
	if final.Status != StatusFailed || final.Details.Retrying || final.Details.Error != "gave up" {
		t.Fatalf("final = %+v %+v", final, final.Details)
	}
}

func TestReporterConcurrentStepsKeepOrder(t *testing.T) {
	h, e, _, _ := newTestHub(t)
	r := h.Start(Job{ID: "j1", Type: WalletSell, UserID: "u1"}, plan3)
	r.Enter(1)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				r.Step("sell", fmt.Sprint(w), 400, nil)
				r.Progress(i * 2)
			}
		}(w)
	}
	wg.Wait()
	r.Complete()
	recs := e.all()
	lastPct, lastStep := -1, 0
	for i, rec := range recs {
		if i > 0 && rec.Seq != recs[i-1].Seq+1 {
			t.Fatalf("emit order differs from seq order at %d", i)
		}
		switch ev := payloadOf(rec).(type) {
		case WorkerProgressEvent:
			if ev.Progress < lastPct {
				t.Fatalf("progress decreased: %d after %d", ev.Progress, lastPct)
			}
			lastPct = ev.Progress
		case WorkerStepEvent:
			if ev.StepNumber != lastStep+1 {
				t.Fatalf("step %d after %d", ev.StepNumber, lastStep)
			}
			lastStep = ev.StepNumber
		}
	}
	if lastStep != 400 || lastPct != 100 {
		t.Fatalf("lastStep=%d lastPct=%d", lastStep, lastPct)
	}
}

func TestLaunchStageEvents(t *testing.T) {
	h, e, _, l := newTestHub(t)
	st := NewLaunchState("Mint1", PlatformPump, "u1", "Nitro", "NIT", false)
	l.m["Mint1"] = &st
	ctx := context.Background()
	r := h.Start(Job{ID: "j1", Type: LaunchToken, UserID: "u1", TokenAddress: "Mint1"}, plan3)
	if err := r.LaunchStage(ctx, StageCreated, StageInput{Message: "created"}); err != nil {
		t.Fatal(err)
	}
	if err := r.LaunchStage(ctx, StageCreated, StageInput{Message: "again"}); err != nil {
		t.Fatal(err)
	}
	if err := r.LaunchStage(ctx, StageLaunched, StageInput{LaunchData: &LaunchData{DevWallet: "D"}}); err != nil {
		t.Fatal(err)
	}
	recs := e.all()
	if len(recs) != 4 {
		t.Fatalf("want 4 records (2 stages x event+update), got %d", len(recs))
	}
	ev := payloadOf(recs[2]).(TokenLaunchEvent)
	lp := payloadOf(recs[3]).(LaunchProgress)
	if ev.Stage != StageLaunched || ev.StepNumber != 2 || ev.TotalSteps != 3 || ev.Name != "Nitro" || ev.LaunchData.DevWallet != "D" {
		t.Fatalf("launched event = %+v", ev)
	}
	if lp.CurrentStep != 2 || !lp.Stages.Launch.Completed {
		t.Fatalf("launch progress = %+v", lp)
	}
	unknown := h.Start(Job{ID: "j2", UserID: "u1", TokenAddress: "Nope"}, plan3)
	if err := unknown.LaunchStage(ctx, StageCreated, StageInput{}); !errors.Is(err, ErrUnknownLaunch) {
		t.Fatalf("unknown launch: err = %v", err)
	}
}

func TestHubNeverBlocksOnSlowDatabase(t *testing.T) {
	e := &recEmitter{}
	p := &memPersister{block: make(chan struct{})}
	h := NewHub(HubConfig{BufferSize: 4, BatchSize: 2}, e, p, nil, zerolog.Nop())
	r := h.Start(Job{ID: "j1", UserID: "u1"}, plan3)
	done := make(chan struct{})
	go func() {
		r.Enter(1)
		for i := 0; i <= 100; i++ {
			r.Step("s", "m", 101, nil)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("reporter blocked on a stuck database")
	}
	if h.Stats().Dropped == 0 || len(e.all()) != 102 {
		t.Fatalf("stats = %+v emitted=%d", h.Stats(), len(e.all()))
	}
	close(p.block)
	_ = h.Close(context.Background())
}

func TestHubRetriesFailedBatch(t *testing.T) {
	e, p := &recEmitter{}, &memPersister{fails: 2}
	h := NewHub(HubConfig{}, e, p, nil, zerolog.Nop())
	r := h.Start(Job{ID: "j1", UserID: "u1"}, plan3)
	r.Enter(1)
	r.Complete()
	if err := h.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(p.recs) != 2 || h.Stats().Persisted != 2 {
		t.Fatalf("persisted %d, stats %+v", len(p.recs), h.Stats())
	}
}

func BenchmarkReporterStep(b *testing.B) {
	h := NewHub(HubConfig{}, &recEmitterNop{}, &nopPersister{}, nil, zerolog.Nop())
	defer h.Close(context.Background())
	r := h.Start(Job{ID: "j1", UserID: "u1", Type: WalletSell}, plan3)
	r.Enter(1)
	b.ReportAllocs()
	for b.Loop() {
		r.Step("s", "m", 10, nil)
	}
}

type recEmitterNop struct{}

func (recEmitterNop) Emit(Record) {}

type nopPersister struct{}

func (nopPersister) Persist(context.Context, wire.Batch) error { return nil }

// With several writers, each job's records still reach the database in order, every
// record of every job is persisted by Flush, and the payload is encoded once.
func TestHubShardsKeepPerJobOrder(t *testing.T) {
	p := &memPersister{}
	h := NewHub(HubConfig{Writers: 3, BatchSize: 7, FlushEvery: time.Millisecond}, &recEmitter{}, p, nil, zerolog.Nop())
	var wg sync.WaitGroup
	for j := range 12 {
		wg.Add(1)
		go func(j int) {
			defer wg.Done()
			r := h.Start(Job{ID: fmt.Sprintf("job-%d", j), UserID: "u"}, plan3)
			r.Enter(1)
			for i := range 40 {
				r.Step("s", fmt.Sprint(i), 40, nil)
			}
			r.Complete()
		}(j)
	}
	wg.Wait()
	if err := h.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	last := map[string]int64{}
	for _, rec := range p.recs {
		if rec.Seq <= last[rec.JobID] {
			t.Fatalf("job %s persisted out of order", rec.JobID)
		}
		last[rec.JobID] = rec.Seq
		if len(rec.JSON) == 0 {
			t.Fatal("record reached the persister without its encoded payload")
		}
	}
	if len(p.recs) != 12*42 || len(last) != 12 {
		t.Fatalf("persisted %d records of %d jobs, want %d of 12", len(p.recs), len(last), 12*42)
	}
}

// TestOnlyCompletedCarries100 keeps the frontend guide's ToastNotifications to one
// toast per finished job: it toasts any event with progress 100 as well as the
// completed event, so no other event may reach 100.
func TestOnlyCompletedCarries100(t *testing.T) {
	h, e, _, _ := newTestHub(t)
	r := h.Start(Job{ID: "j1", Type: DevSell, UserID: "u1"}, plan3)
	r.Enter(1)
	r.Progress(100)
	r.Enter(3)
	r.Progress(100) // the last phase done: the run is not, until Complete
	r.Step("sell", "sold", 1, nil)
	r.Complete()
	evs := progressEvents(e.all())
	for i, ev := range evs[:len(evs)-1] {
		if ev.Progress >= 100 {
			t.Errorf("event %d (%s) carries progress %d before the run ended", i, ev.Status, ev.Progress)
		}
	}
	if got := evs[len(evs)-2]; got.Progress != MaxRunningProgress {
		t.Errorf("last phase at 100%%: progress %d, want %d", got.Progress, MaxRunningProgress)
	}
	if last := evs[len(evs)-1]; last.Status != StatusCompleted || last.Progress != 100 {
		t.Errorf("terminal event = %s %d", last.Status, last.Progress)
	}

	f := h.Start(Job{ID: "j2", Type: DevSell, UserID: "u1"}, plan3)
	f.Enter(3)
	f.Progress(100)
	f.Fail(errors.New("boom"))
	evs = progressEvents(e.all())
	if last := evs[len(evs)-1]; last.Status != StatusFailed || last.Progress != MaxRunningProgress {
		t.Errorf("failed run's terminal event = %s %d", last.Status, last.Progress)
	}
}

func TestReporterPhaseDone(t *testing.T) {
	h, _, _, _ := newTestHub(t)
	now := time.Unix(1000, 0)
	h.cfg.Now = func() time.Time { return now }
	r := h.Start(Job{ID: "j1", Type: DevSell, UserID: "u1"}, plan3)
	var got []string
	r.OnPhaseDone(func(phase int, took time.Duration) { got = append(got, fmt.Sprintf("%d:%s", phase, took)) })
	r.Complete() // no phase entered: nothing ended
	r = h.Start(Job{ID: "j2", Type: DevSell, UserID: "u1"}, plan3)
	r.OnPhaseDone(func(phase int, took time.Duration) { got = append(got, fmt.Sprintf("%d:%s", phase, took)) })
	r.Enter(1)
	now = now.Add(2 * time.Second)
	r.Enter(3) // phase 1 ends; phase 2 is skipped, not timed
	now = now.Add(time.Second)
	r.Fail(errors.New("boom")) // phase 3 ends
	r.Complete()               // after the end: nothing more
	want := []string{"1:2s", "3:1s"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("phases done %v, want %v", got, want)
	}
}
