package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nitro-runtime/nitro/internal/testkit"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/socketio"
)

// Flood shape: mallory's enqueues (all through the one API key every user shares, as
// the bot's are) and sockets.
const (
	floodEnqueues = 10_000
	floodWorkers  = 32 // concurrent keep-alive connections
	floodSockets  = 1_000
)

// floodTally counts mallory's answers.
type floodTally struct {
	sent, accepted, limited atomic.Int64
	mu                      sync.Mutex
	other                   map[string]int // anything else, "status: body", as a failure to show
	badRefusals             []string       // 429s without Retry-After or the user limit named
	limitedTime             time.Duration  // summed latency of the 429s
}

// flood sends n enqueues for user over workers keep-alive connections and returns
// when all have been answered.
func flood(s *server, user string, n, workers int, tl *floodTally) {
	body, _ := json.Marshal(map[string]any{"userId": user, "platform": "pump", "name": "Spam", "symbol": "SPAM", "image": tinyPNG})
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}}
	defer client.CloseIdleConnections()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				floodOne(s, client, body, tl)
			}
		})
	}
	wg.Wait()
}

func floodOne(s *server, client *http.Client, body []byte, tl *floodTally) {
	req, _ := http.NewRequest("POST", s.URL+"/api/jobs/"+string(progress.CreateTokenMetadata), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", apiKey)
	start := time.Now()
	resp, err := client.Do(req)
	tl.sent.Add(1)
	if err != nil {
		tl.note(&tl.other, "transport: "+err.Error())
		return
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusAccepted:
		tl.accepted.Add(1)
	case http.StatusTooManyRequests:
		tl.limited.Add(1)
		var rep struct{ Limit string }
		_ = json.Unmarshal(b, &rep)
		tl.mu.Lock()
		tl.limitedTime += time.Since(start)
		tl.mu.Unlock()
		if n, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || n < 1 || rep.Limit != "enqueue_per_user" {
			tl.note(nil, fmt.Sprintf("Retry-After %q: %s", resp.Header.Get("Retry-After"), clipBytes(b)))
		}
	default:
		tl.note(&tl.other, fmt.Sprintf("%d: %s", resp.StatusCode, clipBytes(b)))
	}
}

// note keeps the first few of a kind of failure (other when set, else badRefusals).
func (tl *floodTally) note(other *map[string]int, what string) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if other != nil {
		if *other == nil {
			*other = map[string]int{}
		}
		(*other)[what]++
		return
	}
	if len(tl.badRefusals) < 5 {
		tl.badRefusals = append(tl.badRefusals, what)
	}
}

// socketFlood is fanout.mjs's answer to connecting mallory's sockets.
type socketFlood struct {
	Connected, Subscribed int
	ConnectErrors         map[string]int
	ConnectMs             int
}

// ask is fanoutClient.call for a goroutine other than the test's: errors come back
// instead of failing the test.
func (c *fanoutClient) ask(req map[string]any, v any) error {
	line, _ := json.Marshal(req)
	if _, err := c.in.Write(append(line, '\n')); err != nil {
		return err
	}
	if !c.out.Scan() {
		return fmt.Errorf("fanout client exited: %v", c.out.Err())
	}
	return json.Unmarshal(c.out.Bytes(), v)
}

