package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"

	"github.com/nitro-runtime/nitro/internal/testkit"
	"github.com/nitro-runtime/nitro/progress"
)

// Restarts of the services underneath: Redis and PostgreSQL are killed in the middle of
// launches and started again on the same port, while nitro keeps running. Each test
// owns its Redis or PostgreSQL (internal/testkit), never the machine's shared ones.

const (
	restartLaunches = 3
	// restartOutage is how long the service stays down: long enough that every
	// connection of the pools is refused at least once, short enough that asynq's
	// 30 s task lease never expires.
	restartOutage = 2 * time.Second
	// restartJobTimeout bounds a launch through a restart: the outage, a few retry
	// backoffs (1 s, 2 s, 4 s...) and the launch itself.
	restartJobTimeout = 90 * time.Second
)

// startServerOn starts nitro serve on redisURL and dbURL, stopped when the test ends
// (the database belongs to the caller).
func startServerOn(t *testing.T, redisURL, dbURL string, extraEnv ...string) *server {
	t.Helper()
	s := newServer(t, redisURL, dbURL, extraEnv...)
	s.start()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s: its warnings and errors (last 40):\n%s", s.URL, tail(problems(s.logs.String()), 40))
		}
		s.stop()
	})
	return s
}

// problems keeps the log lines of level warn or error.
func problems(logs string) string {
	var out []string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, `"level":"warn"`) || strings.Contains(l, `"level":"error"`) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// adminSocket connects a real socket.io-client to s as an admin in admin_launches,
// where every user's events arrive.
func adminSocket(t *testing.T, s *server) *agent {
	t.Helper()
	a := newAgent(t, s.URL)
	if r := a.connect("admin", map[string]any{"auth": map[string]any{"token": s.token("ops", true)}}); !r.OK {
		t.Fatalf("connect: %+v", r)
	}
	if r := a.emit("admin", "subscribe_all_launches"); !r.OK {
		t.Fatalf("subscribe_all_launches: %+v", r)
	}
	return a
}

// launchesInFlight enqueues n launches at once and returns once one of them has
// journaled a transaction (it is sending money): the moment to pull a service away.
func launchesInFlight(t *testing.T, s *server, fc *faultChain, prefix string, n int) ([]*faultLaunch, []string) {
	t.Helper()
	launches := make([]*faultLaunch, n)
	ids := make([]string, n)
	for i := range launches {
		launches[i] = newFaultLaunch(s, fc.rpc, fmt.Sprintf("%s%d", prefix, i))
	}
	for i, l := range launches {
		l.enqueue(s)
		ids[i] = l.jobID
	}
	testkit.WaitFor(t, time.Minute, "a launch to journal its first transaction", func() bool {
		for _, id := range ids {
			if len(s.journalStates(id)) > 0 {
				return true
			}
		}
		return false
	})
	return launches, ids
}

// waitLaunches waits for every launch to end and fails the test for one that did
// not complete.
func waitLaunches(t *testing.T, s *server, launches []*faultLaunch, before map[string]string) {
	t.Helper()
	for _, l := range launches {
		job, ended := s.waitJobExplained(t, l.jobID, restartJobTimeout)
		if ended && job.State != "completed" {
			t.Errorf("job %s (%s at the restart) ended %s: %s", l.jobID, before[l.jobID], job.State, job.Error)
		}
		if job.State == "completed" && (len(job.Result) == 0 || string(job.Result) == "null") {
			t.Errorf("job %s completed without its result", l.jobID)
		}
	}
}

// history is what a job's stored events say of its runs.
type history struct {
	gaps    int // sequence numbers missing inside a run
	unended int // runs whose last stored worker_progress neither ends the job nor says retrying
	runs    int // runs with at least one stored event
}

