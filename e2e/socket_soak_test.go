package e2e

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
)

// socketSoak is TestSoakSockets's shape: the sockets of issue 16's report (20 users x
// 50 sockets, 5 admins, 2 of them also in a user room), half on websocket, half on
// polling that upgrades to websocket, split over two client processes.
const (
	soakUsers       = 20
	soakQuietUsers  = 4 // their rooms get nothing until the closing round
	soakSockets     = 1000
	soakAdmins      = 5
	soakBothAdmins  = 2
	soakClosingStep = 10 // steps of each user's closing walk
)

// TestSoakSockets keeps 1,000 real socket.io-client sockets on one nitro serve for
// NITRO_SOAK_DURATION (default 10m) under a steady event load (NITRO_SOAK_RATE events/s,
// default 15, about 800 deliveries/s) spread over every user room but the quiet ones,
// whose sockets get nothing for the whole run. A closing round then sends a short walk
// to every user. Every socket must still be connected and have received every event of
// its rooms exactly once (no gap, duplicate or reordering per job); the server's
// disconnects are printed by reason and must all be zero. The heartbeat is shortened
// (NITRO_SOAK_PING_INTERVAL/_TIMEOUT, default 5s/4s) so a run sees many of them. It runs
// from `make soak/sockets` (NITRO_SOAK_SOCKETS=1): it is CPU heavy and long.
func TestSoakSockets(t *testing.T) {
	if os.Getenv("NITRO_SOAK_SOCKETS") == "" {
		t.Skip("socket soak: run `make soak/sockets` (NITRO_SOAK_SOCKETS=1)")
	}
	dur, err := time.ParseDuration(cmp.Or(os.Getenv("NITRO_SOAK_DURATION"), "10m"))
	if err != nil || dur < time.Second {
		t.Fatalf("NITRO_SOAK_DURATION: %q is not a duration of a second or more", os.Getenv("NITRO_SOAK_DURATION"))
	}
	rate := float64(envInt("NITRO_SOAK_RATE", 15))
	sc := fanoutScenario{Sockets: soakSockets, Users: soakUsers, Admins: soakAdmins, Procs: 2, RedisDB: redisDB,
		ServerEnv: []string{"LOG_LEVEL=info",
			"NITRO_SOCKET_PING_INTERVAL=" + cmp.Or(os.Getenv("NITRO_SOAK_PING_INTERVAL"), "5s"),
			"NITRO_SOCKET_PING_TIMEOUT=" + cmp.Or(os.Getenv("NITRO_SOAK_PING_TIMEOUT"), "4s")}}
	srv := startBenchServer(t, sc)
	clients, specs := startSoakClients(t, srv)

	active := soakUsers - soakQuietUsers
	stepsPerS := rate / float64(active)
	steps := max(int(stepsPerS*dur.Seconds()), 1)
	enqueueWalks(t, srv, soakUser, active, steps, stepsPerS, dur)
	want := expectedPerSocket(specs, steps)
	t.Logf("soak: %d sockets, %d active users x %d steps at %.1f steps/s each, %d quiet users, %v",
		soakSockets, active, steps, stepsPerS, soakQuietUsers, dur)
	start := time.Now()
	for time.Since(start) < dur {
		time.Sleep(min(time.Minute, dur-time.Since(start)+time.Second))
		t.Logf("soak: %v: %d deliveries; server disconnects %v", time.Since(start).Round(time.Second),
			countDeliveries(t, clients), serverDisconnects(t, srv.url))
	}
	// The closing round: every user, quiet ones included, gets a short walk.
	enqueueWalks(t, srv, soakUser, soakUsers, soakClosingStep, 20, time.Minute)
	total := 0
	for _, proc := range want {
		for _, n := range proc {
			total += n
		}
	}
	waitClients(t, clients, total)
	reportSoak(t, srv, clients, specs, want, dur)
}

func soakUser(i int) string { return fmt.Sprintf("soak-u%d", i) }

// soakSpec is one socket as fanout.mjs connects it.
type soakSpec struct {
	Token      string   `json:"token"`
	UserID     string   `json:"userId"`
	Admin      bool     `json:"admin"`
	Both       bool     `json:"both"`
	Transports []string `json:"transports"`
	user       int      // the user room it is in, -1 for none
}

