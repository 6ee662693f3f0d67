package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nitro-runtime/nitro/progress/wire"
)

// Event is one stored progress event of a job.
type Event struct {
	JobID     string          `json:"jobId"`
	Seq       int64           `json:"seq"`
	Name      string          `json:"name"`
	Payload   json.RawMessage `json:"payload"`
	CreatedAt time.Time       `json:"createdAt"`
}

// persistSQL writes one batch of the progress hub in one statement (one round trip):
// the events are inserted idempotently on (job_id, seq); each launch row gets its new
// state unless it has a later one; each job row is upserted from the typed columns its run's reporter set
// (nothing is read back out of the JSON), unless the row already reflects a later event.
// A job with no row yet (a task enqueued straight into asynq) gets one. Rows come in key
// order, so that overlapping batches written at once (a retried batch) cannot deadlock.
const persistSQL = `
WITH ins AS (
	INSERT INTO job_events (job_id, seq, name, payload, created_at)
	SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], string_to_array($4::text, E'\n')::jsonb[],
		$5::timestamptz[]) AS e(job_id, seq, name, payload, at) ORDER BY job_id, seq
	ON CONFLICT (job_id, seq) DO NOTHING
), launch AS (
	UPDATE launches AS l SET state = u.state, state_version = u.version, updated_at = now()
	FROM unnest($6::text[], $7::jsonb[], $23::bigint[]) AS u(token, state, version)
	WHERE l.token_address = u.token AND l.state_version < u.version
)
INSERT INTO jobs AS j (id, latest_seq, type, user_id, user_chat_id, token_address, queue, attempt, max_retry,
	state, latest_progress, result, error, started_at, ended_at)
SELECT id, seq, type, user_id, chat, token, queue, attempt, max_retry, state, NULLIF(latest, '')::jsonb, result,
	err, started, ended
FROM unnest($8::text[], $9::bigint[], $10::text[], $11::text[], $12::bigint[], $13::text[], $14::text[],
	$15::int[], $16::int[], $17::text[], string_to_array($18::text, E'\n'), $19::jsonb[], $20::text[], $21::timestamptz[],
	$22::timestamptz[])
	AS r(id, seq, type, user_id, chat, token, queue, attempt, max_retry, state, latest, result, err, started, ended)
ORDER BY id
ON CONFLICT (id) DO UPDATE SET
	latest_seq = EXCLUDED.latest_seq, state = EXCLUDED.state,
	type = COALESCE(NULLIF(EXCLUDED.type, ''), j.type), user_id = COALESCE(NULLIF(EXCLUDED.user_id, ''), j.user_id),
	user_chat_id = COALESCE(NULLIF(EXCLUDED.user_chat_id, 0), j.user_chat_id),
	token_address = COALESCE(NULLIF(EXCLUDED.token_address, ''), j.token_address),
	queue = COALESCE(NULLIF(EXCLUDED.queue, ''), j.queue), attempt = EXCLUDED.attempt, max_retry = EXCLUDED.max_retry,
	-- A run that has not reported yet shows the earlier run's latest progress; a running
	-- one the error of the run before it.
	latest_progress = COALESCE(EXCLUDED.latest_progress, j.latest_progress),
	result = COALESCE(EXCLUDED.result, j.result),
	error = CASE WHEN EXCLUDED.state = 'running' THEN j.error ELSE EXCLUDED.error END,
	started_at = EXCLUDED.started_at, ended_at = EXCLUDED.ended_at,
	-- Indexed: changing it on every batch would make every update a non-HOT one.
	updated_at = CASE WHEN j.state <> EXCLUDED.state OR j.updated_at < now() - interval '1 second'
		THEN now() ELSE j.updated_at END
WHERE EXCLUDED.latest_seq > COALESCE(j.latest_seq, -1)`

