package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nitro-runtime/nitro/progress/wire"
)

// JobState is jobs.state.
type JobState = wire.JobState

// The states of a job. The row has two writers, one after the other: the enqueue path
// (CreateJob: queued; FailJob and ReviveJob while no run has started) and, from a
// run's start on, the progress hub (Persist: running, retrying, completed, failed).
const (
	JobQueued    = wire.JobQueued
	JobRunning   = wire.JobRunning
	JobRetrying  = wire.JobRetrying
	JobCompleted = wire.JobCompleted
	JobFailed    = wire.JobFailed
)

// Job is one asynq task as the store knows it. Payload never holds secrets.
type Job struct {
	ID             string                    `json:"jobId"`
	Type           wire.WorkerType           `json:"type"`
	UserID         string                    `json:"userId"`
	UserChatID     int64                     `json:"userChatId"`
	Queue          string                    `json:"queue"`
	State          JobState                  `json:"state"`
	TokenAddress   string                    `json:"tokenAddress"`
	Payload        json.RawMessage           `json:"payload,omitempty"`
	Attempt        int                       `json:"attempt"`
	MaxRetry       int                       `json:"maxRetry"`
	Result         json.RawMessage           `json:"result,omitempty"`
	Error          string                    `json:"error,omitempty"`
	LatestProgress *wire.WorkerProgressEvent `json:"latestProgress,omitempty"`
	LatestSeq      int64                     `json:"latestSeq"`
	CreatedAt      time.Time                 `json:"createdAt"`
	UpdatedAt      time.Time                 `json:"updatedAt"`
	StartedAt      *time.Time                `json:"startedAt,omitempty"`
	EndedAt        *time.Time                `json:"endedAt,omitempty"`
}

// CreateJob inserts a job (state queued unless set); ErrConflict if the id exists.
func (s *Store) CreateJob(ctx context.Context, j Job) error {
	if j.State == "" {
		j.State = JobQueued
	}
	payload := j.Payload
	if len(payload) == 0 {
		payload = json.RawMessage("{}")
	}
	tag, err := s.pool.Exec(ctx, `
		INSERT INTO jobs (id, type, user_id, user_chat_id, queue, state, token_address, payload, attempt, max_retry)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (id) DO NOTHING`,
		j.ID, j.Type, j.UserID, j.UserChatID, j.Queue, j.State, j.TokenAddress, payload, j.Attempt, j.MaxRetry)
	if err != nil {
		return fmt.Errorf("create job %s: %w", j.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("create job %s: %w", j.ID, ErrConflict)
	}
	return nil
}

// FailJob records that job id will not run: its task never reached the queue (the
// enqueue path's own failure, which ReviveJob can undo). A job whose run has started is
// the progress hub's to end: FailJob leaves it alone (ErrNotFound).
func (s *Store) FailJob(ctx context.Context, id, errText string, retrying bool) error {
	state := JobFailed
	if retrying {
		state = JobRetrying
	}
	return s.execOne(ctx, "fail job "+id, `
		UPDATE jobs SET state = $2, error = $3, updated_at = now(),
			ended_at = CASE WHEN $2 = 'failed' THEN now() END
		WHERE id = $1 AND started_at IS NULL`, id, state, errText)
}

// ReviveJob hands back to queued a job whose row was failed with errText before
// any run started (its task never reached the queue), so that a retry of the same
// request can enqueue it again. It reports whether this call revived it: false when
// the row is in any other state, or another caller revived it first.
func (s *Store) ReviveJob(ctx context.Context, id, errText string) (bool, error) {
	tag, err := s.pool.Exec(ctx, `
		UPDATE jobs SET state = 'queued', error = '', ended_at = NULL, updated_at = now()
		WHERE id = $1 AND state = 'failed' AND error = $2 AND started_at IS NULL`, id, errText)
	if err != nil {
		return false, fmt.Errorf("revive job %s: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

const jobColumns = `id, type, user_id, user_chat_id, queue, state, token_address, payload, attempt,
	max_retry, result, error, latest_progress, COALESCE(latest_seq, 0), created_at, updated_at, started_at, ended_at`

// GetJob returns job id with its latest worker_progress.
func (s *Store) GetJob(ctx context.Context, id string) (Job, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = $1`, id)
	j, err := pgx.CollectExactlyOneRow(rows, scanJob)
	if err != nil {
		return Job{}, notFound(err, "get job "+id)
	}
	return j, nil
}

func scanJob(row pgx.CollectableRow) (Job, error) {
	var j Job
	var latest []byte
	err := row.Scan(&j.ID, &j.Type, &j.UserID, &j.UserChatID, &j.Queue, &j.State, &j.TokenAddress,
		&j.Payload, &j.Attempt, &j.MaxRetry, &j.Result, &j.Error, &latest, &j.LatestSeq,
		&j.CreatedAt, &j.UpdatedAt, &j.StartedAt, &j.EndedAt)
	if err != nil {
		return Job{}, err
	}
	if latest != nil {
		j.LatestProgress = new(wire.WorkerProgressEvent)
		if err := json.Unmarshal(latest, j.LatestProgress); err != nil {
			return Job{}, fmt.Errorf("decode latest progress: %w", err)
		}
	}
	return j, nil
}

// execOne runs a statement that must touch one row; none is ErrNotFound.
func (s *Store) execOne(ctx context.Context, what, sql string, args ...any) error {
	tag, err := s.pool.Exec(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}
