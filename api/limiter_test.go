package api

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/nitro-runtime/nitro/auth"
)

// A flood of distinct keys, each spending its bucket, cannot grow the limiter past
// maxBuckets; and a bucket that is full again is dropped at the next sweep, because
// a new one is the same.
func TestLimiterMemoryIsBounded(t *testing.T) {
	l := newLimiter(rate.Every(time.Hour), 1)
	now := time.Unix(1000, 0)
	for i := range maxBuckets + 1000 {
		l.allow("user-"+strconv.Itoa(i), now)
		if len(l.buckets) > maxBuckets {
			t.Fatalf("%d buckets after %d keys, bound %d", len(l.buckets), i+1, maxBuckets)
		}
	}
	l.allow("late", now.Add(time.Hour+sweepingPeriod))
	if len(l.buckets) != 1 {
		t.Fatalf("%d buckets left after every bucket refilled, want 1", len(l.buckets))
	}
}

// A route limit that could never refill is refused at New, naming the field.
func TestNewRefusesBadRouteLimits(t *testing.T) {
	st := newFakeStore()
	v, _ := auth.NewVerifier([]byte("0123456789abcdef0123456789abcdef"))
	deps := Deps{Enqueuer: &fakeEnqueuer{}, Jobs: st, Launches: st, Wallets: st, Verifier: v, APIKeys: auth.NewAPIKeys(nil)}
	for name, cfg := range map[string]Config{
		"EnqueuePerUser": {EnqueuePerUser: Rate{Limit: 0, Burst: 5}},
		"WalletsPerKey":  {WalletsPerKey: Rate{Limit: 1, Burst: 0}},
	} {
		if _, err := New(cfg, deps); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v, want it named", name, err)
		}
	}
	if _, err := New(Config{EnqueuePerKey: Unlimited, WalletsPerUser: Unlimited}, deps); err != nil {
		t.Errorf("Unlimited refused: %v", err)
	}
}
