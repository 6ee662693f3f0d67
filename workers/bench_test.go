package workers

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nitro-runtime/nitro/progress"
)

// BenchmarkLaunchToken runs launch_token (pump, three buyers, no mixing) end to end
// through asynq, PostgreSQL and the built-in cluster, at two slot times. Besides
// the wall time per launch it reports the time spent inside the cluster's RPC
// handler, the RPC calls and the transactions per launch: the rest of the wall time
// is our code plus waiting for slots (a confirmation takes at least one slot).
// handler-ms/op is the job's own run time (started → ended in the jobs table), of
// which confirm-wait-ms/op is spent in send-and-confirm waiting for the cluster;
// the wall time adds asynq's pick-up latency (its processor polls an empty queue
// about once a second).
func BenchmarkLaunchToken(b *testing.B) {
	for _, slot := range []time.Duration{5 * time.Millisecond, 20 * time.Millisecond} {
		b.Run(fmt.Sprintf("slot=%s", slot), func(b *testing.B) {
			e := newEnvSlot(b, slot, nil)
			var wait atomic.Int64
			e.faults.waited = func(d time.Duration) { wait.Add(int64(d)) }
			var rpcTime, rpcN, txs, run int64
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				s := e.setup(fmt.Sprintf("bench%d", i), progress.PlatformPump, []float64{0.1, 0.1, 0.1}, false)
				t0, n0 := e.rpcTime.Load(), e.rpcN.Load()
				b.StartTimer()
				j := e.run(progress.LaunchToken, s.payload(false))
				b.StopTimer()
				e.mustComplete(j, nil)
				if j.StartedAt != nil && j.EndedAt != nil {
					run += int64(j.EndedAt.Sub(*j.StartedAt))
				}
				rpcTime += e.rpcTime.Load() - t0
				rpcN += e.rpcN.Load() - n0
				for _, step := range []string{"create", "buys/0", "buys/1", "buys/2", "alt/create", "alt/extend/0", "alt/extend/1"} {
					txs += int64(e.confirmedTxs(j.ID, step))
				}
				b.StartTimer()
			}
			n := float64(b.N)
			b.ReportMetric(float64(run)/n/1e6, "handler-ms/op")
			b.ReportMetric(float64(wait.Load())/n/1e6, "confirm-wait-ms/op")
			b.ReportMetric(float64(rpcTime)/n/1e6, "rpc-ms/op")
			b.ReportMetric(float64(rpcN)/n, "rpc-calls/op")
			b.ReportMetric(float64(txs)/n, "txs/op")
		})
	}
}

// BenchmarkConcurrentLaunches runs 50 launch_token jobs (pump, three buyers each) at
// once on one worker process with concurrency 50 and the built-in cluster, and fails
// if any of them does not complete. It reports the wall time for the whole batch.
func BenchmarkConcurrentLaunches(b *testing.B) {
	const launches = 50
	envConcurrency = launches
	defer func() { envConcurrency = 4 }()
	e := newEnvSlot(b, 20*time.Millisecond, nil)
	var wall time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		payloads := make([]any, launches)
		for n := range payloads {
			payloads[n] = e.setup(fmt.Sprintf("conc%d-%d", i, n), progress.PlatformPump, []float64{0.05, 0.05, 0.05}, false).payload(false)
		}
		b.StartTimer()
		start := time.Now()
		ids := make([]string, launches)
		for n, p := range payloads {
			ids[n] = e.enqueue(progress.LaunchToken, p)
		}
		for _, id := range ids {
			e.mustComplete(e.wait(id), nil)
		}
		wall += time.Since(start)
	}
	b.ReportMetric(wall.Seconds()/float64(b.N), "s/50-launches")
	b.ReportMetric(float64(launches*b.N)/wall.Seconds(), "launches/s")
}
