// Package api is the HTTP side of Nitro: enqueueing jobs, reading jobs, launches and
// wallets, health, Prometheus metrics and the asynqmon UI behind admin auth. Every
// error is JSON {error, fields?}; nothing secret is ever written to a response.
package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
	"golang.org/x/time/rate"

	"github.com/nitro-runtime/nitro/auth"
	"github.com/nitro-runtime/nitro/jobs"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/store"
)

// Config tunes the API. The zero value is valid (with no admin password, only an
// admin JWT opens /monitoring/).
type Config struct {
	Version       string        // reported by /health
	AdminPassword string        // HTTP basic password of user "admin" for /monitoring/
	RateLimit     rate.Limit    // /api/ requests per second per client; default 20
	RateBurst     int           // bucket size; default 40
	HealthTimeout time.Duration // per dependency check; default 2s
	// HealthInterval is how often the one background loop probes the dependencies
	// that /health reports; default 5s.
	HealthInterval time.Duration
	// Enqueue is how jobs are handed to asynq (retries, timeout, retention); the CLI
	// enqueues with the same.
	Enqueue jobs.Options
	// MonitoringReadOnly serves asynqmon without its pause/delete/run actions.
	MonitoringReadOnly bool
	// CORSOrigins may call /health and /api/ from a browser; default DefaultCORSOrigins.
	CORSOrigins []string
	// AdminFailuresPerAddr failed admin logins an address may make per minute before
	// its attempts are answered 429; default 5.
	AdminFailuresPerAddr int
	// AdminFailuresOverall is the same bound over all addresses together; default 60.
	AdminFailuresOverall int
	// TrustProxy takes the client IP from X-Forwarded-For (behind a reverse proxy).
	TrustProxy bool
	// Bundles says a block engine is configured: without one, a payload asking for
	// `bundle: true` is refused at enqueue instead of being sent one by one.
	Bundles bool
	Started time.Time // process start, for uptimeSeconds; default New's time

	// EnqueuePerKey and EnqueuePerUser limit POST /api/jobs/{type} per API key and per
	// payload userId; WalletsPerKey and WalletsPerUser do the same for the wallet routes
	// (the user of the path or the body). Zero: the Default* values; Unlimited: off.
	// For an API key these replace RateLimit on those routes.
	EnqueuePerKey, EnqueuePerUser Rate
	WalletsPerKey, WalletsPerUser Rate
}

// Defaults of Config.
const (
	DefaultRateLimit     = 20
	DefaultRateBurst     = 40
	DefaultHealthTimeout = 2 * time.Second
	// DefaultHealthInterval is Config.HealthInterval's default.
	DefaultHealthInterval = 5 * time.Second

	DefaultAdminFailuresPerAddr = 5
	DefaultAdminFailuresOverall = 60
)

func (c Config) withDefaults() Config {
	c.RateLimit = cmp.Or(c.RateLimit, DefaultRateLimit)
	c.RateBurst = cmp.Or(c.RateBurst, DefaultRateBurst)
	c.HealthTimeout = cmp.Or(c.HealthTimeout, DefaultHealthTimeout)
	c.HealthInterval = cmp.Or(c.HealthInterval, DefaultHealthInterval)
	c.AdminFailuresPerAddr = cmp.Or(c.AdminFailuresPerAddr, DefaultAdminFailuresPerAddr)
	c.AdminFailuresOverall = cmp.Or(c.AdminFailuresOverall, DefaultAdminFailuresOverall)
	if c.Started.IsZero() {
		c.Started = time.Now()
	}
	c.EnqueuePerKey = cmp.Or(c.EnqueuePerKey, DefaultEnqueuePerKey)
	c.EnqueuePerUser = cmp.Or(c.EnqueuePerUser, DefaultEnqueuePerUser)
	c.WalletsPerKey = cmp.Or(c.WalletsPerKey, DefaultWalletsPerKey)
	c.WalletsPerUser = cmp.Or(c.WalletsPerUser, DefaultWalletsPerUser)
	c.Version = cmp.Or(c.Version, "dev")
	if c.CORSOrigins == nil {
		c.CORSOrigins = DefaultCORSOrigins
	}
	return c
}