// startSoakClients connects the soak's sockets, the first two admins also in user 0's
// room, and returns the client processes and each process's sockets in connect order.
func startSoakClients(t *testing.T, srv *benchServer) ([]*fanoutClient, [][]soakSpec) {
	specs := make([][]soakSpec, 2)
	for i := range soakSockets {
		sp := soakSpec{user: i % soakUsers, Transports: []string{"websocket"}}
		if i%2 == 1 {
			sp.Transports = []string{"polling", "websocket"}
		}
		who := soakUser(sp.user)
		if i < soakAdmins {
			who, sp.Admin, sp.Both, sp.user = fmt.Sprintf("soak-admin%d", i), true, i < soakBothAdmins, -1
			if sp.Both {
				sp.user = 0
			}
		}
		tok, err := srv.verify.Issue(who, sp.Admin, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		sp.Token, sp.UserID = tok, soakUser(max(sp.user, 0))
		specs[i%2] = append(specs[i%2], sp)
	}
	clients := make([]*fanoutClient, len(specs))
	for i, sp := range specs {
		clients[i] = newFanoutClient(t)
		var ready struct{ Connected, Subscribed, ConnectMs int }
		clients[i].decode(t, map[string]any{"op": "connect", "url": srv.url, "origin": appOrigin, "clients": sp}, &ready)
		if ready.Connected != len(sp) || ready.Subscribed != len(sp) {
			t.Fatalf("client %d: %d connected, %d subscribed of %d", i, ready.Connected, ready.Subscribed, len(sp))
		}
	}
	return clients, specs
}

// enqueueWalks starts one paced test walk for each of the first users.
func enqueueWalks(t *testing.T, srv *benchServer, user func(int) string, users, steps int, stepsPerS float64, dur time.Duration) {
	cl := asynq.NewClient(srv.redis)
	defer cl.Close()
	for u := range users {
		body, _ := json.Marshal(map[string]any{"userId": user(u), "phases": 1, "steps": steps, "stepsPerSecond": stepsPerS})
		if _, err := cl.Enqueue(asynq.NewTask("nitro_test_walk", body), asynq.Queue("default"), asynq.MaxRetry(0),
			asynq.Timeout(dur+10*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
}

// walkEvents is what a walk of n steps emits (see walkPlan.events).
func walkEvents(n int) int { return walkPlan{steps: n}.events() }

// expectedPerSocket is what each socket must receive: its user's walks (a quiet user's
// closing walk only), or every walk for an admin (once, also when in a user room).
func expectedPerSocket(specs [][]soakSpec, steps int) [][]int {
	active := soakUsers - soakQuietUsers
	mainWalk, closing := walkEvents(steps), walkEvents(soakClosingStep)
	want := make([][]int, len(specs))
	for p, sps := range specs {
		for _, sp := range sps {
			n := closing
			switch {
			case sp.Admin:
				n = active*mainWalk + soakUsers*closing
			case sp.user < active:
				n += mainWalk
			}
			want[p] = append(want[p], n)
		}
	}
	return want
}

func countDeliveries(t *testing.T, clients []*fanoutClient) int {
	got := 0
	for _, c := range clients {
		var n struct{ Steps, Progress int }
		c.decode(t, map[string]any{"op": "count"}, &n)
		got += n.Steps + n.Progress
	}
	return got
}

// soakReasons are the labels of nitro_socket_disconnects_total the soak reports.
var soakReasons = []string{"ping timeout", "slow consumer", "server shutdown", "server disconnect", "forced close",
	"parse error", "transport close", "transport error", "client disconnect", "other"}

func serverDisconnects(t *testing.T, url string) map[string]int {
	out := map[string]int{}
	for _, r := range soakReasons {
		if n := int(readMetric(t, url, `nitro_socket_disconnects_total{reason="`+r+`"}`)); n > 0 {
			out[r] = n
		}
	}
	return out
}

// reportSoak checks every socket's count and prints the TALLY line.
func reportSoak(t *testing.T, srv *benchServer, clients []*fanoutClient, specs [][]soakSpec, want [][]int, dur time.Duration) {
	server := serverDisconnects(t, srv.url) // before the summary closes the sockets
	var missing, extra, short, gaps, disorder, delivered int
	clientReasons := map[string]int{}
	for p, c := range clients {
		var s struct {
			Gaps, OrderViolations, BadPayloads int
			DisconnectReasons                  map[string]int
			PerSocket                          []struct {
				Steps, Progress int
				Disconnect      *string
			}
		}
		c.decode(t, map[string]any{"op": "summary"}, &s)
		gaps, disorder = gaps+s.Gaps, disorder+s.OrderViolations+s.BadPayloads
		for r, n := range s.DisconnectReasons {
			if r != "io client disconnect" { // the summary's own close
				clientReasons[r] += n
			}
		}
		for i, n := range s.PerSocket {
			got := n.Steps + n.Progress
			delivered += got
			switch w := want[p][i]; {
			case got < w:
				missing += w - got
				short++
				if short <= 5 {
					t.Errorf("socket %d/%d (%s, %v): %d of %d events, disconnect %v", p, i,
						specs[p][i].UserID, specs[p][i].Transports, got, w, deref(n.Disconnect))
				}
			case got > w:
				extra += got - w
			}
		}
	}
	reasons := make([]string, 0, len(server))
	for r, n := range server {
		reasons = append(reasons, fmt.Sprintf("%s=%d", r, n))
	}
	sort.Strings(reasons)
	closeLogs := strings.Count(srv.logs.String(), `"message":"socket closed by the server"`)
	fmt.Printf("TALLY soak_sockets duration=%v sockets=%d (half websocket, half polling->websocket) deliveries=%d "+
		"server_disconnects={%s} server_close_logs=%d client_disconnects=%v sockets_short=%d missing=%d extra=%d gaps=%d out_of_order=%d\n",
		dur, soakSockets, delivered, strings.Join(reasons, " "), closeLogs, clientReasons, short, missing, extra, gaps, disorder)
	if len(server) > 0 || closeLogs > 0 || len(clientReasons) > 0 || missing+extra+gaps+disorder > 0 {
		t.Errorf("not every socket got every event of its rooms exactly once on a live connection (see TALLY)")
		t.Logf("nitro logs (tail):\n%s", tail(srv.logs.String(), 200))
	}
}

func deref(s *string) string {
	if s == nil {
		return "none"
	}
	return *s
}
