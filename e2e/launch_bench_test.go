package e2e

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/internal/testkit"
	"github.com/nitro-runtime/nitro/progress"
)

// launchLoad is one BenchmarkLaunchLoad shape: Launches launch_token jobs (3 buyers,
// one mixing hop) enqueued over HTTP with at most InFlight unfinished at any time,
// then (with Sells) one wallet_sell of each launched coin the same way.
type launchLoad struct {
	Launches, InFlight int
	Sells              bool
}

// BenchmarkLaunchLoad measures launches the way the bot loads the runtime: a real
// `nitro serve` on its built-in cluster (400 ms slots), wallets registered with
// POST /api/wallets {generate:true} and funded by requestAirdrop, jobs enqueued
// through POST /api/jobs/launch_token, 1,000 socket.io-client sockets watching
// (e2e/fanout.mjs: 20 users' rooms and 5 admins). A job's time is from its enqueue
// request to the first socket that receives its terminal worker_progress. It
// reports launches/s, p50/p99, RPC requests per launch (nitro_rpc_requests_total),
// nitro's CPU, and the slot floor: the slots a launch must wait for, times the slot
// time. Shapes: NITRO_BENCH_LAUNCHES, e.g. "1x1,100x20" (launches x in flight).
func BenchmarkLaunchLoad(b *testing.B) {
	if testing.Short() {
		b.Skip("starts nitro serve and 1,000 sockets")
	}
	for _, f := range strings.Split(cmp.Or(os.Getenv("NITRO_BENCH_LAUNCHES"), "1x1,100x20"), ",") {
		n, k, ok := strings.Cut(strings.TrimSpace(f), "x")
		launches, err1 := strconv.Atoi(n)
		inFlight, err2 := strconv.Atoi(k)
		if !ok || err1 != nil || err2 != nil || launches < 1 || inFlight < 1 {
			b.Fatalf("NITRO_BENCH_LAUNCHES: bad shape %q (want LAUNCHESxINFLIGHT)", f)
		}
		l := launchLoad{Launches: launches, InFlight: inFlight, Sells: launches >= inFlight && inFlight > 1}
		b.Run(fmt.Sprintf("launches=%d,inflight=%d", launches, inFlight), func(b *testing.B) {
			for range b.N {
				runLaunchLoad(b, l)
			}
		})
	}
}

// slotFloor is what a launch with one mixing hop must wait for on the built-in
// cluster: each hop is confirmed one slot after it lands (2 slots), create + the
// buys land in one slot and are confirmed in the next (1 slot), and a transaction
// waits on average half a slot for the slot it lands in to end: ~4 slots.
const slotFloor = 4

func runLaunchLoad(b *testing.B, l launchLoad) {
	sc := fanoutScenario{Sockets: 1000, Users: 20, Admins: 5, Procs: 2}
	srv := startBenchServer(b, sc)
	clients, _ := startFanoutClients(b, srv, sc)
	chain := rpc{t: b, url: srv.url + "/localnet/rpc"}
	crews := make([]benchCrew, l.Launches)
	for i := range crews {
		crews[i] = srv.newBenchCrew(b, benchUser(i%sc.Users))
	}
	fundCrews(b, chain, crews)
	payloads := make([]map[string]any, len(crews))
	for i, c := range crews {
		payloads[i] = c.launchPayload(i)
	}
	res := srv.drive(b, clients, progress.LaunchToken, payloads, l.InFlight)
	res.report(b, "launch", slotFloor)
	if !l.Sells {
		return
	}
	sells := make([]map[string]any, 0, len(crews))
	for i, c := range crews {
		if tok := res.tokens[i]; tok != "" {
			sells = append(sells, map[string]any{"userId": c.user, "tokenAddress": tok, "sellPercent": 100})
		}
	}
	// A sale lands and is confirmed one slot later; the sells of a job go out at once.
	srv.drive(b, clients, progress.WalletSell, sells, l.InFlight).report(b, "sell", 1.5)
}

// benchCrew is one launch's wallets, generated and sealed by nitro itself.
type benchCrew struct {
	user         string
	dev, funding solana.PublicKey
	buyers       [3]solana.PublicKey
}

