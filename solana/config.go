package solana

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"net/url"
	"time"

	"github.com/gagliardetto/solana-go/rpc"
)

// Defaults used by Config.withDefaults.
const (
	DefaultCommitment        = rpc.CommitmentConfirmed
	DefaultRateLimit         = 10.0 // requests per second: what a public endpoint allows one address
	DefaultMaxRetries        = 4
	DefaultRetryBackoff      = 250 * time.Millisecond
	DefaultRateLimitPatience = time.Minute
	DefaultHTTPTimeout       = 30 * time.Second
	DefaultResendInterval    = time.Second
	DefaultPollInterval      = 400 * time.Millisecond // one slot
	DefaultBlockhashMaxAge   = 10 * time.Second
	DefaultCUMargin          = 0.15
	DefaultMaxCULimit        = 1_400_000
	DefaultLamportsPerSig    = 5000
	MaxTxSize                = 1232 // bytes of a serialized transaction (legacy and v0)
	maxSignatureStatusBatch  = 256
)

// NoRateLimit as Config.RateLimit means no client-side request budget.
const NoRateLimit = math.MaxFloat64

// Config configures a Client. Only RPCURL is required; zero fields take defaults.
type Config struct {
	// RPCURL is the HTTP(S) JSON-RPC endpoint.
	RPCURL string
	// WSURL is the WebSocket endpoint for signatureSubscribe. Empty means
	// confirmation by polling getSignatureStatuses only.
	WSURL string
	// Commitment for reads and confirmation (default confirmed; processed can roll back).
	Commitment rpc.CommitmentType
	// RateLimit is the client-side request rate in requests/second (default 10);
	// NoRateLimit turns the limiter off (an in-process cluster). Burst defaults to
	// max(1, RateLimit).
	RateLimit float64
	Burst     int
	// MaxRetries is how many times an idempotent read is retried on 5xx/transport
	// errors (default 4); RetryBackoff is the first backoff, doubled each time.
	MaxRetries   int
	RetryBackoff time.Duration
	// RateLimitPatience is how long one request keeps waiting out HTTP 429 answers
	// (Retry-After honoured, the whole client paused) before it fails as
	// ErrRateLimited (default 1 minute).
	RateLimitPatience time.Duration
	// HTTPTimeout bounds one HTTP request (default 30s).
	HTTPTimeout time.Duration
	// Headers are added to every RPC request (e.g. a provider's auth header).
	Headers map[string]string
	// ResendInterval is how often SendAndConfirm re-broadcasts (default 1s);
	// PollInterval how often the shared poller asks for the statuses of every
	// signature in flight, in one call per 256 (default 400ms, a slot).
	ResendInterval time.Duration
	PollInterval   time.Duration
	// BlockhashMaxAge is how long a fetched blockhash is reused (default 10s).
	BlockhashMaxAge time.Duration
}

func (c Config) withDefaults() Config {
	c.Commitment = cmp.Or(c.Commitment, DefaultCommitment)
	c.RateLimit = cmp.Or(c.RateLimit, DefaultRateLimit)
	if c.RateLimit != NoRateLimit {
		c.Burst = cmp.Or(c.Burst, max(1, int(min(c.RateLimit, 1e6))))
	}
	c.MaxRetries = cmp.Or(c.MaxRetries, DefaultMaxRetries)
	c.RetryBackoff = cmp.Or(c.RetryBackoff, DefaultRetryBackoff)
	c.RateLimitPatience = cmp.Or(c.RateLimitPatience, DefaultRateLimitPatience)
	c.HTTPTimeout = cmp.Or(c.HTTPTimeout, DefaultHTTPTimeout)
	c.ResendInterval = cmp.Or(c.ResendInterval, DefaultResendInterval)
	c.PollInterval = cmp.Or(c.PollInterval, DefaultPollInterval)
	c.BlockhashMaxAge = cmp.Or(c.BlockhashMaxAge, DefaultBlockhashMaxAge)
	return c
}

func (c Config) validate() error {
	if c.RPCURL == "" {
		return errors.New("solana config: RPCURL is required")
	}
	if err := checkURL(c.RPCURL, "http", "https"); err != nil {
		return fmt.Errorf("solana config: RPCURL: %w", err)
	}
	if c.WSURL != "" {
		if err := checkURL(c.WSURL, "ws", "wss"); err != nil {
			return fmt.Errorf("solana config: WSURL: %w", err)
		}
	}
	switch c.Commitment {
	case rpc.CommitmentProcessed, rpc.CommitmentConfirmed, rpc.CommitmentFinalized:
	default:
		return fmt.Errorf("solana config: Commitment %q is not processed, confirmed or finalized", c.Commitment)
	}
	if c.RateLimit < 0 || c.MaxRetries < 0 || c.Burst < 0 {
		return errors.New("solana config: RateLimit, Burst and MaxRetries must not be negative")
	}
	return nil
}

func checkURL(raw string, schemes ...string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a valid URL") // the URL may embed an API key: don't echo it
	}
	for _, s := range schemes {
		if u.Scheme == s && u.Host != "" {
			return nil
		}
	}
	return fmt.Errorf("scheme must be one of %v with a host", schemes)
}
