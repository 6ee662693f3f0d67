package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/nitro-runtime/nitro/jobs"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/store"
	"github.com/nitro-runtime/nitro/workers"
)

// enqueueCmd validates a payload exactly as POST /api/jobs/{type} does and enqueues
// it through the same jobs.Enqueue, as the caller of the first NITRO_API_KEYS key:
// an --idempotency-key names the same job here and over HTTP with that key. With
// --watch it draws the job's live progress from Postgres until it ends.
func enqueueCmd(ctx context.Context, c *config, args []string, log zerolog.Logger, stdin io.Reader, stdout io.Writer) error {
	fs := newFlags("enqueue", "enqueue TYPE --payload FILE|- [--watch] [--idempotency-key KEY]", stdout)
	file := fs.String("payload", "", "JSON payload file, or - for standard input")
	watch := fs.Bool("watch", false, "show live progress until the job ends")
	key := fs.String("idempotency-key", "", "a repeat with the same key (here or over HTTP with the same API key) returns the first job")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return &usageError{"enqueue needs one job type: nitro enqueue TYPE --payload FILE|- [--watch]"}
	}
	typ := progress.WorkerType(pos[0])
	if *key != "" && !jobs.ValidID(*key) {
		return &badVar{"--idempotency-key", jobs.ErrInvalidKey.Error()}
	}
	walk := typ == workers.TestWalkType && c.TestTasks
	if !typ.Valid() && !walk {
		return &badVar{"TYPE", fmt.Sprintf("%q is not a job type (one of %v)", typ, progress.WorkerTypes)}
	}
	body, err := readPayload(*file, stdin)
	if err != nil {
		return err
	}
	if walk {
		return enqueueTestWalk(ctx, c, body, *watch, log, stdout)
	}
	p, err := jobs.Decode(typ, body)
	if err != nil {
		return &usageError{fmt.Sprintf("payload refused: %v", err)}
	}
	if err := c.devSecrets(); err != nil {
		return err
	}
	if len(c.APIKeys) == 0 { // the caller an idempotency key is scoped by
		return &badVar{"NITRO_API_KEYS", "is required: nitro enqueue acts as its first key"}
	}
	st, cl, done, err := openQueue(ctx, c, log)
	if err != nil {
		return err
	}
	defer done()
	if err := jobs.CheckOwners(ctx, st, p); err != nil {
		return fmt.Errorf("payload refused: %w", err)
	}
	e, err := jobs.Enqueue(ctx, cl, st, jobs.Request{Type: typ, Payload: p, Caller: jobs.Caller(c.APIKeys[0]), Key: *key}, jobs.Options{})
	if err != nil {
		return err
	}
	if e.Replayed {
		fmt.Fprintf(stdout, "%s job %s on queue %s was already enqueued with this key (%s)\n", typ, e.ID, e.Queue, e.State)
	} else {
		fmt.Fprintf(stdout, "enqueued %s job %s on queue %s\n", typ, e.ID, e.Queue)
	}
	if !*watch {
		return nil
	}
	return watchJob(ctx, st, e.ID, stdout)
}

// enqueueTestWalk puts the test-only task straight into asynq, as the bot does with
// real jobs: it is none of the eight types, so it has no row until it runs.
func enqueueTestWalk(ctx context.Context, c *config, body []byte, watch bool, log zerolog.Logger, stdout io.Writer) error {
	st, cl, done, err := openQueue(ctx, c, log)
	if err != nil {
		return err
	}
	defer done()
	info, err := cl.EnqueueContext(ctx, asynq.NewTask(workers.TestWalkType, body), asynq.Queue(jobs.QueueLow),
		asynq.MaxRetry(jobs.DefaultMaxRetry), asynq.Retention(jobs.DefaultRetention))
	if err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	fmt.Fprintf(stdout, "enqueued %s job %s on queue %s\n", workers.TestWalkType, info.ID, info.Queue)
	if !watch {
		return nil
	}
	return watchJob(ctx, st, info.ID, stdout)
}

