package workers

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/nitro-runtime/nitro/jobs"
	"github.com/nitro-runtime/nitro/progress"
)

// ServerConfig tunes the asynq server. The zero value is valid.
type ServerConfig struct {
	Concurrency     int           // default 20
	ShutdownTimeout time.Duration // in-flight tasks get this long on SIGTERM; default 25s
	Queues          map[string]int
	// TaskCheckInterval is how long an idle server waits before asking Redis for new
	// tasks again (default 100ms; asynq's own 1s is up to a second added to every
	// launch that arrives while the workers are idle). Each check is one small script.
	TaskCheckInterval time.Duration
	Log               zerolog.Logger
}

func (c ServerConfig) withDefaults() ServerConfig {
	c.Concurrency = cmp.Or(c.Concurrency, 20)
	c.ShutdownTimeout = cmp.Or(c.ShutdownTimeout, 25*time.Second)
	c.TaskCheckInterval = cmp.Or(c.TaskCheckInterval, 100*time.Millisecond)
	if c.Queues == nil {
		c.Queues = jobs.QueuePriorities
	}
	return c
}

// NewServer returns the asynq server with our queues, retry backoff and logger.
func NewServer(redis asynq.RedisConnOpt, cfg ServerConfig) *asynq.Server {
	cfg = cfg.withDefaults()
	return asynq.NewServer(redis, asynq.Config{
		Concurrency:       cfg.Concurrency,
		Queues:            cfg.Queues,
		RetryDelayFunc:    RetryDelay,
		ShutdownTimeout:   cfg.ShutdownTimeout,
		TaskCheckInterval: cfg.TaskCheckInterval,
		// A retry is due at the second its event announced; asynq moves due retries
		// into the queue on this tick (its default of 5s would make the announcement
		// up to 5s early).
		DelayedTaskCheckInterval: time.Second,
		Logger:                   AsynqLogger{cfg.Log},
		LogLevel:                 asynq.InfoLevel,
		// The runtime middleware logs every outcome with the job's fields; asynq's own
		// error log would repeat it without them.
		ErrorHandler: asynq.ErrorHandlerFunc(func(context.Context, *asynq.Task, error) {}),
	})
}

// AsynqLogger adapts zerolog to asynq.Logger.
type AsynqLogger struct{ L zerolog.Logger }

func (l AsynqLogger) Debug(args ...any) {
	l.L.Debug().Str("component", "asynq").Msg(fmt.Sprint(args...))
}
func (l AsynqLogger) Info(args ...any) { l.L.Info().Str("component", "asynq").Msg(fmt.Sprint(args...)) }
func (l AsynqLogger) Warn(args ...any) { l.L.Warn().Str("component", "asynq").Msg(fmt.Sprint(args...)) }
func (l AsynqLogger) Error(args ...any) {
	l.L.Error().Str("component", "asynq").Msg(fmt.Sprint(args...))
}
func (l AsynqLogger) Fatal(args ...any) {
	l.L.Fatal().Str("component", "asynq").Msg(fmt.Sprint(args...))
}

// TestWalkType is a task type registered only for tests and demos (NITRO_TEST_TASKS=1
// outside production): it walks a phase plan, reporting steps, so the whole path from
// asynq to a browser can be exercised without touching a chain.
const TestWalkType = "nitro_test_walk"

// TestWalkPayload drives the test task.
type TestWalkPayload struct {
	UserID       string `json:"userId"`
	UserChatID   int64  `json:"userChatId,omitempty"`
	TokenAddress string `json:"tokenAddress,omitempty"`
	WorkerType   string `json:"workerType,omitempty"` // the type events claim; default launch_token
	Phases       int    `json:"phases"`
	Steps        int    `json:"steps"`
	StepDelayMs  int    `json:"stepDelayMs,omitempty"`
	// StepsPerSecond paces the steps on a schedule from the run's start (µs
	// resolution, catching up after a late wake-up) instead of StepDelayMs; the
	// benchmarks use it to drive a known event rate. Each step sends one worker_step,
	// plus a worker_progress when the percentage moves.
	StepsPerSecond float64 `json:"stepsPerSecond,omitempty"`
	// FailAttempts makes the first N attempts fail (to exercise `retrying`).
	FailAttempts int  `json:"failAttempts,omitempty"`
	FailForGood  bool `json:"failForGood,omitempty"`
}

// TestWalk returns the test-only handler.
func TestWalk() Handler {
	return Handler{
		Type: TestWalkType,
		Prepare: func(payload []byte) Run {
			var p TestWalkPayload
			err := json.Unmarshal(payload, &p)
			plan := make([]progress.Phase, max(min(p.Phases, 20), 1))
			for i := range plan {
				plan[i] = progress.Phase{Title: fmt.Sprintf("Phase %d", i+1), Description: "Walking the test plan"}
			}
			typ := progress.WorkerType(p.WorkerType)
			if !typ.Valid() {
				typ = progress.LaunchToken
			}
			return Run{Plan: plan, ReportAs: typ, Do: func(ctx context.Context) (any, error) {
				if err != nil {
					return nil, Permanent(fmt.Errorf("decode test walk payload: %w", err))
				}
				return runTestWalk(ctx, p)
			}}
		},
	}
}
