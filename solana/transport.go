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
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// idempotentMethods are the JSON-RPC methods retried on 5xx and transport errors.
// sendTransaction and requestAirdrop are not: their re-broadcast is the caller's job.
// A 429 is retried for every method: the endpoint refused the request unread.
var idempotentMethods = map[string]bool{
	"getBalance": true, "getAccountInfo": true, "getMultipleAccounts": true,
	"getTokenAccountBalance": true, "getLatestBlockhash": true, "getBlockHeight": true,
	"getSlot": true, "simulateTransaction": true, "getSignatureStatuses": true,
	"getMinimumBalanceForRentExemption": true, "getTransaction": true,
	"getFeeForMessage": true, "getRecentPrioritizationFees": true, "getEpochInfo": true,
	"getHealth": true, "getVersion": true, "getGenesisHash": true, "isBlockhashValid": true,
	"getTokenAccountsByOwner": true, "getProgramAccounts": true,
}

// countedMethods are the methods the request counter names; the rest count as
// "other" so the metric's label set stays bounded.
var countedMethods = func() map[string]bool {
	m := map[string]bool{"sendTransaction": true, "requestAirdrop": true}
	for k := range idempotentMethods {
		m[k] = true
	}
	return m
}()

// Request outcomes, as counted per attempt.
const (
	OutcomeOK          = "ok"           // HTTP 2xx (a JSON-RPC error inside is still ok here)
	OutcomeRateLimited = "rate_limited" // HTTP 429
	OutcomeServerError = "server_error" // HTTP 5xx
	OutcomeClientError = "client_error" // another HTTP 4xx
	OutcomeTransport   = "transport_error"
)

// limitedTransport rate-limits every HTTP request, backs off the whole client when
// the endpoint answers 429 (honouring Retry-After, lowering the rate and raising it
// again as answers succeed), and retries idempotent JSON-RPC calls with exponential
// backoff on 5xx and transport errors. It counts every attempt by method and outcome.
type limitedTransport struct {
	base       http.RoundTripper
	limiter    *rate.Limiter // nil: no client-side budget (the built-in cluster)
	maxRetries int
	backoff    time.Duration
	patience   time.Duration // how long one request keeps waiting out 429s
	counts     *requestCounts
	adapt      *adaptiveRate
}

