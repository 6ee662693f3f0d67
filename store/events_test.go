package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/store"
	"github.com/nitro-runtime/nitro/store/storetest"
)

func TestPersistEventsInOrderAndIdempotent(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	batch := []progress.Record{
		progressRec("j1", "u1", 1, progress.StatusStarted, 0),
		stepRec("j1", "u1", 2, 1),
		stepRec("j1", "u1", 3, 2),
		progressRec("j1", "u1", 4, progress.StatusInProgress, 40),
	}
	batch[3].TokenAddress = "Tok1"
	batch = append(batch, progress.Record{JobID: "j1", UserID: "u1", TokenAddress: "Tok1", Seq: 5,
		Name: progress.EventTokenLaunch, Payload: progress.TokenLaunchEvent{TokenAddress: "Tok1", Stage: progress.StageCreated}})
	must(t, s.PersistEvents(ctx, batch))
	must(t, s.PersistEvents(ctx, batch)) // the hub retries a batch whose ack was lost

	evs, err := s.JobEvents(ctx, "j1", 0, 100)
	must(t, err)
	if len(evs) != 5 {
		t.Fatalf("events = %d; want 5 (no duplicates)", len(evs))
	}
	for i, ev := range evs {
		if ev.Seq != int64(i+1) || ev.Name != batch[i].Name || ev.JobID != "j1" {
			t.Errorf("event %d = seq %d %s", i, ev.Seq, ev.Name)
		}
	}
	var first progress.WorkerProgressEvent
	must(t, json.Unmarshal(evs[0].Payload, &first))
	if first.Status != progress.StatusStarted || first.Details == nil || first.Details.TokenName != "Nitro" {
		t.Errorf("payload round trip = %+v", first)
	}
	steps, err := s.JobSteps(ctx, "j1")
	must(t, err)
	if len(steps) != 2 || steps[0].StepNumber != 1 || steps[1].StepNumber != 2 || steps[1].Message != "buying" {
		t.Fatalf("steps = %+v", steps)
	}
	// No row existed: the writer created a minimal one from the events.
	j, err := s.GetJob(ctx, "j1")
	must(t, err)
	if j.UserID != "u1" || j.Type != progress.LaunchToken || j.State != store.JobRunning ||
		j.LatestSeq != 4 || j.TokenAddress != "Tok1" || j.UserChatID != 42 {
		t.Fatalf("job = %+v", j)
	}
	if j.LatestProgress == nil || j.LatestProgress.Progress != 40 {
		t.Fatalf("latest progress = %+v", j.LatestProgress)
	}
}

func TestJobEventsPaging(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	var batch []progress.Record
	for i := int64(1); i <= 10; i++ {
		batch = append(batch, stepRec("j", "u", i, int(i)))
	}
	must(t, s.PersistEvents(ctx, batch))
	page, err := s.JobEvents(ctx, "j", 4, 3)
	must(t, err)
	if len(page) != 3 || page[0].Seq != 5 || page[2].Seq != 7 {
		t.Fatalf("page = %+v", page)
	}
	// A step-only batch creates the row but no latest progress.
	j, err := s.GetJob(ctx, "j")
	must(t, err)
	if j.LatestProgress != nil || j.LatestSeq != 0 || j.State != store.JobRunning {
		t.Fatalf("job = %+v", j)
	}
}

func TestLatestProgressIsMonotonic(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	latest := func() int {
		t.Helper()
		j, err := s.GetJob(ctx, "j")
		must(t, err)
		return j.LatestProgress.Progress
	}
	// Out of order inside one batch: the highest seq wins, not the last row.
	must(t, s.PersistEvents(ctx, []progress.Record{
		progressRec("j", "u", 7, progress.StatusInProgress, 70),
		progressRec("j", "u", 9, progress.StatusInProgress, 90),
		progressRec("j", "u", 8, progress.StatusInProgress, 80),
	}))
	if p := latest(); p != 90 {
		t.Fatalf("latest = %d; want 90", p)
	}
	// An older batch arriving late does not move it back.
	must(t, s.PersistEvents(ctx, []progress.Record{progressRec("j", "u", 5, progress.StatusInProgress, 50)}))
	if p := latest(); p != 90 {
		t.Fatalf("latest after old batch = %d; want 90", p)
	}
	// A later attempt's seq (attempt<<32 | n) is higher than any of the first run.
	must(t, s.PersistEvents(ctx, []progress.Record{progressRec("j", "u", 1<<32|1, progress.StatusStarted, 10)}))
	if p := latest(); p != 10 {
		t.Fatalf("latest after new attempt = %d; want 10", p)
	}
	n, err := s.QueryInt(ctx, `SELECT count(*) FROM job_events WHERE job_id = 'j'`)
	if err != nil || n != 5 {
		t.Fatalf("events = %d, %v; want 5", n, err)
	}
}

