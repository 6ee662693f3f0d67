package store

import "context"

// Exec lets the external tests age rows and tamper with sealed columns.
func (s *Store) Exec(ctx context.Context, sql string, args ...any) error {
	_, err := s.pool.Exec(ctx, sql, args...)
	return err
}

// QueryInt reads one integer, for assertions on table contents.
func (s *Store) QueryInt(ctx context.Context, sql string, args ...any) (n int64, err error) {
	err = s.pool.QueryRow(ctx, sql, args...).Scan(&n)
	return n, err
}

// ExplainSnapshotJobs returns the plan of Snapshot's jobs query.
func (s *Store) ExplainSnapshotJobs(ctx context.Context, userID string, all bool) (string, error) {
	q, args := "EXPLAIN "+snapJobsUser, []any{userID, 100}
	if all {
		q, args = "EXPLAIN "+snapJobsAll, []any{100}
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var plan string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		plan += line + "\n"
	}
	return plan, rows.Err()
}
