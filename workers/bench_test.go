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
