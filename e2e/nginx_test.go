package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nitro-runtime/nitro/internal/testkit"
	"github.com/nitro-runtime/nitro/progress"
)

// Several processes behind the production balancer: deploy/nginx.conf on Debian's
// nginx in front of two `nitro serve`, with a `nitro worker` beside them, all on one
// Redis, one database and one chain, driven by the real socket.io-client.

// startNode starts another process of s's deployment (command serve or worker): the
// same Redis, database, chain and secrets, its own port and data directory. Later
// extraEnv settings override s's.
func startNode(t *testing.T, s *server, command string, extraEnv ...string) *server {
	t.Helper()
	p := &server{t: t, Port: testkit.FreePort(t), dataDir: t.TempDir(), redis: s.redis, verify: s.verify, command: command}
	p.URL = fmt.Sprintf("http://127.0.0.1:%d", p.Port)
	for _, kv := range s.env {
		if !strings.HasPrefix(kv, "PORT=") && !strings.HasPrefix(kv, "NITRO_DATA_DIR=") {
			p.env = append(p.env, kv)
		}
	}
	p.env = append(p.env, fmt.Sprintf("PORT=%d", p.Port), "NITRO_DATA_DIR="+p.dataDir)
	p.env = append(p.env, extraEnv...) // os/exec keeps the last of duplicate keys
	p.start()
	t.Cleanup(p.stop)
	return p
}

func (s *server) hostPort() string { return fmt.Sprintf("127.0.0.1:%d", s.Port) }

// via is s's API reached at url (nginx): the same credentials and database.
func (s *server) via(url string) *server {
	c := *s
	c.URL = url
	return &c
}

// watcher is one socket of these tests: who it is, how it connects, which node.
type watcher struct {
	name, user string
	admin      bool
	transports []string
	upgrade    bool
	node       int // index of the serve process its source address reaches
}

// rooms is how many rooms the watcher subscribes to.
func (w watcher) rooms() int {
	if w.admin {
		return 2
	}
	return 1
}

// want is the transport the socket must end on.
func (w watcher) want() string {
	if w.upgrade && len(w.transports) > 1 {
		return "websocket"
	}
	return w.transports[0]
}

// watchers are, on each node: a websocket, a polling socket that upgrades, and an
// admin in both rooms (admin_launches and user's); with pollOnly also a socket that
// stays on long-polling, the transport that needs stickiness most.
func watchers(nodes int, user string, pollOnly bool) []watcher {
	var out []watcher
	for n := range nodes {
		out = append(out,
			watcher{name: fmt.Sprintf("ws%d-%s", n, user), user: user, transports: []string{"websocket"}, node: n},
			watcher{name: fmt.Sprintf("up%d-%s", n, user), user: user, transports: []string{"polling", "websocket"}, upgrade: true, node: n},
			watcher{name: fmt.Sprintf("admin%d-%s", n, user), user: user, admin: true, transports: []string{"websocket", "polling"}, upgrade: true, node: n})
		if pollOnly {
			out = append(out, watcher{name: fmt.Sprintf("poll%d-%s", n, user), user: user, transports: []string{"polling"}, node: n})
		}
	}
	return out
}

// connectWatchers connects and subscribes each watcher through nginx from the
// source address of its node; reconnect lets the client reconnect by itself, as
// the seed's client does.
func connectWatchers(t *testing.T, a *agent, s *server, addrs []string, ws []watcher, reconnect bool) {
	t.Helper()
	for _, w := range ws {
		tokUser := w.user
		if w.admin {
			tokUser = "root"
		}
		opts := map[string]any{"transports": w.transports, "upgrade": w.upgrade, "localAddress": addrs[w.node],
			"auth": map[string]any{"token": s.token(tokUser, w.admin)}}
		if reconnect {
			opts["reconnection"], opts["reconnectionDelay"], opts["reconnectionDelayMax"] = true, 100, 500
		}
		if r := a.connect(w.name, opts); !r.OK {
			t.Fatalf("connect %s through nginx: %+v", w.name, r)
		}
		subscribeWatcher(t, a, w)
	}
}

func subscribeWatcher(t *testing.T, a *agent, w watcher) {
	t.Helper()
	if w.admin {
		if r := a.emit(w.name, "subscribe_all_launches"); !r.OK || r.Ack[0].(map[string]any)["ok"] != true {
			t.Fatalf("%s: subscribe_all_launches: %+v", w.name, r)
		}
	}
	subscribe(t, a, w.name, w.user)
}