// TestFloodSlowsOnlyTheFlooder: mallory sends 10,000 enqueues through the API key
// every user shares and opens 1,000 sockets while alice launches. Mallory gets 429s
// with Retry-After once her own budget is spent and connect_error past the socket
// cap; alice's enqueues are never refused, her launch completes and her socket gets
// every event of it. The launch's time beside the same launch without the flood is
// printed (not asserted).
func TestFloodSlowsOnlyTheFlooder(t *testing.T) {
	s := startServer(t)
	chain := rpc{t: t, url: s.URL + "/localnet/rpc"}
	calm, stormy := newCrew(s, chain, "alice", 2), newCrew(s, chain, "alice", 2)
	a := newAgent(t, s.URL)
	if ans := a.connect("alice", map[string]any{"auth": map[string]any{"token": s.token("alice", false)}}); !ans.OK {
		t.Fatalf("alice's socket: %+v", ans)
	}
	subscribe(t, a, "alice", "alice")

	start := time.Now()
	launchAndWait(t, s, a, calm.launchPayload(progress.PlatformPump, "Calm", true, 0.2, 0.1))
	calmTime := time.Since(start)

	// The flood: enqueues on their own goroutines, sockets through one node process.
	cpu0 := procCPU(t, s.cmd.Process.Pid)
	tl := &floodTally{}
	floodDone := make(chan time.Duration, 1)
	go func() {
		t0 := time.Now()
		flood(s, "mallory", floodEnqueues, floodWorkers, tl)
		floodDone <- time.Since(t0)
	}()
	fc := newFanoutClient(t)
	mallory := s.token("mallory", false)
	clients := make([]map[string]any, floodSockets)
	for i := range clients {
		clients[i] = map[string]any{"token": mallory, "userId": "mallory"}
	}
	sockDone := make(chan error, 1)
	var socks socketFlood
	go func() {
		sockDone <- fc.ask(map[string]any{"op": "connect", "url": s.URL, "origin": appOrigin, "clients": clients}, &socks)
	}()
	testkit.WaitFor(t, 30*time.Second, "the flood under way", func() bool { return tl.limited.Load() >= 100 })

	// Alice, in the middle of it: a launch and a few more enqueues, none refused.
	start = time.Now()
	stormyID := launchAndWait(t, s, a, stormy.launchPayload(progress.PlatformPump, "Storm", true, 0.2, 0.1))
	stormyTime := time.Since(start)
	sentByThen := tl.sent.Load()
	for i := range 3 {
		s.enqueue(progress.CreateTokenMetadata, map[string]any{"userId": "alice", "platform": "pump", "name": "Also" + strconv.Itoa(i),
			"symbol": "ALSO", "image": tinyPNG})
	}
	checkAllEventsDelivered(t, s, a, stormyID)

	floodTime := <-floodDone
	if err := <-sockDone; err != nil {
		t.Fatalf("mallory's sockets: %v", err)
	}
	serverCPU := procCPU(t, s.cmd.Process.Pid) - cpu0
	limited, accepted := tl.limited.Load(), tl.accepted.Load()
	if len(tl.other) > 0 || len(tl.badRefusals) > 0 || limited+accepted != floodEnqueues {
		t.Fatalf("mallory's %d enqueues: %d accepted, %d limited; other answers %v; refusals without Retry-After or limit: %v",
			floodEnqueues, accepted, limited, tl.other, tl.badRefusals)
	}
	// Her budget: the burst, then the rate for as long as the flood lasted (and a second of slack).
	budget := int64(20 + 2*(floodTime.Seconds()+1))
	if accepted < 20 || accepted > budget {
		t.Errorf("mallory got %d enqueues through in %v, want 20..%d (2/s, burst 20)", accepted, floodTime, budget)
	}
	refused := fmt.Sprintf("too many sockets: at most %d per user", socketio.DefaultSocketsPerUser)
	if socks.Connected != socketio.DefaultSocketsPerUser || socks.Subscribed != socks.Connected ||
		socks.ConnectErrors[refused] != floodSockets-socketio.DefaultSocketsPerUser || len(socks.ConnectErrors) != 1 {
		t.Errorf("mallory's %d sockets: %+v, want %d connected and the rest refused with %q", floodSockets, socks,
			socketio.DefaultSocketsPerUser, refused)
	}
	metrics := s.metricsText()
	for _, want := range []string{fmt.Sprintf(`nitro_rate_limited_total{route="enqueue",scope="user"} %d`, limited),
		`nitro_rate_limited_total{route="enqueue",scope="key"} 0`,
		fmt.Sprintf(`nitro_socket_refused_total{reason="sockets per user"} %d`, floodSockets-socketio.DefaultSocketsPerUser)} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// Closing mallory's sockets gives her places back: she connects again.
	var closed struct{ Disconnects int }
	fc.decode(t, map[string]any{"op": "summary"}, &closed)
	testkit.WaitFor(t, 10*time.Second, "mallory's sockets gone", func() bool {
		return strings.Contains(s.metricsText(), "\nnitro_sockets 1\n") // alice's
	})
	again := newFanoutClient(t)
	var back socketFlood
	again.decode(t, map[string]any{"op": "connect", "url": s.URL, "origin": appOrigin, "clients": clients[:socketio.DefaultSocketsPerUser]}, &back)
	if back.Connected != socketio.DefaultSocketsPerUser {
		t.Errorf("after closing her sockets mallory connects %d of %d: %+v", back.Connected, socketio.DefaultSocketsPerUser, back)
	}

	t.Logf("flood: %d enqueues in %v (%.0f/s over %d connections): %d accepted, %d answered 429 (mean %v each); "+
		"%d sockets: %d connected, %d refused, in %d ms",
		floodEnqueues, floodTime.Round(time.Millisecond), floodEnqueues/floodTime.Seconds(), floodWorkers, accepted, limited,
		(tl.limitedTime / time.Duration(max(limited, 1))).Round(time.Microsecond), floodSockets, socks.Connected,
		floodSockets-socks.Connected, socks.ConnectMs)
	t.Logf("alice's launch: %v alone, %v during the flood (ratio %.2f); %d of mallory's enqueues were sent by its end; "+
		"nitro used %.1f CPU-s over the flood, this machine's load average is %.1f on %d cores",
		calmTime.Round(time.Millisecond), stormyTime.Round(time.Millisecond), stormyTime.Seconds()/calmTime.Seconds(), sentByThen,
		serverCPU, loadAvg(), runtime.NumCPU())
}

