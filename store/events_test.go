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
	"github.com/nitro-runtime/nitro/progress/wire"
	"github.com/nitro-runtime/nitro/store"
	"github.com/nitro-runtime/nitro/store/storetest"
)

func TestPersistEventsInOrderAndIdempotent(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	events := []wire.Record{
		progressRec("j1", "u1", 1, wire.StatusStarted, 0),
		stepRec("j1", "u1", 2, 1),
		stepRec("j1", "u1", 3, 2),
		progressRec("j1", "u1", 4, wire.StatusInProgress, 40),
	}
	events[3].TokenAddress = "Tok1"
	events = append(events, record("j1", "u1", 5, wire.EventTokenLaunch,
		wire.TokenLaunchEvent{TokenAddress: "Tok1", Stage: wire.StageCreated}))
	row := rowOf(events[3], wire.JobRunning)
	b := wire.Batch{Events: events, Jobs: []wire.JobRow{row}}
	must(t, s.Persist(ctx, b))
	must(t, s.Persist(ctx, b)) // the hub retries a batch whose ack was lost

	evs, err := s.JobEvents(ctx, "j1", 0, 100)
	must(t, err)
	if len(evs) != 5 {
		t.Fatalf("events = %d; want 5 (no duplicates)", len(evs))
	}
	for i, ev := range evs {
		if ev.Seq != int64(i+1) || ev.Name != events[i].Name || ev.JobID != "j1" {
			t.Errorf("event %d = seq %d %s", i, ev.Seq, ev.Name)
		}
	}
	var first wire.WorkerProgressEvent
	must(t, json.Unmarshal(evs[0].Payload, &first))
	if first.Status != wire.StatusStarted || first.Details == nil || first.Details.TokenName != "Nitro" {
		t.Errorf("payload round trip = %+v", first)
	}
	steps, err := s.JobSteps(ctx, "j1")
	must(t, err)
	if len(steps) != 2 || steps[0].StepNumber != 1 || steps[1].StepNumber != 2 || steps[1].Message != "buying" {
		t.Fatalf("steps = %+v", steps)
	}
	// No row existed: the job row of the batch created it.
	j, err := s.GetJob(ctx, "j1")
	must(t, err)
	if j.UserID != "u1" || j.Type != wire.LaunchToken || j.State != store.JobRunning || j.Queue != "default" ||
		j.LatestSeq != 4 || j.TokenAddress != "Tok1" || j.UserChatID != 42 || j.MaxRetry != 3 || j.StartedAt == nil {
		t.Fatalf("job = %+v", j)
	}
	if j.LatestProgress == nil || j.LatestProgress.Progress != 40 {
		t.Fatalf("latest progress = %+v", j.LatestProgress)
	}
}

// The job's columns are the row's typed fields, not what its latest progress says: the
// store reads nothing back out of the JSON.
func TestPersistJobRowColumnsAreTyped(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	rec := progressRec("j", "u", 1, wire.StatusCompleted, 100) // its JSON says completed, chat 42
	row := rowOf(rec, wire.JobRetrying)
	row.UserChatID, row.Type, row.Error = 7, wire.DevSell, "rpc down"
	must(t, s.Persist(ctx, wire.Batch{Events: []wire.Record{rec}, Jobs: []wire.JobRow{row}}))
	j, err := s.GetJob(ctx, "j")
	must(t, err)
	if j.State != store.JobRetrying || j.UserChatID != 7 || j.Type != wire.DevSell || j.Error != "rpc down" ||
		j.EndedAt != nil || j.LatestProgress.Status != wire.StatusCompleted {
		t.Fatalf("job = %+v", j)
	}
}

