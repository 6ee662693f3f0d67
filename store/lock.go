package store

import (
	"context"
	"database/sql"
	"fmt"
)

// advisoryLocker is goose's session locker on a blocking pg_advisory_lock. goose's own
// Postgres locker polls pg_try_advisory_lock every second or more; blocking wakes the
// next replica as soon as the first one is done and honours ctx. The key includes the
// schema, so isolated schemas (tests) migrate independently.
type advisoryLocker struct{}

const lockKey = "hashtext('nitro.migrate.' || current_schema())"

func (advisoryLocker) SessionLock(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock("+lockKey+")"); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	return nil
}

func (advisoryLocker) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock("+lockKey+")"); err != nil {
		return fmt.Errorf("release migration lock: %w", err)
	}
	return nil
}