func (c Config) validate() error {
	switch {
	case c.RateLimit < 0:
		return errors.New("api: Config.RateLimit must be >= 0")
	case c.RateBurst < 1:
		return errors.New("api: Config.RateBurst must be >= 1")
	case c.Enqueue.Validate() != nil:
		return fmt.Errorf("api: Config.Enqueue: %w", c.Enqueue.Validate())
	case c.HealthInterval < 0 || c.HealthTimeout < 0:
		return errors.New("api: Config.HealthInterval and HealthTimeout must be >= 0")
	case c.AdminFailuresPerAddr < 1:
		return errors.New("api: Config.AdminFailuresPerAddr must be >= 1")
	case c.AdminFailuresOverall < c.AdminFailuresPerAddr:
		return errors.New("api: Config.AdminFailuresOverall must be >= AdminFailuresPerAddr")
	}
	for name, r := range map[string]Rate{"EnqueuePerKey": c.EnqueuePerKey, "EnqueuePerUser": c.EnqueuePerUser,
		"WalletsPerKey": c.WalletsPerKey, "WalletsPerUser": c.WalletsPerUser} {
		if err := r.validate(name); err != nil {
			return err
		}
	}
	return nil
}

// Enqueuer puts tasks into asynq; *asynq.Client implements it.
type Enqueuer = jobs.Tasks

// JobStore keeps the jobs rows; *store.Store implements it.
type JobStore interface {
	jobs.Rows
	JobSteps(ctx context.Context, id string) ([]progress.WorkerStepEvent, error)
	JobEvents(ctx context.Context, id string, afterSeq int64, limit int) ([]store.Event, error)
}

// LaunchStore reads launches; *store.Store implements it.
type LaunchStore interface {
	GetLaunch(ctx context.Context, token string) (store.Launch, error)
	ListUserLaunches(ctx context.Context, userID string, limit int) ([]store.Launch, error)
}

// WalletStore registers, lists, renames, deletes and restores wallets; *store.Store implements it.
type WalletStore interface {
	CreateWallet(ctx context.Context, userID, label string, kind store.WalletKind, secret []byte) (store.Wallet, error)
	ImportWallets(ctx context.Context, userID string, items []store.WalletImport) ([]store.Wallet, error)
	ListWallets(ctx context.Context, userID string, kind store.WalletKind) ([]store.Wallet, error)
	GetUserWallet(ctx context.Context, userID, pub string) (store.Wallet, error)
	RenameWallet(ctx context.Context, userID, pub, label string) (store.Wallet, error)
	DeleteWallet(ctx context.Context, userID, pub string) error
	RestoreWallet(ctx context.Context, userID, pub string) (store.Wallet, error)
}

// TokenMint is a mint whose token accounts a balance read looks at, with the
// platform that made it (which decides its token program).
type TokenMint struct {
	Mint     string
	Platform progress.Platform
}

// TokenHolding is a wallet's balance of one mint, in base units.
type TokenHolding struct {
	Mint     string `json:"mint"`
	Amount   uint64 `json:"amount"`
	Decimals uint8  `json:"decimals"`
}

// Holding is what one wallet holds on chain: lamports of its system account and the
// non-zero balances of its associated token accounts of the mints asked about.
type Holding struct {
	Lamports uint64
	Tokens   []TokenHolding
}

// Balances reads what wallets hold on chain: lamports and the token balances of the
// given mints. A wallet missing from the map has no account (0 lamports, no tokens).
// The implementation (cmd wires one over the chain client) reads every account in
// getMultipleAccounts calls of up to 100 keys, never one request per wallet.
type Balances interface {
	Holdings(ctx context.Context, wallets []string, mints []TokenMint) (map[string]Holding, error)
}

// BalancesFunc adapts a function to Balances.
type BalancesFunc func(ctx context.Context, wallets []string, mints []TokenMint) (map[string]Holding, error)

// Holdings calls f.
func (f BalancesFunc) Holdings(ctx context.Context, wallets []string, mints []TokenMint) (map[string]Holding, error) {
	return f(ctx, wallets, mints)
}

// HealthCheck reports whether one dependency answers; it gets a short deadline.
type HealthCheck func(ctx context.Context) error

// Socketed counts connected sockets; *socketio.Server implements it.
type Socketed interface{ Sockets() int }

// Deps are what the API talks to. Jobs, Launches, Wallets, Enqueuer, Verifier and
// APIKeys are required; the rest are optional.
type Deps struct {
	Enqueuer Enqueuer
	Jobs     JobStore
	Launches LaunchStore
	Wallets  WalletStore
	Balances Balances // nil: wallets are listed without balances
	// Owners refuses at enqueue a payload naming a wallet or launch that is not its
	// user's (403) or does not exist (404); nil: the workers refuse it when they run.
	Owners jobs.Owners
	// Checks are the /health dependencies by name: "redis", "postgres", "solana",
	// probed by one background loop every Config.HealthInterval, never per request.
	Checks   map[string]HealthCheck
	Verifier *auth.Verifier
	APIKeys  *auth.APIKeys
	// Redis opens asynqmon at /monitoring/ and the queue gauges of /metrics; nil: neither.
	Redis   asynq.RedisConnOpt
	Sockets Socketed
	// ProgressStats feeds the progress event counters of /metrics (the hub's Stats).
	ProgressStats func() progress.Stats
	// Metrics is shared with the workers' middleware; nil: New makes one.
	Metrics *Metrics
	// Mount adds handlers by ServeMux pattern ("/socket.io/", "/localnet/", "/").
	Mount map[string]http.Handler
	Log   zerolog.Logger
}

