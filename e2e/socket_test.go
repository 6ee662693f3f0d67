package e2e

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nitro-runtime/nitro/progress"
)

// payloadsOf decodes the payloads of the events named name, in arrival order.
func payloadsOf[T any](t testing.TB, evs []event, name string) []T {
	t.Helper()
	var out []T
	for _, e := range evs {
		if e.Event == name {
			var p T
			mustJSON(t, e.Payload, &p)
			out = append(out, p)
		}
	}
	return out
}

func progressOf(t testing.TB, evs []event) []progress.WorkerProgressEvent {
	return payloadsOf[progress.WorkerProgressEvent](t, evs, progress.EventWorkerProgress)
}

// checkRun asserts the external contract's guarantees for one job's events: order kept, progress
// never decreasing, exactly one terminal event, last.
func checkRun(t *testing.T, evs []event, jobID string, want progress.Status) []progress.WorkerProgressEvent {
	t.Helper()
	var run []progress.WorkerProgressEvent
	for _, p := range progressOf(t, evs) {
		if p.JobID == jobID {
			run = append(run, p)
		}
	}
	if len(run) == 0 {
		t.Fatalf("no worker_progress for job %s", jobID)
	}
	terminal := 0
	for i, p := range run {
		if i > 0 && p.Progress < run[i-1].Progress && !(run[i-1].Details != nil && run[i-1].Details.Retrying) {
			t.Errorf("progress decreased: %d after %d", p.Progress, run[i-1].Progress)
		}
		if p.Status.Terminal() {
			terminal++
		}
	}
	if terminal != 1 || run[len(run)-1].Status != want {
		t.Fatalf("want exactly one terminal %s event, last; got %d terminal, last %s", want, terminal, run[len(run)-1].Status)
	}
	return run
}

func subscribe(t *testing.T, a *agent, name, user string) {
	t.Helper()
	ans := a.emit(name, "subscribe_user_launches", user)
	if !ans.OK || len(ans.Ack) == 0 || ans.Ack[0].(map[string]any)["ok"] != true {
		t.Fatalf("subscribe %s: %+v", user, ans)
	}
}

func TestTransports(t *testing.T) {
	s := startServer(t)
	a := newAgent(t, s.URL)
	cases := []struct {
		name string
		opts map[string]any
		want string
	}{
		{"websocket", map[string]any{"transports": []string{"websocket"}}, "websocket"},
		{"seed-options", map[string]any{}, "websocket"},
		{"polling-only", map[string]any{"transports": []string{"polling"}, "upgrade": false}, "polling"},
		{"polling-upgrade", map[string]any{"transports": []string{"polling", "websocket"}}, "websocket"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			user := "user-" + c.name
			c.opts["auth"] = map[string]string{"token": s.token(user, false)}
			if ans := a.connect(c.name, c.opts); !ans.OK {
				t.Fatalf("connect: %+v", ans)
			}
			subscribe(t, a, c.name, user)
			job := s.enqueueWalk(map[string]any{"userId": user, "phases": 3, "steps": 4, "userChatId": 1000 + i})
			ans := a.wait(c.name, map[string]any{"event": "worker_progress", "field": "status", "equals": "completed"}, 1, 20*time.Second)
			if !ans.OK {
				t.Fatalf("no completed event: %+v\nlogs:\n%s", ans, s.logs.String())
			}
			evs := a.events(c.name, true)
			run := checkRun(t, evs, job, progress.StatusCompleted)
			if run[0].Status != progress.StatusStarted || run[0].UserChatID != int64(1000+i) || run[0].TotalPhases != 3 {
				t.Errorf("first event = %+v", run[0])
			}
			if steps := len(payloadsOf[progress.WorkerStepEvent](t, evs, progress.EventWorkerStep)); steps != 12 {
				t.Errorf("got %d worker_step events, want 12", steps)
			}
			deadline := time.Now().Add(5 * time.Second)
			st := a.call(map[string]any{"op": "state", "name": c.name})
			for st.Transport != c.want && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
				st = a.call(map[string]any{"op": "state", "name": c.name})
			}
			if st.Transport != c.want {
				t.Errorf("transport = %s, want %s", st.Transport, c.want)
			}
			a.call(map[string]any{"op": "disconnect", "name": c.name})
		})
	}
}