// storedHistory checks a job's stored events run by run: the records of one run share
// a base (progress.Hub) and are numbered base+1, base+2, ... without a hole, and a
// run's last worker_progress is its end (completed, failed or retrying).
func storedHistory(t *testing.T, s *server, jobID string) history {
	t.Helper()
	const runBits = 20 // progress.runSeqBits: a run numbers its records below its base
	var h history
	last := map[int64]int64{}
	ended := map[int64]bool{}
	for _, e := range s.jobEvents(jobID) {
		base := e.Seq >> runBits << runBits
		prev, seen := last[base]
		if !seen {
			prev = base
			h.runs++
		}
		h.gaps += int(e.Seq - prev - 1)
		last[base] = e.Seq
		if e.Name == progress.EventWorkerProgress {
			var p progress.WorkerProgressEvent
			mustJSON(t, e.Payload, &p)
			ended[base] = p.Status.Terminal() || (p.Details != nil && p.Details.Retrying)
		}
	}
	for base := range last {
		if !ended[base] {
			h.unended++
		}
	}
	return h
}

// asynqRuns is how many times asynq ran task id (its retries plus one); false when
// Redis no longer holds the task.
func (s *server) asynqRuns(id string) (int, bool) {
	insp := asynq.NewInspector(s.redis)
	defer insp.Close()
	for _, q := range []string{"critical", "default", "low"} {
		if info, err := insp.GetTaskInfo(q, id); err == nil {
			return info.Retried + 1, true
		}
	}
	return 0, false
}

// journalDuplicates asks the chain, for every journaled transaction of the jobs,
// whether it landed, and counts the steps (job, step key) with more than one landed
// transaction: money sent twice for one intent. Each landed signature is journaled
// once by construction (the column is unique).
func journalDuplicates(t *testing.T, s *server, fc *faultChain, ids []string) (dups, landed int) {
	t.Helper()
	type row struct{ job, step, sig string }
	var rows []row
	s.withDB(10*time.Second, func(ctx context.Context, conn *pgx.Conn) {
		r, err := conn.Query(ctx, "SELECT job_id, step_key, signature FROM tx_journal WHERE job_id = ANY($1) ORDER BY id", ids)
		if err != nil {
			t.Fatalf("read tx_journal: %v", err)
		}
		rows, err = pgx.CollectRows(r, func(r pgx.CollectableRow) (row, error) {
			var x row
			return x, r.Scan(&x.job, &x.step, &x.sig)
		})
		if err != nil {
			t.Fatalf("read tx_journal: %v", err)
		}
	})
	perStep := map[string]int{}
	for i := 0; i < len(rows); i += 100 {
		batch := rows[i:min(i+100, len(rows))]
		sigs := make([]string, len(batch))
		for j, r := range batch {
			sigs[j] = r.sig
		}
		var v struct {
			Value []*struct {
				Err any `json:"err"`
			} `json:"value"`
		}
		mustJSON(t, fc.rpc.call("getSignatureStatuses", sigs, map[string]bool{"searchTransactionHistory": true}), &v)
		for j, st := range v.Value {
			if st != nil && st.Err == nil {
				landed++
				perStep[batch[j].job+"/"+batch[j].step]++
			}
		}
	}
	for step, n := range perStep {
		if n > 1 {
			t.Errorf("DUPLICATE: step %s landed %d transactions", step, n)
			dups += n - 1
		}
	}
	return dups, landed
}

// restartTally is a restart suite's outcome, printed as one TALLY line.
type restartTally struct {
	suite                          string
	launches, running, completed   int
	chainDups, journalDups, landed int
	storedEvents                   int
	seqGaps, unended, missingRuns  int
	retries                        int // runs after a launch's first
	// queueLost: Redis came back empty (no persistence), so asynq no longer knows
	// the launches' tasks and their runs are not counted.
	queueLost bool
	// liveMissed: stored events of the launches a socket never received (the relay
	// drops what it cannot publish while Redis is down; the history keeps them).
	liveMissed   map[string]int
	extra        []string
	outage, took time.Duration
}

