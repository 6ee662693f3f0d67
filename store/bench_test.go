package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/nitro-runtime/nitro/progress/wire"
	"github.com/nitro-runtime/nitro/store/storetest"
)

// BenchmarkPersistEvents writes batches of 512 records (the hub's default): 3 steps per
// progress event, seq increasing per job, with the latest row of each job the batch
// carries progress of. jobs=64 has each job several times per batch;
// jobs=1000 (the fan-out benchmark's shape) about once, so nearly every progress event
// also updates its job's row.
func BenchmarkPersistEvents(b *testing.B) {
	for _, jobs := range []int{64, 1000} {
		b.Run(fmt.Sprintf("jobs=%d", jobs), func(b *testing.B) { benchPersist(b, jobs) })
	}
}

func benchPersist(b *testing.B, jobs int) {
	s, ctx := storetest.New(b), b.Context()
	batchSize := benchBatch
	seq := make([]int64, jobs)
	batch := make([]wire.Record, batchSize)
	next := 0
	b.ReportAllocs()
	b.ResetTimer()
	rowAt := make(map[string]int, jobs)
	for b.Loop() {
		rows := make([]wire.JobRow, 0, min(jobs, batchSize/4+1))
		clear(rowAt)
		for i := range batch {
			j := next % jobs
			next++
			seq[j]++
			id := fmt.Sprintf("job-%d", j)
			if seq[j]%4 != 0 {
				batch[i] = stepRec(id, "u", seq[j], int(seq[j]))
				continue
			}
			batch[i] = progressRec(id, "u", seq[j], wire.StatusInProgress, int(seq[j]%100))
			if k, ok := rowAt[id]; ok {
				rows[k] = rowOf(batch[i], wire.JobRunning)
			} else {
				rowAt[id] = len(rows)
				rows = append(rows, rowOf(batch[i], wire.JobRunning))
			}
		}
		slices.SortFunc(rows, func(x, y wire.JobRow) int { return strings.Compare(x.ID, y.ID) })
		if err := s.Persist(ctx, wire.Batch{Events: batch, Jobs: rows}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batchSize)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkSnapshot reads one user's snapshot among 5,000 jobs and 500 launches of
// 100 users (what every subscribe costs).
func BenchmarkSnapshot(b *testing.B) {
	s, ctx := storetest.New(b), b.Context()
	for i := range 10 {
		var batch []wire.Record
		for j := range 500 {
			batch = append(batch, progressRec(fmt.Sprintf("j%d-%d", i, j), fmt.Sprintf("u%d", j%100), 1, wire.StatusInProgress, 50))
		}
		if err := s.Persist(ctx, batchOf(batch)); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 500 {
		if err := s.RegisterLaunch(ctx, newLaunch(fmt.Sprintf("T%d", i), fmt.Sprintf("u%d", i%100))); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		jobs, launches, err := s.Snapshot(ctx, "u7", false, 200)
		if err != nil || len(jobs) != 50 || len(launches) != 5 {
			b.Fatalf("snapshot: %d jobs, %d launches, %v", len(jobs), len(launches), err)
		}
	}
}

var benchBatch = 512
