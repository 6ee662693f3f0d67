package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/jackc/pgx/v5"

	"github.com/nitro-runtime/nitro/internal/testkit"
	"github.com/nitro-runtime/nitro/progress"
)

// Fault suites (the external contract: a retried job resumes and never lands work twice).
//
// A kill -9 leaves the task "active" in asynq v0.26 until its lease (30 s, renewed
// every 5 s by the heartbeater) has been expired for another 30 s and the recoverer,
// which runs at start and then once a minute, hands it back as a retry. After a
// restart the task therefore runs again 60-67 s after the kill. Measured: a launch
// takes about 4 s, a kill trial 70-75 s (9 s when the kill beat the first pickup),
// so CI runs NITRO_FAULT_TRIALS=5 (with NITRO_FAULT_LAUNCHES=2 launches in flight
// at each kill, each cut at its own point: 10 interrupted launches in about 6
// minutes) and `make soak` runs
// 200 (about 4 hours). Nothing is re-enqueued by hand: the runtime recovers alone.

// faultJobTimeout bounds one launch through a kill: the lease recovery above plus a
// retry backoff and the launch itself.
const faultJobTimeout = 4 * time.Minute

// faultLaunch is one launch of a fault suite, with a user of its own so its
// launch and wallets are found by user.
type faultLaunch struct {
	crew  crew
	jobID string
	start time.Time
}

func newFaultLaunch(s *server, chain rpc, user string) *faultLaunch {
	return &faultLaunch{crew: newCrew(s, chain, user, 3)}
}

// enqueue starts the launch. The fault suites host the chain outside nitro, and
// nitro then uploads metadata to pump.fun itself (there is no switch to keep the
// built-in metadata store with an external RPC), which a test cannot reach: so the
// launch is a launch_token_from_dapp with its metadata already hosted. It runs the
// same launch body as launch_token (reserve the mint, mix, create + dev buy, buys);
// only the upload is skipped.
func (l *faultLaunch) enqueue(s *server) {
	l.start = time.Now()
	p := l.crew.launchPayload(progress.PlatformPump, "Faulty", true, 0.2, 0.15, 0.1)
	delete(p, "image")
	p["metadataUri"] = "https://metadata.e2e.invalid/" + l.crew.user + ".json"
	l.jobID = s.enqueue(progress.LaunchTokenFromDapp, p)
}

// mintOf finds the launch's token through the user's launches (there is one), so a
// launch that failed before its result still has its chain checked.
func (s *server) mintOf(user string) (solana.PublicKey, bool) {
	status, body := s.apiCall("GET", "/api/users/"+user+"/launches", nil)
	if status != http.StatusOK {
		s.t.Fatalf("GET launches of %s: %d %s", user, status, body)
	}
	var rep struct {
		Launches []struct {
			TokenAddress string `json:"tokenAddress"`
		} `json:"launches"`
	}
	mustJSON(s.t, body, &rep)
	if len(rep.Launches) == 0 {
		return solana.PublicKey{}, false
	}
	return solana.MustPublicKeyFromBase58(rep.Launches[0].TokenAddress), true
}

// verifyFaultLaunch checks one ended launch and adds it to tl: the chain holds at
// most one create and one buy per wallet (exactly one each if it completed); the
// stored event stream ends with exactly one terminal event matching the job state;
// no launch stage was announced twice. A failure must say why.
func verifyFaultLaunch(t *testing.T, s *server, chain rpc, l *faultLaunch, tl *tally) {
	t.Helper()
	job, _ := s.job(l.jobID)
	completed := job.State == "completed"
	if !completed && job.Error == "" {
		t.Errorf("job %s failed without a reason", l.jobID)
	}
	dups, failedTxs := 0, 0
	if mint, ok := s.mintOf(l.crew.user); ok {
		audit := chain.audit(mint)
		dups, failedTxs = audit.duplicates(), audit.Failed
		if completed && (audit.Creates != 1 || len(audit.Buys) != len(l.crew.buyers)) {
			t.Errorf("job %s completed but the chain holds %s", l.jobID, audit)
		}
		// Mixing is on-chain work too: each buyer is funded by exactly one last hop.
		for i, b := range l.crew.buyers {
			if n := chain.fundingTxs(b.Pub()); n > 1 || (completed && n != 1) {
				t.Errorf("DUPLICATE mixing for job %s: buyer %d was funded by %d transfers", l.jobID, i, n)
				dups += max(n-1, 0)
			}
		}
		if dups > 0 {
			t.Errorf("DUPLICATE on chain for job %s: %s", l.jobID, audit)
		}
	} else if completed {
		t.Errorf("job %s completed without a launch record", l.jobID)
	}
	lost := checkStoredRun(t, s, l.jobID, job.State)
	tl.add(func(tl *tally) {
		tl.launches++
		tl.duplicates += dups
		tl.failedTxs += failedTxs
		tl.lostStages += lost
		if completed {
			tl.completed++
		} else {
			tl.failed++
			tl.notes = append(tl.notes, fmt.Sprintf("job %s failed: %s", l.jobID, job.Error))
		}
	})
}

