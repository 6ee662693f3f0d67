package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
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

// dbTestkit is a database no package uses: the relay's, say, is claimed by the relay
// tests, which go test may run at the same time.
const dbTestkit = 14

func TestRedisDatabaseIsTheOneAskedFor(t *testing.T) {
	c := Redis(t, dbTestkit)
	if c.Options().DB != dbTestkit {
		t.Fatalf("DB %d", c.Options().DB)
	}
}

// TestRedisClaimNamesTheOtherRun: a database used by another live test process is
// refused with that process named; one left by a process that is gone, or by an
// earlier process whose pid a new one got, is taken over.
func TestRedisClaimNamesTheOtherRun(t *testing.T) {
	FlushRedis(t, dbTestkit)
	c := Redis(t, dbTestkit)
	ctx := t.Context()
	me := processID(os.Getpid())
	if got, _ := c.Get(ctx, claimKey).Result(); got != me || !strings.Contains(me, "@") || strings.HasSuffix(me, "@") {
		t.Fatalf("claim after flush = %q, want this process (%q) with its start time", got, me)
	}
	// pid 1 always runs.
	c.Set(ctx, claimKey, processID(1), time.Minute)
	err := claimDB(ctx, c, os.Getpid())
	if err == nil || !strings.Contains(err.Error(), "test process 1,") {
		t.Fatalf("claim of a database a live process holds: %v", err)
	}
	if got, _ := c.Get(ctx, claimKey).Result(); got != processID(1) {
		t.Fatalf("a refused claim changed the owner to %q", got)
	}
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	for what, owner := range map[string]string{
		"an exited process":             strconv.Itoa(gone.Process.Pid) + "@1",
		"an earlier process with pid 1": "1@not-its-start",
	} {
		c.Set(ctx, claimKey, owner, time.Minute)
		if err := claimDB(ctx, c, os.Getpid()); err != nil {
			t.Fatalf("claim left by %s: %v", what, err)
		}
		if got, _ := c.Get(ctx, claimKey).Result(); got != me {
			t.Fatalf("claim after taking over from %s = %q", what, got)
		}
	}
}