func (s *benchServer) newBenchCrew(b *testing.B, user string) benchCrew {
	c := benchCrew{user: user}
	c.dev = s.generateWallet(b, user, "dev")
	c.funding = s.generateWallet(b, user, "funding")
	for i := range c.buyers {
		c.buyers[i] = s.generateWallet(b, user, fmt.Sprintf("buyer%d", i+1))
	}
	return c
}

func (c benchCrew) launchPayload(i int) map[string]any {
	buyers := make([]map[string]any, len(c.buyers))
	for k, w := range c.buyers {
		buyers[k] = map[string]any{"publicKey": w.String(), "buySol": 0.05}
	}
	return map[string]any{
		"userId": c.user, "userChatId": 4242, "platform": "pump", "name": fmt.Sprintf("Load %d", i), "symbol": "LOAD",
		"description": "load benchmark", "image": tinyPNG, "devWallet": c.dev.String(), "devBuySol": 0.1,
		"fundingWallet": c.funding.String(), "slippageBps": 1000, "buyerWallets": buyers,
		"mixing": map[string]any{"enabled": true, "hops": 1},
	}
}

// fundCrews airdrops to every dev and funding wallet at once, then waits for all.
func fundCrews(b *testing.B, chain rpc, crews []benchCrew) {
	for _, c := range crews {
		chain.call("requestAirdrop", c.dev.String(), 1*lamportsPerSOL)
		chain.call("requestAirdrop", c.funding.String(), 2*lamportsPerSOL)
	}
	for _, c := range crews {
		testkit.WaitFor(b, time.Minute, "airdrops", func() bool {
			return chain.balance(c.dev) >= lamportsPerSOL && chain.balance(c.funding) >= 2*lamportsPerSOL
		})
	}
}

// generateWallet registers a wallet nitro generates; a 429 from the API's
// per-client limit is waited out (this is set-up, not measured).
func (s *benchServer) generateWallet(b *testing.B, user, label string) solana.PublicKey {
	status, body := s.post(b, "/api/wallets", map[string]any{"userId": user, "label": label, "generate": true})
	if status != http.StatusCreated {
		b.Fatalf("generate wallet: %d %s", status, body)
	}
	var rep struct {
		PublicKey string `json:"publicKey"`
	}
	mustJSON(b, body, &rep)
	return solana.MustPublicKeyFromBase58(rep.PublicKey)
}

