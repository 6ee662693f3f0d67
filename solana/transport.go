package solana

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/time/rate"
)

// idempotentMethods are the JSON-RPC methods retried on 429/5xx/transport errors.
// sendTransaction and requestAirdrop are not: their re-broadcast is the caller's job.
var idempotentMethods = map[string]bool{
	"getBalance": true, "getAccountInfo": true, "getMultipleAccounts": true,
	"getTokenAccountBalance": true, "getLatestBlockhash": true, "getBlockHeight": true,
	"getSlot": true, "simulateTransaction": true, "getSignatureStatuses": true,
	"getMinimumBalanceForRentExemption": true, "getTransaction": true,
	"getFeeForMessage": true, "getRecentPrioritizationFees": true, "getEpochInfo": true,
	"getHealth": true, "getVersion": true, "getGenesisHash": true, "isBlockhashValid": true,
	"getTokenAccountsByOwner": true, "getProgramAccounts": true,
}

// limitedTransport rate-limits every HTTP request and retries idempotent JSON-RPC
// calls with exponential backoff (honouring Retry-After) on 429, 5xx and transport errors.
type limitedTransport struct {
	base       http.RoundTripper
	limiter    *rate.Limiter
	maxRetries int
	backoff    time.Duration
}

func newLimitedTransport(base http.RoundTripper, cfg Config) *limitedTransport {
	lim := rate.NewLimiter(rate.Limit(cfg.RateLimit), cfg.Burst)
	return &limitedTransport{base: base, limiter: lim, maxRetries: cfg.MaxRetries, backoff: cfg.RetryBackoff}
}

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := readBody(req)
	if err != nil {
		return nil, err
	}
	retries := 0
	if idempotentMethods[rpcMethod(body)] {
		retries = t.maxRetries
	}
	for attempt := 0; ; attempt++ {
		if err := t.limiter.Wait(req.Context()); err != nil {
			return nil, fmt.Errorf("rate limiter: %w", err)
		}
		r := req.Clone(req.Context())
		r.Body = io.NopCloser(bytes.NewReader(body))
		resp, err := t.base.RoundTrip(r)
		if attempt >= retries || !shouldRetry(resp, err) {
			return resp, err
		}
		wait := t.backoffFor(attempt, resp)
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
		}
		if err := sleepCtx(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil {
		return nil, nil
	}
	defer req.Body.Close()
	b, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	return b, nil
}

// maxBackoff caps one wait, whatever Retry-After says.
const maxBackoff = 30 * time.Second

// rpcMethod extracts the method of a single (non-batch) JSON-RPC request.
func rpcMethod(body []byte) string {
	var r struct {
		Method string `json:"method"`
	}
	if json.Unmarshal(body, &r) != nil {
		return ""
	}
	return r.Method
}

func shouldRetry(resp *http.Response, err error) bool {
	if err != nil {
		return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
	}
	return resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
}

func (t *limitedTransport) backoffFor(attempt int, resp *http.Response) time.Duration {
	d := t.backoff << attempt
	if resp != nil {
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			d = max(d, time.Duration(s)*time.Second)
		}
	}
	d = min(d, maxBackoff)
	// Jitter up to 25% so parallel workers don't retry in lockstep.
	return d + time.Duration(rand.Int64N(int64(d)/4+1))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
