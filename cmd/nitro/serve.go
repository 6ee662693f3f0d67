package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/nitro-runtime/nitro/api"
	"github.com/nitro-runtime/nitro/auth"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/relay"
	"github.com/nitro-runtime/nitro/socketio"
	"github.com/nitro-runtime/nitro/solana/metadata"
	"github.com/nitro-runtime/nitro/store"
	"github.com/nitro-runtime/nitro/workers"
)

// app is everything serve starts, kept so shutdown can close it in order: stop taking
// tasks, let in-flight ones finish (or hand them back), flush progress, close sockets,
// then the HTTP server and the pools — senders before receivers.
type app struct {
	cfg      *config
	log      zerolog.Logger
	store    *store.Store
	broker   *broker
	verifier *auth.Verifier
	sockets  *socketio.Server
	hub      *progress.Hub
	chain    *chain
	asynq    *asynq.Server
	client   *asynq.Client
	api      *api.Server
	meta     *metadata.Builtin // the metadata store, with the built-in cluster only
	http     *http.Server
	listener net.Listener
	started  time.Time
	// relay carries progress to the sockets of other processes (NITRO_FANOUT).
	relay      *relay.Relay
	relayRedis redis.UniversalClient
	// stopRetention ends the background pruning of old progress events.
	stopRetention func()
}

func serve(ctx context.Context, c *config, args []string, log zerolog.Logger, stdout io.Writer, embedded bool) error {
	name := "worker"
	if embedded {
		name = "serve"
	}
	fs := newFlags(name, name+" [--reset]", stdout)
	reset := fs.Bool("reset", false, "start the built-in cluster from genesis, discarding its saved ledger (serve only)")
	if err := noPositional(fs, args); err != nil {
		return err
	}
	// Only serve keeps the built-in cluster's ledger: a worker's built-in cluster is
	// a chain of its own that nobody else can reach.
	c.LedgerKeep, c.LedgerReset = embedded, *reset
	a, err := start(ctx, c, log, embedded)
	if err != nil {
		return err
	}
	printBanner(stdout, a)
	<-ctx.Done()
	log.Info().Msg("shutting down")
	a.shutdown(c.ShutdownTimeout + 10*time.Second)
	return nil
}

func start(ctx context.Context, c *config, log zerolog.Logger, embedded bool) (a *app, err error) {
	if err := c.devSecrets(); err != nil {
		return nil, err
	}
	tuneGC(c, log)
	a = &app{cfg: c, log: log, started: time.Now()}
	defer func() {
		if err != nil {
			a.shutdown(5 * time.Second)
		}
	}()
	if a.store, err = openStore(ctx, c, !c.SkipMigrations); err != nil {
		return a, err
	}
	if a.broker, err = connectBroker(ctx, c, embedded, log); err != nil {
		return a, err
	}
	if a.verifier, err = auth.NewVerifier([]byte(c.JWTSecret)); err != nil {
		return a, fmt.Errorf("NITRO_JWT_SECRET: %w", err)
	}
	if a.sockets, err = socketio.New(socketio.Config{CORSOrigins: c.CORSOrigins, AuthOff: c.AuthOff,
		PingInterval: c.PingInterval, PingTimeout: c.PingTimeout,
		SocketsPerUser: c.Limits.SocketsPerUser, SubscriptionsPerSocket: c.Limits.SubscriptionsPerSocket},
		socketio.Deps{Verifier: a.verifier, Snapshots: a.store, Log: log.With().Str("component", "socketio").Logger()}); err != nil {
		return a, err
	}
	emitter, err := a.startRelay(ctx)
	if err != nil {
		return a, err
	}
	a.hub = progress.NewHub(progress.HubConfig{}, emitter, a.store, a.store, log.With().Str("component", "progress").Logger())
	a.listener, err = net.Listen("tcp", net.JoinHostPort(c.Host, strconv.Itoa(c.Port)))
	if err != nil {
		return a, fmt.Errorf("listen on %s:%d (HOST, PORT): %w", c.Host, c.Port, err)
	}
	if a.chain, err = startChain(ctx, c, a.listener.Addr().(*net.TCPAddr).Port, log); err != nil {
		return a, err
	}
	if c.Metadata == "builtin" || (c.Metadata == "auto" && a.chain.cluster != nil) {
		if a.meta, err = a.newBuiltinMetadata(); err != nil {
			return a, err
		}
	}
	a.client = asynq.NewClient(a.broker.opt)
	if a.api, err = a.newAPI(); err != nil {
		return a, err
	}
	a.registerFanoutMetrics()
	mux, err := a.registerWorkers()
	if err != nil {
		return a, err
	}
	a.http = &http.Server{Handler: a.api.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := a.http.Serve(a.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error().Err(err).Msg("http server stopped")
		}
	}()
	a.asynq = workers.NewServer(a.broker.opt, workers.ServerConfig{Concurrency: c.Concurrency, ShutdownTimeout: c.ShutdownTimeout, Log: log})
	if err := a.asynq.Start(mux); err != nil {
		return a, fmt.Errorf("start workers: %w", err)
	}
	a.stopRetention = startRetention(a.store, c.EventRetention, pruneEventsEvery, log)
	fanout := "local sockets only"
	if a.relay != nil {
		fanout = "redis pub/sub " + relayChannel(a.broker.opt)
	}
	log.Info().Str("addr", a.listener.Addr().String()).Str("redis", a.broker.desc).Str("solana", a.chain.desc).
		Str("fanout", fanout).Msg("nitro is up")
	return a, nil
}

