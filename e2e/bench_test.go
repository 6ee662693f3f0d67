package e2e

import (
	"bufio"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/nitro-runtime/nitro/auth"
)

// fanoutScenario is one BenchmarkSocketFanout run. Rate is the target of progress
// events per second the hub emits (worker_step plus worker_progress), spread over one
// test-walk job per user; each event goes to its user's room and to admin_launches.
type fanoutScenario struct {
	Rate           float64
	Sockets        int // connected sockets, admins included
	Users          int // user rooms (and jobs)
	Admins         int // sockets in admin_launches
	Procs          int // node client processes
	Warmup, Window time.Duration
	PprofDir       string // if set, a CPU profile of nitro over the window goes there
}

// BenchmarkSocketFanout drives the whole progress path of a real `nitro serve`: asynq
// test-walk tasks → reporter → hub → Socket.IO to 1,000 real socket.io-client sockets
// (e2e/fanout.mjs), with batched persistence to Postgres. One run per rate: a warm-up,
// then a measured window. Tune with NITRO_BENCH_RATES (events/s, comma-separated),
// NITRO_BENCH_SOCKETS, _USERS, _ADMINS, _PROCS, _WINDOW (seconds), _PPROF_DIR.
func BenchmarkSocketFanout(b *testing.B) {
	if testing.Short() {
		b.Skip("starts nitro serve and 1,000 sockets")
	}
	sc := fanoutScenario{Sockets: benchEnvInt("NITRO_BENCH_SOCKETS", 1000), Users: benchEnvInt("NITRO_BENCH_USERS", 200),
		Admins: benchEnvInt("NITRO_BENCH_ADMINS", 10), Procs: benchEnvInt("NITRO_BENCH_PROCS", 1),
		Warmup: 2 * time.Second, Window: time.Duration(benchEnvInt("NITRO_BENCH_WINDOW", 10)) * time.Second,
		PprofDir: os.Getenv("NITRO_BENCH_PPROF_DIR")}
	for _, f := range strings.Split(cmp.Or(os.Getenv("NITRO_BENCH_RATES"), "1000,2000,4000"), ",") {
		rate, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || rate <= 0 {
			b.Fatalf("NITRO_BENCH_RATES: bad rate %q", f)
		}
		sc.Rate = rate
		b.Run(fmt.Sprintf("events=%g", rate), func(b *testing.B) {
			for range b.N {
				runFanout(b, sc)
			}
		})
	}
}

// fanoutResult is what one run measured.
type fanoutResult struct {
	eventsPerS, deliveriesPerS, p50, p99, max float64
	dropped, missing, gaps, order             float64
	emitted, persisted                        float64
	cpuPct, idleCPUPct, cpuUsPerDelivery      float64
	clientCPUPct, machineBusyPct              float64
}

func runFanout(b *testing.B, sc fanoutScenario) {
	srv := startBenchServer(b, sc.Users+10, sc.PprofDir != "")
	clients, perUser := startFanoutClients(b, srv, sc)
	idle := measureIdleCPU(b, srv.pid)
	plan := planWalk(sc)
	srv.enqueueJobs(b, sc.Users, plan)
	from := time.Now().Add(sc.Warmup)
	to := from.Add(sc.Window)
	for _, c := range clients {
		c.call(b, map[string]any{"op": "window", "from": epochMs(from), "to": epochMs(to)})
	}
	w := srv.measureWindow(b, from, to, sc.PprofDir, sc.Rate)
	want := 0
	for _, n := range perUser {
		want += plan.events() * (n + sc.Admins)
	}
	waitClients(b, clients, want)
	srv.waitPersisted(b)
	r := collect(b, srv, clients, w, want)
	r.idleCPUPct = idle
	if r.missing > 0 || r.emitted == 0 {
		b.Logf("nitro logs:\n%s", srv.logs.String())
	}
	report(b, r)
}

