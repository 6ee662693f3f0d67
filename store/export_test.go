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