func TestJobEventsPaging(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	var batch []wire.Record
	for i := int64(1); i <= 10; i++ {
		batch = append(batch, stepRec("j", "u", i, int(i)))
	}
	must(t, s.Persist(ctx, wire.Batch{Events: batch}))
	page, err := s.JobEvents(ctx, "j", 4, 3)
	must(t, err)
	if len(page) != 3 || page[0].Seq != 5 || page[2].Seq != 7 {
		t.Fatalf("page = %+v", page)
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
	put := func(seq int64, pct int) {
		t.Helper()
		rec := progressRec("j", "u", seq, wire.StatusInProgress, pct)
		must(t, s.Persist(ctx, wire.Batch{Events: []wire.Record{rec}, Jobs: []wire.JobRow{rowOf(rec, wire.JobRunning)}}))
	}
	put(9, 90)
	// An older row arriving late does not move it back.
	put(5, 50)
	if p := latest(); p != 90 {
		t.Fatalf("latest after old batch = %d; want 90", p)
	}
	// A later run's seq is higher than any of the first run.
	put(1<<32|1, 10)
	if p := latest(); p != 10 {
		t.Fatalf("latest after new attempt = %d; want 10", p)
	}
	n, err := s.QueryInt(ctx, `SELECT count(*) FROM job_events WHERE job_id = 'j'`)
	if err != nil || n != 3 {
		t.Fatalf("events = %d, %v; want 3", n, err)
	}
}

// A run's rows end the job (completed, failed, retrying), a new run's first row keeps
// the earlier run's latest progress and error until it reports, and completing keeps
// the result and clears the error.
func TestPersistJobRowsDriveState(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	var rows []wire.JobRow
	for id, st := range map[string]wire.JobState{"c": wire.JobCompleted, "f": wire.JobFailed, "r": wire.JobRetrying} {
		row := rowOf(progressRec(id, "u", 2, wire.StatusInProgress, 20), st)
		row.Error = "e-" + id
		rows = append(rows, row)
	}
	slices.SortFunc(rows, func(a, b wire.JobRow) int { return strings.Compare(a.ID, b.ID) })
	must(t, s.Persist(ctx, wire.Batch{Jobs: rows}))
	for id, want := range map[string]store.JobState{"c": store.JobCompleted, "f": store.JobFailed, "r": store.JobRetrying} {
		j, err := s.GetJob(ctx, id)
		must(t, err)
		if j.State != want || j.Error != "e-"+id {
			t.Errorf("job %s state = %s error %q; want %s", id, j.State, j.Error, want)
		}
		if (j.EndedAt != nil) != want.Terminal() {
			t.Errorf("job %s ended_at = %v", id, j.EndedAt)
		}
	}
	// The retried job's next run starts: running, no progress of its own yet.
	start := wire.JobRow{ID: "r", Seq: 1 << 32, Type: wire.LaunchToken, UserID: "u", Attempt: 1, MaxRetry: 3,
		State: wire.JobRunning, StartedAt: time.Now()}
	must(t, s.Persist(ctx, wire.Batch{Jobs: []wire.JobRow{start}}))
	j, err := s.GetJob(ctx, "r")
	must(t, err)
	if j.State != store.JobRunning || j.Attempt != 1 || j.Error != "e-r" || j.LatestProgress == nil || j.Queue != "default" {
		t.Fatalf("new run's start = %+v", j)
	}
	done := start
	done.Seq, done.State, done.Result, done.Error, done.EndedAt = 1<<32|5, wire.JobCompleted, []byte(`{"ok":true}`), "", time.Now()
	must(t, s.Persist(ctx, wire.Batch{Jobs: []wire.JobRow{done}}))
	j, err = s.GetJob(ctx, "r")
	must(t, err)
	if j.State != store.JobCompleted || j.Error != "" || string(j.Result) != `{"ok": true}` || j.EndedAt == nil {
		t.Fatalf("completed = %+v result %s", j, j.Result)
	}
}

func TestPersistEventsSurvivesNULInText(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	r := progressRecWith("j", "u", 1, wire.StatusFailed, 0, &wire.Details{Error: "bad\x00byte"})
	row := rowOf(r, wire.JobFailed)
	row.Error = "bad"
	must(t, s.Persist(ctx, wire.Batch{Events: []wire.Record{r}, Jobs: []wire.JobRow{row}}))
	j, err := s.GetJob(ctx, "j")
	must(t, err)
	if !strings.HasPrefix(j.LatestProgress.Details.Error, "bad") {
		t.Fatalf("error = %q", j.LatestProgress.Details.Error)
	}
}

func TestPersistEventsEmptyAndBadPayload(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	must(t, s.Persist(ctx, wire.Batch{}))
	bad := wire.Record{JobID: "j", Seq: 1, Name: "x"}
	if err := s.Persist(ctx, wire.Batch{Events: []wire.Record{bad}}); err == nil {
		t.Fatal("event without a payload accepted")
	}
}

// The store satisfies the seams progress declares.
var (
	_ progress.Persister    = (*store.Store)(nil)
	_ progress.LaunchLoader = (*store.Store)(nil)
)

// Overlapping batches written at once, in any order, neither deadlock nor move the
// latest progress below the highest seq written.
func TestPersistEventsConcurrentOverlappingBatches(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	const jobs, perJob = 8, 60
	var all []wire.Record
	for seq := int64(1); seq <= perJob; seq++ {
		for j := range jobs {
			all = append(all, progressRec(fmt.Sprintf("j%d", j), "u", seq, wire.StatusInProgress, int(seq)))
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
				b := batchOf(batch[:n])
				if err := s.Persist(ctx, b); err != nil {
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
	var batch []wire.Record
	for i := int64(1); i <= 12000; i++ { // more than one delete batch
		r := stepRec("old", "u", i, int(i))
		r.At = old
		batch = append(batch, r)
	}
	last := progressRec("old", "u", 12001, wire.StatusCompleted, 100)
	last.At = old
	batch = append(batch, last)
	for i := int64(1); i <= 10; i++ {
		batch = append(batch, stepRec("new", "u", i, int(i)))
	}
	must(t, s.Persist(ctx, wire.Batch{Events: batch, Jobs: []wire.JobRow{rowOf(last, wire.JobCompleted)}}))

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

// TestPersistJobRowUpkeep: progress refreshes updated_at at most once a second (every
// refresh moves the row in three indexes), a later one after that second does move it,
// and a change of state moves it at once.
func TestPersistJobRowUpkeep(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	put := func(seq int64, pct int, st wire.JobState) store.Job {
		t.Helper()
		rec := progressRec("p", "u", seq, wire.StatusInProgress, pct)
		must(t, s.Persist(ctx, wire.Batch{Events: []wire.Record{rec}, Jobs: []wire.JobRow{rowOf(rec, st)}}))
		j, err := s.GetJob(ctx, "p")
		must(t, err)
		return j
	}
	first := put(1, 10, wire.JobRunning)
	second := put(2, 20, wire.JobRunning)
	if second.LatestProgress.Progress != 20 || !second.UpdatedAt.Equal(first.UpdatedAt) {
		t.Fatalf("within the second: progress %d, updated_at %v → %v; want 20 and unchanged",
			second.LatestProgress.Progress, first.UpdatedAt, second.UpdatedAt)
	}
	must(t, s.Exec(ctx, `UPDATE jobs SET updated_at = now() - interval '5 seconds' WHERE id = 'p'`))
	aged, _ := s.GetJob(ctx, "p")
	third := put(3, 30, wire.JobRunning)
	if third.LatestProgress.Progress != 30 || !third.UpdatedAt.After(aged.UpdatedAt.Add(4*time.Second)) {
		t.Fatalf("after the second: progress %d, updated_at %v → %v; want 30 and refreshed",
			third.LatestProgress.Progress, aged.UpdatedAt, third.UpdatedAt)
	}
	if done := put(4, 100, wire.JobCompleted); done.State != store.JobCompleted || !done.UpdatedAt.After(third.UpdatedAt) {
		t.Fatalf("completing within the second: state %s, updated_at %v → %v", done.State, third.UpdatedAt, done.UpdatedAt)
	}
}