func TestAuthRefusals(t *testing.T) {
	s := startServer(t)
	a := newAgent(t, s.URL)
	expired, _ := s.verify.Issue("u1", false, -time.Minute)
	enc := base64.RawURLEncoding.EncodeToString
	none := enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc([]byte(`{"sub":"u1","role":"admin","exp":9999999999}`)) + "."
	forged := func() string {
		parts := strings.Split(s.token("u1", true), ".")
		return parts[0] + "." + parts[1] + "." + enc([]byte("not-the-signature-not-the-signature"))
	}()
	cases := map[string]struct {
		auth map[string]any
		want string
	}{
		"no token": {nil, "unauthorized: missing token"},
		"forged":   {map[string]any{"token": forged}, "unauthorized: invalid token"},
		"expired":  {map[string]any{"token": expired}, "unauthorized: token expired"},
		"alg none": {map[string]any{"token": none}, "unauthorized: token algorithm not allowed"},
	}
	for name, c := range cases {
		for _, tr := range []string{"websocket", "polling"} {
			opts := map[string]any{"transports": []string{tr}}
			if c.auth != nil {
				opts["auth"] = c.auth
			}
			ans := a.connect(name+tr, opts)
			if ans.OK || ans.Error != c.want {
				t.Errorf("%s over %s: ok=%v error=%q, want %q", name, tr, ans.OK, ans.Error, c.want)
			}
		}
	}
	// The Authorization header and the token query parameter are accepted too.
	if ans := a.connect("header", map[string]any{"transports": []string{"polling"}, "extraHeaders": map[string]string{"Authorization": "Bearer " + s.token("u1", false), "Origin": appOrigin}}); !ans.OK {
		t.Errorf("Bearer header refused: %+v", ans)
	}
	if ans := a.connect("query", map[string]any{"query": map[string]string{"token": s.token("u1", false)}}); !ans.OK {
		t.Errorf("token query refused: %+v", ans)
	}
}

func TestIsolationAdminAndUnsubscribe(t *testing.T) {
	s := startServer(t)
	a := newAgent(t, s.URL)
	for _, u := range []string{"alice", "bob"} {
		if ans := a.connect(u, map[string]any{"auth": map[string]string{"token": s.token(u, false)}}); !ans.OK {
			t.Fatal(ans)
		}
		subscribe(t, a, u, u)
	}
	if ans := a.connect("admin", map[string]any{"auth": map[string]string{"token": s.token("root", true)}}); !ans.OK {
		t.Fatal(ans)
	}
	if ans := a.emit("admin", "subscribe_all_launches"); !ans.OK || ans.Ack[0].(map[string]any)["ok"] != true {
		t.Fatalf("admin subscribe_all_launches: %+v", ans)
	}
	subscribe(t, a, "admin", "alice") // an admin in both rooms gets each event once

	// bob may not listen to alice, nor to everyone; each refusal also emits subscription_error.
	for _, ev := range [][]any{{"subscribe_user_launches", "alice"}, {"subscribe_all_launches"}} {
		ans := a.emit("bob", ev[0].(string), ev[1:]...)
		if !ans.OK || ans.Ack[0].(map[string]any)["ok"] != false {
			t.Errorf("%v was not refused: %+v", ev, ans)
		}
	}
	if ans := a.wait("bob", map[string]any{"event": "subscription_error"}, 2, 5*time.Second); !ans.OK {
		t.Errorf("no subscription_error: %+v", ans)
	}

	job := s.enqueueWalk(map[string]any{"userId": "alice", "phases": 2, "steps": 3})
	done := map[string]any{"event": "worker_progress", "field": "status", "equals": "completed"}
	if ans := a.wait("alice", done, 1, 20*time.Second); !ans.OK {
		t.Fatalf("alice got no completion: %+v", ans)
	}
	if ans := a.wait("admin", done, 1, 5*time.Second); !ans.OK {
		t.Fatalf("admin got no completion: %+v", ans)
	}
	aliceEvs, adminEvs := a.events("alice", true), a.events("admin", true)
	checkRun(t, adminEvs, job, progress.StatusCompleted)
	if n, m := len(progressOf(t, aliceEvs)), len(progressOf(t, adminEvs)); n != m {
		t.Errorf("admin in both rooms got %d progress events, alice %d: want the same (no duplicates)", m, n)
	}
	for _, e := range a.events("bob", true) {
		if strings.HasPrefix(e.Event, "worker_") {
			t.Fatalf("bob received alice's %s", e.Event)
		}
	}

	// After unsubscribe, alice's next job no longer reaches her socket.
	if ans := a.emit("alice", "unsubscribe", "user_alice"); !ans.OK || ans.Ack[0].(map[string]any)["ok"] != true {
		t.Fatalf("unsubscribe: %+v", ans)
	}
	s.enqueueWalk(map[string]any{"userId": "alice", "phases": 1, "steps": 1})
	if ans := a.wait("admin", done, 1, 20*time.Second); !ans.OK {
		t.Fatal("admin got no second completion")
	}
	for _, e := range a.events("alice", false) {
		if strings.HasPrefix(e.Event, "worker_") {
			t.Fatalf("alice still receives %s after unsubscribe", e.Event)
		}
	}
}

