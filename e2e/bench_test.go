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

	"github.com/nitro-runtime/nitro/auth"
	"github.com/nitro-runtime/nitro/internal/testkit"
	"github.com/nitro-runtime/nitro/progress"
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
	PprofDir       string // if set, CPU and allocation profiles of nitro over the window go there
	// Unwatched sends every job's events to users with no socket and leaves
	// admin_launches empty: the worker → hub → emit → Postgres path alone.
	Unwatched bool
	GOGC      string // GOGC for nitro; "" keeps Go's default
	// RedisDB is nitro's Redis database (flushed first); 0 means benchRedisDB.
	RedisDB int
	// LocalAddrs, if set, are the clients' source addresses (fanout.mjs localAddress);
	// URLs, if set, the processes they connect to instead of the server's. The sockets
	// of each round of users take the next one, so that every user has sockets on each
	// process (through nginx's ip_hash, or directly).
	LocalAddrs, URLs []string
	// ServerEnv adds KEY=VALUE settings to nitro's environment.
	ServerEnv []string
}

// BenchmarkSocketFanout drives the whole progress path of a real `nitro serve`: asynq
// test-walk tasks → reporter → hub → Socket.IO to 1,000 real socket.io-client sockets
// (e2e/fanout.mjs), with batched persistence to Postgres. One run per rate: a warm-up,
// then a measured window. Tune with NITRO_BENCH_RATES (events/s, comma-separated),
// NITRO_BENCH_SOCKETS, _USERS, _ADMINS, _PROCS, _WINDOW (seconds), _PPROF_DIR, _GOGC,
// _SERVER_ENV (extra KEY=VALUE settings for nitro);
// NITRO_BENCH_UNWATCHED=1 addresses the events to users nobody watches.
func BenchmarkSocketFanout(b *testing.B) {
	if testing.Short() {
		b.Skip("starts nitro serve and 1,000 sockets")
	}
	sc := fanoutScenario{Sockets: benchEnvInt("NITRO_BENCH_SOCKETS", 1000, 1), Users: benchEnvInt("NITRO_BENCH_USERS", 200, 1),
		Admins: benchEnvInt("NITRO_BENCH_ADMINS", 10, 0), Procs: benchEnvInt("NITRO_BENCH_PROCS", 2, 1),
		Warmup: 2 * time.Second, Window: time.Duration(benchEnvInt("NITRO_BENCH_WINDOW", 10, 1)) * time.Second,
		PprofDir: os.Getenv("NITRO_BENCH_PPROF_DIR"), GOGC: os.Getenv("NITRO_BENCH_GOGC"),
		Unwatched: os.Getenv("NITRO_BENCH_UNWATCHED") == "1"}
	if sc.Unwatched {
		sc.Admins = 0
	}
	for _, f := range strings.Split(cmp.Or(os.Getenv("NITRO_BENCH_RATES"), "1000,2000,2100,3000"), ",") {
		rate, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || rate <= 0 {
			b.Fatalf("NITRO_BENCH_RATES: bad rate %q", f)
		}
		sc.Rate = rate
		name := fmt.Sprintf("events=%g,rooms=%d,admins=%d", rate, sc.Users, sc.Admins)
		if sc.Unwatched {
			name += ",unwatched"
		}
		if sc.GOGC != "" {
			name += ",gogc=" + sc.GOGC
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				runFanout(b, sc)
			}
		})
	}
}

func runFanout(b *testing.B, sc fanoutScenario) {
	srv := startBenchServer(b, sc)
	clients, perUser := startFanoutClients(b, srv, sc)
	// nitro's CPU with the sockets connected and no load (the built-in cluster ticks).
	c0, t0 := procCPU(b, srv.pid), time.Now()
	time.Sleep(time.Second)
	idle := 100 * (procCPU(b, srv.pid) - c0) / time.Since(t0).Seconds()
	plan, from, to := startWindow(b, srv, clients, sc)
	w := srv.measureWindow(b, from, to, sc.PprofDir, sc.Rate)
	want := 0
	for _, n := range perUser {
		if !sc.Unwatched {
			want += plan.events() * (n + sc.Admins)
		}
	}
	waitClients(b, clients, want)
	srv.waitPersisted(b, float64(sc.Users*plan.events()))
	w.idleCPUPct = idle
	report(b, srv, clients, w, want)
}