// Persist stores a batch of the progress hub (progress.Persister). Re-sending a batch is
// harmless, and a job row older than what is stored never moves the job back.
func (s *Store) Persist(ctx context.Context, b wire.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	n := len(b.Events)
	jobIDs, names := make([]string, n), make([]string, n)
	seqs, ats := make([]int64, n), make([]time.Time, n)
	payloads := payloadBuffers.Get().(*bytes.Buffer)
	defer payloadBuffers.Put(payloads)
	payloads.Reset()
	now := time.Now()
	for i, r := range b.Events {
		if i > 0 {
			payloads.WriteByte('\n')
		}
		if err := appendPayload(payloads, r.JSON); err != nil {
			return fmt.Errorf("persist events: job %s seq %d: %w", r.JobID, r.Seq, err)
		}
		jobIDs[i], seqs[i], names[i], ats[i] = r.JobID, r.Seq, r.Name, r.At
		if r.At.IsZero() {
			ats[i] = now
		}
	}
	// One text parameter for all payloads, split by Postgres: a jsonb[] parameter cost
	// pgx three copies of every payload (element, array, message), a quarter of the
	// server's allocations at 20k events/s.
	var events any = payloads.String()
	if n == 0 {
		events = nil // string_to_array('') is one empty element; NULL is none
	}
	tokens, states := make([]string, len(b.Launches)), make([]wire.LaunchState, len(b.Launches))
	versions := make([]int64, len(b.Launches))
	for i, l := range b.Launches {
		tokens[i], states[i], versions[i] = l.TokenAddress, l.State, l.Version
	}
	j, err := jobColumnsOf(b.Jobs)
	if err != nil {
		return fmt.Errorf("persist %d jobs: %w", len(b.Jobs), err)
	}
	// An unnamed statement, planned for its parameters every time: after five runs of
	// a named one PostgreSQL may settle on a generic plan, which it prices below the
	// custom ones but which made a batch of 512 events and 64 job rows take 16–20 ms
	// against 10–12 ms planned for the batch at hand (BenchmarkPersistEvents).
	if _, err = s.pool.Exec(ctx, persistSQL, pgx.QueryExecModeDescribeExec, jobIDs, seqs, names, events, ats, tokens, states,
		j.ids, j.seqs, j.types, j.users, j.chats, j.tokens, j.queues, j.attempts, j.maxRetries, j.states,
		j.latest, j.results, j.errs, j.started, j.ended, versions); err != nil {
		return fmt.Errorf("persist %d events, %d jobs, %d launches: %w", n, len(b.Jobs), len(b.Launches), err)
	}
	return nil
}

// jobRowColumns is a batch's job rows as one array per column.
type jobRowColumns struct {
	ids, types, users, tokens, queues, states []string
	seqs, chats                               []int64
	attempts, maxRetries                      []int32
	errs                                      []string
	results                                   []*string
	// latest holds the rows' latest progress one per line, as the events' payloads
	// (an empty line is none): a jsonb[] parameter made this cost a third of a batch.
	latest         string
	started, ended []*time.Time
}

func jobColumnsOf(rows []wire.JobRow) (jobRowColumns, error) {
	n := len(rows)
	c := jobRowColumns{
		ids: make([]string, n), types: make([]string, n), users: make([]string, n), tokens: make([]string, n),
		queues: make([]string, n), states: make([]string, n), seqs: make([]int64, n), chats: make([]int64, n),
		attempts: make([]int32, n), maxRetries: make([]int32, n),
		results: make([]*string, n), errs: make([]string, n), started: make([]*time.Time, n),
		ended: make([]*time.Time, n),
	}
	var latest bytes.Buffer
	for i, r := range rows {
		c.ids[i], c.types[i], c.users[i], c.tokens[i] = r.ID, string(r.Type), r.UserID, r.TokenAddress
		c.queues[i], c.states[i], c.seqs[i], c.chats[i] = r.Queue, string(r.State), r.Seq, r.UserChatID
		c.attempts[i], c.maxRetries[i] = int32(r.Attempt), int32(r.MaxRetry)
		c.results[i], c.errs[i] = jsonText(r.Result), r.Error
		if i > 0 {
			latest.WriteByte('\n')
		}
		if r.Latest != nil {
			if err := appendPayload(&latest, r.Latest); err != nil {
				return c, fmt.Errorf("job %s: latest progress: %w", r.ID, err)
			}
		}
		if !r.StartedAt.IsZero() {
			c.started[i] = &r.StartedAt
		}
		if !r.EndedAt.IsZero() {
			c.ended[i] = &r.EndedAt
		}
	}
	c.latest = latest.String()
	return c, nil
}

// jsonText is b as a jsonb parameter: nil stays NULL; \u0000, which jsonb refuses, is replaced.
func jsonText(b []byte) *string {
	if b == nil {
		return nil
	}
	s := string(sanitizeJSON(b))
	return &s
}

// payloadBuffers hold a batch's joined payloads between batches.
var payloadBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// nulEscape is how encoding/json writes U+0000, which jsonb refuses; one error text
// holding it must not cost the whole batch.
var nulEscape = []byte(`\u0000`)

// appendPayload writes an event's payload to dst as one line of JSON: the bytes the
// record was made with, \u0000 replaced, and no raw newline (compact encoding, what the
// hub writes, has none; anything else is compacted: a newline inside a JSON string is
// always escaped, so only insignificant whitespace goes).
func appendPayload(dst *bytes.Buffer, b []byte) error {
	if len(b) == 0 {
		return errors.New("event without a payload")
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
func (s *Store) JobSteps(ctx context.Context, id string) ([]wire.WorkerStepEvent, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT payload FROM job_events WHERE job_id = $1 AND name = $2 ORDER BY seq`, id, wire.EventWorkerStep)
	steps, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (wire.WorkerStepEvent, error) {
		var st wire.WorkerStepEvent
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