// checkPlacement proves where the sockets are: each serve process holds exactly the
// sockets whose source address nginx sends to it (and the worker, outside nginx,
// none), and every socket ends on the transport it asked for.
func checkPlacement(t *testing.T, a *agent, serves []*server, ws []watcher, others ...*server) {
	t.Helper()
	for i, s := range serves {
		want := 0
		for _, w := range ws {
			if w.node == i {
				want++
			}
		}
		testkit.WaitFor(t, 10*time.Second, fmt.Sprintf("serve %d to hold %d sockets", i, want), func() bool {
			return readMetric(t, s.URL, "nitro_sockets") == float64(want)
		})
	}
	for _, s := range others {
		if n := readMetric(t, s.URL, "nitro_sockets"); n != 0 {
			t.Errorf("%s holds %v sockets; nobody connects to it", s.URL, n)
		}
	}
	for _, w := range ws {
		var st answer
		ok := testkit.Poll(10*time.Second, func() bool {
			st = a.call(map[string]any{"op": "state", "name": w.name})
			return st.Connected && st.Transport == w.want()
		})
		if !ok {
			t.Errorf("%s: connected=%v transport %q, want %q", w.name, st.Connected, st.Transport, w.want())
		}
	}
}

// jobStream is the events of one job in arrival order: those naming its jobId and,
// for a launch, the lifecycle and progress events of its token.
func jobStream(t testing.TB, evs []event, jobID, token string) []event {
	t.Helper()
	var out []event
	for _, e := range evs {
		var p struct {
			JobID        string `json:"jobId"`
			TokenAddress string `json:"tokenAddress"`
		}
		if len(e.Payload) == 0 || e.Payload[0] != '{' {
			continue
		}
		mustJSON(t, e.Payload, &p)
		switch {
		case p.JobID != "":
			if p.JobID == jobID {
				out = append(out, e)
			}
		case token != "" && p.TokenAddress == token && (e.Event == progress.EventTokenLaunch || e.Event == progress.EventLaunchProgress):
			out = append(out, e)
		}
	}
	return out
}

// sameEvent compares an event as a socket got it with one as PostgreSQL stored it.
func sameEvent(t testing.TB, got event, want storedEvent) bool {
	if got.Event != want.Name {
		return false
	}
	var g, w any
	mustJSON(t, got.Payload, &g)
	mustJSON(t, want.Payload, &w)
	return reflect.DeepEqual(g, w)
}

// checkStream asserts that got is exactly want: every stored event once, in order.
func checkStream(t *testing.T, who string, got []event, want []storedEvent) {
	t.Helper()
	for i := range max(len(got), len(want)) {
		if i >= len(got) || i >= len(want) || !sameEvent(t, got[i], want[i]) {
			t.Errorf("%s: received %d events, %d stored; they differ from #%d on: got %s, stored %s",
				who, len(got), len(want), i, describe(got, i), describeStored(want, i))
			return
		}
	}
}

func describe(evs []event, i int) string {
	if i >= len(evs) {
		return "nothing"
	}
	return evs[i].Event + " " + clipBytes(evs[i].Payload)
}

func describeStored(evs []storedEvent, i int) string {
	if i >= len(evs) {
		return "nothing"
	}
	return evs[i].Name + " " + clipBytes(evs[i].Payload)
}

// storedRun waits until the job's terminal event is in PostgreSQL and returns the
// job's events, checked for a history without holes: one run, numbered from its
// base + 1 without a gap (progress.Reporter numbers each record of a run).
func storedRun(t *testing.T, s *server, jobID string) []storedEvent {
	t.Helper()
	var evs []storedEvent
	testkit.WaitFor(t, 30*time.Second, "job "+jobID+"'s terminal event in PostgreSQL", func() bool {
		evs = s.jobEvents(jobID)
		for _, p := range progressOf(t, asEvents(evs)) {
			if p.Status.Terminal() {
				return true
			}
		}
		return false
	})
	const runMask = 1<<20 - 1
	if evs[0].Seq&runMask != 1 {
		t.Errorf("job %s: the first stored event is #%d of its run, want #1", jobID, evs[0].Seq&runMask)
	}
	for i, e := range evs {
		if e.Seq != evs[0].Seq+int64(i) {
			t.Fatalf("job %s: stored event %d has seq %d, want %d: a hole in the history", jobID, i, e.Seq, evs[0].Seq+int64(i))
		}
	}
	return evs
}