// startWindow enqueues the scenario's walks through srv and tells every client the
// measuring window, which opens after the warm-up; it returns the plan and the window.
func startWindow(b testing.TB, srv *benchServer, clients []*fanoutClient, sc fanoutScenario) (plan walkPlan, from, to time.Time) {
	plan = planWalk(sc)
	srv.enqueueJobs(b, sc, plan)
	from = time.Now().Add(sc.Warmup)
	to = from.Add(sc.Window)
	for _, c := range clients {
		c.call(b, map[string]any{"op": "window", "from": epochMs(from), "to": epochMs(to)})
	}
	return plan, from, to
}

// benchServer is a `nitro serve` started for a benchmark (startServer needs a *testing.T).
type benchServer struct {
	url, db, pprofAddr string
	pid                int
	cmd                *exec.Cmd
	verify             *auth.Verifier
	redis              asynq.RedisClientOpt
	logs               *testkit.Buffer
	env                []string // as started, for another process of the same deployment
}

// benchRedisDB keeps the benchmark's queue apart from the e2e tests': another nitro
// serve with test tasks on the same DB would take its walks.
const benchRedisDB = testkit.DBE2EBench

func startBenchServer(b testing.TB, sc fanoutScenario) *benchServer {
	b.Helper()
	db := cmp.Or(sc.RedisDB, benchRedisDB)
	testkit.FlushRedis(b, db)
	port := testkit.FreePort(b)
	s := &benchServer{url: fmt.Sprintf("http://127.0.0.1:%d", port), db: fmt.Sprintf("nitro_bench_%d_%d", os.Getpid(), dbSeq.Add(1)),
		redis: testkit.AsynqRedis(db), logs: &testkit.Buffer{}}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), fmt.Sprintf("PORT=%d", port), "HOST=127.0.0.1",
		"REDIS_URL=" + testkit.RedisURL(db), "DATABASE_URL=" + databaseURL(s.db),
		"NITRO_JWT_SECRET=" + jwtSecret, "NITRO_API_KEYS=" + apiKey, "NITRO_ADMIN_PASSWORD=" + adminPass,
		"NITRO_MASTER_KEY=" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef")),
		"NITRO_DATA_DIR=" + b.TempDir(), "NITRO_TEST_TASKS=1", "CORS_ORIGINS=" + appOrigin,
		"LOG_FORMAT=json", "LOG_LEVEL=warn", fmt.Sprintf("WORKER_CONCURRENCY=%d", min(sc.Users+10, 1000)),
		// The benchmarks load the runtime, not its limits: a user watches with up to
		// 1,000 sockets (NITRO_BENCH_USERS=1) and sets up dozens of wallets at once.
		"NITRO_SOCKETS_PER_USER=off", "NITRO_RATE_ENQUEUE_PER_USER=off", "NITRO_RATE_WALLETS_PER_USER=off"}
	if sc.GOGC != "" {
		env = append(env, "GOGC="+sc.GOGC)
	}
	// NITRO_BENCH_SERVER_ENV passes extra KEY=VALUE settings to nitro (space-separated),
	// e.g. NITRO_FANOUT=local to measure without the relay.
	env = append(env, sc.ServerEnv...)
	env = append(env, strings.Fields(os.Getenv("NITRO_BENCH_SERVER_ENV"))...)
	if sc.PprofDir != "" {
		s.pprofAddr = fmt.Sprintf("127.0.0.1:%d", testkit.FreePort(b))
		env = append(env, "NITRO_PPROF="+s.pprofAddr)
	}
	var err error
	if s.verify, err = auth.NewVerifier([]byte(jwtSecret)); err != nil {
		b.Fatal(err)
	}
	s.cmd = exec.Command(nitroBin, "serve")
	s.cmd.Env, s.cmd.Stdout, s.cmd.Stderr = env, s.logs, s.logs
	s.env = env
	if err := s.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	s.pid = s.cmd.Process.Pid
	b.Cleanup(func() { s.stop(); testkit.DropDatabase(b, s.db) })
	s.waitUp(b)
	return s
}

func (s *benchServer) waitUp(b testing.TB) {
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
}

// walkPlan is each job's share of the rate: steps paced at stepsPerS.
type walkPlan struct {
	steps     int
	stepsPerS float64
}

// planWalk sizes one single-phase job per user so that the hub emits about sc.Rate
// events/s over warm-up + window (+1 s so jobs outlast the window). A job of S steps
// also sends min(S, 99) + 2 worker_progress events (started, each new percent up to
// progress.MaxRunningProgress, completed).
func planWalk(sc fanoutScenario) walkPlan {
	dur := (sc.Warmup + sc.Window + time.Second).Seconds()
	perJob := sc.Rate / float64(sc.Users) * dur
	steps := (perJob - 2) / 2
	if top := progress.MaxRunningProgress; perJob > float64(2*top+2) {
		steps = perJob - float64(top+2)
	}
	n := max(int(math.Round(steps)), 1)
	return walkPlan{steps: n, stepsPerS: float64(n) / dur}
}