// checkStoredRun reads the job's events from Postgres (what survives a kill) and
// checks that they end with exactly one terminal event, matching state, and that no
// launch stage is reached twice (announcements of a stage a run failed to reach,
// which carry an error, are allowed before a retry reaches it). It returns how many stages of the launch are missing
// from the stream (events still buffered when the process was killed).
func checkStoredRun(t *testing.T, s *server, jobID, state string) int {
	t.Helper()
	evs := asEvents(s.jobEvents(jobID))
	var terminal []progress.Status
	var last progress.Status
	for _, p := range progressOf(t, evs) {
		if p.Status.Terminal() {
			terminal = append(terminal, p.Status)
		}
		last = p.Status
	}
	if len(terminal) != 1 || string(last) != state {
		t.Errorf("job %s (%s): stored stream has terminal events %v, last %q; want exactly one %s, last", jobID, state, terminal, last, state)
	}
	seen := map[progress.Stage]bool{}
	total := 0
	var order []string
	for _, p := range payloadsOf[progress.TokenLaunchEvent](t, evs, progress.EventTokenLaunch) {
		order = append(order, fmt.Sprintf("%s#%d/%d", p.Stage, p.StepNumber, p.TotalSteps))
		if p.Error != nil {
			continue // a run that failed says which stage it could not reach; a retry may reach it
		}
		if seen[p.Stage] {
			t.Errorf("job %s: stage %s announced twice: %v", jobID, p.Stage, order)
		}
		seen[p.Stage], total = true, p.TotalSteps
	}
	if state == "completed" && total > 0 {
		return max(total-len(seen), 0)
	}
	return 0
}

// jobStates reads the jobs table directly: with the server dead the API is gone,
// but Postgres says how far each job got before the kill.
func (s *server) jobStates(ids []string) map[string]string {
	s.t.Helper()
	out := map[string]string{}
	s.withDB(10*time.Second, func(ctx context.Context, conn *pgx.Conn) {
		for _, id := range ids {
			var st string
			if err := conn.QueryRow(ctx, "SELECT state FROM jobs WHERE id = $1", id).Scan(&st); err != nil {
				st = "absent"
			}
			out[id] = st
		}
	})
	return out
}

// calibrate runs one launch without faults and returns how long it took: the range
// the kill points are drawn from.
func calibrate(t *testing.T, s *server, chain rpc, tl *tally) time.Duration {
	t.Helper()
	l := newFaultLaunch(s, chain, "calibrate")
	l.enqueue(s)
	job := s.waitJob(l.jobID, launchJobTimeout)
	d := time.Since(l.start)
	if job.State != "completed" {
		t.Fatalf("a launch without faults failed: %s\nlogs:\n%s", job.Error, tail(s.logs.String(), 60))
	}
	verifyFaultLaunch(t, s, chain, l, &tally{})
	tl.notes = append(tl.notes, fmt.Sprintf("a launch without faults takes %v", d.Round(100*time.Millisecond)))
	return d
}

func TestKillDuringLaunch(t *testing.T) {
	trials, perTrial := envInt("NITRO_FAULT_TRIALS", 5), envInt("NITRO_FAULT_LAUNCHES", 2)
	chain := startFaultChain(t)
	s := startServer(t, chain.env()...)
	tl := &tally{suite: "kill9"}
	defer tl.report(t)
	span := calibrate(t, s, chain.rpc, tl)
	for trial := range trials {
		killTrial(t, s, chain, trial, perTrial, span, tl, nil)
		if t.Failed() {
			return
		}
	}
}

