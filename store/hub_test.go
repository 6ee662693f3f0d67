package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/store"
	"github.com/nitro-runtime/nitro/store/storetest"
)

// The progress hub writing through the store, as a worker run does: a failed attempt
// that will be retried, then a successful one that moves the launch through its stages.
func TestHubPersistsThroughStore(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	must(t, s.RegisterLaunch(ctx, newLaunch("Tok", "u")))
	hub := progress.NewHub(progress.HubConfig{}, nil, s, s, zerolog.Nop())
	plan := []progress.Phase{{Title: "Create"}, {Title: "Buy"}}
	job := progress.Job{ID: "job", Type: progress.LaunchToken, UserID: "u", TokenAddress: "Tok"}

	first := hub.Start(job, plan)
	first.Enter(1)
	first.Retrying(errors.New("rpc timeout"), 1, time.Now().Add(time.Second))
	must(t, hub.Flush(ctx))
	j, err := s.GetJob(ctx, "job")
	must(t, err)
	if j.State != store.JobRetrying || !j.LatestProgress.Details.Retrying {
		t.Fatalf("after retrying run: state %s, latest %+v", j.State, j.LatestProgress)
	}

	job.Attempt = 1
	second := hub.Start(job, plan)
	second.Enter(1)
	must(t, second.LaunchStage(ctx, progress.StageCreated, progress.StageInput{Message: "created"}))
	second.Enter(2)
	second.Step("buy", "wallet 1", 2, nil)
	second.Step("buy", "wallet 2", 2, nil)
	must(t, second.LaunchStage(ctx, progress.StageLaunched, progress.StageInput{Message: "launched"}))
	second.Complete()
	must(t, hub.Close(ctx))

	if st := hub.Stats(); st.Dropped != 0 || st.PersistErrors != 0 {
		t.Fatalf("hub stats = %+v", st)
	}
	j, err = s.GetJob(ctx, "job")
	must(t, err)
	if j.State != store.JobCompleted || j.LatestProgress.Status != progress.StatusCompleted {
		t.Fatalf("job = %+v latest %+v", j, j.LatestProgress)
	}
	steps, err := s.JobSteps(ctx, "job")
	must(t, err)
	if len(steps) != 2 || steps[1].Message != "wallet 2" {
		t.Fatalf("steps = %+v", steps)
	}
	l, err := s.GetLaunch(ctx, "Tok")
	must(t, err)
	if l.State.Events != 2 || !l.State.Done(progress.StageLaunched) || l.State.Progress.CurrentStep != 2 {
		t.Fatalf("launch state = %+v", l.State)
	}
	evs, err := s.JobEvents(ctx, "job", 0, 0)
	must(t, err)
	names := map[string]int{}
	var lastProgressSeq int64
	for i, ev := range evs {
		names[ev.Name]++
		if i > 0 && ev.Seq <= evs[i-1].Seq {
			t.Fatalf("events out of order at %d", i)
		}
		if ev.Name == progress.EventWorkerProgress {
			lastProgressSeq = ev.Seq
		}
	}
	if j.LatestSeq != lastProgressSeq {
		t.Fatalf("latest_seq %d is not the second run's last worker_progress %d", j.LatestSeq, lastProgressSeq)
	}
	if names[progress.EventTokenLaunch] != 2 || names[progress.EventLaunchProgress] != 2 {
		t.Errorf("event names = %v", names)
	}
	jobs, launches, err := s.Snapshot(context.Background(), "u", false, 10)
	must(t, err)
	if len(jobs) != 1 || jobs[0].Status != progress.StatusCompleted || len(launches) != 1 || launches[0].CurrentStep != 2 {
		t.Fatalf("snapshot = %+v %+v", jobs, launches)
	}
}
