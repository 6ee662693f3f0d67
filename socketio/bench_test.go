package socketio

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkEmitFanout measures Emit with N raw websocket sockets connected in-process:
// users of 10 sockets each plus N/50 admins in admin_launches; each Emit goes to one
// user's room (round robin) and the admin room. The clock runs until every delivery has
// been read by its client, so ns/op is the end-to-end cost of one record.
// With emitters > 1, that many goroutines call Emit at once, as the hub's jobs do.
func BenchmarkEmitFanout(b *testing.B) {
	for _, n := range []int{10, 100, 500} {
		b.Run(fmt.Sprintf("sockets=%d", n), func(b *testing.B) { benchFanout(b, n, 1) })
	}
	b.Run("sockets=500,emitters=4", func(b *testing.B) { benchFanout(b, 500, 4) })
}

func benchFanout(b *testing.B, n, emitters int) {
	h := newBenchHarness(b)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admins := max(1, n/50)
	users := max(1, (n-admins)/10)
	clients := make([]*rawClient, 0, n)
	for i := range n {
		var c *rawClient
		if i < admins {
			c = dialRaw(ctx, b, h.addr, map[string]any{"token": h.token(fmt.Sprintf("admin%d", i), true)})
			c.call(ctx, b, EventSubscribeAll)
		} else {
			user := fmt.Sprintf("u%d", i%users)
			c = dialRaw(ctx, b, h.addr, map[string]any{"token": h.token(user, false)})
			c.call(ctx, b, EventSubscribeUser, user)
		}
		defer c.close()
		clients = append(clients, c)
	}
	perUser := make([]int64, users)
	for i := admins; i < n; i++ {
		perUser[i%users]++
	}
	var want atomic.Int64
	srv := h.server()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	if emitters == 1 {
		for i := 0; b.Loop(); i++ {
			u := i % users
			srv.Emit(workerRecord(fmt.Sprintf("u%d", u), "bench", i%100))
			want.Add(perUser[u] + int64(admins))
		}
	} else {
		b.SetParallelism(max(1, emitters/runtime.GOMAXPROCS(0)))
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := int(next.Add(1))
				u := i % users
				srv.Emit(workerRecord(fmt.Sprintf("u%d", u), fmt.Sprintf("bench-%d", i%emitters), i%100))
				want.Add(perUser[u] + int64(admins))
			}
		})
	}
	waitDeliveries(b, clients, want.Load())
	elapsed := time.Since(start)
	b.ReportMetric(float64(want.Load())/float64(b.N), "deliveries/op")
	b.ReportMetric(float64(want.Load())/elapsed.Seconds(), "deliveries/s")
}

func waitDeliveries(b *testing.B, clients []*rawClient, want int64) {
	deadline := time.Now().Add(60 * time.Second)
	for {
		var got int64
		for _, c := range clients {
			got += c.events.Load()
		}
		if got >= want {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("delivered %d of %d", got, want)
		}
		time.Sleep(time.Millisecond)
	}
}
