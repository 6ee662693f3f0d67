package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nitro-runtime/nitro/progress"
)

// Event is one stored progress event of a job.
type Event struct {
	JobID     string          `json:"jobId"`
	Seq       int64           `json:"seq"`
	Name      string          `json:"name"`
	Payload   json.RawMessage `json:"payload"`
	CreatedAt time.Time       `json:"createdAt"`
}

// persistSQL writes a whole batch in one statement (one round trip): the events are
// inserted idempotently on (job_id, seq), and each job's row gets the batch's
// worker_progress of highest seq unless the row already holds a later one. A job with
// no row yet gets a minimal one, so its events are never orphaned. The job's state
// follows its latest progress (completed, failed, retrying, running) unless
// FinishJob or FailJob already ended it. Rows are written in (job_id, seq) order so
// that overlapping batches written at once (a retried batch) cannot deadlock.
const persistSQL = `
WITH ev AS (
	SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], string_to_array($4::text, E'\n')::jsonb[],
		$5::timestamptz[], $6::text[], $7::text[])
		AS e(job_id, seq, name, payload, at, user_id, token)
), ins AS (
	INSERT INTO job_events (job_id, seq, name, payload, created_at)
	SELECT job_id, seq, name, payload, at FROM ev ORDER BY job_id, seq
	ON CONFLICT (job_id, seq) DO NOTHING
), per_job AS (
	-- Launch events carry no workerType: take it from whichever event has one.
	SELECT job_id, max(user_id) AS user_id, max(token) AS token, COALESCE(max(payload->>'workerType'), '') AS type
	FROM ev GROUP BY job_id
), prog AS (
	SELECT DISTINCT ON (job_id) job_id, seq, payload,
		CASE WHEN payload->>'status' = 'completed' THEN 'completed'
		     WHEN payload->>'status' = 'failed' THEN 'failed'
		     WHEN payload->'details'->>'retrying' = 'true' THEN 'retrying'
		     ELSE 'running' END AS state
	FROM ev WHERE name = 'worker_progress' ORDER BY job_id, seq DESC
), bare AS (
	-- Jobs with no worker_progress in the batch only need their row to exist; DO NOTHING
	-- leaves an existing row untouched, where a no-op DO UPDATE would still lock it.
	INSERT INTO jobs (id, type, user_id, token_address, state, started_at)
	SELECT p.job_id, p.type, p.user_id, p.token, 'running', now()
	FROM per_job p WHERE NOT EXISTS (SELECT 1 FROM prog g WHERE g.job_id = p.job_id) ORDER BY p.job_id
	ON CONFLICT (id) DO NOTHING
)
INSERT INTO jobs AS j (id, type, user_id, user_chat_id, token_address, state, latest_progress, latest_seq,
	started_at, ended_at)
SELECT p.job_id, p.type, p.user_id,
	CASE WHEN jsonb_typeof(g.payload->'userChatId') = 'number' THEN (g.payload->>'userChatId')::numeric::bigint ELSE 0 END,
	p.token, g.state, g.payload, g.seq, now(),
	CASE WHEN g.state IN ('completed', 'failed') THEN now() END
FROM per_job p JOIN prog g USING (job_id) ORDER BY p.job_id
ON CONFLICT (id) DO UPDATE SET
	latest_progress = EXCLUDED.latest_progress, latest_seq = EXCLUDED.latest_seq,
	-- Indexed: changing it on every batch would make every update a non-HOT one.
	updated_at = CASE WHEN j.updated_at < now() - interval '1 second' THEN now() ELSE j.updated_at END,
	-- FinishJob/FailJob are final: a late batch of the same run must not reopen the job.
	state = CASE WHEN j.state IN ('completed', 'failed') THEN j.state ELSE EXCLUDED.state END,
	ended_at = CASE WHEN j.state IN ('completed', 'failed') THEN j.ended_at
	                WHEN EXCLUDED.ended_at IS NOT NULL THEN COALESCE(j.ended_at, EXCLUDED.ended_at) END,
	token_address = CASE WHEN j.token_address = '' THEN EXCLUDED.token_address ELSE j.token_address END
WHERE EXCLUDED.latest_seq > COALESCE(j.latest_seq, -1)`

