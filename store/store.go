// Package store is Nitro's PostgreSQL layer (pgx v5): jobs and their progress events,
// launches and their LaunchState, registered wallets with sealed secrets, the
// transaction journal and step checkpoints. It returns ErrNotFound and ErrConflict at
// its boundary, wraps every other error with context, and never logs.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/nitro-runtime/nitro/migrations"
)

// ErrNotFound is returned when the row asked for does not exist (or, for secrets, is
// not owned by the caller).
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a row exists and may not be replaced.
var ErrConflict = errors.New("conflict")

// Store is the PostgreSQL store. It is safe for concurrent use.
type Store struct {
	pool   *pgxpool.Pool
	sealer *Sealer
	schema string
}

// Option configures Open.
type Option func(*options)

type options struct {
	params   map[string]string
	schema   string
	sealer   *Sealer
	maxConns int32
}

// WithSchema puts every table in schema (created if missing) by setting search_path on
// each connection; tests use it for isolation.
func WithSchema(schema string) Option { return func(o *options) { o.schema = schema } }

// WithSealer sets the sealer that protects wallet and mint secrets at rest. Without
// one, storing or reading a secret fails.
func WithSealer(s *Sealer) Option { return func(o *options) { o.sealer = s } }

// WithConnParam sets a run-time parameter on every connection (for example
// synchronous_commit=off in tests, where durability buys nothing).
func WithConnParam(name, value string) Option {
	return func(o *options) {
		if o.params == nil {
			o.params = map[string]string{}
		}
		o.params[name] = value
	}
}

// WithMaxConns caps the pool size (pgxpool's default is max(4, GOMAXPROCS)).
func WithMaxConns(n int32) Option { return func(o *options) { o.maxConns = n } }

// Open connects to databaseURL, creating the database when it is missing and the role
// may create it. An unreachable server is an error that names DATABASE_URL.
func Open(ctx context.Context, databaseURL string, opts ...Option) (*Store, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		// pgconn redacts the password from its parse errors.
		return nil, fmt.Errorf("DATABASE_URL is not a valid PostgreSQL URL: %w", err)
	}
	for k, v := range o.params {
		cfg.ConnConfig.RuntimeParams[k] = v
	}
	if o.schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = o.schema
	}
	if o.maxConns > 0 {
		cfg.MaxConns = o.maxConns
	}
	pool, err := connect(ctx, cfg)
	if isCode(err, "3D000") { // invalid_catalog_name: the database does not exist
		if cerr := createDatabase(ctx, cfg.ConnConfig); cerr != nil {
			return nil, cerr
		}
		pool, err = connect(ctx, cfg)
	}
	if err != nil {
		return nil, unreachable(cfg.ConnConfig, err)
	}
	s := &Store{pool: pool, sealer: o.sealer, schema: o.schema}
	if o.schema != "" {
		if err := s.createSchema(ctx); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return s, nil
}

func connect(ctx context.Context, cfg *pgxpool.Config) (*pgxpool.Pool, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

// createDatabase creates cfg.Database through the maintenance database "postgres".
func createDatabase(ctx context.Context, cfg *pgx.ConnConfig) error {
	admin := cfg.Copy()
	admin.Database = "postgres"
	delete(admin.RuntimeParams, "search_path")
	conn, err := pgx.ConnectConfig(ctx, admin)
	if err != nil {
		return unreachable(admin, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{cfg.Database}.Sanitize())
	switch {
	case err == nil, isCode(err, "42P04"), isCode(err, "23505"):
		// Created, or created meanwhile by another process.
		return nil
	case isCode(err, "42501"):
		return fmt.Errorf("database %q does not exist and role %q may not create it: "+
			"create it (createdb %s) or point DATABASE_URL at an existing database", cfg.Database, cfg.User, cfg.Database)
	}
	return fmt.Errorf("create database %q: %w", cfg.Database, err)
}

// unreachable explains a failed connection without the password (pgconn's error
// names only user and database).
func unreachable(cfg *pgx.ConnConfig, err error) error {
	return fmt.Errorf("cannot connect to PostgreSQL at %s:%d (database %q, user %q) from DATABASE_URL: %w; "+
		"start PostgreSQL there or set DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/DBNAME?sslmode=disable",
		cfg.Host, cfg.Port, cfg.Database, cfg.User, err)
}

func (s *Store) createSchema(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{s.schema}.Sanitize())
	if err != nil && !isCode(err, "23505") && !isCode(err, "42P06") {
		return fmt.Errorf("create schema %q: %w", s.schema, err)
	}
	return nil
}

// Migrate applies the pending migrations. A PostgreSQL advisory lock held for the
// whole run makes replicas that start together take turns instead of racing.
func (s *Store) Migrate(ctx context.Context) error {
	db := stdlib.OpenDBFromPool(s.pool)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS,
		goose.WithSessionLocker(advisoryLocker{}),
		goose.WithDisableGlobalRegistry(true),
		goose.WithSlog(slog.New(slog.DiscardHandler)),
	)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres ping: %w", err)
	}
	return nil
}

// Close closes the pool; it waits for connections in use to be released.
func (s *Store) Close() { s.pool.Close() }

func isCode(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}

// notFound maps pgx.ErrNoRows to ErrNotFound and wraps anything else with what.
func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}
