package api

import (
	"strconv"
	"testing"
	"time"

	"golang.org/x/time/rate"
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
