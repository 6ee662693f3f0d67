package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nitro-runtime/nitro/internal/testkit"
)

// BenchmarkNginxFanout compares, in one run and under the same load, live fan-out
// through deploy/nginx.conf to two `nitro serve` processes (jobs run by both, their
// events relayed between them over Redis, sockets spread by ip_hash) with fan-out
// from one process reached directly; a third setup, the same two processes reached
// directly, tells the relay's share from nginx's. It reports each setup's
// deliveries/s and p50/p99 latency (from a step's send time in the worker to its
// arrival at a socket) and the ratios nginx/direct. Load: NITRO_BENCH_NGINX_RATE
// events/s (default 1000), NITRO_BENCH_NGINX_SOCKETS sockets (500) over
// NITRO_BENCH_NGINX_USERS users' rooms (100) and 4 admins.
func BenchmarkNginxFanout(b *testing.B) {
	if testing.Short() {
		b.Skip("starts nitro processes, nginx and hundreds of sockets")
	}
	sc := fanoutScenario{
		Rate: float64(benchEnvInt("NITRO_BENCH_NGINX_RATE", 1000, 1)), Sockets: benchEnvInt("NITRO_BENCH_NGINX_SOCKETS", 500, 1),
		Users: benchEnvInt("NITRO_BENCH_NGINX_USERS", 100, 1), Admins: 4, Procs: 2,
		Warmup: 2 * time.Second, Window: time.Duration(benchEnvInt("NITRO_BENCH_WINDOW", 10, 1)) * time.Second,
	}
	b.Run(fmt.Sprintf("events=%g,sockets=%d,rooms=%d", sc.Rate, sc.Sockets, sc.Users), func(b *testing.B) {
		for range b.N {
			direct := runSpreadFanout(b, sc, 1, false)
			pair := runSpreadFanout(b, sc, 2, false)
			behind := runSpreadFanout(b, sc, 2, true)
			for _, m := range []struct {
				v    float64
				unit string
			}{
				{direct.deliveries, "direct-deliveries/s"}, {direct.p50, "direct-p50-ms"}, {direct.p99, "direct-p99-ms"},
				{pair.deliveries, "pair-deliveries/s"}, {pair.p50, "pair-p50-ms"}, {pair.p99, "pair-p99-ms"},
				{behind.deliveries, "nginx-deliveries/s"}, {behind.p50, "nginx-p50-ms"}, {behind.p99, "nginx-p99-ms"},
				{behind.deliveries / direct.deliveries, "deliveries-ratio"}, {behind.p99 / direct.p99, "p99-ratio"},
			} {
				b.ReportMetric(m.v, m.unit)
			}
			line := fmt.Sprintf("FANOUT one node direct: %s; two nodes direct: %s; two nodes behind nginx: %s; nginx/direct: deliveries %.2f, p99 %.2f (load %.1f)",
				direct, pair, behind, behind.deliveries/direct.deliveries, behind.p99/direct.p99, loadAvg())
			b.Log(line)
			fmt.Fprintln(os.Stderr, line)
		}
	})
}

// spreadResult is one side of BenchmarkNginxFanout.
type spreadResult struct{ deliveries, p50, p99 float64 }

func (r spreadResult) String() string {
	return fmt.Sprintf("%.0f deliveries/s, p50 %.2f ms, p99 %.2f ms", r.deliveries, r.p50, r.p99)
}

// runSpreadFanout runs the fan-out load on nodes serve processes, the sockets spread
// over them, reached through nginx or directly. Every process is stopped before it
// returns, so the setups do not share the machine.
func runSpreadFanout(b *testing.B, sc fanoutScenario, nodes int, viaNginx bool) spreadResult {
	first := startBenchServer(b, sc)
	procs := []*benchServer{first}
	for len(procs) < nodes {
		procs = append(procs, startBenchPeer(b, first))
	}
	defer func() {
		for _, p := range procs {
			p.stop()
		}
	}()
	entry := first
	switch {
	case viaNginx:
		ups := make([]string, len(procs))
		for i, p := range procs {
			ups[i] = strings.TrimPrefix(p.url, "http://")
		}
		nx := startNginx(b, ups...)
		defer nx.stop()
		sc.LocalAddrs = nx.stickyAddrs(b)
		via := *first
		via.url = nx.URL
		entry = &via
	case nodes > 1:
		for _, p := range procs {
			sc.URLs = append(sc.URLs, p.url)
		}
	}
	clients, perUser := startFanoutClients(b, entry, sc)
	if nodes > 1 {
		for _, p := range procs {
			if n := readMetric(b, p.url, "nitro_sockets"); n < float64(sc.Sockets)/float64(nodes+2) {
				b.Fatalf("%s holds %v of %d sockets: nginx did not spread them", p.url, n, sc.Sockets)
			}
		}
	}
	plan, _, to := startWindow(b, first, clients, sc)
	time.Sleep(time.Until(to))
	want := 0
	for _, n := range perUser {
		want += plan.events() * (n + sc.Admins)
	}
	waitClients(b, clients, want)
	events := float64(sc.Users * plan.events())
	testkit.Poll(60*time.Second, func() bool {
		emitted, done := 0.0, 0.0
		for _, p := range procs {
			emitted += readMetric(b, p.url, "nitro_progress_events_emitted_total")
			done += readMetric(b, p.url, "nitro_progress_events_persisted_total") + readMetric(b, p.url, "nitro_progress_events_dropped_total") +
				readMetric(b, p.url, "nitro_progress_persist_errors_total")
		}
		return emitted >= events && done >= emitted
	})
	sum, bins := sumClients(b, clients)
	if persisted := first.countEvents(b); sum.Steps < want || sum.Gaps > 0 || sum.OrderViolations > 0 || sum.Disconnects > 0 || persisted != events {
		b.Errorf("%d nodes: received %d of %d deliveries, %d gaps, %d order violations, %d disconnects; %.0f of %.0f events persisted",
			nodes, sum.Steps, want, sum.Gaps, sum.OrderViolations, sum.Disconnects, persisted, events)
	}
	return spreadResult{deliveries: float64(sum.WindowDeliveries) / sc.Window.Seconds(),
		p50: percentile(bins, sum.LatencyN, 0.50), p99: percentile(bins, sum.LatencyN, 0.99)}
}

// startBenchPeer starts another `nitro serve` of first's deployment: the same Redis
// database, PostgreSQL database and secrets, its own port and data directory.
func startBenchPeer(b *testing.B, first *benchServer) *benchServer {
	port := testkit.FreePort(b)
	p := &benchServer{url: fmt.Sprintf("http://127.0.0.1:%d", port), db: first.db, redis: first.redis, verify: first.verify, logs: &testkit.Buffer{}}
	for _, kv := range first.env {
		if !strings.HasPrefix(kv, "PORT=") && !strings.HasPrefix(kv, "NITRO_DATA_DIR=") {
			p.env = append(p.env, kv)
		}
	}
	p.env = append(p.env, fmt.Sprintf("PORT=%d", port), "NITRO_DATA_DIR="+b.TempDir())
	p.start(b)
	return p
}

// start runs the process with s.env and waits until it answers.
func (s *benchServer) start(b *testing.B) {
	s.cmd = exec.Command(nitroBin, "serve")
	s.cmd.Env, s.cmd.Stdout, s.cmd.Stderr = s.env, s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	s.pid = s.cmd.Process.Pid
	b.Cleanup(s.stop)
	s.waitUp(b)
}