func TestSnapshotAfterReload(t *testing.T) {
	s := startServer(t)
	a := newAgent(t, s.URL)
	tok := map[string]any{"auth": map[string]string{"token": s.token("carol", false)}}
	a.connect("first", tok)
	subscribe(t, a, "first", "carol")
	job := s.enqueueWalk(map[string]any{"userId": "carol", "phases": 2, "steps": 2})
	if ans := a.wait("first", map[string]any{"event": "worker_progress", "field": "status", "equals": "completed"}, 1, 20*time.Second); !ans.OK {
		t.Fatal(ans)
	}
	a.call(map[string]any{"op": "disconnect", "name": "first"})

	// A reloaded page: a new socket subscribes and is shown the same state.
	a.connect("reload", tok)
	subscribe(t, a, "reload", "carol")
	ans := a.wait("reload", map[string]any{"event": "worker_progress"}, 1, 5*time.Second)
	if !ans.OK {
		t.Fatalf("no snapshot after subscribe: %+v", ans)
	}
	snap := progressOf(t, ans.Events)
	if snap[0].JobID != job || snap[0].Status != progress.StatusCompleted || snap[0].Progress != 100 {
		t.Fatalf("snapshot = %+v", snap[0])
	}
	subscribe(t, a, "reload", "carol") // the seed's hooks subscribe again: no second snapshot
	// The server handles one socket's events in order and sends a subscription's
	// snapshot before it handles the next event, so once a later event's ack is back,
	// a second snapshot would already have arrived ahead of it.
	if ans := a.emit("reload", "unsubscribe", "user_nobody"); !ans.OK || len(ans.Ack) == 0 {
		t.Fatalf("marker round trip: %+v", ans)
	}
	if n := len(progressOf(t, a.events("reload", false))); n != 1 {
		t.Fatalf("repeat subscribe sent a second snapshot: %d events", n)
	}
}

func TestBadArgumentsKeepServing(t *testing.T) {
	s := startServer(t)
	a := newAgent(t, s.URL)
	a.connect("c", map[string]any{"auth": map[string]string{"token": s.token("dave", false)}})
	bad := [][]any{
		{"subscribe_user_launches", 42},
		{"subscribe_user_launches", map[string]any{"userId": "dave"}},
		{"subscribe_user_launches", strings.Repeat("x", 20000)},
		{"subscribe_user_launches"},
		{"unsubscribe", []any{1, 2}},
		{"no_such_event", "x"},
	}
	for _, b := range bad {
		ans := a.emit("c", b[0].(string), b[1:]...)
		if !ans.OK || len(ans.Ack) == 0 || ans.Ack[0].(map[string]any)["ok"] != false {
			t.Errorf("%v: want an error ack, got %+v", b[0], ans)
		}
	}
	subscribe(t, a, "c", "dave")
	if st := a.call(map[string]any{"op": "state", "name": "c"}); !st.Connected {
		t.Fatal("socket dropped after bad arguments")
	}
}