func TestPersistEventsDrivesJobState(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	retry := progressRec("r", "u", 3, progress.StatusInProgress, 30)
	ev := retry.Payload.(progress.WorkerProgressEvent)
	ev.Details = &progress.Details{Retrying: true, Attempt: 1, Error: "rpc down"}
	retry.Payload = ev
	must(t, s.PersistEvents(ctx, []progress.Record{
		progressRec("c", "u", 2, progress.StatusCompleted, 100),
		progressRec("f", "u", 2, progress.StatusFailed, 20),
		retry,
	}))
	for id, want := range map[string]store.JobState{"c": store.JobCompleted, "f": store.JobFailed, "r": store.JobRetrying} {
		j, err := s.GetJob(ctx, id)
		must(t, err)
		if j.State != want {
			t.Errorf("job %s state = %s; want %s", id, j.State, want)
		}
		if (j.EndedAt != nil) != want.Terminal() {
			t.Errorf("job %s ended_at = %v", id, j.EndedAt)
		}
	}
	// FinishJob is final: a later-numbered progress event of the run does not reopen it.
	must(t, s.StartRun(ctx, "done", progress.DevSell, "u", 0, "default", 0, 3))
	must(t, s.FinishJob(ctx, "done", json.RawMessage(`{}`)))
	must(t, s.PersistEvents(ctx, []progress.Record{progressRec("done", "u", 9, progress.StatusInProgress, 90)}))
	j, _ := s.GetJob(ctx, "done")
	if j.State != store.JobCompleted || j.EndedAt == nil || j.LatestProgress.Progress != 90 {
		t.Fatalf("finished job reopened: %+v", j)
	}
}

func TestPersistEventsSurvivesNULInText(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	r := progressRec("j", "u", 1, progress.StatusFailed, 0)
	ev := r.Payload.(progress.WorkerProgressEvent)
	ev.Details = &progress.Details{Error: "bad\x00byte"}
	r.Payload = ev
	must(t, s.PersistEvents(ctx, []progress.Record{r}))
	j, err := s.GetJob(ctx, "j")
	must(t, err)
	if !strings.HasPrefix(j.LatestProgress.Details.Error, "bad") {
		t.Fatalf("error = %q", j.LatestProgress.Details.Error)
	}
}

func TestPersistEventsEmptyAndBadPayload(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	must(t, s.PersistEvents(ctx, nil))
	bad := progress.Record{JobID: "j", Seq: 1, Name: "x", Payload: make(chan int)}
	if err := s.PersistEvents(ctx, []progress.Record{bad}); err == nil {
		t.Fatal("unencodable payload accepted")
	}
}

// The store satisfies the seams progress declares.
var (
	_ progress.Persister     = (*store.Store)(nil)
	_ progress.LaunchTracker = (*store.Store)(nil)
)

