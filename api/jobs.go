package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/nitro-runtime/nitro/internal/strictjson"
	"github.com/nitro-runtime/nitro/jobs"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/store"
)

// MaxIdempotencyKey bounds the Idempotency-Key header.
const MaxIdempotencyKey = 128

// enqueueReply is the body of 202 (new job) and 200 (repeat with the same key).
type enqueueReply struct {
	JobID string              `json:"jobId"`
	Type  progress.WorkerType `json:"type"`
	Queue string              `json:"queue"`
	State store.JobState      `json:"state,omitempty"`
}

// enqueue validates a payload, creates the jobs row and enqueues the task. With an
// Idempotency-Key the job id is derived from (caller, user, type, key): the row or
// asynq's ErrTaskIDConflict finds the first job, which is returned with 200 when the
// payload is the same and refused with 422 when it is not.
func (s *Server) enqueue(w http.ResponseWriter, r *http.Request) {
	if !requireAPIKey(w, r) {
		return
	}
	typ := progress.WorkerType(r.PathValue("type"))
	if !typ.Valid() {
		writeError(w, http.StatusNotFound, fmt.Sprintf("unknown job type %q", clip(string(typ))))
		return
	}
	idem := r.Header.Get("Idempotency-Key")
	if idem != "" && !safeID(idem, MaxIdempotencyKey) {
		writeFields(w, "invalid Idempotency-Key header", map[string]string{"Idempotency-Key": "1..128 characters of A-Z a-z 0-9 - _ . :"})
		return
	}
	body, ok := readJSONBody(w, r, jobs.MaxPayloadBytes)
	if !ok {
		return
	}
	p, err := jobs.Decode(typ, body)
	if err != nil {
		writeDecodeError(w, err)
		return
	}
	if jobs.WantsBundle(p) && !s.cfg.Bundles {
		writeFields(w, "invalid payload", map[string]string{"bundle": jobs.ErrNoBlockEngine.Error()})
		return
	}
	jobID := newJobID()
	if idem != "" {
		jobID = idempotentJobID(shortHash(credential(r)), p.UserID(), typ, idem)
		if job, err := s.deps.Jobs.GetJob(r.Context(), jobID); err == nil {
			s.replay(w, job, p)
			return
		}
	}
	s.createAndEnqueue(w, r.Context(), typ, jobID, p)
}

func (s *Server) createAndEnqueue(w http.ResponseWriter, ctx context.Context, typ progress.WorkerType, jobID string, p jobs.Payload) {
	payload, err := jobs.Encode(p)
	if err != nil {
		s.internal(w, "encode payload", err)
		return
	}
	job := store.Job{ID: jobID, Type: typ, UserID: p.UserID(), UserChatID: chatID(p), Queue: p.Queue(),
		TokenAddress: tokenOf(p), Payload: payload, MaxRetry: s.cfg.MaxRetry}
	if err := s.deps.Jobs.CreateJob(ctx, job); errors.Is(err, store.ErrConflict) {
		s.replayByID(w, ctx, jobID, p) // a concurrent request with the same key won
		return
	} else if err != nil {
		s.unavailable(w, "create job row", err)
		return
	}
	_, err = s.deps.Enqueuer.EnqueueContext(ctx, asynq.NewTask(string(typ), payload),
		asynq.TaskID(jobID), asynq.Queue(p.Queue()), asynq.MaxRetry(s.cfg.MaxRetry), asynq.Retention(s.cfg.Retention))
	switch {
	case errors.Is(err, asynq.ErrTaskIDConflict):
		s.replayByID(w, ctx, jobID, p)
	case err != nil:
		// The row must not claim a job that will never run.
		if ferr := s.deps.Jobs.FailJob(context.WithoutCancel(ctx), jobID, "enqueue failed", false); ferr != nil {
			s.log.Error().Err(ferr).Str("job_id", jobID).Msg("mark unenqueued job failed")
		}
		s.unavailable(w, "enqueue", err)
	default:
		s.metrics.enqueued(string(typ))
		s.log.Info().Str("job_id", jobID).Str("type", string(typ)).Str("user_id", p.UserID()).
			Str("queue", p.Queue()).Msg("job enqueued")
		writeJSON(w, http.StatusAccepted, enqueueReply{JobID: jobID, Type: typ, Queue: p.Queue()})
	}
}