// benchServer is a `nitro serve` started for a benchmark (startServer needs a *testing.T).
type benchServer struct {
	url, db, pprofAddr string
	pid                int
	cmd                *exec.Cmd
	verify             *auth.Verifier
	redis              asynq.RedisClientOpt
	logs               *syncBuffer
}

// benchRedisDB keeps the benchmark's queue apart from the e2e tests' (DB 11): another
// nitro serve with test tasks on the same DB would take its walks.
const benchRedisDB = 15

func startBenchServer(b *testing.B, concurrency int, pprof bool) *benchServer {
	b.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", DB: benchRedisDB})
	if err := rdb.FlushDB(context.Background()).Err(); err != nil {
		b.Fatalf("Redis on 127.0.0.1:6379 is required: %v", err)
	}
	rdb.Close()
	port := benchPort(b)
	s := &benchServer{url: fmt.Sprintf("http://127.0.0.1:%d", port), db: fmt.Sprintf("nitro_bench_%d_%d", os.Getpid(), dbSeq.Add(1)),
		redis: asynq.RedisClientOpt{Addr: "127.0.0.1:6379", DB: benchRedisDB}, logs: &syncBuffer{}}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), fmt.Sprintf("PORT=%d", port), "HOST=127.0.0.1",
		fmt.Sprintf("REDIS_URL=redis://127.0.0.1:6379/%d", benchRedisDB), "DATABASE_URL=" + databaseURL(s.db),
		"NITRO_JWT_SECRET=" + jwtSecret, "NITRO_API_KEYS=" + apiKey, "NITRO_ADMIN_PASSWORD=" + adminPass,
		"NITRO_MASTER_KEY=" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef")),
		"NITRO_DATA_DIR=" + b.TempDir(), "NITRO_TEST_TASKS=1", "CORS_ORIGINS=" + appOrigin,
		"LOG_FORMAT=json", "LOG_LEVEL=warn", fmt.Sprintf("WORKER_CONCURRENCY=%d", concurrency)}
	if pprof {
		s.pprofAddr = fmt.Sprintf("127.0.0.1:%d", benchPort(b))
		env = append(env, "NITRO_PPROF="+s.pprofAddr)
	}
	var err error
	if s.verify, err = auth.NewVerifier([]byte(jwtSecret)); err != nil {
		b.Fatal(err)
	}
	s.cmd = exec.Command(nitroBin, "serve")
	s.cmd.Env, s.cmd.Stdout, s.cmd.Stderr = env, s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	s.pid = s.cmd.Process.Pid
	b.Cleanup(s.stop)
	s.waitUp(b)
	return s
}

func (s *benchServer) waitUp(b *testing.B) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(s.url + "/socket.io/?EIO=4&transport=polling"); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Fatalf("nitro serve did not come up; logs:\n%s", s.logs.String())
}

func (s *benchServer) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(40 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if conn, err := pgx.Connect(ctx, databaseURL("postgres")); err == nil {
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{s.db}.Sanitize()+" WITH (FORCE)")
		conn.Close(ctx)
	}
}

// walkPlan is each job's share of the rate: steps paced at stepsPerS.
type walkPlan struct {
	steps     int
	stepsPerS float64
}

// planWalk sizes one single-phase job per user so that the hub emits about sc.Rate
// events/s over warm-up + window (+1 s so jobs outlast the window). A job of S steps
// also sends min(S, 100) + 2 worker_progress events (started, each new percent, completed).
func planWalk(sc fanoutScenario) walkPlan {
	dur := (sc.Warmup + sc.Window + time.Second).Seconds()
	perJob := sc.Rate / float64(sc.Users) * dur
	steps := (perJob - 2) / 2
	if perJob > 202 {
		steps = perJob - 102
	}
	s := max(int(math.Round(steps)), 1)
	return walkPlan{steps: s, stepsPerS: float64(s) / dur}
}

// events is what one job emits: a worker_step per step, and worker_progress for
// started, each new percent and completed.
func (p walkPlan) events() int { return p.steps + min(p.steps, 100) + 2 }

