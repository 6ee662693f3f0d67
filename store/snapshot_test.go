package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/nitro-runtime/nitro/progress/wire"
	"github.com/nitro-runtime/nitro/store/storetest"
)

func TestSnapshotWindows(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	must(t, s.Persist(ctx, batchOf([]wire.Record{
		progressRec("running", "u", 1, wire.StatusInProgress, 10),
		progressRec("running-old", "u", 1, wire.StatusInProgress, 20),
		progressRec("done-recent", "u", 1, wire.StatusCompleted, 100),
		progressRec("done-old", "u", 1, wire.StatusCompleted, 100),
		progressRec("other-user", "v", 1, wire.StatusInProgress, 30),
		stepRec("no-progress", "u", 1, 1),
	})))
	must(t, s.Exec(ctx, `UPDATE jobs SET updated_at = now() - interval '3 hours' WHERE id = 'running-old'`))
	must(t, s.Exec(ctx, `UPDATE jobs SET updated_at = now() - interval '50 minutes' WHERE id = 'done-recent'`))
	must(t, s.Exec(ctx, `UPDATE jobs SET updated_at = now() - interval '61 minutes' WHERE id = 'done-old'`))
	for _, l := range []struct {
		token, user, age string
	}{{"L-now", "u", "0"}, {"L-23h", "u", "23 hours"}, {"L-25h", "u", "25 hours"}, {"L-other", "v", "0"}} {
		must(t, s.RegisterLaunch(ctx, newLaunch(l.token, l.user)))
		must(t, s.Exec(ctx, `UPDATE launches SET updated_at = now() - $2::interval WHERE token_address = $1`, l.token, l.age))
	}

	jobs, launches, err := s.Snapshot(ctx, "u", false, 0)
	must(t, err)
	assertIDs(t, "user jobs", jobIDs(jobs), "running", "done-recent", "running-old")
	assertIDs(t, "user launches", tokens(launches), "L-now", "L-23h")

	jobs, launches, err = s.Snapshot(ctx, "", true, 0)
	must(t, err)
	assertIDs(t, "all jobs", jobIDs(jobs), "running", "other-user", "done-recent", "running-old")
	assertIDs(t, "all launches", tokens(launches), "L-now", "L-other", "L-23h")

	jobs, launches, err = s.Snapshot(ctx, "", true, 2)
	must(t, err)
	if len(jobs) != 2 || len(launches) != 2 {
		t.Fatalf("limit 2: %d jobs, %d launches", len(jobs), len(launches))
	}
	if launches[0].UserID == "" || launches[0].TotalSteps != 3 {
		t.Errorf("launch progress = %+v", launches[0])
	}
}

func jobIDs(evs []wire.WorkerProgressEvent) []string {
	var ids []string
	for _, e := range evs {
		ids = append(ids, e.JobID)
	}
	return ids
}

func tokens(ls []wire.LaunchProgress) []string {
	var ids []string
	for _, l := range ls {
		ids = append(ids, l.TokenAddress)
	}
	return ids
}

// assertIDs compares as sets: rows touched in the same statement share updated_at.
func assertIDs(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		t.Errorf("%s = %v; want %v", what, got, want)
	}
}

func TestSnapshotUsesIndexes(t *testing.T) {
	t.Parallel()
	s, ctx := storetest.New(t), t.Context()
	// Enough rows that the planner prefers an index to a scan.
	for i := range 4 {
		var batch []wire.Record
		for j := range 500 {
			batch = append(batch, progressRec(fmt.Sprintf("j%d-%d", i, j), fmt.Sprintf("u%d", j%200), 1, wire.StatusCompleted, 100))
		}
		must(t, s.Persist(ctx, batchOf(batch)))
	}
	must(t, s.Exec(ctx, `UPDATE jobs SET updated_at = now() - interval '2 hours'`))
	must(t, s.Exec(ctx, `ANALYZE jobs`))
	n, err := s.QueryInt(ctx, `SELECT count(*) FROM jobs`)
	if err != nil || n != 2000 {
		t.Fatalf("jobs = %d, %v", n, err)
	}
	for _, all := range []bool{false, true} {
		plan, err := s.ExplainSnapshotJobs(ctx, "u7", all)
		must(t, err)
		if strings.Contains(plan, "Seq Scan on jobs") || !strings.Contains(plan, "Index") {
			t.Errorf("snapshot (all=%v) does not use the indexes:\n%s", all, plan)
		}
	}
}