// ranOn says which of procs logged "job started" for jobID ("" if none yet).
func ranOn(jobID string, procs map[string]*server) string {
	for name, p := range procs {
		for _, l := range strings.Split(p.logs.String(), "\n") {
			if strings.Contains(l, `"job started"`) && strings.Contains(l, jobID) {
				return name
			}
		}
	}
	return ""
}

// TestNginxTwoNodes: sockets on both serve processes, over websocket, over polling
// that upgrades and over polling alone, through nginx; walks run by all three
// processes; each socket receives every event of its rooms exactly once and in the
// order PostgreSQL stored it, an admin in both rooms too.
func TestNginxTwoNodes(t *testing.T) {
	chain := startFaultChain(t)
	s1 := startServer(t, append(chain.env(), "WORKER_CONCURRENCY=2")...)
	s2 := startNode(t, s1, "serve")
	w := startNode(t, s1, "worker")
	nx := startNginx(t, s1.hostPort(), s2.hostPort())
	addrs := nx.stickyAddrs(t)
	serves := []*server{s1, s2}

	a := newAgent(t, nx.URL)
	ws := append(watchers(2, "alice", true), watchers(2, "bob", false)...)
	connectWatchers(t, a, s1, addrs, ws, false)
	checkPlacement(t, a, serves, ws, w)

	// Enough jobs at 2 per process that the three processes must share them.
	const jobs = 12
	users := map[string]string{} // job -> user
	for i := range jobs {
		user := []string{"alice", "bob"}[i%2]
		id := s1.enqueueWalk(map[string]any{"userId": user, "phases": 2, "steps": 4, "stepDelayMs": 60, "userChatId": i})
		users[id] = user
	}
	for _, wt := range ws {
		want := jobs / 2
		if wt.admin {
			want = jobs
		}
		if r := a.wait(wt.name, map[string]any{"event": "worker_progress", "field": "status", "equals": "completed"}, want, 60*time.Second); !r.OK {
			t.Fatalf("%s: %d of %d completions", wt.name, len(r.Events), want)
		}
	}
	procs := map[string]*server{"serve1": s1, "serve2": s2, "worker": w}
	ran := map[string]int{}
	// The log lines pass through a pipe: wait until each job's is there.
	testkit.WaitFor(t, 10*time.Second, "every job's start in a process's log", func() bool {
		clear(ran)
		for id := range users {
			ran[ranOn(id, procs)]++
		}
		return ran[""] == 0
	})
	if ran["serve1"] == 0 || ran["serve2"] == 0 || ran["worker"] == 0 {
		t.Errorf("jobs run per process: %v; want each of the three to run some", ran)
	}

	stored := map[string][]storedEvent{}
	for id := range users {
		stored[id] = storedRun(t, s1, id)
	}
	for _, wt := range ws {
		evs := a.events(wt.name, false)
		for id, user := range users {
			got := jobStream(t, evs, id, "")
			if !wt.admin && user != wt.user {
				if len(got) > 0 {
					t.Errorf("%s (%s) received %d events of %s's job %s", wt.name, wt.user, len(got), user, id)
				}
				continue
			}
			checkStream(t, fmt.Sprintf("%s (node %d, %s) job %s", wt.name, wt.node, wt.want(), id), got, stored[id])
		}
	}
	checkPlacement(t, a, serves, ws, w)
	if t.Failed() {
		t.Logf("nginx error.log:\n%s", tail(nx.errorLog(), 30))
	}
}

// sendGate holds the chain's sendTransaction requests while closed: a launch then
// waits at a known point, for as long as the test needs, with no timing involved.
type sendGate struct {
	mu     sync.Mutex
	open   chan struct{}
	held   atomic.Int64
	closed bool
}

func newSendGate() *sendGate {
	g := &sendGate{open: make(chan struct{})}
	close(g.open)
	return g
}

func (g *sendGate) hold() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closed {
		g.open, g.closed = make(chan struct{}), true
	}
}

func (g *sendGate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		close(g.open)
		g.closed = false
	}
}