func (s *benchServer) enqueueJobs(b *testing.B, users int, p walkPlan) {
	cl := asynq.NewClient(s.redis)
	defer cl.Close()
	for u := range users {
		body, _ := json.Marshal(map[string]any{"userId": benchUser(u), "phases": 1, "steps": p.steps, "stepsPerSecond": p.stepsPerS})
		if _, err := cl.Enqueue(asynq.NewTask("nitro_test_walk", body), asynq.Queue("default"), asynq.MaxRetry(0)); err != nil {
			b.Fatal(err)
		}
	}
}

// window is what the server side saw over the measured window.
type window struct {
	cpuS, machineBusy, secs float64
	emitted                 float64
}

func (s *benchServer) measureWindow(b *testing.B, from, to time.Time, pprofDir string, rate float64) window {
	time.Sleep(time.Until(from))
	cpu0, m0, busy0, t0 := procCPU(b, s.pid), s.metric(b, "nitro_progress_events_emitted_total"), machineCPU(), time.Now()
	if pprofDir != "" {
		go s.profile(b, filepath.Join(pprofDir, fmt.Sprintf("nitro-cpu-%g.pprof", rate)), time.Until(to))
	}
	time.Sleep(time.Until(to))
	cpu1, m1, busy1, t1 := procCPU(b, s.pid), s.metric(b, "nitro_progress_events_emitted_total"), machineCPU(), time.Now()
	secs := t1.Sub(t0).Seconds()
	return window{cpuS: cpu1 - cpu0, secs: secs, emitted: m1 - m0, machineBusy: busy1.busyPct(busy0)}
}

func (s *benchServer) profile(b *testing.B, path string, d time.Duration) {
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", s.pprofAddr, int(d.Seconds())))
	if err != nil {
		b.Logf("pprof: %v", err)
		return
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		b.Logf("pprof: %v", err)
		return
	}
	defer f.Close()
	_, _ = io.Copy(f, resp.Body)
}

// metric reads one counter of nitro's /metrics.
func (s *benchServer) metric(b *testing.B, name string) float64 {
	resp, err := http.Get(s.url + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	b.Fatalf("/metrics has no %s", name)
	return 0
}

// waitPersisted waits until every emitted event is persisted, dropped or failed.
func (s *benchServer) waitPersisted(b *testing.B) {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		e := s.metric(b, "nitro_progress_events_emitted_total")
		done := s.metric(b, "nitro_progress_events_persisted_total") + s.metric(b, "nitro_progress_events_dropped_total") +
			s.metric(b, "nitro_progress_persist_errors_total")
		if done >= e {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.Errorf("events still unpersisted after 60s")
}

func (s *benchServer) countEvents(b *testing.B) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, databaseURL(s.db))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM job_events").Scan(&n); err != nil {
		b.Fatal(err)
	}
	return float64(n)
}

// fanoutClient is one node process running fanout.mjs.
type fanoutClient struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startFanoutClients(b *testing.B, srv *benchServer, sc fanoutScenario) ([]*fanoutClient, []int) {
	specs := make([][]map[string]any, max(sc.Procs, 1))
	perUser := make([]int, sc.Users)
	for i := range sc.Sockets {
		spec := map[string]any{"admin": i < sc.Admins}
		if i < sc.Admins {
			spec["token"] = srv.token(b, fmt.Sprintf("bench-admin%d", i), true)
		} else {
			u := i % sc.Users
			perUser[u]++
			spec["userId"], spec["token"] = benchUser(u), srv.token(b, benchUser(u), false)
		}
		specs[i%len(specs)] = append(specs[i%len(specs)], spec)
	}
	clients := make([]*fanoutClient, len(specs))
	for i, sp := range specs {
		clients[i] = newFanoutClient(b)
		var ready struct{ Connected, Subscribed int }
		clients[i].decode(b, map[string]any{"op": "connect", "url": srv.url, "origin": appOrigin, "clients": sp}, &ready)
		if ready.Connected != len(sp) || ready.Subscribed != len(sp) {
			b.Fatalf("client %d: %d connected, %d subscribed of %d", i, ready.Connected, ready.Subscribed, len(sp))
		}
	}
	return clients, perUser
}

