package testkit

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// The Redis database of each package that uses one (the table in the package comment).
const (
	DBCmdEnqueue = 6 // cmd/nitro's enqueue tests, which flush while its other tests run
	DBJobs       = 7
	DBWorkers    = 9
	DBRelay      = 10
	DBE2E        = 11
	DBCmd        = 12
	DBAPI        = 13
	DBE2EBench   = 15
	redisMaxDBs  = 16
)

// Where the tests find their services when TEST_REDIS_URL / TEST_DATABASE_URL are unset.
const (
	DefaultRedisURL    = "redis://127.0.0.1:6379"
	DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
)

// E2EDB is the end-to-end package's database: DBE2E, or NITRO_E2E_REDIS_DB so that
// two runs on one machine (a developer's and CI's) do not flush each other's queues.
func E2EDB() int {
	if n, err := strconv.Atoi(os.Getenv("NITRO_E2E_REDIS_DB")); err == nil && n >= 0 && n < redisMaxDBs {
		return n
	}
	return DBE2E
}

// RedisURL returns the URL of database db on the tests' Redis server.
func RedisURL(db int) string {
	u, err := url.Parse(cmp.Or(os.Getenv("TEST_REDIS_URL"), DefaultRedisURL))
	if err != nil {
		panic(fmt.Sprintf("testkit: TEST_REDIS_URL: %v", err))
	}
	u.Path = "/" + strconv.Itoa(db)
	return u.String()
}

// RedisOptions returns go-redis options for database db. A TEST_REDIS_URL that does
// not parse panics: no test of the run could reach Redis anyway.
func RedisOptions(db int) *redis.Options {
	opt, err := redis.ParseURL(RedisURL(db))
	if err != nil {
		panic(fmt.Sprintf("testkit: TEST_REDIS_URL: %v", err))
	}
	return opt
}

// AsynqRedis returns asynq's connection options for database db.
func AsynqRedis(db int) asynq.RedisClientOpt {
	o := RedisOptions(db)
	return asynq.RedisClientOpt{Addr: o.Addr, Username: o.Username, Password: o.Password, DB: o.DB, TLSConfig: o.TLSConfig}
}

// Redis returns a client on database db, closed when the test ends. It fails the
// test (never skips) when Redis does not answer, or when another test process that is
// still running uses db (see claimKey).
func Redis(t testing.TB, db int) *redis.Client {
	t.Helper()
	c := redis.NewClient(RedisOptions(db))
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("testkit: Redis at %s is required (TEST_REDIS_URL): %v", c.Options().Addr, err)
	}
	if err := claimDB(ctx, c, os.Getpid()); err != nil {
		t.Fatalf("testkit: Redis DB %d: %v", db, err)
	}
	return c
}

// FlushRedis empties database db: the package's own, so no other package's data goes.
func FlushRedis(t testing.TB, db int) {
	t.Helper()
	c := Redis(t, db)
	ctx := context.Background()
	if err := c.FlushDB(ctx).Err(); err != nil {
		t.Fatalf("testkit: flush Redis DB %d: %v", db, err)
	}
	if err := claimDB(ctx, c, os.Getpid()); err != nil {
		t.Fatalf("testkit: Redis DB %d: %v", db, err)
	}
}

// claimKey, in a test database, names the process (processID) that uses it. Two test runs on
// one database (two checkouts, or a run beside CI) take each other's queued tasks and
// flush each other's state, and then fail in ways that point nowhere near the cause: a
// claim turns that into one clear error. It expires claimTTL after the last Redis or
// FlushRedis call of its process, so a killed run never blocks the next.
const (
	claimKey = "nitro:testkit:claimed-by"
	claimTTL = 15 * time.Minute
)

// claimDB claims c's database for process pid, or reports the live process that holds it.
func claimDB(ctx context.Context, c *redis.Client, pid int) error {
	me := processID(pid)
	for range 3 {
		ok, err := c.SetNX(ctx, claimKey, me, claimTTL).Result()
		if err != nil {
			return fmt.Errorf("claim: %w", err)
		}
		if ok {
			return nil
		}
		owner, err := c.Get(ctx, claimKey).Result()
		switch {
		case errors.Is(err, redis.Nil):
			continue // expired in between
		case err != nil:
			return fmt.Errorf("claim: %w", err)
		}
		if owner != me && stillRuns(owner) {
			n, _, _ := strings.Cut(owner, "@")
			return fmt.Errorf("in use by test process %s, which still runs: two runs on one database take each other's tasks; "+
				"wait for it, or give this run another Redis (TEST_REDIS_URL) or, for e2e, another NITRO_E2E_REDIS_DB", n)
		}
		// Ours, or left by a process that is gone: take it over.
		if err := c.Set(ctx, claimKey, me, claimTTL).Err(); err != nil {
			return fmt.Errorf("claim: %w", err)
		}
		return nil
	}
	return errors.New("claim: the claim key kept changing")
}

// processID names a process as "pid@start": its start time (in clock ticks since boot,
// from /proc) tells it from a later process that got the same pid.
func processID(pid int) string {
	return strconv.Itoa(pid) + "@" + startTime(pid)
}

// stillRuns reports whether the process an id of processID names is still running.
func stillRuns(id string) bool {
	pidText, start, _ := strings.Cut(id, "@")
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	return start == "" || start == startTime(pid)
}

// startTime is field 22 of /proc/<pid>/stat, or "" where there is no /proc.
func startTime(pid int) string {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	// The command (field 2) is in parentheses and may hold spaces: count after it.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return ""
	}
	fields := strings.Fields(string(stat[i+1:]))
	if len(fields) < 20 {
		return ""
	}
	return fields[19] // field 22 overall: fields 3.. start at index 0
}

// DatabaseURL returns TEST_DATABASE_URL or DefaultDatabaseURL.
func DatabaseURL() string { return cmp.Or(os.Getenv("TEST_DATABASE_URL"), DefaultDatabaseURL) }

// DatabaseURLNamed returns DatabaseURL with its database replaced by name.
func DatabaseURLNamed(name string) string {
	u, err := url.Parse(DatabaseURL())
	if err != nil {
		panic(fmt.Sprintf("testkit: TEST_DATABASE_URL: %v", err))
	}
	u.Path = "/" + name
	return u.String()
}

// DropDatabase drops database name (a test's own), connections and all; a failure is
// logged, not fatal, as it only leaves a database behind.
func DropDatabase(t testing.TB, name string) {
	t.Helper()
	if err := Exec("DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize() + " WITH (FORCE)"); err != nil {
		t.Logf("testkit: drop database %s: %v", name, err)
	}
}

// Exec runs one statement on the tests' PostgreSQL (TEST_DATABASE_URL), on a
// connection of its own.
func Exec(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, DatabaseURL())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}
