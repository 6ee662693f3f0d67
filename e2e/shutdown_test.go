package e2e

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nitro-runtime/nitro/internal/testkit"
)

func jobState(t *testing.T, s *server, id string) (string, map[string]any) {
	t.Helper()
	code, body := do(t, "GET", s.URL+"/api/jobs/"+id, "", map[string]string{"Authorization": "Bearer " + apiKey})
	if code != 200 {
		return "", nil
	}
	var j map[string]any
	_ = json.Unmarshal([]byte(body), &j)
	st, _ := j["state"].(string)
	return st, j
}

func waitState(t *testing.T, s *server, id, want string, d time.Duration) map[string]any {
	t.Helper()
	var st string
	var j map[string]any
	if !testkit.Poll(d, func() bool { st, j = jobState(t, s, id); return st == want }) {
		t.Fatalf("job %s state %q, want %q\n%s", id, st, want, s.logs.String())
	}
	return j
}

// SIGTERM lets an in-flight job finish within the shutdown deadline and flushes its
// progress before the process exits.
func TestShutdownFinishesInFlightJob(t *testing.T) {
	s := startServer(t)
	id := s.enqueueWalk(map[string]any{"userId": "g1", "phases": 1, "steps": 15, "stepDelayMs": 100})
	waitState(t, s, id, "running", 20*time.Second)
	s.stop()
	s.start()
	j := waitState(t, s, id, "completed", 5*time.Second)
	lp, _ := j["progress"].(map[string]any)
	if lp == nil || lp["status"] != "completed" || lp["progress"] != float64(100) {
		t.Fatalf("progress not flushed before exit: %v", j)
	}
}

// A job that cannot finish within the deadline is handed back to the queue, and the
// next process resumes it; its history keeps both runs in order.
func TestShutdownHandsBackLongJob(t *testing.T) {
	s := startServer(t, "NITRO_SHUTDOWN_TIMEOUT=1s")
	id := s.enqueueWalk(map[string]any{"userId": "g2", "phases": 1, "steps": 40, "stepDelayMs": 100})
	waitState(t, s, id, "running", 20*time.Second)
	// A few steps in the history before the signal, so the second run resumes a job
	// that had really started.
	testkit.WaitFor(t, 20*time.Second, "three steps of the first run", func() bool {
		_, j := jobState(t, s, id)
		steps, _ := j["steps"].([]any)
		return len(steps) >= 3
	})
	start := time.Now()
	s.stop()
	if d := time.Since(start); d > 15*time.Second {
		t.Fatalf("shutdown took %v with a 1s deadline", d)
	}
	s.start()
	waitState(t, s, id, "completed", 30*time.Second)
	code, body := do(t, "GET", s.URL+"/api/jobs/"+id, "", map[string]string{"Authorization": "Bearer " + apiKey})
	if code != 200 {
		t.Fatal(body)
	}
	var j struct {
		Steps []struct {
			StepNumber int `json:"stepNumber"`
		} `json:"steps"`
	}
	_ = json.Unmarshal([]byte(body), &j)
	if len(j.Steps) < 40 {
		t.Fatalf("history lost steps of the resumed run: %d steps", len(j.Steps))
	}
}
