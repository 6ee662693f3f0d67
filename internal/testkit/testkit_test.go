package testkit

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestBufferTakesConcurrentWrites(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() { fmt.Fprintf(&b, "%d\n", i) })
	}
	_ = b.String() // read while writers run: the race detector checks the lock
	wg.Wait()
	if n := len(b.String()); n != 16 {
		t.Fatalf("%d bytes, want 16", n)
	}
}

func TestWaitForReturnsOnceTheConditionHolds(t *testing.T) {
	n := 0
	WaitFor(t, 10*time.Second, "the third poll", func() bool { n++; return n == 3 })
	if n != 3 {
		t.Fatalf("polled %d times", n)
	}
}

func TestURLsKeepTheServerAndChangeTheDatabase(t *testing.T) {
	t.Setenv("TEST_REDIS_URL", "redis://:pw@h:7000/3")
	if got := RedisURL(9); got != "redis://:pw@h:7000/9" {
		t.Errorf("RedisURL(9) = %s", got)
	}
	t.Setenv("TEST_DATABASE_URL", "postgres://u@h:5433/x?sslmode=disable")
	if got := DatabaseURLNamed("y"); got != "postgres://u@h:5433/y?sslmode=disable" {
		t.Errorf("DatabaseURLNamed = %s", got)
	}
	t.Setenv("NITRO_E2E_REDIS_DB", "14")
	if E2EDB() != 14 {
		t.Errorf("E2EDB ignores NITRO_E2E_REDIS_DB")
	}
}

func TestRedisDatabaseIsTheOneAskedFor(t *testing.T) {
	c := Redis(t, DBRelay)
	if c.Options().DB != DBRelay {
		t.Fatalf("DB %d", c.Options().DB)
	}
}