// wrap holds sendTransaction while the gate is closed, at most 20 s (the processes'
// RPC timeout is 30 s: a forgotten gate must not turn into a failed send).
func (g *sendGate) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if bytes.Contains(body, []byte(`"sendTransaction"`)) {
				g.mu.Lock()
				open := g.open
				g.mu.Unlock()
				select {
				case <-open:
				default:
					g.held.Add(1)
					select {
					case <-open:
					case <-time.After(20 * time.Second):
					case <-r.Context().Done():
					}
				}
			}
		}
		h.ServeHTTP(w, r)
	})
}

// startGatedChain is startFaultChain's cluster, hosted by the test, with a send gate
// in front of its RPC.
func startGatedChain(t *testing.T) (*faultChain, *sendGate) {
	t.Helper()
	g := newSendGate()
	c := hostChain(t, func(_ *faultChain, h http.Handler) http.Handler { return g.wrap(h) }, g.release)
	return c, g
}

// TestNginxNodeKill: a serve process is killed (SIGKILL) while its sockets watch a
// launch that the worker runs. Its clients reconnect through nginx to the other
// serve process, subscribe again and get the snapshot, then the rest of the launch
// live; the launch completes, its whole history is in PostgreSQL without a hole,
// and the sockets on the surviving process saw all of it exactly once.
func TestNginxNodeKill(t *testing.T) {
	chain, gate := startGatedChain(t)
	// One worker slot per serve process: the test fills both with a walk, so the
	// launch can only go to the worker.
	s1 := startServer(t, append(chain.env(), "WORKER_CONCURRENCY=1", "NITRO_SHUTDOWN_TIMEOUT=2s")...)
	s2 := startNode(t, s1, "serve")
	nx := startNginx(t, s1.hostPort(), s2.hostPort())
	addrs := nx.stickyAddrs(t)
	api := s1.via(nx.URL) // the launch's wallets and job go through nginx's /api/
	l := newFaultLaunch(api, chain.rpc, "watcher")

	a := newAgent(t, nx.URL)
	ws := watchers(2, "watcher", false)
	connectWatchers(t, a, s1, addrs, ws, true)
	checkPlacement(t, a, []*server{s1, s2}, ws)

	serves := map[string]*server{"serve1": s1, "serve2": s2}
	var blockers []string
	for range 2 {
		blockers = append(blockers, s1.enqueueWalk(map[string]any{"userId": "blocker", "phases": 1, "steps": 60, "stepDelayMs": 250}))
	}
	testkit.WaitFor(t, 20*time.Second, "a walk on each serve process", func() bool {
		return ranOn(blockers[0], serves) != "" && ranOn(blockers[1], serves) != ""
	})
	w := startNode(t, s1, "worker", "WORKER_CONCURRENCY=4")

	gate.hold()
	l.enqueue(api)
	testkit.WaitFor(t, 60*time.Second, "the launch to send its first transaction", func() bool { return gate.held.Load() > 0 })
	var on string
	testkit.WaitFor(t, 10*time.Second, "the launch's start in a process's log", func() bool {
		on = ranOn(l.jobID, map[string]*server{"serve1": s1, "serve2": s2, "worker": w})
		return on != ""
	})
	if on != "worker" {
		t.Fatalf("the launch runs on %q, want the worker", on)
	}
	for _, wt := range ws {
		if r := a.wait(wt.name, map[string]any{"event": "worker_progress", "field": "jobId", "equals": l.jobID}, 1, 20*time.Second); !r.OK {
			t.Fatalf("%s sees nothing of the launch: %+v", wt.name, r)
		}
	}

	s1.kill()
	pre := map[string][]event{}
	for _, wt := range ws {
		if wt.node != 0 {
			continue
		}
		// connect is recorded at every connection: the second is the reconnection.
		if r := a.wait(wt.name, map[string]any{"event": "connect"}, 2, 30*time.Second); !r.OK {
			t.Fatalf("%s did not reconnect through nginx: %+v\nnginx error.log:\n%s", wt.name, r, tail(nx.errorLog(), 20))
		}
		pre[wt.name] = a.events(wt.name, true)
		if !slices.ContainsFunc(pre[wt.name], func(e event) bool { return e.Event == "disconnect" }) {
			t.Errorf("%s reconnected without a disconnect", wt.name)
		}
		subscribeWatcher(t, a, wt)
		// A snapshot per room subscribed: an admin gets one for admin_launches and one
		// for the user's room.
		if r := a.wait(wt.name, map[string]any{"event": "worker_progress", "field": "jobId", "equals": l.jobID}, wt.rooms(), 10*time.Second); !r.OK {
			t.Fatalf("%s: no snapshot of the launch after subscribing again: %+v", wt.name, r)
		}
	}
	// All sockets are on the surviving process now, on their transports again.
	moved := slices.Clone(ws)
	for i := range moved {
		moved[i].node = 0
	}
	checkPlacement(t, a, []*server{s2}, moved, w)
	snap := map[string][]event{}
	for name := range pre {
		snap[name] = a.events(name, true)
	}
	gate.release()

	job := api.waitJob(l.jobID, launchJobTimeout)
	if job.State != "completed" {
		t.Fatalf("the launch ended %s: %s\nworker logs:\n%s", job.State, job.Error, tail(w.logs.String(), 40))
	}
	var res launchResult
	mustJSON(t, job.Result, &res)
	stored := storedRun(t, s2, l.jobID)
	checkStages(t, launchEventsOf(t, asEvents(stored), res.TokenAddress), true)
	verifyFaultLaunch(t, api, chain.rpc, l, &tally{})
	for _, wt := range ws {
		if r := a.wait(wt.name, map[string]any{"event": "worker_progress", "field": "status", "equals": "completed"}, 1, 20*time.Second); !r.OK {
			t.Fatalf("%s: no completion: %+v", wt.name, r)
		}
	}
	for _, wt := range ws {
		evs := a.events(wt.name, false)
		if _, moved := pre[wt.name]; !moved {
			checkStream(t, wt.name+" (surviving node)", jobStream(t, evs, l.jobID, res.TokenAddress), stored)
			continue
		}
		checkMoved(t, wt.name, wt.rooms(), jobStream(t, pre[wt.name], l.jobID, res.TokenAddress),
			jobStream(t, snap[wt.name], l.jobID, res.TokenAddress), jobStream(t, evs, l.jobID, res.TokenAddress), stored)
	}
}

