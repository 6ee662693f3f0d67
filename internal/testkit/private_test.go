package testkit

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

func TestPrivateRedisRestartKeepsWritesOnlyWithPersistence(t *testing.T) {
	for _, persist := range []bool{true, false} {
		r := StartRedis(t, persist)
		c := redis.NewClient(&redis.Options{Addr: r.Addr()})
		ctx := context.Background()
		if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
		r.Restart(0)
		got, err := c.Get(ctx, "k").Result()
		switch {
		case persist && (err != nil || got != "v"):
			t.Errorf("persistent Redis lost an acknowledged write across a kill: %q, %v", got, err)
		case !persist && err != redis.Nil:
			t.Errorf("Redis without persistence kept %q, %v across a kill", got, err)
		}
		_ = c.Close()
		r.Stop()
	}
}

func TestPrivatePostgresCrashKeepsCommittedRows(t *testing.T) {
	p := StartPostgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, p.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE t (n int); INSERT INTO t VALUES (7)"); err != nil {
		t.Fatal(err)
	}
	p.Restart(0)
	if err := conn.Ping(ctx); err == nil {
		t.Error("a connection from before the crash still answers")
	}
	_ = conn.Close(ctx)
	conn, err = pgx.Connect(ctx, p.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT n FROM t").Scan(&n); err != nil || n != 7 {
		t.Fatalf("after the crash: %d, %v", n, err)
	}
}
