// Package testkit is the scaffolding the tests of every package share: waiting on a
// condition with a deadline, a log buffer goroutines may write to, and the real Redis
// and PostgreSQL the tests run against. Use it from tests only.
//
// Redis databases, one per package, so that packages tested in parallel (go test
// runs packages side by side) never flush or take each other's queues:
//
//	DB  package
//	6   cmd/nitro (its enqueue tests)
//	7   jobs
//	9   workers
//	10  relay (pub/sub ignores database numbers; its channels are unique per test)
//	11  e2e (NITRO_E2E_REDIS_DB moves it, for two runs on one machine)
//	12  cmd/nitro
//	13  api
//	15  e2e benchmarks
//
// A database is claimed by the test process that uses it: a second run on the same
// one fails at once, naming the first, instead of sharing its queues.
//
// PostgreSQL isolation is per test: a schema (store/storetest) or a database of its
// own (cmd/nitro, e2e), on the server TEST_DATABASE_URL names.
//
// A test that restarts a service starts its own (StartRedis, StartPostgres): the shared
// servers are never stopped.
package testkit

import (
	"bytes"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"
)

// WaitFor polls cond until it holds and fails the test when it still does not after
// deadline; what names the awaited condition in the failure.
func WaitFor(t testing.TB, deadline time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Poll(deadline, cond) {
		t.Fatalf("timed out after %s waiting for %s", deadline, what)
	}
}

// Poll polls cond until it holds (true) or deadline passes (false), for a caller that
// reports a timeout its own way (with the server's logs, say). The pause between polls
// starts at 5ms and doubles up to 100ms: quick for a condition about to hold, and a
// long wait over HTTP stays under the API's per-key rate limit (20/s).
func Poll(deadline time.Duration, cond func() bool) bool {
	end := time.Now().Add(deadline)
	for pause := 5 * time.Millisecond; !cond(); pause = min(2*pause, 100*time.Millisecond) {
		if time.Now().After(end) {
			return false
		}
		time.Sleep(pause)
	}
	return true
}

// FreeAddr returns a loopback address nothing listens on (it was free a moment ago):
// for a server a test starts, or for a dependency that must be unreachable.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// FreePort is FreeAddr's port.
func FreePort(t testing.TB) int {
	t.Helper()
	_, port, _ := net.SplitHostPort(FreeAddr(t))
	n, _ := strconv.Atoi(port)
	return n
}

// FreePortPair returns a loopback port p such that p and p+1 were both free a moment
// ago, for a server that listens on two adjacent ports (the built-in cluster's JSON-RPC
// and PubSub). Any other process may still take one before the server does: a caller
// that cannot tell such a loss from a real failure tries again with a new pair.
func FreePortPair(t testing.TB) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		next, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port+1))
		l.Close()
		if err == nil {
			next.Close()
			return port
		}
	}
	t.Fatal("testkit: no two adjacent free ports in 50 tries")
	return 0
}

// Buffer is an io.Writer that goroutines may share (a logger's output) and that a
// test reads with String while they still write.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