// post sends an API-key request, retrying 429s after their Retry-After.
func (s *benchServer) post(b *testing.B, path string, payload any) (int, []byte) {
	raw, _ := json.Marshal(payload)
	for {
		req, _ := http.NewRequest("POST", s.url+path, bytes.NewReader(raw))
		req.Header.Set("Authorization", "Bearer "+apiKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatalf("POST %s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests {
			return resp.StatusCode, body
		}
		wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		time.Sleep(time.Duration(max(wait, 1)) * time.Second)
	}
}

// loadResult is what drive measured.
type loadResult struct {
	jobs      int
	secs      float64         // first enqueue to last terminal event
	latencies []time.Duration // enqueue request -> terminal event, completed jobs
	failed    int
	rpcCalls  float64
	cpuS      float64
	tokens    []string // per payload: the launched coin (launches only)
}

// drive enqueues payloads with at most inFlight unfinished, a new one as soon as a
// socket has seen a job's terminal event, and waits for all of them.
func (s *benchServer) drive(b *testing.B, clients []*fanoutClient, typ progress.WorkerType, payloads []map[string]any, inFlight int) loadResult {
	rpc0, cpu0 := sumMetric(b, s.url, "nitro_rpc_requests_total"), procCPU(b, s.pid)
	start := time.Now()
	sent := map[string]time.Time{} // job id -> enqueue request start
	index := map[string]int{}
	ended := map[string]bool{}
	res := loadResult{jobs: len(payloads), tokens: make([]string, len(payloads))}
	next, last := 0, start
	deadline := time.Now().Add(time.Duration(len(payloads))*5*time.Second + time.Minute)
	for len(ended) < len(payloads) {
		for next < len(payloads) && next-len(ended) < inFlight {
			t0 := time.Now()
			status, body := s.post(b, "/api/jobs/"+string(typ), payloads[next])
			if status != http.StatusAccepted {
				b.Fatalf("enqueue %s: %d %s", typ, status, body)
			}
			var rep struct {
				JobID string `json:"jobId"`
			}
			mustJSON(b, body, &rep)
			sent[rep.JobID], index[rep.JobID] = t0, next
			next++
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d %s jobs ended before the deadline; nitro logs:\n%s", len(ended), len(payloads), typ, tail(s.logs.String(), 40))
		}
		time.Sleep(20 * time.Millisecond)
		for id, term := range terminalsOf(b, clients) {
			t0, ours := sent[id]
			if !ours || ended[id] {
				continue
			}
			ended[id] = true
			at := time.UnixMicro(int64(term.at * 1e3))
			if at.After(last) {
				last = at
			}
			if term.status != string(progress.StatusCompleted) {
				res.failed++
				continue
			}
			res.latencies = append(res.latencies, at.Sub(t0))
		}
	}
	res.secs = last.Sub(start).Seconds()
	res.rpcCalls = sumMetric(b, s.url, "nitro_rpc_requests_total") - rpc0
	res.cpuS = procCPU(b, s.pid) - cpu0
	if typ == progress.LaunchToken {
		for id, i := range index {
			// The row gets its result right after the terminal event is emitted.
			testkit.WaitFor(b, 10*time.Second, "result of "+id, func() bool {
				res.tokens[i] = s.launchedToken(b, id)
				return res.tokens[i] != ""
			})
		}
	}
	return res
}

type terminal struct {
	at     float64 // epoch ms
	status string
}

// terminalsOf merges the clients' first terminal event of each job.
func terminalsOf(b *testing.B, clients []*fanoutClient) map[string]terminal {
	out := map[string]terminal{}
	for _, c := range clients {
		var rep struct {
			Terminals map[string][2]any `json:"terminals"`
		}
		c.decode(b, map[string]any{"op": "terminals"}, &rep)
		for id, v := range rep.Terminals {
			at, _ := v[0].(float64)
			st, _ := v[1].(string)
			if prev, ok := out[id]; !ok || at < prev.at {
				out[id] = terminal{at, st}
			}
		}
	}
	return out
}

// launchedToken reads a launch job's coin from GET /api/jobs/{id}.
func (s *benchServer) launchedToken(b *testing.B, id string) string {
	req, _ := http.NewRequest("GET", s.url+"/api/jobs/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct {
		State  string `json:"state"`
		Result struct {
			TokenAddress string `json:"tokenAddress"`
		} `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		b.Fatal(err)
	}
	return v.Result.TokenAddress
}

var plural = map[string]string{"launch": "launches", "sell": "sells"}

// report prints one shape's figures; every job must have completed.
func (r loadResult) report(b *testing.B, what string, floorSlots float64) {
	if r.failed > 0 {
		b.Errorf("%d of %d %s jobs failed", r.failed, r.jobs, what)
	}
	slices.Sort(r.latencies)
	pct := func(p float64) float64 {
		if len(r.latencies) == 0 {
			return math.NaN()
		}
		return r.latencies[min(int(math.Ceil(p*float64(len(r.latencies))))-1, len(r.latencies)-1)].Seconds()
	}
	slot := 0.4 // the built-in cluster's default slot
	for _, m := range []struct {
		v    float64
		unit string
	}{
		{float64(r.jobs) / r.secs, plural[what] + "/s"}, {pct(0.5), what + "-p50-s"}, {pct(0.99), what + "-p99-s"},
		{floorSlots * slot, what + "-floor-s"}, {r.rpcCalls / float64(r.jobs), "rpc/" + what},
		{100 * r.cpuS / r.secs, what + "-server-cpu-%"}, {loadAvg(), "load-avg"},
	} {
		if !math.IsInf(m.v, 0) && !math.IsNaN(m.v) {
			b.ReportMetric(m.v, m.unit)
		}
	}
	b.Logf("%d %s jobs in %.1f s: %d completed, %d failed; p50 %.2f s, p99 %.2f s (floor %.1f s); %.0f RPC requests",
		r.jobs, what, r.secs, len(r.latencies), r.failed, pct(0.5), pct(0.99), floorSlots*slot, r.rpcCalls)
}
