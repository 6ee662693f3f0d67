package api

import (
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

// enqueueReply is the body of 202 (new job) and 200 (repeat with the same key).
type enqueueReply struct {
	JobID string              `json:"jobId"`
	Type  progress.WorkerType `json:"type"`
	Queue string              `json:"queue"`
	State store.JobState      `json:"state,omitempty"`
}

// enqueue validates a payload and hands it to jobs.Enqueue, scoped by the caller's
// API key: 202 for a new job, 200 with the first job for a repeated Idempotency-Key,
// 422 naming what differs when that key came with another payload.
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
	if idem != "" && !jobs.ValidID(idem) {
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
	if s.deps.Owners != nil {
		var refused *jobs.OwnershipError
		if err := jobs.CheckOwners(r.Context(), s.deps.Owners, p); errors.As(err, &refused) {
			writeJSON(w, refused.Status, errorBody{Error: "the payload names what user " + clip(p.UserID()) + " does not own", Fields: refused.Fields})
			return
		} else if err != nil {
			s.unavailable(w, "check owners", err)
			return
		}
	}
	req := jobs.Request{Type: typ, Payload: p, Caller: jobs.Caller(credential(r)), Key: idem}
	e, err := jobs.Enqueue(r.Context(), s.deps.Enqueuer, s.deps.Jobs, req, s.cfg.Enqueue)
	var reused *jobs.KeyReusedError
	switch {
	case errors.As(err, &reused):
		writeJSON(w, http.StatusUnprocessableEntity, errorBody{
			Error:  "Idempotency-Key already used with a different payload: " + clip(strings.Join(slices.Sorted(maps.Keys(reused.Fields)), ", ")),
			Fields: reused.Fields})
	case err != nil:
		s.unavailable(w, "enqueue", err)
	case e.Replayed:
		w.Header().Set("Idempotent-Replayed", "true")
		writeJSON(w, http.StatusOK, enqueueReply{JobID: e.ID, Type: e.Type, Queue: e.Queue, State: e.State})
	default:
		s.metrics.enqueued(string(typ))
		s.log.Info().Str("job_id", e.ID).Str("type", string(typ)).Str("user_id", p.UserID()).
			Str("queue", e.Queue).Msg("job enqueued")
		writeJSON(w, http.StatusAccepted, enqueueReply{JobID: e.ID, Type: typ, Queue: e.Queue})
	}
}

// decodeJSONBody reads a JSON body (readJSONBody) and decodes it strictly into v,
// answering 400 with msg and the expected shape when it does not fit. The caller
// clears the returned body when done: it may hold a secret key.
func decodeJSONBody(w http.ResponseWriter, r *http.Request, limit int64, v any, msg, shape string) ([]byte, bool) {
	body, ok := readJSONBody(w, r, limit)
	if !ok {
		return nil, false
	}
	if err := strictjson.Decode(body, v); err != nil {
		clear(body)
		writeStrictError(w, msg, shape, err)
		return nil, false
	}
	return body, true
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
	if !jobs.ValidID(id) {
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
