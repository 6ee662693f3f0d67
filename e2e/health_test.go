package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nitro-runtime/nitro/progress"
)

// healthFlooders is how many clients poll GET /health without pause during the
// flooded launch (the figure of the incident: 50 made a one-buyer launch take 43 s
// instead of 1.7 s and /health answer 503 to 99.9% of calls).
const healthFlooders = 50

// TestHealthFloodDuringLaunch runs one-buyer launches with and without 50 clients
// polling /health in a tight loop. /health must answer 200 to every call (it answers
// from the background probe, not by spending the workers' RPC budget), and the
// flooded launch must complete; the ratio of the launch times is logged, with only a
// loose sanity bound (the flood and the launch share two cores).
func TestHealthFloodDuringLaunch(t *testing.T) {
	s := startServer(t)
	chain := rpc{t: t, url: s.URL + "/localnet/rpc"}
	c := newCrew(s, chain, "hana", 1)
	n := 0
	launch := func() time.Duration {
		t.Helper()
		n++
		start := time.Now()
		// Each launch buys a different amount: two funding transfers of the same amount
		// to the same buyer within one blockhash's life would be one transaction.
		payload := c.launchPayload(progress.PlatformPump, "Flood"+string(rune('A'+n)), false, 0.1+0.01*float64(n))
		id := s.enqueue(progress.LaunchToken, payload)
		job := s.waitJob(id, launchJobTimeout)
		if job.State != "completed" {
			t.Fatalf("launch %s ended %s after %d retries: %s\nlogs:\n%s", id, job.State, job.Attempt, job.Error, tail(s.logs.String(), 40))
		}
		return time.Since(start)
	}
	launch() // warm-up: the first launch also pays for cold caches
	quiet := launch()

	f := startHealthFlood(t, s.URL, healthFlooders)
	flooded := launch()
	f.stop()
	quiet2 := launch()

	baseline := (quiet + quiet2) / 2
	ratio := float64(flooded) / float64(baseline)
	t.Logf("one-buyer launch: %v and %v quiet, %v with %d clients flooding /health (ratio %.2f); "+
		"/health answered %d calls, slowest %v", quiet.Round(time.Millisecond), quiet2.Round(time.Millisecond),
		flooded.Round(time.Millisecond), healthFlooders, ratio, f.calls.Load(), time.Duration(f.slowest.Load()).Round(time.Millisecond))
	if bad := f.bad.Load(); bad > 0 {
		t.Fatalf("/health answered %d of %d calls with something else than a fresh 200 (first: %s)", bad, f.calls.Load(), f.firstBad())
	}
	if f.calls.Load() < healthFlooders {
		t.Fatalf("the flood made only %d calls", f.calls.Load())
	}
	if ratio > 3 {
		t.Fatalf("the flooded launch took %.1fx the quiet one", ratio)
	}
}

// healthFlood is clients calling GET /health in a loop until stop.
type healthFlood struct {
	done    chan struct{}
	wg      sync.WaitGroup
	calls   atomic.Int64
	bad     atomic.Int64
	slowest atomic.Int64
	mu      sync.Mutex
	first   string
}

func startHealthFlood(t *testing.T, url string, clients int) *healthFlood {
	f := &healthFlood{done: make(chan struct{})}
	// Keep-alive connections for every client, as a real poller has: without them the
	// test would measure connection setup and exhaust local ports instead.
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	t.Cleanup(hc.CloseIdleConnections)
	for range clients {
		f.wg.Go(func() {
			for {
				select {
				case <-f.done:
					return
				default:
				}
				f.call(hc, url+"/health")
			}
		})
	}
	return f
}

func (f *healthFlood) call(hc *http.Client, url string) {
	start := time.Now()
	resp, err := hc.Get(url)
	f.calls.Add(1)
	if d := int64(time.Since(start)); d > f.slowest.Load() {
		f.slowest.Store(d) // racy max; a figure for the log only
	}
	if err != nil {
		f.fail(err.Error())
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var rep struct {
		Status string `json:"status"`
		AgeMs  *int64 `json:"ageMs"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &rep) != nil || rep.Status != "ok" || rep.AgeMs == nil || *rep.AgeMs > 30_000 {
		f.fail(resp.Status + " " + clipBytes(body))
	}
}

func (f *healthFlood) fail(what string) {
	if f.bad.Add(1) == 1 {
		f.mu.Lock()
		f.first = what
		f.mu.Unlock()
	}
}

func (f *healthFlood) firstBad() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.first
}

func (f *healthFlood) stop() {
	close(f.done)
	f.wg.Wait()
}
