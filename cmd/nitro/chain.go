package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"

	"github.com/rs/zerolog"

	"github.com/nitro-runtime/nitro/jobs"
	"github.com/nitro-runtime/nitro/solana"
	"github.com/nitro-runtime/nitro/solana/jito"
	"github.com/nitro-runtime/nitro/solana/localnet"
)

// chain is the Solana side of serve: a client for the configured cluster and, with
// SOLANA_RPC_URL unset, the built-in cluster mounted at /localnet/.
type chain struct {
	client *solana.Client
	// probe is the health loop's own client with its own small rate budget: /health
	// must never take requests from the workers' budget.
	probe   *solana.Client
	cluster *localnet.Cluster // nil on a real network
	desc    string
	rpcURL  string
}

func (c *chain) Close() {
	for _, cl := range []*solana.Client{c.client, c.probe} {
		if cl != nil {
			_ = cl.Close()
		}
	}
	if c.cluster != nil {
		c.cluster.Close()
	}
}

// handlers are the HTTP routes the chain adds to serve's mux.
func (c *chain) handlers() map[string]http.Handler {
	if c.cluster == nil {
		return nil
	}
	return map[string]http.Handler{
		"/localnet/rpc": c.cluster.Handler(),
		"/localnet/ws":  c.cluster.WSHandler(),
	}
}

// chainSettings are the environment's knobs of the chain client and the trades.
type chainSettings struct {
	// RPS and Burst are the client-side request budget of a real endpoint (the
	// built-in cluster is in-process and gets none); 0 RPS = solana's default.
	RPS   float64
	Burst int
	// MaxPriorityFee caps estimated CU prices (micro-lamports); 0 = workers' default.
	MaxPriorityFee uint64
	// JitoTipLamports is a launch bundle's tip; JitoUUID the block engine's auth key.
	JitoTipLamports uint64
	JitoUUID        string
}

// maxRPS bounds SOLANA_RPC_RPS: far above any provider's plan, it is a typo guard.
const maxRPS = 100_000

func (s *chainSettings) load(get func(string) string) []error {
	var errs []error
	switch v := get("SOLANA_RPC_RPS"); v {
	case "":
	case "off":
		s.RPS = solana.NoRateLimit
	default:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || f > maxRPS {
			errs = append(errs, &badVar{"SOLANA_RPC_RPS", fmt.Sprintf(`must be requests per second above 0 and at most %d, or "off"`, maxRPS)})
		}
		s.RPS = f
	}
	var err error
	if s.Burst, err = intVar(get, "SOLANA_RPC_BURST", 0, 1, 100_000); err != nil {
		errs = append(errs, err)
	}
	if v := get("NITRO_PRIORITY_FEE_MAX"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 || n > jobs.MaxPriorityFee {
			errs = append(errs, &badVar{"NITRO_PRIORITY_FEE_MAX", fmt.Sprintf("must be micro-lamports per CU from 1 to %d", jobs.MaxPriorityFee)})
		}
		s.MaxPriorityFee = n
	}
	if v := get("JITO_TIP_LAMPORTS"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n < jito.MinTipLamports || n > 1_000_000_000 {
			errs = append(errs, &badVar{"JITO_TIP_LAMPORTS", fmt.Sprintf("must be lamports from %d to 1000000000 (1 SOL)", jito.MinTipLamports)})
		}
		s.JitoTipLamports = n
	}
	s.JitoUUID = get("JITO_AUTH_UUID")
	return errs
}

func startChain(ctx context.Context, c *config, port int, log zerolog.Logger) (*chain, error) {
	ch := &chain{}
	cfg := solana.Config{RPCURL: c.SolanaRPCURL, WSURL: c.SolanaWSURL, RateLimit: c.Chain.RPS, Burst: c.Chain.Burst}
	if c.SolanaRPCURL == "" {
		// In-process: a client-side budget would only make launches wait.
		cfg.RateLimit, cfg.Burst = solana.NoRateLimit, 0
		cl, err := startBuiltinCluster(c, log)
		if err != nil {
			return nil, err
		}
		ch.cluster = cl
		cfg.RPCURL = fmt.Sprintf("http://127.0.0.1:%d/localnet/rpc", port)
		cfg.WSURL = fmt.Sprintf("ws://127.0.0.1:%d/localnet/ws", port)
		ch.desc = "BUILT-IN LOCAL CLUSTER at /localnet/rpc (no real chain is involved)"
		log.Warn().Msg("SOLANA_RPC_URL is unset: using the built-in local cluster; no real chain is involved")
	} else {
		ch.desc = redactURL(c.SolanaRPCURL)
	}
	ch.rpcURL = cfg.RPCURL
	cl, err := solana.NewClient(cfg)
	if err != nil {
		ch.Close()
		return nil, fmt.Errorf("SOLANA_RPC_URL: %w", err)
	}
	ch.client = cl
	if ch.probe, err = solana.NewClient(solana.Config{RPCURL: cfg.RPCURL, Headers: cfg.Headers, RateLimit: 1, MaxRetries: 1}); err != nil {
		ch.Close()
		return nil, fmt.Errorf("SOLANA_RPC_URL (health probe): %w", err)
	}
	return ch, nil
}

// startBuiltinCluster starts the in-process cluster; serve keeps its ledger in
// DATA_DIR/localnet across restarts (as a test validator keeps its ledger), so the
// wallets and coins PostgreSQL remembers are still on chain.
func startBuiltinCluster(c *config, log zerolog.Logger) (*localnet.Cluster, error) {
	lcfg := localnet.Config{}
	if c.LedgerKeep {
		lcfg.LedgerDir = filepath.Join(c.DataDir, "localnet")
		lcfg.OnLedgerError = func(err error) { log.Error().Err(err).Msg("built-in cluster: saving the ledger failed") }
		if c.LedgerReset {
			if err := os.Remove(filepath.Join(lcfg.LedgerDir, localnet.LedgerFileName)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("reset the built-in cluster's ledger: %w", err)
			}
		}
	}
	cl, err := localnet.New(lcfg)
	if err != nil {
		return nil, fmt.Errorf("start built-in cluster: %w", err)
	}
	switch {
	case cl.Restored():
		log.Info().Str("ledger", lcfg.LedgerDir).Uint64("slot", cl.Bank().Slot()).
			Msg("built-in cluster: continuing its saved ledger (serve --reset starts from genesis)")
	case c.LedgerKeep:
		log.Info().Str("ledger", lcfg.LedgerDir).Msg("built-in cluster: new ledger from genesis, saved across restarts")
	}
	return cl, nil
}

func localnetCmd(ctx context.Context, c *config, args []string, log zerolog.Logger, _ io.Reader, stdout io.Writer) error {
	fs := newFlags("localnet", "localnet [--port 8899] [--host 127.0.0.1]", stdout)
	port := fs.Int("port", 8899, "JSON-RPC port; PubSub WebSocket is port+1")
	host := fs.String("host", "127.0.0.1", "address to bind")
	if err := noPositional(fs, args); err != nil {
		return err
	}
	cl, err := localnet.New(localnet.Config{})
	if err != nil {
		return err
	}
	defer cl.Close()
	fmt.Fprintf(stdout, "built-in Solana cluster: JSON-RPC http://%s:%d, PubSub ws://%s:%d (no real chain)\n", *host, *port, *host, *port+1)
	return cl.ListenAndServe(ctx, *host, *port)
}