func (r *restartTally) report(t *testing.T) {
	var live []string
	for k, v := range r.liveMissed {
		live = append(live, fmt.Sprintf("%s:%d", k, v))
	}
	sort.Strings(live)
	line := fmt.Sprintf("TALLY suite=%s launches=%d running_at_restart=%d completed=%d retried_runs=%d duplicates=%d journal_duplicates=%d landed_txs=%d stored_events=%d seq_gaps=%d unended_runs=%d missing_runs=%d live_missed=%s %s outage_s=%.1f took_s=%.0f",
		r.suite, r.launches, r.running, r.completed, r.retries, r.chainDups, r.journalDups, r.landed, r.storedEvents, r.seqGaps, r.unended, r.missingRuns,
		strings.Join(live, ","), strings.Join(r.extra, " "), r.outage.Seconds(), r.took.Seconds())
	t.Log(line)
	fmt.Fprintln(os.Stderr, line) // where both `go test` and a soak log show it
}

// restartDuring notes the launches' states, restarts the service with restart, and
// counts the outage and the launches that were running when it began; it returns the
// states from before.
func (r *restartTally) restartDuring(s *server, ids []string, restart func()) map[string]string {
	before := s.jobStates(ids)
	down := time.Now()
	restart()
	r.outage = time.Since(down)
	for _, st := range before {
		if st == "running" {
			r.running++
		}
	}
	return before
}

// checkLaunches runs the common checks of a restart suite over its ended launches:
// each completed; the chain holds each create, buy and funding transfer once; no
// journaled step landed twice; the stored history has one terminal event per run
// and no hole in a run's sequence numbers (counted in rt, asserted by the caller).
func checkLaunches(t *testing.T, s *server, fc *faultChain, launches []*faultLaunch, ids []string, rt *restartTally) {
	t.Helper()
	tl := &tally{suite: rt.suite}
	for _, l := range launches {
		verifyFaultLaunch(t, s, fc.rpc, l, tl)
		rt.storedEvents += len(s.jobEvents(l.jobID))
		h := storedHistory(t, s, l.jobID)
		rt.seqGaps += h.gaps
		rt.unended += h.unended
		runs, ok := s.asynqRuns(l.jobID)
		switch {
		case ok:
			rt.missingRuns += max(runs-h.runs, 0)
			rt.retries += max(runs-1, 0)
		case !rt.queueLost:
			t.Errorf("task %s is in no queue of Redis", l.jobID)
		}
	}
	rt.launches, rt.completed, rt.chainDups = tl.launches, tl.completed, tl.duplicates
	rt.journalDups, rt.landed = journalDuplicates(t, s, fc, ids)
	for _, n := range tl.notes {
		t.Log(n)
	}
	if tl.lostStages > 0 {
		t.Errorf("%d launch stages missing from the stored history", tl.lostStages)
	}
}

// liveMissed counts the stored events of ids that the socket did not receive.
func liveMissed(t *testing.T, s *server, a *agent, ids []string) int {
	t.Helper()
	got := map[string]int{}
	for _, p := range progressOf(t, a.events("admin", false)) {
		got[p.JobID]++
	}
	missed := 0
	for _, id := range ids {
		stored := 0
		for _, e := range s.jobEvents(id) {
			if e.Name == progress.EventWorkerProgress {
				stored++
			}
		}
		missed += max(stored-got[id], 0)
	}
	return missed
}

// TestRedisRestartDuringLaunches kills Redis in the middle of launches run by a serve
// and a worker process and starts it again after restartOutage. This Redis keeps an
// append-only file fsynced on every write (appendonly yes, appendfsync always), as a
// Redis that holds a job queue runs in production: it comes back with every task it had
// acknowledged. Every launch completes, once on chain; the history in PostgreSQL is
// whole; and the relay resubscribes on both processes, so each process's sockets again
// see the jobs the other one runs.
func TestRedisRestartDuringLaunches(t *testing.T) {
	redisRestart(t, true)
}

// TestRedisRestartWithoutPersistence is the same with a Redis that keeps nothing on
// disk: it comes back empty. The launches running at the restart still complete (their
// run goes on in the process and records its outcome in PostgreSQL) and the relay
// resubscribes; but every task Redis held that no process was running is gone: a task
// waiting for its time (a retry's backoff, a scheduled job) is never run. That is what
// persistence is for.
func TestRedisRestartWithoutPersistence(t *testing.T) {
	redisRestart(t, false)
}

