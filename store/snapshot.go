package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/nitro-runtime/nitro/progress/wire"
)

// Snapshot windows of the external contract: jobs running or ended within the last hour,
// launches of the last 24 hours.
const (
	snapshotJobWindow    = "1 hour"
	snapshotLaunchWindow = "24 hours"
)

// DefaultSnapshotLimit caps a snapshot when the caller passes limit <= 0.
const DefaultSnapshotLimit = 200

// The jobs queries collect ids from two index range scans (active jobs by the partial
// index, recent jobs by updated_at) and then read their rows, newest first; `all` has its own SQL so that the
// per-user form keeps using the user_id indexes.
var (
	snapJobsUser = `SELECT latest_progress FROM jobs WHERE id IN (
		SELECT id FROM jobs WHERE user_id = $1 AND state IN ('running', 'retrying')
		UNION
		SELECT id FROM jobs WHERE user_id = $1 AND updated_at >= now() - interval '` + snapshotJobWindow + `'
	) AND latest_progress IS NOT NULL ORDER BY updated_at DESC, id LIMIT $2`
	snapJobsAll = `SELECT latest_progress FROM jobs WHERE id IN (
		SELECT id FROM jobs WHERE state IN ('running', 'retrying')
		UNION
		SELECT id FROM jobs WHERE updated_at >= now() - interval '` + snapshotJobWindow + `'
	) AND latest_progress IS NOT NULL ORDER BY updated_at DESC, id LIMIT $1`
	snapLaunchesUser = `SELECT state FROM launches
		WHERE user_id = $1 AND updated_at >= now() - interval '` + snapshotLaunchWindow + `'
		ORDER BY updated_at DESC, token_address LIMIT $2`
	snapLaunchesAll = `SELECT state FROM launches
		WHERE updated_at >= now() - interval '` + snapshotLaunchWindow + `'
		ORDER BY updated_at DESC, token_address LIMIT $1`
)

// Snapshot returns what a socket sees right after subscribing: the latest
// worker_progress of each of the user's jobs that is running or changed in the last
// hour, and the LaunchProgress of the user's launches changed in the last 24 hours,
// newest first. all=true covers every user (admin_launches); limit caps each list.
func (s *Store) Snapshot(ctx context.Context, userID string, all bool, limit int) ([]wire.WorkerProgressEvent, []wire.LaunchProgress, error) {
	if limit <= 0 {
		limit = DefaultSnapshotLimit
	}
	b := &pgx.Batch{}
	if all {
		b.Queue(snapJobsAll, limit)
		b.Queue(snapLaunchesAll, limit)
	} else {
		b.Queue(snapJobsUser, userID, limit)
		b.Queue(snapLaunchesUser, userID, limit)
	}
	res := s.pool.SendBatch(ctx, b)
	defer res.Close()
	jobs, err := collectJSON[wire.WorkerProgressEvent](res)
	if err != nil {
		return nil, nil, fmt.Errorf("snapshot jobs: %w", err)
	}
	states, err := collectJSON[wire.LaunchState](res)
	if err != nil {
		return nil, nil, fmt.Errorf("snapshot launches: %w", err)
	}
	launches := make([]wire.LaunchProgress, len(states))
	for i, st := range states {
		launches[i] = st.Progress
	}
	return jobs, launches, res.Close()
}

func collectJSON[T any](res pgx.BatchResults) ([]T, error) {
	rows, _ := res.Query()
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (T, error) {
		var v T
		var b []byte
		if err := row.Scan(&b); err != nil {
			return v, err
		}
		return v, json.Unmarshal(b, &v)
	})
}
