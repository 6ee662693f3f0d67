package solana

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
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

func TestRetryGivesUpAsRateLimited(t *testing.T) {
	f := newFakeRPC(t)
	f.handle("getBalance", func(p []json.RawMessage) (any, *rpcErr) { return ctxValue(5), nil })
	f.status["getBalance"] = []int{429, 429, 429}
	c := f.client(t, func(c *Config) { c.MaxRetries = 2 })
	_, err := c.GetBalance(context.Background(), pk(1))
	if !errors.Is(err, ErrRateLimited) || !IsRetryable(err) {
		t.Fatalf("err %v", err)
	}
	if n := len(f.callsOf("getBalance")); n != 3 {
		t.Fatalf("%d attempts, want 3", n)
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