func TestRetryingThenCompleted(t *testing.T) {
	s := startServer(t)
	a := newAgent(t, s.URL)
	a.connect("c", map[string]any{"auth": map[string]string{"token": s.token("erin", false)}})
	subscribe(t, a, "c", "erin")
	job := s.enqueueWalk(map[string]any{"userId": "erin", "phases": 2, "steps": 1, "failAttempts": 1})
	ans := a.wait("c", map[string]any{"event": "worker_progress", "field": "status", "equals": "completed"}, 1, 30*time.Second)
	if !ans.OK {
		t.Fatalf("retried job did not complete: %+v\n%s", ans, s.logs.String())
	}
	run := checkRun(t, a.events("c", false), job, progress.StatusCompleted)
	retrying := 0
	for _, p := range run {
		if p.Status == progress.StatusFailed {
			t.Fatal("an attempt that will be retried reported failed")
		}
		if p.Details != nil && p.Details.Retrying {
			retrying++
			if p.Details.Attempt != 1 || p.Details.NextRetryAt == 0 || p.Details.Error == "" {
				t.Errorf("retrying details = %+v", p.Details)
			}
		}
	}
	if retrying != 1 {
		t.Fatalf("want one retrying event, got %d", retrying)
	}
}

func TestUnlistedOriginRefused(t *testing.T) {
	s := startServer(t)
	req, _ := http.NewRequest("GET", s.URL+"/socket.io/?EIO=4&transport=polling", nil)
	req.Header.Set("Origin", "http://evil.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("polling answered an unlisted Origin with ACAO %q", got)
	}
	a := newAgent(t, s.URL)
	ans := a.connect("evil", map[string]any{"transports": []string{"websocket"},
		"auth": map[string]string{"token": s.token("u", false)}, "extraHeaders": map[string]string{"Origin": "http://evil.example"}})
	if ans.OK {
		t.Fatal("websocket from an unlisted Origin was accepted")
	}
	if ok := a.connect("good", map[string]any{"transports": []string{"websocket"}, "auth": map[string]string{"token": s.token("u", false)}}); !ok.OK {
		t.Fatalf("listed origin refused: %+v", ok)
	}
}

func TestReconnectAfterRestartAndRecovery(t *testing.T) {
	s := startServer(t)
	a := newAgent(t, s.URL)
	opts := map[string]any{"auth": map[string]string{"token": s.token("frank", false)}, "reconnection": true, "reconnectionDelay": 200}
	a.connect("c", opts)
	subscribe(t, a, "c", "frank")

	// A short drop: connection-state recovery keeps the rooms and replays what was missed.
	job := s.enqueueWalk(map[string]any{"userId": "frank", "phases": 2, "steps": 20, "stepDelayMs": 20})
	if ans := a.wait("c", map[string]any{"event": "worker_step"}, 3, 20*time.Second); !ans.OK {
		t.Fatal(ans)
	}
	a.call(map[string]any{"op": "dropTransport", "name": "c"})
	if ans := a.wait("c", map[string]any{"event": "worker_progress", "field": "status", "equals": "completed"}, 1, 30*time.Second); !ans.OK {
		t.Fatalf("no completion after a drop: %+v", ans)
	}
	if st := a.call(map[string]any{"op": "state", "name": "c"}); !st.Recovered {
		t.Errorf("socket.recovered = false after a short drop")
	}
	evs := a.events("c", true)
	checkRun(t, evs, job, progress.StatusCompleted)
	if steps := len(payloadsOf[progress.WorkerStepEvent](t, evs, progress.EventWorkerStep)); steps != 40 {
		t.Errorf("got %d of 40 steps across the drop", steps)
	}

	// A server restart: the client reconnects by itself and re-subscribes, as the seed does.
	s.stop()
	s.start()
	if ans := a.wait("c", map[string]any{"event": "connect"}, 1, 20*time.Second); !ans.OK {
		t.Fatalf("no reconnect after restart: %+v", ans)
	}
	subscribe(t, a, "c", "frank")
	job2 := s.enqueueWalk(map[string]any{"userId": "frank", "phases": 1, "steps": 1})
	if ans := a.wait("c", map[string]any{"event": "worker_progress", "field": "status", "equals": "completed"}, 2, 20*time.Second); !ans.OK {
		t.Fatalf("no events after restart: %+v", ans)
	}
	checkRun(t, a.events("c", false), job2, progress.StatusCompleted)
}