func redisRestart(t *testing.T, persist bool) {
	start := time.Now()
	fc := startFaultChain(t)
	rds := testkit.StartRedis(t, persist)
	db := fmt.Sprintf("nitro_e2e_%d_%d", os.Getpid(), dbSeq.Add(1))
	t.Cleanup(func() { testkit.DropDatabase(t, db) }) // runs after the servers stop
	s := startServerOn(t, rds.URL(0), databaseURL(db), fc.env()...)
	peer := startPeer(t, s)
	sockets := map[string]*agent{"serve": adminSocket(t, s), "worker": adminSocket(t, peer)}
	rt := &restartTally{suite: "redis_restart", liveMissed: map[string]int{}, queueLost: !persist}
	if !persist {
		rt.suite = "redis_restart_no_persistence"
	}
	defer rt.report(t)

	launches, ids := launchesInFlight(t, s, fc, "redis", restartLaunches)
	// A task waiting for its time: kept by a persistent Redis, lost by the other.
	later := s.enqueueTaskIn(time.Hour, "nitro_test_walk", map[string]any{"userId": "later", "phases": 1, "steps": 1})
	before := rt.restartDuring(s, ids, func() { rds.Restart(restartOutage) })
	waitLaunches(t, s, launches, before)
	checkLaunches(t, s, fc, launches, ids, rt)
	for name, a := range sockets {
		rt.liveMissed[name] = liveMissed(t, s, a, ids)
	}
	if _, kept := s.asynqRuns(later); kept != persist {
		t.Errorf("a scheduled task kept across the restart: %v; want %v (persistence %v)", kept, persist, persist)
	}
	rt.extra = append(rt.extra, fmt.Sprintf("scheduled_task_kept=%v", persist))

	// After the restart each relay has resubscribed: walks run on either process reach
	// both processes' sockets whole. Walks are enqueued until each process has run one.
	ran := map[string]int{}
	for round := 0; round < 6 && (ran["serve"] == 0 || ran["worker"] == 0); round++ {
		for i := range 2 {
			id := s.enqueueWalk(map[string]any{"userId": "after", "phases": 1, "steps": 4, "stepDelayMs": 20, "userChatId": round*2 + i})
			s.waitJob(id, 30*time.Second)
			ran[whoRan(t, s, peer, id)]++
			stored := 0
			for _, e := range s.jobEvents(id) {
				if e.Name == progress.EventWorkerProgress {
					stored++
				}
			}
			for name, a := range sockets {
				done := map[string]any{"event": "worker_progress", "field": "jobId", "equals": id}
				if r := a.wait("admin", done, stored, 10*time.Second); !r.OK {
					t.Errorf("%s socket: received %d of the %d progress events of walk %s run after the restart", name, countOf(t, a, id), stored, id)
				}
			}
		}
	}
	if ran["serve"] == 0 || ran["worker"] == 0 {
		t.Errorf("walks after the restart ran %v: the relay is proven both ways only when each process ran one", ran)
	}
	rt.extra = append(rt.extra, fmt.Sprintf("walks_after=%d/%d relay_dropped=%.0f/%.0f relay_unshared=%.0f/%.0f", ran["serve"], ran["worker"],
		readMetric(t, s.URL, "nitro_relay_dropped_total"), readMetric(t, peer.URL, "nitro_relay_dropped_total"),
		readMetric(t, s.URL, "nitro_relay_unshared_total"), readMetric(t, peer.URL, "nitro_relay_unshared_total")),
		fmt.Sprintf("relay_replayed=%.0f/%.0f relay_repeated=%.0f/%.0f",
			readMetric(t, s.URL, "nitro_relay_replayed_total"), readMetric(t, peer.URL, "nitro_relay_replayed_total"),
			readMetric(t, s.URL, "nitro_relay_repeated_total"), readMetric(t, peer.URL, "nitro_relay_repeated_total")))
	rt.took = time.Since(start)
	if holes := rt.seqGaps + rt.unended + rt.missingRuns; holes > 0 {
		t.Errorf("the stored history has holes although PostgreSQL stayed up: %d events missing inside runs, %d runs without their end, %d runs missing", rt.seqGaps, rt.unended, rt.missingRuns)
	}
}