func newLimitedTransport(base http.RoundTripper, cfg Config) *limitedTransport {
	t := &limitedTransport{base: base, maxRetries: cfg.MaxRetries, backoff: cfg.RetryBackoff,
		patience: cfg.RateLimitPatience, counts: newRequestCounts()}
	if cfg.RateLimit != NoRateLimit {
		t.limiter = rate.NewLimiter(rate.Limit(cfg.RateLimit), cfg.Burst)
	}
	t.adapt = newAdaptiveRate(t.limiter, cfg.RateLimit)
	return t
}

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := readBody(req)
	if err != nil {
		return nil, err
	}
	method := rpcMethod(body)
	retries := 0
	if idempotentMethods[method] {
		retries = t.maxRetries
	}
	label := method
	if !countedMethods[label] {
		label = "other"
	}
	ctx := req.Context()
	var limitedSince time.Time
	for attempt := 0; ; attempt++ {
		if err := t.adapt.wait(ctx); err != nil {
			return nil, fmt.Errorf("rate limiter: %w", err)
		}
		r := req.Clone(ctx)
		r.Body = io.NopCloser(bytes.NewReader(body))
		resp, err := t.base.RoundTrip(r)
		t.count(ctx, label, resp, err)
		var wait time.Duration
		switch {
		case err == nil && resp.StatusCode == http.StatusTooManyRequests:
			if limitedSince.IsZero() {
				limitedSince = time.Now()
			}
			wait = t.backoffFor(attempt, resp)
			t.adapt.throttled(wait)
			if time.Since(limitedSince)+wait > t.patience {
				return resp, nil // the caller classifies it as ErrRateLimited
			}
		case attempt >= retries || !shouldRetry(resp, err):
			if err == nil && resp.StatusCode < 300 {
				t.adapt.succeeded()
			}
			return resp, err
		default:
			wait = t.backoffFor(attempt, resp)
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
		}
		if err := Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

func (t *limitedTransport) count(ctx context.Context, method string, resp *http.Response, err error) {
	outcome := OutcomeTransport
	if err == nil {
		switch c := resp.StatusCode; {
		case c == http.StatusTooManyRequests:
			outcome = OutcomeRateLimited
		case c >= 500:
			outcome = OutcomeServerError
		case c >= 400:
			outcome = OutcomeClientError
		default:
			outcome = OutcomeOK
		}
	}
	t.counts.add(method, outcome)
	if c, ok := ctx.Value(callCounterKey{}).(*CallCounter); ok {
		c.n.Add(1)
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
	return resp.StatusCode >= 500
}

func (t *limitedTransport) backoffFor(attempt int, resp *http.Response) time.Duration {
	d := t.backoff << min(attempt, 16)
	if resp != nil {
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			d = max(d, time.Duration(s)*time.Second)
		}
	}
	d = min(d, maxBackoff)
	// Jitter up to 25% so parallel workers don't retry in lockstep.
	return d + time.Duration(rand.Int64N(int64(d)/4+1))
}

// Sleep waits d, or less when ctx ends first (its error then).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// adaptiveRate is the client's shared answer to 429s: every request waits out the
// latest Retry-After (one throttled answer pauses them all, instead of each request
// discovering the limit on its own), and the limiter's rate is halved on each 429
// and won back by a twentieth of the configured rate per successful answer.
type adaptiveRate struct {
	limiter    *rate.Limiter
	configured float64

	mu          sync.Mutex
	pausedUntil time.Time
	current     float64
}

func newAdaptiveRate(l *rate.Limiter, configured float64) *adaptiveRate {
	return &adaptiveRate{limiter: l, configured: configured, current: configured}
}

// minAdaptiveRate is the floor the rate is lowered to under sustained 429s.
const minAdaptiveRate = 1.0

func (a *adaptiveRate) wait(ctx context.Context) error {
	a.mu.Lock()
	pause := time.Until(a.pausedUntil)
	a.mu.Unlock()
	if pause > 0 {
		if err := Sleep(ctx, pause); err != nil {
			return err
		}
	}
	if a.limiter == nil {
		return nil
	}
	return a.limiter.Wait(ctx)
}

func (a *adaptiveRate) throttled(wait time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if until := time.Now().Add(wait); until.After(a.pausedUntil) {
		a.pausedUntil = until
	}
	if a.limiter != nil {
		a.current = max(a.current/2, minAdaptiveRate)
		a.limiter.SetLimit(rate.Limit(a.current))
	}
}

func (a *adaptiveRate) succeeded() {
	if a.limiter == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.current < a.configured {
		a.current = min(a.current+a.configured/20, a.configured)
		a.limiter.SetLimit(rate.Limit(a.current))
	}
}

// currentRate is the limiter's rate now (NoRateLimit without a limiter).
func (a *adaptiveRate) currentRate() float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.current
}

// requestCounts counts RPC attempts by method and outcome.
type requestCounts struct {
	mu sync.Mutex
	n  map[[2]string]uint64
}

func newRequestCounts() *requestCounts { return &requestCounts{n: map[[2]string]uint64{}} }

func (r *requestCounts) add(method, outcome string) {
	r.mu.Lock()
	r.n[[2]string{method, outcome}]++
	r.mu.Unlock()
}

// RequestCount is how many RPC requests of one method ended with one outcome.
type RequestCount struct {
	Method, Outcome string
	N               uint64
}

// RequestCounts returns every RPC attempt this client made, by method and outcome
// (a retried request counts once per attempt).
func (c *Client) RequestCounts() []RequestCount {
	r := c.transport.counts
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]RequestCount, 0, len(r.n))
	for k, v := range r.n {
		out = append(out, RequestCount{Method: k[0], Outcome: k[1], N: v})
	}
	return out
}

// RateLimitNow is the client-side request rate in force (lowered after 429s);
// NoRateLimit when the client has no budget.
func (c *Client) RateLimitNow() float64 { return c.transport.adapt.currentRate() }

type callCounterKey struct{}

// CallCounter counts the RPC requests made with one context (one job run, say).
type CallCounter struct{ n atomic.Uint64 }

// N is the number of requests counted so far.
func (c *CallCounter) N() uint64 { return c.n.Load() }

// WithCallCounter returns a context whose RPC requests are counted in the returned
// counter. Requests the client makes for many callers at once (the shared status
// poller) are not attributed to any of them.
func WithCallCounter(ctx context.Context) (context.Context, *CallCounter) {
	c := &CallCounter{}
	return context.WithValue(ctx, callCounterKey{}, c), c
}
