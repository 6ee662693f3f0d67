package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// TxState is tx_journal.state.
type TxState string

// The fates of a journaled transaction.
const (
	TxPending   TxState = "pending"   // signed and journaled, maybe not sent
	TxSent      TxState = "sent"      // accepted by an RPC node, not yet confirmed
	TxConfirmed TxState = "confirmed" // landed successfully
	TxFailed    TxState = "failed"    // landed with an error, or rejected
	TxExpired   TxState = "expired"   // blockhash expired without landing
)

// Settled reports whether the transaction's fate is known.
func (s TxState) Settled() bool { return s == TxConfirmed || s == TxFailed || s == TxExpired }

// TxRecord is one journaled transaction, written before it is sent.
type TxRecord struct {
	ID              int64     `json:"id"`
	JobID           string    `json:"jobId"`
	StepKey         string    `json:"stepKey"`
	Attempt         int       `json:"attempt"`
	Signature       string    `json:"signature"`
	SignedTx        []byte    `json:"-"`
	Blockhash       string    `json:"blockhash"`
	LastValidHeight uint64    `json:"lastValidHeight"`
	State           TxState   `json:"state"`
	Error           string    `json:"error,omitempty"`
	CreatedAt       time.Time `json:"createdAt"`
	UpdatedAt       time.Time `json:"updatedAt"`
}

// JournalTx records a signed transaction before it is sent (state pending unless
// set). Journaling the same signature again for the same job and step is a no-op;
// for another job or step it is ErrConflict.
func (s *Store) JournalTx(ctx context.Context, t TxRecord) error {
	if t.Signature == "" || len(t.SignedTx) == 0 || t.JobID == "" || t.StepKey == "" {
		return fmt.Errorf("journal tx: job, step, signature and signed bytes are required")
	}
	if t.State == "" {
		t.State = TxPending
	}
	var jobID, step string
	err := s.pool.QueryRow(ctx, `
		WITH ins AS (
			INSERT INTO tx_journal (job_id, step_key, attempt, signature, signed_tx, blockhash, last_valid_height, state, error)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (signature) DO NOTHING
			RETURNING job_id, step_key)
		SELECT job_id, step_key FROM ins
		UNION ALL SELECT job_id, step_key FROM tx_journal WHERE signature = $4
		LIMIT 1`,
		t.JobID, t.StepKey, t.Attempt, t.Signature, t.SignedTx, t.Blockhash, int64(t.LastValidHeight), t.State, t.Error,
	).Scan(&jobID, &step)
	if errors.Is(err, pgx.ErrNoRows) {
		// Inserted by a concurrent call after this statement's snapshot was taken.
		return fmt.Errorf("journal tx %s: journaled concurrently: %w", t.Signature, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("journal tx %s: %w", t.Signature, err)
	}
	if jobID != t.JobID || step != t.StepKey {
		return fmt.Errorf("journal tx %s: journaled for job %s step %s: %w", t.Signature, jobID, step, ErrConflict)
	}
	return nil
}

// MarkTx records what became of a transaction. A confirmed transaction stays
// confirmed: a late "sent" or "expired" from a slower path does not undo it.
func (s *Store) MarkTx(ctx context.Context, signature string, state TxState, errText string) error {
	return s.execOne(ctx, "mark tx "+signature, `
		UPDATE tx_journal SET
			state = CASE WHEN state = 'confirmed' THEN state ELSE $2 END,
			error = CASE WHEN state = 'confirmed' THEN error ELSE $3 END,
			updated_at = now()
		WHERE signature = $1`, signature, state, errText)
}

const txColumns = `id, job_id, step_key, attempt, signature, signed_tx, blockhash, last_valid_height, state, error, created_at, updated_at`

func (s *Store) queryTxs(ctx context.Context, what, where string, args ...any) ([]TxRecord, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+txColumns+` FROM tx_journal WHERE `+where+` ORDER BY id`, args...)
	txs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (TxRecord, error) {
		var t TxRecord
		var lvh int64
		err := row.Scan(&t.ID, &t.JobID, &t.StepKey, &t.Attempt, &t.Signature, &t.SignedTx, &t.Blockhash,
			&lvh, &t.State, &t.Error, &t.CreatedAt, &t.UpdatedAt)
		t.LastValidHeight = uint64(lvh)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return txs, nil
}

// UnsettledTxs returns the job's transactions still pending or sent, oldest first: a
// retried run settles them before sending anything new.
func (s *Store) UnsettledTxs(ctx context.Context, jobID string) ([]TxRecord, error) {
	return s.queryTxs(ctx, "unsettled txs of job "+jobID, `job_id = $1 AND state IN ('pending', 'sent')`, jobID)
}

// TxsForStep returns every transaction journaled for one step of a job, oldest first.
func (s *Store) TxsForStep(ctx context.Context, jobID, stepKey string) ([]TxRecord, error) {
	return s.queryTxs(ctx, "txs of job "+jobID+" step "+stepKey, `job_id = $1 AND step_key = $2`, jobID, stepKey)
}

// Checkpoint saves the output of a finished step (as JSON), replacing an earlier one.
func (s *Store) Checkpoint(ctx context.Context, jobID, stepKey string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("checkpoint %s/%s: %w", jobID, stepKey, err)
	}
	_, err = s.pool.Exec(ctx, `
		INSERT INTO job_checkpoints (job_id, step_key, data) VALUES ($1, $2, $3)
		ON CONFLICT (job_id, step_key) DO UPDATE SET data = EXCLUDED.data, created_at = now()`,
		jobID, stepKey, b)
	if err != nil {
		return fmt.Errorf("checkpoint %s/%s: %w", jobID, stepKey, err)
	}
	return nil
}

// GetCheckpoint decodes the step's checkpoint into into and reports whether one exists.
func (s *Store) GetCheckpoint(ctx context.Context, jobID, stepKey string, into any) (bool, error) {
	var b []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM job_checkpoints WHERE job_id = $1 AND step_key = $2`,
		jobID, stepKey).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("get checkpoint %s/%s: %w", jobID, stepKey, err)
	}
	if err := json.Unmarshal(b, into); err != nil {
		return true, fmt.Errorf("decode checkpoint %s/%s: %w", jobID, stepKey, err)
	}
	return true, nil
}