// whoRan says which process ran job id ("serve" or "worker"), from their logs.
func whoRan(t *testing.T, s, peer *server, id string) string {
	t.Helper()
	var who string
	testkit.WaitFor(t, 10*time.Second, "the log line of job "+id, func() bool {
		for name, p := range map[string]*server{"serve": s, "worker": peer} {
			for _, l := range strings.Split(p.logs.String(), "\n") {
				if strings.Contains(l, id) && strings.Contains(l, `"job completed"`) {
					who = name
					return true
				}
			}
		}
		return false
	})
	return who
}

// countOf counts the worker_progress events of job id the socket received.
func countOf(t *testing.T, a *agent, id string) int {
	n := 0
	for _, p := range progressOf(t, a.events("admin", false)) {
		if p.JobID == id {
			n++
		}
	}
	return n
}

// TestPostgresRestartDuringLaunches crashes PostgreSQL (pg_ctl stop -m immediate) in
// the middle of launches and starts it again after restartOutage. Every launch
// completes, and the transaction journal holds: no step landed twice on chain. The
// progress events emitted while the database was down reach the sockets at once and
// are written once it is back; an event that could not be kept is counted in the
// metrics.
func TestPostgresRestartDuringLaunches(t *testing.T) {
	start := time.Now()
	fc := startFaultChain(t)
	pg := testkit.StartPostgres(t)
	testkit.FlushRedis(t, redisDB)
	s := startServerOn(t, testkit.RedisURL(redisDB), pg.URL("nitro"), fc.env()...)
	sock := adminSocket(t, s)
	rt := &restartTally{suite: "postgres_restart", liveMissed: map[string]int{}}
	defer rt.report(t)

	launches, ids := launchesInFlight(t, s, fc, "pg", restartLaunches)
	before := rt.restartDuring(s, ids, func() { pg.Restart(restartOutage) })
	waitLaunches(t, s, launches, before)
	checkLaunches(t, s, fc, launches, ids, rt)
	// The sockets never depended on PostgreSQL: every stored event reached them.
	if rt.liveMissed["serve"] = liveMissed(t, s, sock, ids); rt.liveMissed["serve"] > 0 {
		t.Errorf("the socket missed %d stored progress events", rt.liveMissed["serve"])
	}
	lost := readMetric(t, s.URL, "nitro_progress_events_dropped_total") + readMetric(t, s.URL, "nitro_progress_persist_errors_total")
	rt.extra = append(rt.extra, fmt.Sprintf("events_not_persisted=%.0f", lost))
	holes := rt.seqGaps + rt.unended + rt.missingRuns
	if holes > 0 && lost == 0 {
		t.Errorf("the stored history has holes (%d events missing inside runs, %d runs without their end, %d runs missing) but the metrics count nothing lost", rt.seqGaps, rt.unended, rt.missingRuns)
	}
	if holes > 0 || lost > 0 {
		t.Errorf("after a %v outage %.0f events were not persisted (%d events missing inside runs, %d runs without their end, %d runs missing): the hub should have kept them until PostgreSQL came back",
			rt.outage.Round(100*time.Millisecond), lost, rt.seqGaps, rt.unended, rt.missingRuns)
	}
	rt.took = time.Since(start)
}

// enqueueTaskIn puts a task straight into asynq, to run after d: a scheduled task,
// which waits in Redis alone.
func (s *server) enqueueTaskIn(d time.Duration, typ progress.WorkerType, p map[string]any) string {
	s.t.Helper()
	cl := asynq.NewClient(s.redis)
	defer cl.Close()
	body, _ := json.Marshal(p)
	info, err := cl.Enqueue(asynq.NewTask(string(typ), body), asynq.Queue("default"), asynq.ProcessIn(d), asynq.Retention(time.Hour))
	if err != nil {
		s.t.Fatal(err)
	}
	return info.ID
}
