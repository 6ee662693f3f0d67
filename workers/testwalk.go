package workers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/nitro-runtime/nitro/progress"
)

func runTestWalk(ctx context.Context, payload []byte) (any, error) {
	var p TestWalkPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, Permanent(fmt.Errorf("decode test walk payload: %w", err))
	}
	rep := progress.FromContext(ctx)
	attempt, _ := asynq.GetRetryCount(ctx)
	steps := min(max(p.Steps, 0), 10_000)
	for ph := 1; ph <= len(rep.Plan()); ph++ {
		rep.Enter(ph)
		for s := 1; s <= steps; s++ {
			if p.StepDelayMs > 0 {
				select {
				case <-time.After(time.Duration(min(p.StepDelayMs, 10_000)) * time.Millisecond):
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}
			rep.Step("walk", fmt.Sprintf("phase %d step %d", ph, s), steps, map[string]int{"phase": ph, "step": s})
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