// events is what one job emits: a worker_step per step, and worker_progress for
// started, each new percent below 100 and completed.
func (p walkPlan) events() int { return p.steps + min(p.steps, progress.MaxRunningProgress) + 2 }

func (s *benchServer) enqueueJobs(b testing.TB, sc fanoutScenario, p walkPlan) {
	cl := asynq.NewClient(s.redis)
	defer cl.Close()
	for u := range sc.Users {
		user := benchUser(u)
		if sc.Unwatched {
			user = fmt.Sprintf("bench-nobody%d", u)
		}
		body, _ := json.Marshal(map[string]any{"userId": user, "phases": 1, "steps": p.steps, "stepsPerSecond": p.stepsPerS})
		if _, err := cl.Enqueue(asynq.NewTask("nitro_test_walk", body), asynq.Queue("default"), asynq.MaxRetry(0)); err != nil {
			b.Fatal(err)
		}
	}
}

// window is what the server side saw over the measured window.
type window struct{ cpuS, load, secs, emitted, idleCPUPct float64 }

func (s *benchServer) measureWindow(b *testing.B, from, to time.Time, pprofDir string, rate float64) window {
	time.Sleep(time.Until(from))
	cpu0, m0, t0 := procCPU(b, s.pid), readMetric(b, s.url, "nitro_progress_events_emitted_total"), time.Now()
	if pprofDir != "" {
		for _, kind := range []string{"profile", "allocs"} {
			go s.profile(b, kind, filepath.Join(pprofDir, fmt.Sprintf("nitro-%s-%g.pprof", kind, rate)), time.Until(to))
		}
	}
	time.Sleep(time.Until(to))
	cpu1, m1 := procCPU(b, s.pid), readMetric(b, s.url, "nitro_progress_events_emitted_total")
	return window{cpuS: cpu1 - cpu0, secs: time.Since(t0).Seconds(), emitted: m1 - m0, load: loadAvg()}
}

// profile saves a profile of nitro over d (NITRO_PPROF): kind "profile" is CPU, "allocs"
// what was allocated meanwhile. It runs in its own goroutine.
func (s *benchServer) profile(b *testing.B, kind, path string, d time.Duration) {
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/%s?seconds=%d", s.pprofAddr, kind, int(d.Seconds())))
	if err == nil {
		defer resp.Body.Close()
		var body []byte
		if body, err = io.ReadAll(resp.Body); err == nil {
			if err = os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
				err = os.WriteFile(path, body, 0o644)
			}
		}
	}
	if err != nil {
		b.Logf("pprof: %v", err)
	}
}

// waitPersisted waits until the jobs emitted all their events and every one is
// persisted, dropped or failed.
func (s *benchServer) waitPersisted(b testing.TB, events float64) {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		e := readMetric(b, s.url, "nitro_progress_events_emitted_total")
		done := readMetric(b, s.url, "nitro_progress_events_persisted_total") + readMetric(b, s.url, "nitro_progress_events_dropped_total") +
			readMetric(b, s.url, "nitro_progress_persist_errors_total")
		if e >= events && done >= e {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.Errorf("after 60s: fewer than %.0f events emitted, or some still unpersisted", events)
}

func (s *benchServer) countEvents(b testing.TB) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, databaseURL(s.db))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	var n float64
	if err := conn.QueryRow(ctx, "SELECT count(*)::float8 FROM job_events").Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// fanoutClient is one node process running fanout.mjs.