// killTrial starts perTrial launches a random moment apart, kills the server at a
// random point of them, restarts it with the same env, database and Redis, and
// checks every launch once it has ended. With fault set, the cluster misbehaves too
// from the first enqueue until every launch has ended.
func killTrial(t *testing.T, s *server, fc *faultChain, trial, perTrial int, span time.Duration, tl *tally, fault *chainFault) {
	t.Helper()
	start := time.Now()
	launches, ids := startStaggered(t, s, fc, trial, perTrial, span, fault)
	killAt := randDuration(span/20, span)
	time.Sleep(time.Until(launches[0].start.Add(killAt)))
	s.kill()
	before := s.jobStates(ids)
	s.start()
	for _, l := range launches {
		job, ended := s.waitJobExplained(t, l.jobID, faultJobTimeout)
		if ended && job.State != "completed" {
			t.Errorf("trial %d: job %s (%s at the kill) ended %s: %s", trial, l.jobID, before[l.jobID], job.State, job.Error)
		}
	}
	fc.heal(t, s, ids[0])
	for _, l := range launches {
		verifyFaultLaunch(t, s, fc.rpc, l, tl)
	}
	d := time.Since(start)
	what := "kill"
	if fault != nil {
		what = "kill+" + fault.name
	}
	tl.add(func(tl *tally) {
		tl.trials++
		for _, st := range before {
			if st == "running" {
				tl.interrupted++
			}
		}
		tl.durations = append(tl.durations, d)
		tl.notes = append(tl.notes, fmt.Sprintf("trial %d: %s at +%v, states at kill %v, took %v", trial, what, killAt.Round(100*time.Millisecond), before, d.Round(time.Second)))
	})
}

// startStaggered funds and enqueues perTrial launches a random moment apart (the
// schedule is the experiment, not a wait) and switches fault on with the first.
func startStaggered(t *testing.T, s *server, fc *faultChain, trial, perTrial int, span time.Duration, fault *chainFault) ([]*faultLaunch, []string) {
	t.Helper()
	launches := make([]*faultLaunch, perTrial)
	ids := make([]string, perTrial)
	for i := range launches {
		launches[i] = newFaultLaunch(s, fc.rpc, fmt.Sprintf("kill%d-%d", trial, i))
	}
	for i, l := range launches {
		if i > 0 {
			time.Sleep(randDuration(0, span/2))
		}
		l.enqueue(s)
		ids[i] = l.jobID
		if i == 0 && fault != nil {
			fault.on(t, fc, s, l.jobID)
		}
	}
	return launches, ids
}

func randDuration(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(rand.Int64N(int64(hi-lo)))
}

// chainFault is one misbehaviour of the cluster, switched on for a launch.
type chainFault struct {
	name string
	// on is called right after the launch is enqueued; the faults are reset when the
	// launch has ended.
	on func(t *testing.T, c *faultChain, s *server, jobID string)
	// bit reports how often the fault hit, so a suite cannot pass without it.
	bit func(c *faultChain, s *server, jobID string) int
}

var chainFaults = []chainFault{
	{"dropped", func(t *testing.T, c *faultChain, _ *server, _ string) {
		// Dropped sends only settle once their blockhash expires; a short
		// validity keeps that in seconds.
		c.cluster.Faults().SetBlockhashValidity(25)
		c.cluster.Faults().SetDropFraction(0.3)
	}, func(c *faultChain, _ *server, _ string) int { return c.cluster.Faults().Dropped() }},
	{"blockhash_expired", func(t *testing.T, c *faultChain, s *server, jobID string) {
		// Every send lands only after its blockhash expired (4 s validity, 6 s
		// delay) until the worker has settled one as expired; then sends land at
		// once again. The validity stays short until the launch has ended: a
		// cluster never revives an expired blockhash, and neither may the knob.
		c.cluster.Faults().SetBlockhashValidity(10)
		c.cluster.Faults().SetConfirmDelay(expiryDelay)
		testkit.WaitFor(t, 2*time.Minute, "the worker to settle a send as expired", func() bool { return s.journalStates(jobID)["expired"] > 0 })
		c.cluster.Faults().SetConfirmDelay(0)
		c.healedAt = time.Now()
	}, func(c *faultChain, s *server, jobID string) int { return s.journalStates(jobID)["expired"] }},
	{"rpc_429", func(t *testing.T, c *faultChain, _ *server, _ string) {
		c.cluster.Faults().SetHTTPFailFraction(0.3, http.StatusTooManyRequests)
	}, faultedAnswers},
	{"rpc_5xx", func(t *testing.T, c *faultChain, _ *server, _ string) {
		c.cluster.Faults().SetHTTPFailFraction(0.3, http.StatusServiceUnavailable)
	}, faultedAnswers},
}

