package progress

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/nitro-runtime/nitro/progress/wire"
)

// Job identifies the run of a job that a Reporter speaks for.
type Job struct {
	ID           string
	Type         WorkerType
	UserID       string
	UserChatID   int64
	TokenAddress string
	// Attempt is asynq's retry count for this run: 0 on the first run.
	Attempt int
	// MaxRetry and Queue are asynq's, kept in the job's row.
	MaxRetry int
	Queue    string
	// TaskType is the asynq task type the job's row keeps when it is not Type (the test
	// task reports as one of the seven types); "" is Type.
	TaskType WorkerType
}

// Phase is one entry of a worker's phase plan: words a user understands.
type Phase struct {
	Title       string
	Description string
}

// Reporter reports one run of one job. It is safe for concurrent use (wallet_sell
// reports steps from several goroutines); its events keep the order of the calls,
// progress never decreases and exactly one terminal event is sent.
type Reporter struct {
	hub  *Hub
	mu   sync.Mutex
	job  Job
	plan []Phase

	base     int64 // Seq of this run's records = base + n (see Hub.runBase)
	n        int64 // records in this run
	phase    int   // 1-based; 0 before the first phase
	progress int
	step     int // steps reported in the current phase
	details  Details
	started  bool
	ended    bool
	phaseAt  time.Time                           // when the current phase was entered
	onPhase  func(phase int, took time.Duration) // see OnPhaseDone

	row    wire.JobRow             // the job's row as this run has it; handed to the hub on each change
	launch map[string]*launchEntry // launches this run holds (see launchEntry)
}

// Start begins reporting a run: the job's row says running from now on (the hub writes
// it in the background). No event is sent until the first phase is entered.
func (h *Hub) Start(job Job, plan []Phase) *Reporter {
	r := &Reporter{hub: h, job: job, plan: plan, base: h.runBase()}
	r.row = wire.JobRow{
		ID: job.ID, Seq: r.base, Type: cmp.Or(job.TaskType, job.Type), UserID: job.UserID,
		UserChatID: job.UserChatID, TokenAddress: job.TokenAddress, Queue: job.Queue, Attempt: job.Attempt,
		MaxRetry: job.MaxRetry, State: wire.JobRunning, StartedAt: r.now(),
	}
	h.saveJob(r.row)
	if job.TokenAddress != "" {
		r.holdLocked(job.TokenAddress)
	}
	return r
}

// OnPhaseDone sets fn to be called, under the reporter's lock, each time a phase
// ends: a later phase is entered or the run ends. fn must return quickly (the runtime
// observes a histogram). Phases skipped by Enter are not reported.
func (r *Reporter) OnPhaseDone(fn func(phase int, took time.Duration)) {
	r.mu.Lock()
	r.onPhase = fn
	r.mu.Unlock()
}

// endPhaseLocked reports the end of the current phase, if one is running.
func (r *Reporter) endPhaseLocked() {
	if r.phase > 0 && r.onPhase != nil {
		r.onPhase(r.phase, r.now().Sub(r.phaseAt))
	}
}

// Plan returns the run's phase plan.
func (r *Reporter) Plan() []Phase { return r.plan }

// SetToken records the token address once it is known (after the mint is reserved).
func (r *Reporter) SetToken(addr string) {
	r.mu.Lock()
	r.job.TokenAddress = addr
	r.row.TokenAddress = addr
	if addr != "" {
		r.holdLocked(addr)
	}
	r.mu.Unlock()
}

// holdLocked holds the launch of token for this run and starts reading its state, so
// that a stage reported later finds it at hand. The caller holds r.mu.
func (r *Reporter) holdLocked(token string) *launchEntry {
	if e, ok := r.launch[token]; ok {
		return e
	}
	if r.hub.launches == nil || r.ended {
		return nil
	}
	if r.launch == nil {
		r.launch = map[string]*launchEntry{}
	}
	e := r.hub.acquireLaunch(token)
	r.launch[token] = e
	r.hub.prefetch(token, e)
	return e
}

// endLocked ends the run: no event after this one, and the launches it held are let go.
func (r *Reporter) endLocked() {
	r.ended = true
	for token, e := range r.launch {
		r.hub.releaseLaunch(token, e)
	}
	r.launch = nil
}

// Update changes the details carried by the following events (token name, amounts,
// the latest signature...).
func (r *Reporter) Update(fn func(*Details)) {
	r.mu.Lock()
	fn(&r.details)
	r.mu.Unlock()
}

// Enter moves to phase (1-based). Entering a later phase skips the ones between (a
// retried run resumes past checkpointed phases); entering an earlier one is ignored.
func (r *Reporter) Enter(phase int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended || phase <= r.phase || phase > len(r.plan) {
		return
	}
	r.endPhaseLocked()
	r.phase, r.step, r.phaseAt = phase, 0, r.now()
	status := StatusInProgress
	if !r.started {
		status, r.started = StatusStarted, true
	}
	r.emitProgressLocked(status, r.overall(0))
}

