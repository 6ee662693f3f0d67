package workers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/nitro-runtime/nitro/progress"
)

// TestWalkStep is the data of each worker_step the test walk sends. SentAt is the
// wall-clock send time in milliseconds since the epoch with µs precision, so a client
// on the same host can measure worker→client latency finer than the event's timestamp.
type TestWalkStep struct {
	Phase  int     `json:"phase"`
	Step   int     `json:"step"`
	SentAt float64 `json:"sentAt"`
}

func runTestWalk(ctx context.Context, p TestWalkPayload) (any, error) {
	rep := progress.FromContext(ctx)
	attempt, _ := asynq.GetRetryCount(ctx)
	steps := min(max(p.Steps, 0), 10_000)
	pace := newPacer(p)
	for ph := 1; ph <= len(rep.Plan()); ph++ {
		rep.Enter(ph)
		for s := 1; s <= steps; s++ {
			if err := pace.wait(ctx); err != nil {
				return nil, err
			}
			data := TestWalkStep{Phase: ph, Step: s, SentAt: float64(time.Now().UnixMicro()) / 1e3}
			rep.Step("walk", fmt.Sprintf("phase %d step %d", ph, s), steps, data)
			rep.Progress(s * 100 / steps)
		}
		if attempt < p.FailAttempts && ph == 1 {
			return nil, fmt.Errorf("test walk: planned failure on attempt %d", attempt)
		}
		if p.FailForGood && ph == 1 {
			return nil, Permanent(errors.New("test walk: planned permanent failure"))
		}
	}
	return map[string]any{"phases": len(rep.Plan()), "steps": steps}, nil
}

// pacer waits before each step: a fixed delay, or a slot on a steps-per-second
// schedule counted from the first step (so a slow wake-up is caught up, not added).
type pacer struct {
	delay    time.Duration // fixed wait per step (StepDelayMs)
	interval time.Duration // schedule slot (StepsPerSecond)
	start    time.Time
	n        int64
}

func newPacer(p TestWalkPayload) *pacer {
	pc := &pacer{delay: time.Duration(min(max(p.StepDelayMs, 0), 10_000)) * time.Millisecond}
	if p.StepsPerSecond > 0 {
		pc.interval = time.Duration(float64(time.Second) / min(p.StepsPerSecond, 1e6))
	}
	return pc
}

func (pc *pacer) wait(ctx context.Context) error {
	var d time.Duration
	switch {
	case pc.interval > 0:
		if pc.start.IsZero() {
			pc.start = time.Now()
		}
		d = time.Until(pc.start.Add(time.Duration(pc.n) * pc.interval))
		pc.n++
	case pc.delay > 0:
		d = pc.delay
	}
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