func (s *Server) replayByID(w http.ResponseWriter, ctx context.Context, jobID string, p jobs.Payload) {
	job, err := s.deps.Jobs.GetJob(ctx, jobID)
	if err != nil {
		s.unavailable(w, "look up job of idempotency key", err)
		return
	}
	s.replay(w, job, p)
}

// replay answers a repeated Idempotency-Key with the first job when the payload is
// the same; a different payload under the same key is a client bug (a retry must
// repeat its request exactly), refused with 422 naming the fields that differ.
func (s *Server) replay(w http.ResponseWriter, job store.Job, p jobs.Payload) {
	if diff := payloadDiff(job, p); len(diff) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, errorBody{
			Error:  "Idempotency-Key already used with a different payload: " + clip(strings.Join(slices.Sorted(maps.Keys(diff)), ", ")),
			Fields: diff})
		return
	}
	w.Header().Set("Idempotent-Replayed", "true")
	writeJSON(w, http.StatusOK, enqueueReply{JobID: job.ID, Type: job.Type, Queue: job.Queue, State: job.State})
}

// payloadDiff names the top-level payload fields in which p differs from the first
// job's. Both sides are decoded and re-encoded, so the database's own JSON layout
// (jsonb reorders keys, rewrites numbers) and defaults do not count as a difference.
func payloadDiff(job store.Job, p jobs.Payload) map[string]string {
	const differs = "differs from the first request with this Idempotency-Key"
	first, err := jobs.Decode(job.Type, job.Payload)
	if err != nil {
		return map[string]string{"payload": differs}
	}
	a, errA := topLevel(first)
	b, errB := topLevel(p)
	if errA != nil || errB != nil {
		return map[string]string{"payload": differs}
	}
	diff := map[string]string{}
	for k := range a {
		if !bytes.Equal(a[k], b[k]) {
			diff[k] = differs
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			diff[k] = differs
		}
	}
	return diff
}

// topLevel is p's encoding split into its top-level fields.
func topLevel(p jobs.Payload) (map[string]json.RawMessage, error) {
	b, err := jobs.Encode(p)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	return m, json.Unmarshal(b, &m)
}

// readJSONBody enforces the JSON content type (415) and the size cap (413).
func readJSONBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", limit))
		return nil, false
	case err != nil:
		writeError(w, http.StatusBadRequest, "could not read the body")
		return nil, false
	}
	return body, true
}

func writeDecodeError(w http.ResponseWriter, err error) {
	var fe *jobs.FieldErrors
	switch {
	case errors.As(err, &fe):
		writeFields(w, "invalid payload", fe.Fields)
	case errors.Is(err, jobs.ErrTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, err.Error())
	default:
		writeError(w, http.StatusBadRequest, clip(err.Error()))
	}
}

func newJobID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// idempotentJobID scopes an Idempotency-Key by the caller (a hash of its API key),
// the job's user and the job type: the bot sends one key per Telegram message, and
// message ids repeat across chats, so one key names one job per (caller, user, type).
func idempotentJobID(caller, userID string, typ progress.WorkerType, key string) string {
	sum := sha256.Sum256([]byte(caller + "\x00" + userID + "\x00" + string(typ) + "\x00" + key))
	return "idem-" + hex.EncodeToString(sum[:16])
}

func chatID(p jobs.Payload) int64 {
	if c, ok := p.(interface{ ChatID() int64 }); ok {
		return c.ChatID()
	}
	return 0
}

// tokenOf is the token a job works on when its payload names one.
func tokenOf(p jobs.Payload) string {
	switch v := p.(type) {
	case *jobs.PrepareLaunchPayload:
		return v.TokenAddress
	case *jobs.ExecuteLaunchPayload:
		return v.TokenAddress
	case *jobs.DevSellPayload:
		return v.TokenAddress
	case *jobs.WalletSellPayload:
		return v.TokenAddress
	}
	return ""
}