// startRelay returns what the hub emits to: the local sockets, through the Redis relay
// unless NITRO_FANOUT=local or Redis is the embedded one (a single process).
func (a *app) startRelay(ctx context.Context) (progress.Emitter, error) {
	if a.cfg.Fanout == "local" || (a.cfg.Fanout == "auto" && a.broker.embedded != nil) {
		return a.sockets, nil
	}
	a.relayRedis = a.broker.client()
	var err error
	a.relay, err = relay.New(relay.Config{Channel: relayChannel(a.broker.opt)}, a.relayRedis, a.sockets, a.log)
	if err == nil {
		err = a.relay.Start(ctx)
	}
	if err != nil {
		_ = a.relayRedis.Close()
		a.relay = nil
		return nil, fmt.Errorf("progress relay (NITRO_FANOUT): %w", err)
	}
	return a.relay, nil
}

func (a *app) registerWorkers() (*asynq.ServeMux, error) {
	rt := &workers.Runtime{Hub: a.hub, Metrics: a.api.Metrics(), Log: a.log}
	mux := asynq.NewServeMux()
	if err := a.registerJobTypes(mux, rt); err != nil {
		return nil, err
	}
	if a.cfg.TestTasks {
		mux.Handle(workers.TestWalkType, rt.Wrap(workers.TestWalk()))
	}
	return mux, nil
}

func (a *app) shutdown(grace time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if a.asynq != nil {
		a.asynq.Shutdown() // stops fetching; waits ShutdownTimeout, then hands tasks back to the queue
		a.log.Info().Msg("workers stopped")
	}
	if a.hub != nil {
		if err := a.hub.Close(ctx); err != nil {
			a.log.Error().Err(err).Msg("flush progress")
		}
	}
	if a.relay != nil {
		if err := a.relay.Close(); err != nil {
			a.log.Error().Err(err).Msg("close progress relay")
		}
		_ = a.relayRedis.Close()
	}
	if a.sockets != nil {
		a.sockets.Close()
	}
	if a.http != nil {
		_ = a.http.Shutdown(ctx)
	}
	if a.api != nil {
		_ = a.api.Close()
	}
	if a.chain != nil {
		a.chain.Close()
	}
	if a.client != nil {
		_ = a.client.Close()
	}
	if a.broker != nil {
		a.broker.Close()
	}
	if a.stopRetention != nil {
		a.stopRetention()
	}
	if a.store != nil {
		a.store.Close()
	}
}

func printBanner(w io.Writer, a *app) {
	port := a.listener.Addr().(*net.TCPAddr).Port
	fmt.Fprintf(w, "\nNitro runtime is up on http://localhost:%d\n", port)
	fmt.Fprintf(w, "  health       http://localhost:%d/health\n", port)
	fmt.Fprintf(w, "  monitoring   http://localhost:%d/monitoring/  (user admin)\n", port)
	fmt.Fprintf(w, "  socket.io    http://localhost:%d/socket.io/  (a token from `nitro token --user ID`)\n", port)
	fmt.Fprintf(w, "  redis        %s\n  solana       %s\n", a.broker.desc, a.chain.desc)
	if len(a.cfg.generated) > 0 {
		fmt.Fprintf(w, "  development secrets were generated into %s/dev-secrets.json: %v\n", a.cfg.DataDir, a.cfg.generated)
	}
	fmt.Fprintln(w)
}
