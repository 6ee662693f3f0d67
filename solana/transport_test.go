package solana

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	sol "github.com/gagliardetto/solana-go"
)

func TestRetryIdempotentReadsOn429And5xx(t *testing.T) {
	f := newFakeRPC(t)
	f.handle("getBalance", func(p []json.RawMessage) (any, *rpcErr) { return ctxValue(5), nil })
	f.status["getBalance"] = []int{429, 503, 502}
	c := f.client(t)
	got, err := c.GetBalance(context.Background(), pk(1))
	if err != nil || got != 5 {
		t.Fatalf("%d %v", got, err)
	}
	if n := len(f.callsOf("getBalance")); n != 4 {
		t.Fatalf("%d attempts, want 4", n)
	}
}

func TestRateLimitedWaitsOutItsPatienceThenFails(t *testing.T) {
	f := newFakeRPC(t)
	f.handle("getBalance", func(p []json.RawMessage) (any, *rpcErr) { return ctxValue(5), nil })
	f.status["getBalance"] = slices.Repeat([]int{429}, 1000)
	c := f.client(t, func(c *Config) {
		c.MaxRetries = 2
		c.RetryBackoff = 5 * time.Millisecond
		c.RateLimitPatience = 100 * time.Millisecond
	})
	_, err := c.GetBalance(context.Background(), pk(1))
	if !errors.Is(err, ErrRateLimited) || !IsRetryable(err) {
		t.Fatalf("err %v", err)
	}
	// MaxRetries bounds 5xx retries, not 429s: those go on for the patience.
	if n := len(f.callsOf("getBalance")); n <= 3 {
		t.Fatalf("%d attempts, want more than MaxRetries+1 within the patience", n)
	}
}

func TestRateLimitedSendIsRetriedAndCounted(t *testing.T) {
	f := newFakeRPC(t)
	f.handle("sendTransaction", func(p []json.RawMessage) (any, *rpcErr) { return sol.Signature{9}.String(), nil })
	f.status["sendTransaction"] = []int{429, 429}
	c := f.client(t)
	ctx, calls := WithCallCounter(context.Background())
	if _, err := c.SendRaw(ctx, []byte{1}, SendOpts{}); err != nil {
		t.Fatalf("a 429 answer was not processed: the send must be retried, got %v", err)
	}
	if n := len(f.callsOf("sendTransaction")); n != 3 || calls.N() != 3 {
		t.Fatalf("%d attempts, %d counted for the context; want 3 and 3", n, calls.N())
	}
	got := map[string]uint64{}
	for _, rc := range c.RequestCounts() {
		got[rc.Method+"/"+rc.Outcome] += rc.N
	}
	if got["sendTransaction/rate_limited"] != 2 || got["sendTransaction/ok"] != 1 {
		t.Fatalf("request counts %v", got)
	}
}

func TestRateLimitedAnswerPausesEveryRequestAndLowersTheRate(t *testing.T) {
	f := newFakeRPC(t)
	f.handle("getSlot", func(p []json.RawMessage) (any, *rpcErr) { return 42, nil })
	f.handle("getBalance", func(p []json.RawMessage) (any, *rpcErr) { return ctxValue(5), nil })
	f.status["getSlot"] = []int{429}
	f.retryAfter = "1"
	c := f.client(t, func(c *Config) { c.RateLimit = 1000; c.Burst = 1000 })
	start := time.Now()
	if _, err := c.Slot(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.RateLimitNow() >= 1000 {
		t.Fatalf("rate after a 429: %v, want it lowered", c.RateLimitNow())
	}
	// Another request right after the 429 waited out the same Retry-After.
	if _, err := c.GetBalance(context.Background(), pk(1)); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < time.Second {
		t.Fatalf("Retry-After: 1 was not honoured (%v)", time.Since(start))
	}
	for range 40 {
		if _, err := c.GetBalance(context.Background(), pk(1)); err != nil {
			t.Fatal(err)
		}
	}
	if c.RateLimitNow() != 1000 {
		t.Fatalf("rate after 40 good answers: %v, want it back at 1000", c.RateLimitNow())
	}
}

func TestNoRateLimit(t *testing.T) {
	f := newFakeRPC(t)
	f.handle("getSlot", func(p []json.RawMessage) (any, *rpcErr) { return 42, nil })
	c := f.client(t, func(c *Config) { c.RateLimit = NoRateLimit })
	if c.RateLimitNow() != NoRateLimit {
		t.Fatalf("rate %v", c.RateLimitNow())
	}
	for range 100 {
		if _, err := c.Slot(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSendIsNotRetriedByTransport(t *testing.T) {
	f := newFakeRPC(t)
	f.handle("sendTransaction", func(p []json.RawMessage) (any, *rpcErr) { return "x", nil })
	f.status["sendTransaction"] = []int{503}
	c := f.client(t)
	_, err := c.SendRaw(context.Background(), []byte{1}, SendOpts{})
	if err == nil || !IsRetryable(err) {
		t.Fatalf("err %v", err)
	}
	if n := len(f.callsOf("sendTransaction")); n != 1 {
		t.Fatalf("%d attempts, want 1", n)
	}
}

func TestRPCRateLimitErrorClassified(t *testing.T) {
	f := newFakeRPC(t)
	f.handle("getSlot", func(p []json.RawMessage) (any, *rpcErr) {
		return nil, &rpcErr{Code: -32429, Message: "Too many requests for a specific RPC call"}
	})
	c := f.client(t)
	if _, err := c.Slot(context.Background()); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("err %v", err)
	}
}

func TestRateLimiterBlocksBeyondBudget(t *testing.T) {
	f := newFakeRPC(t)
	f.handle("getSlot", func(p []json.RawMessage) (any, *rpcErr) { return 42, nil })
	// One token per 1000 s: the first call passes on the burst, the second must wait
	// far beyond its deadline, which the limiter reports at once.
	c := f.client(t, func(c *Config) { c.RateLimit = 0.001; c.Burst = 1 })
	if s, err := c.Slot(context.Background()); err != nil || s != 42 {
		t.Fatalf("%d %v", s, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.Slot(ctx)
	if err == nil || !strings.Contains(err.Error(), "rate limiter") {
		t.Fatalf("err %v", err)
	}
	if n := len(f.callsOf("getSlot")); n != 1 {
		t.Fatalf("%d requests reached the server, want 1", n)
	}
}