// Overlapping batches written at once, in any order, neither deadlock nor move the
// latest progress below the highest seq written.
func TestPersistEventsConcurrentOverlappingBatches(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	const jobs, perJob = 8, 60
	var all []progress.Record
	for seq := int64(1); seq <= perJob; seq++ {
		for j := range jobs {
			all = append(all, progressRec(fmt.Sprintf("j%d", j), "u", seq, progress.StatusInProgress, int(seq)))
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 1))
			batch := slices.Clone(all)
			r.Shuffle(len(batch), func(i, k int) { batch[i], batch[k] = batch[k], batch[i] })
			for len(batch) > 0 {
				n := min(len(batch), 1+r.IntN(100))
				if err := s.PersistEvents(ctx, batch[:n]); err != nil {
					errs <- err
					return
				}
				batch = batch[n:]
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for j := range jobs {
		job, err := s.GetJob(ctx, fmt.Sprintf("j%d", j))
		must(t, err)
		if job.LatestSeq != perJob || job.LatestProgress.Progress != perJob {
			t.Errorf("job %s latest seq %d progress %d; want %d", job.ID, job.LatestSeq, job.LatestProgress.Progress, perJob)
		}
	}
	n, err := s.QueryInt(ctx, `SELECT count(*) FROM job_events`)
	if err != nil || n != jobs*perJob {
		t.Fatalf("events = %d, %v; want %d", n, err, jobs*perJob)
	}
}

func TestPruneEventsKeepsJobsAndRecentEvents(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	old, recent := time.Now().Add(-48*time.Hour), time.Now()
	var batch []progress.Record
	for i := int64(1); i <= 12000; i++ { // more than one delete batch
		r := stepRec("old", "u", i, int(i))
		r.At = old
		batch = append(batch, r)
	}
	last := progressRec("old", "u", 12001, progress.StatusCompleted, 100)
	last.At = old
	batch = append(batch, last)
	for i := int64(1); i <= 10; i++ {
		batch = append(batch, stepRec("new", "u", i, int(i)))
	}
	must(t, s.PersistEvents(ctx, batch))

	n, err := s.PruneEvents(ctx, recent.Add(-24*time.Hour))
	must(t, err)
	if n != 12001 {
		t.Errorf("pruned %d events, want 12001", n)
	}
	if evs, err := s.JobEvents(ctx, "old", 0, 100); err != nil || len(evs) != 0 {
		t.Errorf("old job still has %d events (%v)", len(evs), err)
	}
	if evs, err := s.JobEvents(ctx, "new", 0, 100); err != nil || len(evs) != 10 {
		t.Errorf("recent job has %d events (%v), want 10", len(evs), err)
	}
	j, err := s.GetJob(ctx, "old")
	must(t, err)
	if j.State != store.JobCompleted || j.LatestProgress == nil || j.LatestProgress.Progress != 100 {
		t.Errorf("old job after pruning: %+v", j)
	}
	if n, err := s.PruneEvents(ctx, recent.Add(-24*time.Hour)); err != nil || n != 0 {
		t.Errorf("second prune: %d, %v; want nothing left to delete", n, err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.PruneEvents(canceled, recent.Add(time.Hour)); err == nil {
		t.Error("prune with a canceled context: no error")
	}
}

// TestPersistEventsJobRowUpkeep: a batch with only steps creates a missing job row and
// leaves an existing one alone; progress refreshes updated_at at most once a second
// (every refresh moves the row in three indexes), and a later progress event after that
// second does move it.
func TestPersistEventsJobRowUpkeep(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	must(t, s.PersistEvents(ctx, []progress.Record{stepRec("bare", "u", 1, 1)}))
	j, err := s.GetJob(ctx, "bare")
	must(t, err)
	if j.UserID != "u" || j.State != store.JobRunning || j.LatestProgress != nil || j.LatestSeq != 0 {
		t.Fatalf("row from a step-only batch = %+v", j)
	}

	must(t, s.StartRun(ctx, "done", progress.DevSell, "u", 0, "default", 0, 3))
	must(t, s.FinishJob(ctx, "done", json.RawMessage(`{}`)))
	before, _ := s.GetJob(ctx, "done")
	must(t, s.PersistEvents(ctx, []progress.Record{stepRec("done", "u", 7, 1)}))
	after, _ := s.GetJob(ctx, "done")
	if after.State != store.JobCompleted || !after.UpdatedAt.Equal(before.UpdatedAt) || after.LatestSeq != before.LatestSeq {
		t.Fatalf("a late step changed a finished job: %+v, was %+v", after, before)
	}

	must(t, s.PersistEvents(ctx, []progress.Record{progressRec("p", "u", 1, progress.StatusInProgress, 10)}))
	first, _ := s.GetJob(ctx, "p")
	must(t, s.PersistEvents(ctx, []progress.Record{progressRec("p", "u", 2, progress.StatusInProgress, 20)}))
	second, _ := s.GetJob(ctx, "p")
	if second.LatestProgress.Progress != 20 || !second.UpdatedAt.Equal(first.UpdatedAt) {
		t.Fatalf("within the second: progress %d, updated_at %v → %v; want 20 and unchanged",
			second.LatestProgress.Progress, first.UpdatedAt, second.UpdatedAt)
	}
	must(t, s.Exec(ctx, `UPDATE jobs SET updated_at = now() - interval '5 seconds' WHERE id = 'p'`))
	aged, _ := s.GetJob(ctx, "p")
	must(t, s.PersistEvents(ctx, []progress.Record{progressRec("p", "u", 3, progress.StatusInProgress, 30)}))
	third, _ := s.GetJob(ctx, "p")
	if third.LatestProgress.Progress != 30 || !third.UpdatedAt.After(aged.UpdatedAt.Add(4*time.Second)) {
		t.Fatalf("after the second: progress %d, updated_at %v → %v; want 30 and refreshed",
			third.LatestProgress.Progress, aged.UpdatedAt, third.UpdatedAt)
	}
}
