package e2e

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nitro-runtime/nitro/internal/testkit"
	"github.com/nitro-runtime/nitro/progress"
)

// startPeer starts a `nitro worker` sharing s's Redis and database: a second process of
// the same deployment, with its own port, sockets and built-in cluster.
func startPeer(t *testing.T, s *server, extraEnv ...string) *server {
	t.Helper()
	p := &server{t: t, Port: testkit.FreePort(t), dataDir: t.TempDir(), redis: s.redis, verify: s.verify, command: "worker"}
	p.URL = fmt.Sprintf("http://127.0.0.1:%d", p.Port)
	for _, kv := range s.env {
		switch {
		case strings.HasPrefix(kv, "PORT="), strings.HasPrefix(kv, "NITRO_DATA_DIR="):
		default:
			p.env = append(p.env, kv)
		}
	}
	p.env = append(p.env, fmt.Sprintf("PORT=%d", p.Port), "NITRO_DATA_DIR="+p.dataDir)
	p.env = append(p.env, extraEnv...)
	p.start()
	t.Cleanup(p.stop)
	return p
}

// TestFanoutAcrossProcesses: with a serve and a worker process on one Redis, a browser
// connected to either sees every event of every job, whichever process ran it.
func TestFanoutAcrossProcesses(t *testing.T) {
	s := startServer(t, "WORKER_CONCURRENCY=3")
	peer := startPeer(t, s, "WORKER_CONCURRENCY=3")
	onServe, onPeer := newAgent(t, s.URL), newAgent(t, peer.URL)
	for _, a := range []*agent{onServe, onPeer} {
		if r := a.connect("c", map[string]any{"auth": map[string]any{"token": s.token("fan", false)}}); !r.OK {
			t.Fatalf("connect: %+v", r)
		}
		if r := a.emit("c", "subscribe_user_launches", "fan"); !r.OK {
			t.Fatalf("subscribe: %+v", r)
		}
	}
	const jobs, steps = 12, 6
	ids := map[string]bool{}
	for i := range jobs {
		ids[s.enqueueWalk(map[string]any{"userId": "fan", "phases": 1, "steps": steps, "stepDelayMs": 60, "userChatId": i})] = true
	}
	// One worker_progress per step plus the plan's first and the terminal one at least;
	// wait for every job's completion on both sockets.
	for name, a := range map[string]*agent{"serve": onServe, "worker": onPeer} {
		if r := a.wait("c", map[string]any{"event": "worker_progress", "field": "status", "equals": "completed"}, jobs, 60*time.Second); !r.OK {
			t.Fatalf("%s socket: %d completions of %d: %+v", name, countCompleted(t, a), jobs, r)
		}
	}
	// Both processes ran jobs, so each socket got some of its events through the relay.
	// (The log line follows the completion event: poll for it.)
	var ranServe, ranPeer int
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		ranServe, ranPeer = strings.Count(s.logs.String(), `"job completed"`), strings.Count(peer.logs.String(), `"job completed"`)
		if ranServe+ranPeer >= jobs {
			break
		}
	}
	if ranServe == 0 || ranPeer == 0 || ranServe+ranPeer != jobs {
		t.Fatalf("jobs completed: %d on serve, %d on worker; want both > 0, %d in all; serve logs:\n%s", ranServe, ranPeer, jobs, s.logs.String())
	}
	for _, p := range []*server{s, peer} {
		if readMetric(t, p.URL, "nitro_relay_published_total") == 0 || readMetric(t, p.URL, "nitro_relay_received_total") == 0 ||
			readMetric(t, p.URL, "nitro_relay_dropped_total") != 0 {
			t.Errorf("%s: relay counters do not show records both ways without drops", p.URL)
		}
		if readMetric(t, p.URL, "nitro_socket_recovery_events") == 0 {
			t.Errorf("%s: nothing kept for connection-state recovery", p.URL)
		}
	}
	for name, a := range map[string]*agent{"serve": onServe, "worker": onPeer} {
		steps := map[string][]int{}
		for _, st := range payloadsOf[progress.WorkerStepEvent](t, a.events("c", false), progress.EventWorkerStep) {
			if !ids[st.JobID] {
				t.Errorf("%s socket: a step of unknown job %s", name, st.JobID)
			}
			steps[st.JobID] = append(steps[st.JobID], st.StepNumber)
		}
		for id := range ids {
			got := steps[id]
			if len(got) == 0 {
				t.Errorf("%s socket: no steps of job %s", name, id)
			}
			for i := 1; i < len(got); i++ {
				if got[i] < got[i-1] {
					t.Errorf("%s socket: job %s steps out of order: %v", name, id, got)
					break
				}
			}
		}
	}
}

// readMetric reads one unlabelled series of the /metrics at baseURL.
func readMetric(tb testing.TB, baseURL, name string) float64 {
	tb.Helper()
	v, n := scanMetric(tb, baseURL, name, false)
	if n == 0 {
		tb.Fatalf("/metrics has no %s", name)
	}
	return v
}

// sumMetric adds up every series of name (all label sets); 0 when there is none.
func sumMetric(tb testing.TB, baseURL, name string) float64 {
	tb.Helper()
	v, _ := scanMetric(tb, baseURL, name, true)
	return v
}

// scanMetric sums the series of name in /metrics (only the unlabelled one unless
// labelled) and says how many it found.
func scanMetric(tb testing.TB, baseURL, name string, labelled bool) (float64, int) {
	tb.Helper()
	resp, err := http.Get(baseURL + "/metrics")
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("/metrics: status %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	sum, n := 0.0, 0
	for sc.Scan() {
		line := sc.Text()
		series, value, ok := strings.Cut(line, " ")
		if !ok || (series != name && !(labelled && strings.HasPrefix(series, name+"{"))) {
			continue
		}
		f, err := strconv.ParseFloat(value, 64)
		if err != nil {
			tb.Fatalf("%s: %q", name, line)
		}
		sum, n = sum+f, n+1
	}
	return sum, n
}

func countCompleted(t *testing.T, a *agent) int {
	n := 0
	for _, p := range progressOf(t, a.events("c", false)) {
		if p.Status == progress.StatusCompleted {
			n++
		}
	}
	return n
}