// checkMoved checks a socket that moved to the other process: what it received before
// the kill is the start of the stored history; the snapshot it got on subscribing again
// holds the job's progress as stored just before the live events resumed; the live
// events are the rest of the history exactly once, in order, the terminal one last.
func checkMoved(t *testing.T, who string, rooms int, pre, snap, live []event, stored []storedEvent) {
	t.Helper()
	if len(pre) == 0 || len(pre) > len(stored) {
		t.Fatalf("%s: %d events before the kill, %d stored", who, len(pre), len(stored))
	}
	checkStream(t, who+" before the kill", pre, stored[:len(pre)])
	if len(live) == 0 {
		t.Fatalf("%s: nothing live after the snapshot", who)
	}
	k := -1
	for i := len(pre); i < len(stored); i++ {
		if sameEvent(t, live[0], stored[i]) {
			k = i
			break
		}
	}
	if k < 0 {
		t.Fatalf("%s: the first live event after the move (%s) is not in the stored history after the %d received before", who, describe(live, 0), len(pre))
	}
	checkStream(t, who+" after the move", live, stored[k:])
	var lastStored *storedEvent
	for i := k - 1; i >= 0; i-- {
		if stored[i].Name == progress.EventWorkerProgress {
			lastStored = &stored[i]
			break
		}
	}
	var snapWP []event
	for _, e := range snap {
		if e.Event == progress.EventWorkerProgress {
			snapWP = append(snapWP, e)
		}
	}
	if len(snapWP) != rooms || lastStored == nil {
		t.Fatalf("%s: %d snapshot worker_progress for %d rooms; stored before the live events: %s", who, len(snapWP), rooms, clipStored(lastStored))
	}
	for _, e := range snapWP {
		if !sameEvent(t, e, *lastStored) {
			t.Errorf("%s: snapshot worker_progress %s; want the stored one before the live events resumed, %s", who, clipBytes(e.Payload), clipStored(lastStored))
		}
	}
}

func clipStored(e *storedEvent) string {
	if e == nil {
		return "none"
	}
	b, _ := json.Marshal(e.Payload)
	return clipBytes(b)
}
