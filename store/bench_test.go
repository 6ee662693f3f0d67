package store_test

import (
	"fmt"
	"testing"

	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/store/storetest"
)

// BenchmarkPersistEvents writes batches of 512 records (the hub's default) spread
// over 64 running jobs: 3 steps per progress event, seq increasing per job.
func BenchmarkPersistEvents(b *testing.B) {
	s, ctx := storetest.New(b), b.Context()
	const batchSize, jobs = 512, 64
	seq := make([]int64, jobs)
	batch := make([]progress.Record, batchSize)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i := range batch {
			j := i % jobs
			seq[j]++
			id := fmt.Sprintf("job-%d", j)
			if seq[j]%4 == 0 {
				batch[i] = progressRec(id, "u", seq[j], progress.StatusInProgress, int(seq[j]%100))
			} else {
				batch[i] = stepRec(id, "u", seq[j], int(seq[j]))
			}
		}
		if err := s.PersistEvents(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batchSize)/b.Elapsed().Seconds(), "events/s")
}