func newFanoutClient(b *testing.B) *fanoutClient {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Dir(file)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "socket.io-client")); err != nil {
		b.Fatal("run `make e2e/deps` (npm ci in e2e/) first: socket.io-client is not installed")
	}
	cmd := exec.Command("node", filepath.Join(dir, "fanout.mjs"))
	cmd.Dir, cmd.Stderr = dir, os.Stderr
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatalf("node is required: %v", err)
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	c := &fanoutClient{cmd: cmd, in: in, out: sc}
	b.Cleanup(func() { in.Close(); _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return c
}

func (c *fanoutClient) call(b *testing.B, req map[string]any) json.RawMessage {
	line, _ := json.Marshal(req)
	if _, err := c.in.Write(append(line, '\n')); err != nil {
		b.Fatalf("fanout client: %v", err)
	}
	if !c.out.Scan() {
		b.Fatalf("fanout client exited: %v", c.out.Err())
	}
	var ans struct {
		OK    bool
		Error string
	}
	if err := json.Unmarshal(c.out.Bytes(), &ans); err != nil || !ans.OK {
		b.Fatalf("fanout client %s: %s %v", req["op"], ans.Error, err)
	}
	return append(json.RawMessage(nil), c.out.Bytes()...)
}

func (c *fanoutClient) decode(b *testing.B, req map[string]any, v any) {
	if err := json.Unmarshal(c.call(b, req), v); err != nil {
		b.Fatal(err)
	}
}

// waitClients waits until the clients received want events in all, or
// until the count stops moving for 5 s (then the difference is reported as missing).
func waitClients(b *testing.B, clients []*fanoutClient, want int) {
	last, still := -1, time.Now()
	for time.Since(still) < 5*time.Second {
		got := 0
		for _, c := range clients {
			var n struct{ Steps, Progress int }
			c.decode(b, map[string]any{"op": "count"}, &n)
			got += n.Steps + n.Progress
		}
		if got >= want {
			return
		}
		if got != last {
			last, still = got, time.Now()
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// clientSummary is fanout.mjs's summary.
type clientSummary struct {
	Steps, Progress, WindowDeliveries, Disconnects int
	OrderViolations, Gaps, BadPayloads, LatencyN   int
	LatencyMax, ClientCPUS                         float64
	Hist                                           [][2]float64
}

func collect(b *testing.B, srv *benchServer, clients []*fanoutClient, w window, want int) fanoutResult {
	var sum clientSummary
	bins := map[int]float64{}
	for _, c := range clients {
		var s clientSummary
		c.decode(b, map[string]any{"op": "summary"}, &s)
		sum.Steps += s.Steps + s.Progress
		sum.WindowDeliveries += s.WindowDeliveries
		sum.OrderViolations += s.OrderViolations + s.BadPayloads
		sum.Gaps += s.Gaps
		sum.Disconnects += s.Disconnects
		sum.LatencyN += s.LatencyN
		sum.LatencyMax = max(sum.LatencyMax, s.LatencyMax)
		sum.ClientCPUS += s.ClientCPUS
		for _, h := range s.Hist {
			bins[int(h[0])] += h[1]
		}
	}
	if sum.Disconnects > 0 {
		b.Errorf("%d sockets disconnected during the run", sum.Disconnects)
	}
	r := fanoutResult{
		eventsPerS: w.emitted / w.secs, deliveriesPerS: float64(sum.WindowDeliveries) / w.secs,
		p50: percentile(bins, sum.LatencyN, 0.50), p99: percentile(bins, sum.LatencyN, 0.99), max: sum.LatencyMax,
		dropped: srv.metric(b, "nitro_progress_events_dropped_total"), missing: float64(max(want-sum.Steps, 0)),
		gaps: float64(sum.Gaps), order: float64(sum.OrderViolations),
		emitted: srv.metric(b, "nitro_progress_events_emitted_total"), persisted: srv.countEvents(b),
		cpuPct: 100 * w.cpuS / w.secs, clientCPUPct: 100 * sum.ClientCPUS / w.secs, machineBusyPct: w.machineBusy,
	}
	r.cpuUsPerDelivery = w.cpuS * 1e6 / max(float64(sum.WindowDeliveries), 1)
	return r
}

// percentile reads fanout.mjs's histogram: 10 µs bins below 100 ms, then 1 ms bins.
func percentile(bins map[int]float64, n int, p float64) float64 {
	if n == 0 {
		return math.NaN()
	}
	want, acc := math.Ceil(float64(n)*p), 0.0
	for i := 0; i <= 19900; i++ {
		if acc += bins[i]; acc >= want {
			if i < 10000 {
				return (float64(i) + 0.5) * 0.01
			}
			return 100 + float64(i-10000) + 0.5
		}
	}
	return math.Inf(1)
}

func report(b *testing.B, r fanoutResult) {
	b.ReportMetric(r.eventsPerS, "events/s")
	b.ReportMetric(r.deliveriesPerS, "deliveries/s")
	b.ReportMetric(r.p50, "p50-ms")
	b.ReportMetric(r.p99, "p99-ms")
	b.ReportMetric(r.max, "max-ms")
	b.ReportMetric(r.dropped+r.missing+r.gaps, "dropped")
	b.ReportMetric(r.order, "order-violations")
	b.ReportMetric(r.emitted, "emitted")
	b.ReportMetric(r.persisted, "persisted")
	b.ReportMetric(r.cpuPct, "server-cpu-%")
	b.ReportMetric(r.idleCPUPct, "idle-cpu-%")
	b.ReportMetric(r.cpuUsPerDelivery, "cpu-µs/delivery")
	b.ReportMetric(r.clientCPUPct, "client-cpu-%")
	b.ReportMetric(r.machineBusyPct, "machine-busy-%")
	b.Logf("hub dropped %.0f, missing at clients %.0f, gaps %.0f, order violations %.0f; emitted %.0f, persisted %.0f",
		r.dropped, r.missing, r.gaps, r.order, r.emitted, r.persisted)
}

// procCPU is the user+system CPU seconds of pid (clock ticks of 1/100 s).
func procCPU(b *testing.B, pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100
}

// measureIdleCPU is nitro's CPU with the sockets connected and no load, over 1 s.
func measureIdleCPU(b *testing.B, pid int) float64 {
	c0, t0 := procCPU(b, pid), time.Now()
	time.Sleep(time.Second)
	return 100 * (procCPU(b, pid) - c0) / time.Since(t0).Seconds()
}

type cpuTimes struct{ busy, total float64 }

// machineCPU reads /proc/stat: the whole machine, other processes included.
func machineCPU() cpuTimes {
	raw, _ := os.ReadFile("/proc/stat")
	line, _, _ := strings.Cut(string(raw), "\n")
	var t cpuTimes
	for i, f := range strings.Fields(line)[1:9] { // user .. steal; guest is already in user
		v, _ := strconv.ParseFloat(f, 64)
		t.total += v
		if i != 3 && i != 4 { // idle, iowait
			t.busy += v
		}
	}
	return t
}

// busyPct is the machine's busy share between a and c, in % of one core.
func (c cpuTimes) busyPct(a cpuTimes) float64 {
	if c.total <= a.total {
		return 0
	}
	return 100 * float64(runtime.NumCPU()) * (c.busy - a.busy) / (c.total - a.total)
}

func (s *benchServer) token(b *testing.B, user string, admin bool) string {
	tok, err := s.verify.Issue(user, admin, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	return tok
}

func benchUser(i int) string { return fmt.Sprintf("bench-u%d", i) }

func epochMs(t time.Time) float64 { return float64(t.UnixMicro()) / 1e3 }

func benchPort(b *testing.B) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func benchEnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
