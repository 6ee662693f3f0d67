package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/nitro-runtime/nitro/solana/localnet"
)

// faultChain is the built-in cluster hosted by the test process instead of inside
// `nitro serve`: the chain must outlive a kill -9 of the server (an in-process
// cluster would restart at genesis with it), and its fault knobs are then plain Go
// calls. Nothing of this is reachable from a nitro binary, in production or not.
type faultChain struct {
	cluster *localnet.Cluster
	srv     *httptest.Server
	rpc     rpc
	// faulted counts the HTTP answers the fault knobs turned into 429/5xx.
	faulted atomic.Int64
	// healedAt is when delayed sends stopped (blockhash_expired suite).
	healedAt time.Time
}

func startFaultChain(t *testing.T) *faultChain {
	t.Helper()
	return hostChain(t, (*faultChain).countFaults, nil)
}

// hostChain starts a built-in cluster hosted by the test: PubSub at /ws, JSON-RPC
// at / through wrap; beforeClose (optional) runs first when the test ends.
func hostChain(t *testing.T, wrap func(*faultChain, http.Handler) http.Handler, beforeClose func()) *faultChain {
	t.Helper()
	cl, err := localnet.New(localnet.Config{})
	if err != nil {
		t.Fatal(err)
	}
	c := &faultChain{cluster: cl}
	mux := http.NewServeMux()
	mux.Handle("/ws", cl.WSHandler())
	mux.Handle("/", wrap(c, cl.Handler()))
	c.srv = httptest.NewServer(mux)
	c.rpc = rpc{t: t, url: c.srv.URL + "/"}
	t.Cleanup(func() {
		if beforeClose != nil {
			beforeClose()
		}
		c.srv.CloseClientConnections()
		c.srv.Close()
		cl.Close()
	})
	return c
}

// countFaults counts the 429 and 5xx answers, so a suite can show its fault bit.
func (c *faultChain) countFaults(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		if sw.status == http.StatusTooManyRequests || sw.status >= 500 {
			c.faulted.Add(1)
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) { w.status = code; w.ResponseWriter.WriteHeader(code) }

// env points a nitro server at this chain.
func (c *faultChain) env() []string {
	return []string{"SOLANA_RPC_URL=" + c.srv.URL + "/", "SOLANA_WS_URL=ws" + strings.TrimPrefix(c.srv.URL, "http") + "/ws"}
}

// kill ends nitro serve with SIGKILL: no shutdown, no flush, no task hand-back.
func (s *server) kill() {
	s.t.Helper()
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	if err := s.cmd.Process.Kill(); err != nil {
		s.t.Fatalf("kill nitro serve: %v", err)
	}
	_ = s.cmd.Wait()
	s.cmd = nil
}

// waitJobExplained waits like waitJob, but a job that does not end is reported with
// what asynq and nitro say of it and the server's log lines about it, so a stuck
// recovery can be diagnosed from the test output alone.
func (s *server) waitJobExplained(t *testing.T, id string, d time.Duration) (jobView, bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if v, ok := s.job(id); ok && (v.State == "completed" || v.State == "failed") {
			return v, true
		}
		time.Sleep(200 * time.Millisecond)
	}
	v, _ := s.job(id)
	insp := asynq.NewInspector(s.redis)
	defer insp.Close()
	task := "not found in any queue"
	for _, q := range []string{"critical", "default", "low"} {
		if info, err := insp.GetTaskInfo(q, id); err == nil {
			task = fmt.Sprintf("queue=%s state=%s retried=%d/%d next=%v lastErr=%q", q, info.State, info.Retried, info.MaxRetry, info.NextProcessAt, info.LastErr)
		}
	}
	var lines []string
	for _, l := range strings.Split(s.logs.String(), "\n") {
		if strings.Contains(l, id) {
			lines = append(lines, l)
		}
	}
	t.Errorf("job %s did not end within %v: nitro says state=%s attempt=%d error=%q; asynq: %s\nserver log lines of the job (last 15):\n%s",
		id, d, v.State, v.Attempt, v.Error, task, tail(strings.Join(lines, "\n"), 15))
	return v, false
}

// envInt reads a positive integer knob of the fault suites.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// tally counts a fault suite's outcomes and prints one line at the end.
type tally struct {
	mu          sync.Mutex
	suite       string
	trials      int
	launches    int
	interrupted int // launches running when the server was killed
	completed   int
	failed      int
	duplicates  int
	failedTxs   int
	lostStages  int
	durations   []time.Duration
	notes       []string
}

func (t *tally) add(f func(*tally)) { t.mu.Lock(); defer t.mu.Unlock(); f(t) }

func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var lo, hi, sum time.Duration
	for i, d := range t.durations {
		if i == 0 || d < lo {
			lo = d
		}
		hi = max(hi, d)
		sum += d
	}
	avg := time.Duration(0)
	if n := len(t.durations); n > 0 {
		avg = sum / time.Duration(n)
	}
	return fmt.Sprintf("TALLY suite=%s trials=%d launches=%d interrupted=%d completed=%d failed=%d duplicates=%d failed_txs=%d lost_stage_events=%d trial_s(min/avg/max)=%.0f/%.0f/%.0f",
		t.suite, t.trials, t.launches, t.interrupted, t.completed, t.failed, t.duplicates, t.failedTxs, t.lostStages,
		lo.Seconds(), avg.Seconds(), hi.Seconds())
}

// report prints the tally where both `go test` and `make soak` show it.
func (t *tally) report(tb testing.TB) {
	line := t.String()
	tb.Log(line)
	fmt.Fprintln(os.Stderr, line)
	for _, n := range t.notes {
		tb.Log("  " + n)
	}
}