// launchAndWait enqueues alice's launch and returns its id once her socket has its
// completed event and the job its result (the row's state may show completed a moment
// before the result is written).
func launchAndWait(t *testing.T, s *server, a *agent, payload map[string]any) string {
	t.Helper()
	id := s.enqueue(progress.LaunchToken, payload)
	testkit.WaitFor(t, launchJobTimeout, "launch "+id+" completed on alice's socket", func() bool {
		return slices.ContainsFunc(progressOf(t, a.events("alice", false)), func(p progress.WorkerProgressEvent) bool {
			return p.JobID == id && p.Status.Terminal()
		})
	})
	checkRun(t, a.events("alice", false), id, progress.StatusCompleted)
	testkit.WaitFor(t, 10*time.Second, "launch "+id+"'s result", func() bool {
		job, ok := s.job(id)
		return ok && job.State == "completed" && len(job.Result) > 0
	})
	return id
}

// checkAllEventsDelivered: the socket got every worker_progress and worker_step of the
// job that the server stored, in the same order and with the same payloads.
func checkAllEventsDelivered(t *testing.T, s *server, a *agent, jobID string) {
	t.Helper()
	var stored []storedEvent
	testkit.WaitFor(t, 10*time.Second, "the job's completed event stored", func() bool {
		stored = s.jobEvents(jobID)
		return slices.ContainsFunc(progressOf(t, asEvents(stored)), func(p progress.WorkerProgressEvent) bool {
			return p.Status == progress.StatusCompleted
		})
	})
	fromDB, fromSocket := asEvents(stored), a.events("alice", false)
	pick := func(evs []event) ([]progress.WorkerProgressEvent, []progress.WorkerStepEvent) {
		var ps []progress.WorkerProgressEvent
		var ss []progress.WorkerStepEvent
		for _, p := range progressOf(t, evs) {
			if p.JobID == jobID {
				ps = append(ps, p)
			}
		}
		for _, st := range payloadsOf[progress.WorkerStepEvent](t, evs, progress.EventWorkerStep) {
			if st.JobID == jobID {
				ss = append(ss, st)
			}
		}
		return ps, ss
	}
	dbP, dbS := pick(fromDB)
	sockP, sockS := pick(fromSocket)
	if !reflect.DeepEqual(dbP, sockP) || !reflect.DeepEqual(dbS, sockS) {
		t.Fatalf("alice's socket got %d worker_progress and %d worker_step of job %s; the server stored %d and %d",
			len(sockP), len(sockS), jobID, len(dbP), len(dbS))
	}
}

// metricsText is the server's /metrics.
func (s *server) metricsText() string {
	s.t.Helper()
	code, body := do(s.t, "GET", s.URL+"/metrics", "", nil)
	if code != http.StatusOK {
		s.t.Fatalf("/metrics: %d", code)
	}
	return body
}
