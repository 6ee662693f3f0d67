package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/nitro-runtime/nitro/auth"
	"github.com/nitro-runtime/nitro/store"
)

const usage = `nitro: the Nitro runtime

usage:
  nitro serve [--reset]             everything in one process (workers, Socket.IO, HTTP, built-in cluster;
                                    --reset starts the built-in cluster from genesis)
  nitro worker                      workers plus Socket.IO/HTTP on their own port
  nitro migrate                     apply database migrations and exit
  nitro enqueue TYPE --payload FILE|- [--watch]
  nitro token --user ID [--admin] [--ttl 24h]
  nitro localnet [--port 8899]      the built-in Solana cluster alone (PubSub on port+1)
  nitro probe URL                   exit 0 if a loopback URL answers 2xx (container health check)

Configuration comes from the environment (see README.md); flags override.
`

// run is main without the process: testable with any args, env and streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if args[0] == "probe" { // the container health check: no configuration needed
		return probeCmd(ctx, args[1:], stdout, stderr)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	log := newLogger(cfg, stderr)
	cmds := map[string]func(context.Context, *config, []string, zerolog.Logger, io.Reader, io.Writer) error{
		"serve": func(ctx context.Context, c *config, a []string, l zerolog.Logger, _ io.Reader, w io.Writer) error {
			return serve(ctx, c, a, l, w, true)
		},
		"worker": func(ctx context.Context, c *config, a []string, l zerolog.Logger, _ io.Reader, w io.Writer) error {
			return serve(ctx, c, a, l, w, false)
		},
		"migrate":  migrateCmd,
		"token":    tokenCmd,
		"enqueue":  enqueueCmd,
		"localnet": localnetCmd,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "nitro: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	err = cmd(ctx, cfg, args[1:], log, stdin, stdout)
	var bv *badVar
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &bv), errors.As(err, &ue):
		fmt.Fprintf(stderr, "nitro %s: %v\n", args[0], err)
		return 2
	default:
		// One plain line for a person; the structured log has the details already.
		fmt.Fprintf(stderr, "nitro %s: %v\n", args[0], err)
		return 1
	}
}

func newLogger(c *config, w io.Writer) zerolog.Logger {
	lvl, _ := zerolog.ParseLevel(c.LogLevel)
	format := c.LogFormat
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				format = "console"
			}
		}
	}
	var out io.Writer = w
	if format == "console" {
		out = zerolog.ConsoleWriter{Out: w, TimeFormat: "15:04:05.000"}
	}
	zerolog.TimeFieldFormat = time.RFC3339Nano
	l := zerolog.New(out).Level(lvl).With().Timestamp().Str("service", "nitro")
	if c.SolanaRPCURL == "" {
		// Every line says when no real chain is involved: users must never mistake it for one.
		l = l.Str("chain", "built-in-localnet (no real chain)")
	}
	return l.Logger()
}

// maxPoolConns bounds the pool a process opens by itself (PostgreSQL allows 100
// connections by default; a few processes share them). pool_max_conns in
// DATABASE_URL sets it explicitly.
const maxPoolConns = 40

func openStore(ctx context.Context, c *config, migrate bool) (*store.Store, error) {
	sealer, err := store.NewSealer(c.MasterKey)
	if err != nil {
		return nil, fmt.Errorf("NITRO_MASTER_KEY: %w", err)
	}
	opts := []store.Option{store.WithSealer(sealer)}
	if !strings.Contains(c.DatabaseURL, "pool_max_conns") {
		// pgxpool's default (4 on two cores) would queue every worker's checkpoints
		// and journal writes behind each other.
		opts = append(opts, store.WithMaxConns(int32(min(c.Concurrency+8, maxPoolConns))))
	}
	st, err := store.Open(ctx, c.DatabaseURL, opts...)
	if err != nil {
		return nil, err
	}
	if migrate {
		if err := st.Migrate(ctx); err != nil {
			st.Close()
			return nil, fmt.Errorf("migrate database: %w", err)
		}
	}
	return st, nil
}

func migrateCmd(ctx context.Context, c *config, args []string, log zerolog.Logger, _ io.Reader, stdout io.Writer) error {
	if err := noPositional(newFlags("migrate", "migrate   (applies the database migrations and exits)", stdout), args); err != nil {
		return err
	}
	if err := c.devSecrets(); err != nil {
		return err
	}
	st, err := openStore(ctx, c, true)
	if err != nil {
		return err
	}
	st.Close()
	fmt.Fprintln(stdout, "migrations applied")
	return nil
}

func tokenCmd(_ context.Context, c *config, args []string, _ zerolog.Logger, _ io.Reader, stdout io.Writer) error {
	fs := newFlags("token", "token --user ID [--admin] [--ttl 24h]", stdout)
	user := fs.String("user", "", "user id (the token's sub)")
	admin := fs.Bool("admin", false, "issue an admin token")
	ttl := fs.Duration("ttl", 24*time.Hour, "validity")
	if err := noPositional(fs, args); err != nil {
		return err
	}
	if *user == "" {
		return &badVar{"--user", "is required"}
	}
	if err := c.devSecrets(); err != nil {
		return err
	}
	v, err := auth.NewVerifier([]byte(c.JWTSecret))
	if err != nil {
		return err
	}
	tok, err := v.Issue(*user, *admin, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}

// noPositional parses flags and refuses leftover arguments.
func noPositional(fs *flag.FlagSet, args []string) error {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return &usageError{fmt.Sprintf("unexpected argument %q (see nitro %s --help)", pos[0], fs.Name())}
	}
	return nil
}
