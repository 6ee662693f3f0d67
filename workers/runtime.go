package workers

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/solana"
)

// Metrics receives job outcomes (the api package's Prometheus metrics implement it).
type Metrics interface {
	JobStarted(typ string)
	JobFinished(typ, state string, d time.Duration)
	// PhaseDone records that phase (its 1-based number) of a typ job took d.
	PhaseDone(typ, phase string, d time.Duration)
}

// Runtime is what every handler shares: the progress hub and logs. The run's reporter
// also keeps the job's row (running, then completed with its result, failed or
// retrying): the hub writes it in the background, as it does the events, so a run
// never waits for the database to be reported.
type Runtime struct {
	Hub     *progress.Hub
	Metrics Metrics // optional
	Log     zerolog.Logger
	// Now is the clock; tests may fix it.
	Now func() time.Time
}

// Handler is one job type. Prepare decodes a task's payload once per run and
// returns the run: its phase plan, owner and work.
type Handler struct {
	Type    string
	Prepare func(payload []byte) Run
}

// Run is one run of a task, from its payload decoded once. Do returns the job's
// result, kept in Postgres and served by the HTTP API.
type Run struct {
	// Plan is the phases of this payload (a launch without buyers has fewer).
	Plan []progress.Phase
	// ReportAs names the workerType events carry when it differs from the handler's
	// Type (only the test task does this: events always name one of the eight types).
	ReportAs progress.WorkerType
	Do       func(ctx context.Context) (result any, err error)
	// meta is the owner and coin of a payload that decoded; nil: the runtime reads
	// them from the raw payload (metaOf).
	meta *payloadMeta
}

// RetryDelay is the backoff between attempts: 2^n seconds, at most 5 minutes, with
// jitter so that a burst of failures (an RPC outage) does not retry in lockstep. The
// jitter is drawn from the task and the attempt, not at random: asynq and the
// runtime's retrying event each ask, and must get the same answer, or the "retrying
// at" a user is shown is not when asynq retries.
func RetryDelay(n int, _ error, t *asynq.Task) time.Duration {
	d := time.Second << min(n, 8)
	d = min(d, 5*time.Minute)
	h := fnv.New64a()
	if t != nil {
		h.Write([]byte(t.Type()))
		h.Write(t.Payload())
	}
	h.Write([]byte{byte(n)})
	return d + time.Duration(h.Sum64()%uint64(d/4+1))
}

// errorText is what a user is told of a failed run: asynq's "skip retry" marker is
// the retry protocol, not part of the reason.
func errorText(err error) string {
	return strings.TrimSuffix(err.Error(), ": "+asynq.SkipRetry.Error())
}

// Wrap turns h into an asynq handler that reports the run: the logger and reporter go
// into ctx, a panic becomes an error, and the run ends with exactly one completed,
// failed, or retrying event.
func (rt *Runtime) Wrap(h Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) (err error) {
		prepared := h.Prepare(t.Payload())
		run := rt.begin(ctx, h, t, prepared)
		ctx = run.log.WithContext(progress.WithReporter(ctx, run.rep))
		ctx, run.rpc = solana.WithCallCounter(ctx)
		start := rt.now()
		var result any
		func() {
			defer func() {
				if p := recover(); p != nil {
					run.log.Error().Interface("panic", p).Bytes("stack", debug.Stack()).Msg("handler panicked")
					err = fmt.Errorf("internal error: handler panicked: %v", p)
				}
			}()
			result, err = prepared.Do(ctx)
		}()
		rt.end(ctx, run, t, result, err, rt.now().Sub(start))
		return err
	})
}

type runInfo struct {
	id, queue       string
	attempt, maxTry int
	meta            payloadMeta
	rep             *progress.Reporter
	log             zerolog.Logger
	rpc             *solana.CallCounter // RPC requests of this run (shared confirmation polls excluded)
}

// payloadMeta is what every payload carries that the runtime needs before decoding.
type payloadMeta struct {
	UserID       string `json:"userId"`
	UserChatID   int64  `json:"userChatId"`
	TokenAddress string `json:"tokenAddress"`
}

// metaOf reads the run's owner and coin from a payload that has not been validated
// yet (the bot enqueues straight into asynq). A key counts only when spelled exactly
// and given once: {"userId":"a","UserId":"b"} must not file the run under b, which
// encoding/json's case-insensitive, last-one-wins matching would do.
func metaOf(payload []byte) payloadMeta {
	var m payloadMeta
	dec := json.NewDecoder(bytes.NewReader(payload))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return m
	}
	seen := map[string]int{}
	raw := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		key, ok := tok.(string)
		var v json.RawMessage
		if err != nil || !ok || dec.Decode(&v) != nil {
			return payloadMeta{}
		}
		for _, name := range []string{"userId", "userChatId", "tokenAddress"} {
			if strings.EqualFold(key, name) {
				seen[name]++
				if key == name {
					raw[name] = v
				} else {
					seen[name]++ // another spelling: ambiguous
				}
			}
		}
	}
	if seen["userId"] == 1 {
		_ = json.Unmarshal(raw["userId"], &m.UserID)
	}
	if seen["userChatId"] == 1 {
		_ = json.Unmarshal(raw["userChatId"], &m.UserChatID)
	}
	if seen["tokenAddress"] == 1 {
		_ = json.Unmarshal(raw["tokenAddress"], &m.TokenAddress)
	}
	return m
}