// PersistEvents stores a batch of progress records (progress.Persister). Re-sending a
// batch is harmless, and a batch older than what is stored never moves a job's latest
// progress back.
func (s *Store) PersistEvents(ctx context.Context, batch []progress.Record) error {
	if len(batch) == 0 {
		return nil
	}
	n := len(batch)
	jobIDs, names, users, tokens := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	seqs, ats := make([]int64, n), make([]time.Time, n)
	payloads := payloadBuffers.Get().(*bytes.Buffer)
	defer payloadBuffers.Put(payloads)
	payloads.Reset()
	now := time.Now()
	for i, r := range batch {
		if i > 0 {
			payloads.WriteByte('\n')
		}
		if err := appendRecord(payloads, r); err != nil {
			return fmt.Errorf("persist events: job %s seq %d: %w", r.JobID, r.Seq, err)
		}
		jobIDs[i], seqs[i], names[i] = r.JobID, r.Seq, r.Name
		users[i], tokens[i], ats[i] = r.UserID, r.TokenAddress, r.At
		if r.At.IsZero() {
			ats[i] = now
		}
	}
	// One text parameter for all payloads, split by Postgres: a jsonb[] parameter cost
	// pgx three copies of every payload (element, array, message), a quarter of the
	// server's allocations at 20k events/s.
	if _, err := s.pool.Exec(ctx, persistSQL, jobIDs, seqs, names, payloads.Bytes(), ats, users, tokens); err != nil {
		return fmt.Errorf("persist %d events: %w", n, err)
	}
	return nil
}

// payloadBuffers hold a batch's joined payloads between batches.
var payloadBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// nulEscape is how encoding/json writes U+0000, which jsonb refuses; one error text
// holding it must not cost the whole batch.
var nulEscape = []byte(`\u0000`)

// appendRecord writes r's payload to dst as one line of JSON: the bytes the progress hub
// already encoded when it did, \u0000 replaced, and no raw newline (compact encoding, what
// the hub writes, has none; anything else is compacted: a newline inside a JSON string is
// always escaped, so only insignificant whitespace goes).
func appendRecord(dst *bytes.Buffer, r progress.Record) error {
	b := r.JSON
	if b == nil {
		var err error
		if b, err = json.Marshal(r.Payload); err != nil {
			return err
		}
	}
	b = sanitizeJSON(b)
	if bytes.IndexByte(b, '\n') < 0 {
		dst.Write(b)
		return nil
	}
	return json.Compact(dst, b)
}

// sanitizeJSON replaces \u0000, which jsonb refuses; the input is not modified.
func sanitizeJSON(b []byte) []byte {
	if bytes.Contains(b, nulEscape) {
		return bytes.ReplaceAll(b, nulEscape, []byte(`\ufffd`))
	}
	return b
}

// JobEvents returns up to limit events of job id with seq > afterSeq, in seq order.
func (s *Store) JobEvents(ctx context.Context, id string, afterSeq int64, limit int) ([]Event, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, _ := s.pool.Query(ctx, `
		SELECT job_id, seq, name, payload, created_at FROM job_events
		WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, id, afterSeq, limit)
	evs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Event])
	if err != nil {
		return nil, fmt.Errorf("events of job %s: %w", id, err)
	}
	return evs, nil
}

// JobSteps returns the worker_step events of job id in order (all runs).
func (s *Store) JobSteps(ctx context.Context, id string) ([]progress.WorkerStepEvent, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT payload FROM job_events WHERE job_id = $1 AND name = $2 ORDER BY seq`, id, progress.EventWorkerStep)
	steps, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (progress.WorkerStepEvent, error) {
		var st progress.WorkerStepEvent
		var b []byte
		if err := row.Scan(&b); err != nil {
			return st, err
		}
		return st, json.Unmarshal(b, &st)
	})
	if err != nil {
		return nil, fmt.Errorf("steps of job %s: %w", id, err)
	}
	return steps, nil
}

// pruneBatch bounds one DELETE of PruneEvents, so no statement holds its locks (or
// builds WAL) for long while the progress writers keep inserting.
const pruneBatch = 5000

// PruneEvents deletes the progress events stored before before, in batches, and
// returns how many it deleted. Jobs keep their rows and latest progress, launches
// their state: snapshots and the job endpoints still answer, only the event history of
// old jobs is gone. It stops early, with what it deleted so far, when ctx ends.
func (s *Store) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		tag, err := s.pool.Exec(ctx, `
			DELETE FROM job_events WHERE ctid = ANY (ARRAY(
				SELECT ctid FROM job_events WHERE created_at < $1 LIMIT $2))`, before, pruneBatch)
		if err != nil {
			return total, fmt.Errorf("prune events before %s: %w", before.Format(time.RFC3339), err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < pruneBatch {
			return total, nil
		}
	}
}