// MaxRunningProgress is the highest progress an event that does not end the run
// carries: 100 belongs to the `completed` event alone. The frontend guide's
// ToastNotifications shows a "completed" toast for any event with progress 100 and
// another for status completed, so a last phase reaching 100% before Complete would
// show two toasts for one finished job.
const MaxRunningProgress = 99

// Progress reports pct (0..100) of the current phase done. The run's progress stops
// at MaxRunningProgress until Complete.
func (r *Reporter) Progress(pct int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended || r.phase == 0 {
		return
	}
	p := min(r.overall(clamp(pct, 0, 100)), MaxRunningProgress)
	if p <= r.progress {
		return
	}
	r.emitProgressLocked(StatusInProgress, p)
}

// Step reports one step of the current phase (one per wallet or transaction).
func (r *Reporter) Step(step, message string, totalSteps int, data any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return
	}
	r.step++
	ev := WorkerStepEvent{
		JobID: r.job.ID, WorkerType: string(r.job.Type), TokenAddress: r.job.TokenAddress,
		UserID: r.job.UserID, Step: step, StepNumber: r.step, TotalSteps: max(totalSteps, r.step),
		Message: message, Timestamp: r.now().UnixMilli(), Data: data,
	}
	r.publishLocked(EventWorkerStep, ev)
}

// Complete ends the run successfully: progress 100, status completed.
func (r *Reporter) Complete() { r.CompleteWith(nil) }

// CompleteWith ends the run successfully, as Complete does, and keeps result (JSON) as
// the job's result.
func (r *Reporter) CompleteWith(result []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return
	}
	r.endPhaseLocked()
	r.phase = max(r.phase, len(r.plan))
	r.row.Result, r.row.Error, r.row.EndedAt = result, "", r.now()
	r.emitProgressLocked(StatusCompleted, 100)
	r.endLocked()
}

// Fail ends the run for good: status failed with details.error.
func (r *Reporter) Fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return
	}
	r.details.Error = errText(err)
	r.details.Retrying = false
	r.endPhaseLocked()
	r.phase = max(r.phase, 1)
	r.row.Error, r.row.EndedAt = r.details.Error, r.now()
	r.emitProgressLocked(StatusFailed, r.progress)
	r.endLocked()
}

// Retrying ends a run that asynq will retry: it is not `failed` (the external contract) but
// in_progress with details.retrying, attempt, nextRetryAt and error.
func (r *Reporter) Retrying(err error, attempt int, next time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return
	}
	r.details.Error = errText(err)
	r.details.Retrying, r.details.Attempt, r.details.NextRetryAt = true, attempt, next.UnixMilli()
	r.endPhaseLocked()
	r.phase = max(r.phase, 1)
	r.row.Error = r.details.Error
	r.emitProgressLocked(StatusInProgress, r.progress)
	r.endLocked()
}

// overall maps pct of the current phase to the run's 0..100 progress.
func (r *Reporter) overall(pct int) int {
	total := max(len(r.plan), 1)
	return ((r.phase-1)*100 + pct) / total
}

func (r *Reporter) emitProgressLocked(status Status, pct int) {
	r.progress = max(r.progress, pct)
	ph := Phase{}
	if r.phase >= 1 && r.phase <= len(r.plan) {
		ph = r.plan[r.phase-1]
	}
	d := r.details
	ev := WorkerProgressEvent{
		JobID: r.job.ID, WorkerType: r.job.Type, TokenAddress: r.job.TokenAddress, UserID: r.job.UserID,
		UserChatID: r.job.UserChatID, Phase: r.phase, TotalPhases: len(r.plan),
		PhaseTitle: ph.Title, PhaseDescription: ph.Description, Progress: r.progress,
		Status: status, Timestamp: r.now().UnixMilli(), Details: &d,
	}
	rec, ok := r.numberLocked(EventWorkerProgress, ev)
	if !ok {
		return
	}
	// The job's row follows its latest worker_progress, typed here once, and is saved
	// before the event goes out (see Hub.saveJob).
	switch {
	case status == StatusCompleted:
		r.row.State = wire.JobCompleted
	case status == StatusFailed:
		r.row.State = wire.JobFailed
	case d.Retrying:
		r.row.State = wire.JobRetrying
	default:
		r.row.State = wire.JobRunning
	}
	r.row.Seq, r.row.Latest = rec.Seq, rec.JSON
	r.hub.saveJob(r.row)
	r.hub.publish(rec)
}

// publishLocked numbers and publishes one event of the run.
func (r *Reporter) publishLocked(name string, payload any) {
	if rec, ok := r.numberLocked(name, payload); ok {
		r.hub.publish(rec)
	}
}

// numberLocked encodes one event of the run and gives it the run's next sequence
// number. A payload that cannot be encoded (a NaN amount) is logged and not sent.
func (r *Reporter) numberLocked(name string, payload any) (Record, bool) {
	rec, ok := r.record(name, payload)
	if !ok {
		return rec, false
	}
	r.n++
	rec.Seq = r.base + r.n
	return rec, true
}