func (d Deps) validate() error {
	var missing []string
	for name, ok := range map[string]bool{"Enqueuer": d.Enqueuer != nil, "Jobs": d.Jobs != nil,
		"Launches": d.Launches != nil, "Wallets": d.Wallets != nil, "Verifier": d.Verifier != nil, "APIKeys": d.APIKeys != nil} {
		if !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("api: Deps.%s required", strings.Join(missing, ", Deps."))
	}
	return nil
}

// Server is the HTTP API. Close stops its health probes and releases asynqmon's Redis clients.
type Server struct {
	cfg     Config
	deps    Deps
	log     zerolog.Logger
	metrics *Metrics
	limiter *limiter
	// enqueueLimits and walletLimits are the buckets of the enqueue and wallet routes.
	enqueueLimits, walletLimits *routeLimits
	// adminFails throttles failed admin logins.
	adminFails *failThrottle
	prober     *prober
	handler    http.Handler
	closers    []io.Closer
}

// New builds the API and its routes.
func New(cfg Config, deps Deps) (*Server, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := deps.validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, deps: deps, log: deps.Log, metrics: deps.Metrics,
		limiter: newLimiter(cfg.RateLimit, cfg.RateBurst), adminFails: newFailThrottle(cfg.AdminFailuresPerAddr, cfg.AdminFailuresOverall),
		enqueueLimits: newRouteLimits("enqueue", "enqueues", cfg.EnqueuePerKey, cfg.EnqueuePerUser, jobs.MaxPayloadBytes),
		walletLimits:  newRouteLimits("wallets", "wallet requests", cfg.WalletsPerKey, cfg.WalletsPerUser, MaxWalletImportBody)}
	if s.metrics == nil {
		s.metrics = NewMetrics(MetricSources{Redis: deps.Redis, Sockets: deps.Sockets, ProgressStats: deps.ProgressStats})
		s.closers = append(s.closers, s.metrics)
	}
	s.handler = s.routes()
	s.prober = startProber(deps.Checks, cfg.HealthInterval, cfg.HealthTimeout, deps.Log)
	return s, nil
}

// Handler returns the root handler with logging and panic recovery.
func (s *Server) Handler() http.Handler { return s.handler }

// Metrics returns the metrics the workers' middleware reports to.
func (s *Server) Metrics() *Metrics { return s.metrics }

// Close stops the health probes and releases the Redis clients of asynqmon and the
// metrics collector.
func (s *Server) Close() error {
	s.prober.close()
	var errs []error
	for _, c := range s.closers {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", s.health)
	mux.HandleFunc("GET /health/live", s.healthLive)
	mux.HandleFunc("GET /health/ready", s.healthReady)
	mux.Handle("GET /metrics", s.metrics.Handler())
	api := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, s.apiAuth(h, nil)) }
	limited := func(rl *routeLimits) func(string, http.HandlerFunc) {
		return func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, s.apiAuth(s.limitRoute(rl, h), rl)) }
	}
	enqueue, wallet := limited(s.enqueueLimits), limited(s.walletLimits) // every wallet route goes through wallet
	enqueue("POST /api/jobs/{type}", s.enqueue)
	api("GET /api/jobs/{jobId}", s.getJob)
	api("GET /api/jobs/{jobId}/events", s.jobEvents)
	api("GET /api/launches/{tokenAddress}", s.getLaunch)
	api("GET /api/users/{userId}/launches", s.userLaunches)
	wallet("POST /api/wallets", s.createWallet)
	wallet("GET /api/users/{userId}/wallets", s.userWallets)
	wallet("POST /api/wallets/import", s.importWallets)
	wallet("PATCH /api/users/{userId}/wallets/{publicKey}", s.renameWallet)
	wallet("DELETE /api/users/{userId}/wallets/{publicKey}", s.deleteWallet)
	wallet("POST /api/users/{userId}/wallets/{publicKey}/restore", s.restoreWallet)
	// Without this catch-all a "/" mount (the dashboard) would answer unknown API paths.
	mux.Handle("/api/", apiFallback(mux))
	if s.deps.Redis != nil {
		mon := s.monitoring()
		mux.Handle("/monitoring/", mon)
		mux.Handle("/monitoring", http.RedirectHandler("/monitoring/", http.StatusMovedPermanently))
	}
	for pattern, h := range s.deps.Mount {
		mux.Handle(pattern, h)
	}
	return s.logRequests(securityHeaders(s.recoverPanics(s.cors(jsonMuxErrors(mux)))))
}