// expiryDelay is how late sends land in the blockhash_expired suite.
const expiryDelay = 6 * time.Second

// heal resets the knobs once nothing of the job can still be in flight: every send
// delayed before the cluster healed has run, and the chain is past the last valid
// height of every journaled transaction (so restoring the default validity cannot
// revive one of them).
func (c *faultChain) heal(t *testing.T, s *server, jobID string) {
	t.Helper()
	if !c.healedAt.IsZero() {
		testkit.WaitFor(t, time.Minute, "delayed sends to run and journaled blockhashes to expire", func() bool {
			return time.Since(c.healedAt) > expiryDelay+time.Second && c.cluster.Bank().BlockHeight() > s.maxLastValid(jobID)
		})
		c.healedAt = time.Time{}
	}
	c.cluster.Faults().Reset()
}

// maxLastValid is the highest last valid block height among the job's journal.
func (s *server) maxLastValid(jobID string) uint64 {
	var h int64
	s.withDB(5*time.Second, func(ctx context.Context, conn *pgx.Conn) {
		_ = conn.QueryRow(ctx, "SELECT COALESCE(max(last_valid_height), 0) FROM tx_journal WHERE job_id = $1", jobID).Scan(&h)
	})
	return uint64(h)
}

func faultedAnswers(c *faultChain, _ *server, _ string) int { return int(c.faulted.Load()) }

// journalStates counts a job's journaled transactions by state (pending, sent,
// confirmed, failed, expired).
func (s *server) journalStates(jobID string) map[string]int {
	out := map[string]int{}
	s.withDB(5*time.Second, func(ctx context.Context, conn *pgx.Conn) {
		rows, _ := conn.Query(ctx, "SELECT state, count(*) FROM tx_journal WHERE job_id = $1 GROUP BY state", jobID)
		var st string
		var n int
		if _, err := pgx.ForEachRow(rows, []any{&st, &n}, func() error { out[st] = n; return nil }); err != nil {
			s.t.Fatalf("read tx_journal: %v", err)
		}
	})
	return out
}

func TestChainFaults(t *testing.T) {
	perSuite := envInt("NITRO_CHAIN_FAULT_TRIALS", 1)
	chain := startFaultChain(t)
	s := startServer(t, chain.env()...)
	for _, f := range chainFaults {
		t.Run(f.name, func(t *testing.T) {
			tl := &tally{suite: f.name}
			defer tl.report(t)
			hits := 0
			for trial := range perSuite {
				l := newFaultLaunch(s, chain.rpc, fmt.Sprintf("%s-%d", f.name, trial))
				l.enqueue(s)
				before := f.bit(chain, s, l.jobID)
				f.on(t, chain, s, l.jobID)
				job, _ := s.waitJobExplained(t, l.jobID, faultJobTimeout)
				chain.heal(t, s, l.jobID)
				hit := f.bit(chain, s, l.jobID) - before
				hits += hit
				tl.add(func(tl *tally) {
					tl.notes = append(tl.notes, fmt.Sprintf("trial %d: fault hit %d times; journal %v", trial, hit, s.journalStates(l.jobID)))
				})
				verifyFaultLaunch(t, s, chain.rpc, l, tl)
				tl.add(func(tl *tally) { tl.trials++; tl.durations = append(tl.durations, time.Since(l.start)) })
				if job.State != "completed" {
					t.Logf("%s: job ended %s: %s", f.name, job.State, job.Error)
				}
			}
			if tl.completed == 0 || hits == 0 {
				t.Errorf("%s: %d launches completed, the fault hit %d times: want both > 0", f.name, tl.completed, hits)
			}
		})
	}
}