// openQueue opens what enqueueing needs: the store (the job's row, --watch) and an
// asynq client of the broker; done closes them.
func openQueue(ctx context.Context, c *config, log zerolog.Logger) (*store.Store, *asynq.Client, func(), error) {
	st, err := openStore(ctx, c, false)
	if err != nil {
		return nil, nil, nil, err
	}
	b, err := connectBroker(ctx, c, false, log)
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	cl := asynq.NewClient(b.opt)
	return st, cl, func() { cl.Close(); b.Close(); st.Close() }, nil
}

func readPayload(file string, stdin io.Reader) ([]byte, error) {
	var r io.Reader
	switch file {
	case "":
		return nil, &badVar{"--payload", "is required (a file, or - for standard input)"}
	case "-":
		r = stdin
	default:
		f, err := os.Open(file)
		if err != nil {
			return nil, &usageError{fmt.Sprintf("--payload: %v", err)}
		}
		defer f.Close()
		r = f
	}
	body, err := io.ReadAll(io.LimitReader(r, jobs.MaxPayloadBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read payload: %w", err)
	}
	if len(body) > jobs.MaxPayloadBytes {
		return nil, &badVar{"--payload", jobs.ErrTooLarge.Error()}
	}
	return body, nil
}

// watchJob polls the job's events and redraws a progress bar per phase. Polling the
// store keeps the command independent of where the Socket.IO server runs.
// watchPatience is how long --watch waits quietly for a job's first event.
const watchPatience = 3 * time.Second

func watchJob(ctx context.Context, st *store.Store, id string, w io.Writer) error {
	var after int64
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	started, told := time.Now(), false
	for {
		evs, err := st.JobEvents(ctx, id, after, 500)
		if ctx.Err() != nil {
			return nil // interrupted: stop watching, the job goes on
		}
		if err != nil {
			return fmt.Errorf("watch job %s: %w", id, err)
		}
		if after == 0 && len(evs) == 0 && !told && time.Since(started) > watchPatience {
			// Nothing has happened yet: say what we wait for, and the usual reason.
			fmt.Fprintf(w, "waiting for a worker to pick up job %s (is `nitro serve` or `nitro worker` running on this Redis and database?)\n", id)
			told = true
		}
		for _, ev := range evs {
			after = ev.Seq
			if done := drawEvent(w, ev.Name, ev.Payload); done != "" {
				fmt.Fprintf(w, "\njob %s %s\n", id, done)
				if done == string(progress.StatusFailed) {
					return fmt.Errorf("job %s failed", id)
				}
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// drawEvent prints one event and returns the terminal status, if it is one.
func drawEvent(w io.Writer, name string, payload json.RawMessage) string {
	switch name {
	case progress.EventWorkerProgress:
		var ev progress.WorkerProgressEvent
		if json.Unmarshal(payload, &ev) != nil {
			return ""
		}
		bar := strings.Repeat("█", ev.Progress/4) + strings.Repeat("░", 25-ev.Progress/4)
		fmt.Fprintf(w, "\r%s %3d%%  phase %d/%d %-40.40s", bar, ev.Progress, ev.Phase, ev.TotalPhases, ev.PhaseTitle)
		if ev.Details != nil && ev.Details.Retrying {
			fmt.Fprintf(w, "\n  attempt failed (%s); retrying at %s\n", ev.Details.Error, time.UnixMilli(ev.Details.NextRetryAt).Format(time.TimeOnly))
		}
		if ev.Status.Terminal() {
			if ev.Status == progress.StatusFailed && ev.Details != nil {
				fmt.Fprintf(w, "\n  error: %s", ev.Details.Error)
			}
			return string(ev.Status)
		}
	case progress.EventWorkerStep:
		var ev progress.WorkerStepEvent
		if json.Unmarshal(payload, &ev) == nil {
			fmt.Fprintf(w, "\n  · %s (%d/%d)\n", ev.Message, ev.StepNumber, ev.TotalSteps)
		}
	case progress.EventTokenLaunch:
		var ev progress.TokenLaunchEvent
		if json.Unmarshal(payload, &ev) == nil {
			fmt.Fprintf(w, "\n  ★ %s %s: %s\n", ev.Symbol, ev.Stage, ev.Message)
		}
	}
	return ""
}
