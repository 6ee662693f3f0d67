package testkit

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// The Redis database of each package that uses one (the table in the package comment).
const (
	DBWorkers   = 9
	DBRelay     = 10
	DBE2E       = 11
	DBCmd       = 12
	DBAPI       = 13
	DBE2EBench  = 15
	redisMaxDBs = 16
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
// test (never skips) when Redis does not answer.
func Redis(t testing.TB, db int) *redis.Client {
	t.Helper()
	c := redis.NewClient(RedisOptions(db))
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("testkit: Redis at %s is required (TEST_REDIS_URL): %v", c.Options().Addr, err)
	}
	return c
}

// FlushRedis empties database db: the package's own, so no other package's data goes.
func FlushRedis(t testing.TB, db int) {
	t.Helper()
	if err := Redis(t, db).FlushDB(context.Background()).Err(); err != nil {
		t.Fatalf("testkit: flush Redis DB %d: %v", db, err)
	}
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