func (rt *Runtime) begin(ctx context.Context, h Handler, t *asynq.Task, prepared Run) *runInfo {
	r := &runInfo{}
	r.id, _ = asynq.GetTaskID(ctx)
	r.queue, _ = asynq.GetQueueName(ctx)
	r.attempt, _ = asynq.GetRetryCount(ctx)
	r.maxTry, _ = asynq.GetMaxRetry(ctx)
	if prepared.meta != nil {
		r.meta = *prepared.meta
	} else {
		r.meta = metaOf(t.Payload()) // a bad payload fails in Do with a clear error
	}
	r.log = rt.Log.With().Str("job_id", r.id).Str("type", h.Type).Str("user_id", r.meta.UserID).
		Str("token", r.meta.TokenAddress).Int("attempt", r.attempt).Logger()
	typ := cmp.Or(prepared.ReportAs, progress.WorkerType(h.Type))
	// A job enqueued straight into asynq by the Telegram bot has no row until this run
	// starts: the run's first row creates it.
	r.rep = rt.Hub.Start(progress.Job{
		ID: r.id, Type: typ, UserID: r.meta.UserID, UserChatID: r.meta.UserChatID,
		TokenAddress: r.meta.TokenAddress, Attempt: r.attempt, MaxRetry: r.maxTry, Queue: r.queue,
		TaskType: progress.WorkerType(h.Type),
	}, prepared.Plan)
	if rt.Metrics != nil {
		rt.Metrics.JobStarted(h.Type)
		r.rep.OnPhaseDone(func(phase int, took time.Duration) {
			rt.Metrics.PhaseDone(h.Type, strconv.Itoa(phase), took)
		})
	}
	r.log.Info().Msg("job started")
	return r
}

// syncTimeout bounds how long a run's end waits for its job's row to be written.
const syncTimeout = 5 * time.Second

func (rt *Runtime) end(ctx context.Context, r *runInfo, t *asynq.Task, result any, err error, d time.Duration) {
	// The job's final row is written before asynq hears the task is done (a process
	// killed right after would otherwise leave a finished job running in the table).
	// It must outlive a cancelled handler context (shutdown, timeout).
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), syncTimeout)
		defer cancel()
		if serr := r.rep.Sync(sctx); serr != nil {
			r.log.Error().Err(serr).Msg("job row not written yet; the progress writer keeps trying")
		}
	}()
	r.log = r.log.With().Uint64("rpc_calls", r.rpc.N()).Logger()
	state := "completed"
	switch {
	case err == nil:
		raw, merr := json.Marshal(result)
		if merr != nil || result == nil {
			raw = json.RawMessage(`{}`)
		}
		if _, werr := t.ResultWriter().Write(raw); werr != nil {
			r.log.Warn().Err(werr).Msg("write asynq result")
		}
		r.rep.CompleteWith(raw)
		r.log.Info().Dur("took", d).Msg("job completed")
	case willRetry(err, r.attempt, r.maxTry):
		state = "retrying"
		// asynq asks with the retries so far, as here, and keeps the time in whole seconds.
		next := time.Unix(rt.now().Add(RetryDelay(r.attempt, err, t)).Unix(), 0)
		r.rep.Retrying(err, r.attempt+1, next)
		r.log.Warn().Err(err).Dur("took", d).Msg("job attempt failed; will retry")
	default:
		state = "failed"
		r.rep.Fail(errors.New(errorText(err)))
		r.log.Error().Err(err).Dur("took", d).Msg("job failed")
	}
	if rt.Metrics != nil {
		rt.Metrics.JobFinished(t.Type(), state, d)
	}
}

// willRetry mirrors asynq's decision: SkipRetry and an exhausted budget are final.
func willRetry(err error, attempt, maxRetry int) bool {
	return !errors.Is(err, asynq.SkipRetry) && attempt < maxRetry
}

func (rt *Runtime) now() time.Time {
	if rt.Now != nil {
		return rt.Now()
	}
	return time.Now()
}

// Permanent marks err as not worth retrying (bad input, a refused wallet).
func Permanent(err error) error {
	return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
}