// Sync returns once the run's events and rows published so far are written (or ctx
// ends, or the write failed: the rows are then tried again with the next batch). The
// runtime calls it when the run has ended, before asynq is told the task is done, so
// that a finished job's row is in the database before its task is gone from the queue.
func (r *Reporter) Sync(ctx context.Context) error {
	if r.hub.persist == nil {
		return nil
	}
	return r.hub.flush(ctx, r.hub.shardOf(r.job.ID))
}

func (r *Reporter) now() time.Time { return r.hub.cfg.Now() }

// event is one event a launch change sends, before it is encoded and numbered.
type event struct {
	name    string
	payload any
}

func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }

func errText(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

// StageInput is what a worker knows when a launch reaches a stage.
type StageInput struct {
	Message    string
	LaunchData *LaunchData
	MixingData *MixingData
}

// LaunchStage announces that the job's launch reached stage: a token_launch_event
// numbered across the launch's jobs, then the new launch_progress_update. A stage
// already reached (a retried run) sends nothing.
func (r *Reporter) LaunchStage(ctx context.Context, stage Stage, in StageInput) error {
	return r.updateLaunch(ctx, func(s *LaunchState, at int64) []event {
		step, ok, err := s.Apply(stage, at)
		if err != nil || !ok {
			return nil
		}
		ev := r.launchEvent(s, stage, step, at, in)
		return []event{{EventTokenLaunch, ev}, {EventLaunchProgress, s.Progress}}
	})
}

// LaunchFailed announces that stage could not be reached, with the error's message and code.
func (r *Reporter) LaunchFailed(ctx context.Context, stage Stage, err error, code string) error {
	return r.updateLaunch(ctx, func(s *LaunchState, at int64) []event {
		ev := r.launchEvent(s, stage, min(s.Events+1, s.TotalEvents()), at, StageInput{Message: errText(err)})
		ev.Error = &StageError{Message: errText(err), Code: code, Stage: string(stage)}
		return []event{{EventTokenLaunch, ev}}
	})
}

// MixingProgress moves the launch's mixing progress forward and sends the update.
func (r *Reporter) MixingProgress(ctx context.Context, pct int) error {
	return r.updateLaunch(ctx, func(s *LaunchState, _ int64) []event {
		if !s.SetMixingProgress(pct) {
			return nil
		}
		return []event{{EventLaunchProgress, s.Progress}}
	})
}

// updateLaunch applies fn to the launch's state and publishes the events fn returns,
// in order; the new state goes to the hub's writer. Only a launch not held by any run of
// this process yet (the run learnt its token just now) is read from the database, and
// then without the reporter's lock.
func (r *Reporter) updateLaunch(ctx context.Context, fn func(*LaunchState, int64) []event) error {
	if r.hub.launches == nil {
		return fmt.Errorf("launch progress: no launch loader configured")
	}
	r.mu.Lock()
	token := r.job.TokenAddress
	e := r.launch[token]
	if token != "" && e == nil {
		e = r.holdLocked(token)
	}
	r.mu.Unlock()
	if token == "" {
		return fmt.Errorf("launch progress: job %s has no token address yet", r.job.ID)
	}
	if e == nil { // the run has ended: hold the launch for this call only
		e = r.hub.acquireLaunch(token)
		defer r.hub.releaseLaunch(token, e)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := r.hub.loadLocked(ctx, token, e); err != nil {
		return fmt.Errorf("launch progress %s: %w", token, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	st := e.state
	out := fn(&st, r.now().UnixMilli())
	if len(out) == 0 {
		return nil
	}
	e.state, e.version = st, e.version+1
	r.hub.saveLaunch(r.job.ID, wire.LaunchRow{TokenAddress: token, Version: e.version, State: st})
	for _, ev := range out {
		r.publishLocked(ev.name, ev.payload)
	}
	return nil
}

func (r *Reporter) launchEvent(s *LaunchState, stage Stage, step int, at int64, in StageInput) TokenLaunchEvent {
	return TokenLaunchEvent{
		TokenAddress: s.Progress.TokenAddress, Platform: s.Progress.Platform, Name: s.Name, Symbol: s.Symbol,
		Timestamp: at, UserID: s.Progress.UserID, Stage: stage, StepNumber: step, TotalSteps: s.TotalEvents(),
		Message: in.Message, LaunchData: in.LaunchData, MixingData: in.MixingData,
	}
}

// record encodes one event of the run, not numbered yet.
func (r *Reporter) record(name string, payload any) (Record, bool) {
	rec, err := wire.NewRecord(name, payload)
	if err != nil {
		r.hub.log.Error().Err(err).Str("job_id", r.job.ID).Str("event", name).Msg("progress event not sent")
		return rec, false
	}
	rec.JobID, rec.UserID, rec.TokenAddress, rec.At = r.job.ID, r.job.UserID, r.job.TokenAddress, r.now()
	return rec, true
}

type ctxKey struct{}

// WithReporter returns ctx carrying r; the asynq middleware puts each run's reporter there.
func WithReporter(ctx context.Context, r *Reporter) context.Context {
	return context.WithValue(ctx, ctxKey{}, r)
}

// FromContext returns the run's reporter, or nil.
func FromContext(ctx context.Context) *Reporter {
	r, _ := ctx.Value(ctxKey{}).(*Reporter)
	return r
}