// jobReply is GET /api/jobs/{jobId}: state, latest progress, steps, result or error.
type jobReply struct {
	JobID        string                        `json:"jobId"`
	Type         progress.WorkerType           `json:"type"`
	Queue        string                        `json:"queue"`
	State        store.JobState                `json:"state"`
	UserID       string                        `json:"userId"`
	TokenAddress string                        `json:"tokenAddress"`
	Attempt      int                           `json:"attempt"`
	MaxRetry     int                           `json:"maxRetry"`
	Progress     *progress.WorkerProgressEvent `json:"progress"`
	Steps        []progress.WorkerStepEvent    `json:"steps"`
	Result       any                           `json:"result,omitempty"`
	Error        string                        `json:"error,omitempty"`
	CreatedAt    time.Time                     `json:"createdAt"`
	UpdatedAt    time.Time                     `json:"updatedAt"`
	StartedAt    *time.Time                    `json:"startedAt,omitempty"`
	EndedAt      *time.Time                    `json:"endedAt,omitempty"`
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("jobId")
	if !safeID(id, 128) {
		writeError(w, http.StatusNotFound, "job not found")
		return
	}
	job, err := s.deps.Jobs.GetJob(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.getQueuedJob(w, r, id)
		return
	} else if err != nil {
		s.unavailable(w, "get job", err)
		return
	}
	if !requireUser(w, r, job.UserID) {
		return
	}
	steps, err := s.deps.Jobs.JobSteps(r.Context(), id)
	if err != nil {
		s.unavailable(w, "job steps", err)
		return
	}
	rep := jobReply{JobID: job.ID, Type: job.Type, Queue: job.Queue, State: job.State, UserID: job.UserID,
		TokenAddress: job.TokenAddress, Attempt: job.Attempt, MaxRetry: job.MaxRetry, Progress: job.LatestProgress,
		Steps: nonNil(steps), Error: job.Error, CreatedAt: job.CreatedAt, UpdatedAt: job.UpdatedAt,
		StartedAt: job.StartedAt, EndedAt: job.EndedAt}
	if len(job.Result) > 0 {
		rep.Result = redactJSON(job.Result) // results hold signatures and amounts; scrub anything else
	}
	writeJSON(w, http.StatusOK, rep)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// getQueuedJob answers for a task that has no row yet: one enqueued straight into asynq
// (the Telegram bot does) that no worker has started. The queue holds its type, owner
// and retry count; its progress and steps are empty until it runs.
func (s *Server) getQueuedJob(w http.ResponseWriter, r *http.Request, id string) {
	if s.metrics.inspector == nil {
		writeError(w, http.StatusNotFound, "job not found")
		return
	}
	for queue := range jobs.QueuePriorities {
		info, err := s.metrics.inspector.GetTaskInfo(queue, id)
		if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
			continue
		} else if err != nil {
			s.unavailable(w, "get queued task", err)
			return
		}
		owner := queuedOwner(info.Payload)
		if !requireUser(w, r, owner) {
			return
		}
		now := time.Now().UTC()
		writeJSON(w, http.StatusOK, jobReply{JobID: info.ID, Type: progress.WorkerType(info.Type), Queue: info.Queue,
			State: queuedState(info.State), UserID: owner, Attempt: info.Retried, MaxRetry: info.MaxRetry,
			Steps: []progress.WorkerStepEvent{}, Error: info.LastErr, CreatedAt: now, UpdatedAt: now})
		return
	}
	writeError(w, http.StatusNotFound, "job not found")
}

// queuedOwner is the userId of a task put straight into asynq, which no worker has
// validated yet: "" (only API keys and admins see the task) unless the payload names
// exactly one "userId", spelled so. {"userId":"a","UserId":"b"} would be b's to
// encoding/json, and the worker will refuse it anyway.
func queuedOwner(payload []byte) string {
	var top map[string]json.RawMessage
	if strictjson.Decode(payload, &top) != nil {
		return ""
	}
	var owner string
	for k, v := range top {
		switch {
		case k == "userId":
			if json.Unmarshal(v, &owner) != nil {
				return ""
			}
		case strings.EqualFold(k, "userId"):
			return ""
		}
	}
	return owner
}

// queuedState maps an asynq task state onto a job state.
func queuedState(st asynq.TaskState) store.JobState {
	switch st {
	case asynq.TaskStateActive:
		return store.JobRunning
	case asynq.TaskStateRetry:
		return store.JobRetrying
	case asynq.TaskStateArchived:
		return store.JobFailed
	case asynq.TaskStateCompleted:
		return store.JobCompleted
	}
	return store.JobQueued
}