type fanoutClient struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startFanoutClients(b testing.TB, srv *benchServer, sc fanoutScenario) ([]*fanoutClient, []int) {
	specs := make([][]map[string]any, max(sc.Procs, 1))
	perUser := make([]int, sc.Users)
	for i := range sc.Sockets {
		user, admin := fmt.Sprintf("bench-admin%d", i), i < sc.Admins
		if !admin {
			user = benchUser(i % sc.Users)
			perUser[i%sc.Users]++
		}
		tok, err := srv.verify.Issue(user, admin, time.Hour)
		if err != nil {
			b.Fatal(err)
		}
		spec := map[string]any{"admin": admin, "userId": user, "token": tok}
		round := i / sc.Users
		if admin {
			round = i
		}
		if n := len(sc.LocalAddrs); n > 0 {
			spec["localAddress"] = sc.LocalAddrs[round%n]
		}
		if n := len(sc.URLs); n > 0 {
			spec["url"] = sc.URLs[round%n]
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

func newFanoutClient(b testing.TB) *fanoutClient {
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

func (c *fanoutClient) call(b testing.TB, req map[string]any) json.RawMessage {
	line, _ := json.Marshal(req)
	if _, err := c.in.Write(append(line, '\n')); err != nil {
		b.Fatalf("fanout client: %v", err)
	}
	if !c.out.Scan() {
		b.Fatalf("fanout client exited: %v", c.out.Err())
	}
	var ans struct{ OK, Error any }
	if err := json.Unmarshal(c.out.Bytes(), &ans); err != nil || ans.OK != true {
		b.Fatalf("fanout client %s: %v %v", req["op"], ans.Error, err)
	}
	return append(json.RawMessage(nil), c.out.Bytes()...)
}

func (c *fanoutClient) decode(b testing.TB, req map[string]any, v any) {
	if err := json.Unmarshal(c.call(b, req), v); err != nil {
		b.Fatal(err)
	}
}

// waitClients waits until the clients received want events in all, or
// until the count stops moving for 5 s (then the difference is reported as missing).
func waitClients(b testing.TB, clients []*fanoutClient, want int) {
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

func sumClients(b testing.TB, clients []*fanoutClient) (clientSummary, map[int]float64) {
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
	return sum, bins
}

// report merges the clients' summaries with the server's figures. dropped counts
// the hub's drops plus deliveries missing at the clients and gaps in a job's steps.
func report(b *testing.B, srv *benchServer, clients []*fanoutClient, w window, want int) {
	sum, bins := sumClients(b, clients)
	if sum.Disconnects > 0 {
		b.Errorf("%d sockets disconnected during the run", sum.Disconnects)
	}
	emitted, hubDropped := readMetric(b, srv.url, "nitro_progress_events_emitted_total"), readMetric(b, srv.url, "nitro_progress_events_dropped_total")
	missing, persisted := float64(max(want-sum.Steps, 0)), srv.countEvents(b)
	if missing > 0 || emitted == 0 {
		b.Logf("nitro logs:\n%s", srv.logs.String())
	}
	for _, m := range []struct {
		v    float64
		unit string
	}{
		{w.emitted / w.secs, "events/s"}, {float64(sum.WindowDeliveries) / w.secs, "deliveries/s"},
		{percentile(bins, sum.LatencyN, 0.50), "p50-ms"}, {percentile(bins, sum.LatencyN, 0.99), "p99-ms"},
		{sum.LatencyMax, "max-ms"}, {hubDropped + missing + float64(sum.Gaps), "dropped"},
		{float64(sum.OrderViolations), "order-violations"}, {emitted, "emitted"}, {persisted, "persisted"},
		{100 * w.cpuS / w.secs, "server-cpu-%"}, {w.idleCPUPct, "idle-cpu-%"},
		{w.cpuS * 1e6 / w.emitted, "cpu-µs/event"}, {w.cpuS * 1e6 / float64(sum.WindowDeliveries), "cpu-µs/delivery"},
		{100 * sum.ClientCPUS / w.secs, "client-cpu-%"}, {w.load, "load-avg"}, {peakRSSMB(srv.pid), "peak-rss-MB"},
	} {
		if !math.IsInf(m.v, 0) && !math.IsNaN(m.v) {
			b.ReportMetric(m.v, m.unit)
		}
	}
	b.Logf("hub dropped %.0f, missing at clients %.0f, gaps %d, order violations %d; emitted %.0f, persisted %.0f",
		hubDropped, missing, sum.Gaps, sum.OrderViolations, emitted, persisted)
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

// procCPU is the user+system CPU seconds of pid (clock ticks of 1/100 s).
func procCPU(b testing.TB, pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100
}

// peakRSSMB is the process's peak resident memory (VmHWM), or NaN.
func peakRSSMB(pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return math.NaN()
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return math.NaN()
}

// loadAvg is the machine's 1-minute load average: other processes share the cores.
func loadAvg() float64 {
	raw, _ := os.ReadFile("/proc/loadavg")
	f, _ := strconv.ParseFloat(strings.Fields(string(raw) + " 0")[0], 64)
	return f
}

func benchUser(i int) string { return fmt.Sprintf("bench-u%d", i) }

func epochMs(t time.Time) float64 { return float64(t.UnixMicro()) / 1e3 }

// benchEnvInt reads a count of at least least from the environment, or def.
func benchEnvInt(name string, def, least int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v >= least {
		return v
	}
	return def
}
