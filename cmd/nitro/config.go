package main

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gagliardetto/solana-go"
)

// config is the external contract's environment, parsed and validated. Only cmd reads the
// environment; each package gets its own Config from here.
type config struct {
	// GOGC and GOMEMLIMIT as the process got them (the runtime applied them already);
	// tuneGC sets its defaults only where they are empty.
	GOGC, GOMEMLIMIT string

	Env           string // development | production
	Host          string
	Port          int
	RedisURL      string // "" = try the local default, then embedded miniredis
	RedisExplicit bool
	DatabaseURL   string
	SolanaRPCURL  string // "" = built-in local cluster
	SolanaWSURL   string
	JitoURL       string
	Chain         chainSettings // SOLANA_RPC_RPS and the other chain knobs (chain.go)
	Limits        limits        // request budgets and socket caps (limits.go)
	// LedgerKeep keeps the built-in cluster's ledger in DataDir/localnet (serve);
	// LedgerReset discards it first (serve --reset).
	LedgerKeep, LedgerReset bool
	CORSOrigins             []string
	JWTSecret               string
	APIKeys                 []string
	MasterKey               []byte
	AdminPassword           string
	LogLevel                string
	LogFormat               string
	Concurrency             int
	AuthOff                 bool
	DataDir                 string
	TestTasks               bool
	SkipMigrations          bool
	// Metadata picks where token metadata is uploaded: "auto" (the built-in store with
	// the built-in cluster, pump.fun / letsbonk otherwise), "builtin" or "remote".
	Metadata string
	// PlatformFeeWallet receives PlatformFeeLamports from each launch's funding wallet.
	PlatformFeeWallet   string
	PlatformFeeLamports uint64
	// ShutdownTimeout is how long in-flight jobs get after SIGTERM before asynq hands
	// them back to the queue.
	ShutdownTimeout time.Duration
	// EventRetention is how long progress events are kept (0: forever).
	EventRetention time.Duration
	// HealthInterval is how often the dependencies /health reports are probed.
	HealthInterval time.Duration
	// MixerJitterMax is the longest random pause before a mixing hop (0: none).
	MixerJitterMax time.Duration
	// PingInterval and PingTimeout are the Socket.IO heartbeat (0: socketio's 25s/20s);
	// tests and the socket soak shorten them.
	PingInterval, PingTimeout time.Duration
	// Fanout is how progress reaches sockets on other processes: "redis" relays it over
	// pub/sub, "local" does not, "auto" relays unless Redis is the embedded one.
	Fanout string
	// generated lists the secrets made up for development, to print once.
	generated []string
}

// defaultEventRetention keeps a month of progress history.
const defaultEventRetention = 30 * 24 * time.Hour

const defaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/nitro?sslmode=disable"

// badVar is a configuration error that names the variable.
type badVar struct{ name, why string }

func (e *badVar) Error() string { return fmt.Sprintf("config: %s %s", e.name, e.why) }

// loadConfig reads the environment through getenv (a .env file fills unset keys).
func loadConfig(getenv func(string) string) (*config, error) {
	get := withDotEnv(getenv)
	c := &config{
		GOGC: getenv("GOGC"), GOMEMLIMIT: getenv("GOMEMLIMIT"),
		Env:          or(get("NITRO_ENV"), "development"),
		Host:         or(get("HOST"), "0.0.0.0"),
		RedisURL:     get("REDIS_URL"),
		DatabaseURL:  or(get("DATABASE_URL"), defaultDatabaseURL),
		SolanaRPCURL: get("SOLANA_RPC_URL"), SolanaWSURL: get("SOLANA_WS_URL"),
		JitoURL:        get("JITO_BLOCK_ENGINE_URL"),
		CORSOrigins:    splitList(or(get("CORS_ORIGINS"), "http://localhost:3000")),
		JWTSecret:      get("NITRO_JWT_SECRET"),
		APIKeys:        splitList(get("NITRO_API_KEYS")),
		AdminPassword:  get("NITRO_ADMIN_PASSWORD"),
		LogLevel:       or(get("LOG_LEVEL"), "info"),
		LogFormat:      get("LOG_FORMAT"),
		AuthOff:        get("NITRO_AUTH") == "off",
		DataDir:        or(get("NITRO_DATA_DIR"), "data"),
		TestTasks:      get("NITRO_TEST_TASKS") == "1",
		SkipMigrations: get("NITRO_SKIP_MIGRATIONS") == "1",
	}
	c.RedisExplicit = c.RedisURL != ""
	var errs []error
	var err error
	if c.Port, err = intVar(get, "PORT", 3001, 1, 65535); err != nil {
		errs = append(errs, err)
	}
	if c.Concurrency, err = intVar(get, "WORKER_CONCURRENCY", 20, 1, 1000); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.platformFee(get)...)
	errs = append(errs, c.Chain.load(get)...)
	errs = append(errs, c.Limits.load(get)...)
	switch c.Metadata = or(get("NITRO_METADATA"), "auto"); c.Metadata {
	case "auto", "builtin", "remote":
	default:
		errs = append(errs, &badVar{"NITRO_METADATA", `must be "auto", "builtin" or "remote"`})
	}
	c.ShutdownTimeout = 25 * time.Second
	if v := get("NITRO_SHUTDOWN_TIMEOUT"); v != "" {
		d, perr := time.ParseDuration(v)
		if perr != nil || d < time.Second || d > time.Hour {
			errs = append(errs, &badVar{"NITRO_SHUTDOWN_TIMEOUT", "must be a duration from 1s to 1h, like 25s"})
		} else {
			c.ShutdownTimeout = d
		}
	}
	if v := get("NITRO_MIXER_JITTER_MAX"); v != "" {
		d, perr := time.ParseDuration(v)
		if perr != nil || d < 0 || d > maxMixerJitter {
			errs = append(errs, &badVar{"NITRO_MIXER_JITTER_MAX", "must be a duration from 0 (no pause) to 1m, like 2s"})
		} else {
			c.MixerJitterMax = d
		}
	}
	c.HealthInterval = 5 * time.Second
	if v := get("NITRO_HEALTH_INTERVAL"); v != "" {
		d, perr := time.ParseDuration(v)
		if perr != nil || d < 100*time.Millisecond || d > 5*time.Minute {
			errs = append(errs, &badVar{"NITRO_HEALTH_INTERVAL", "must be a duration from 100ms to 5m, like 5s"})
		} else {
			c.HealthInterval = d
		}
	}
	for _, v := range []struct {
		name string
		dst  *time.Duration
	}{{"NITRO_SOCKET_PING_INTERVAL", &c.PingInterval}, {"NITRO_SOCKET_PING_TIMEOUT", &c.PingTimeout}} {
		if raw := get(v.name); raw != "" {
			d, perr := time.ParseDuration(raw)
			if perr != nil || d < 100*time.Millisecond || d > 5*time.Minute {
				errs = append(errs, &badVar{v.name, "must be a duration from 100ms to 5m, like 25s"})
			}
			*v.dst = d
		}
	}
	switch c.Fanout = or(get("NITRO_FANOUT"), "auto"); c.Fanout {
	case "auto", "redis", "local":
	default:
		errs = append(errs, &badVar{"NITRO_FANOUT", `must be "auto", "redis" or "local"`})
	}
	c.EventRetention = defaultEventRetention
	switch v := get("NITRO_EVENT_RETENTION"); v {
	case "":
	case "0", "off":
		c.EventRetention = 0
	default:
		d, perr := time.ParseDuration(v)
		if perr != nil || d < 24*time.Hour {
			errs = append(errs, &badVar{"NITRO_EVENT_RETENTION", `must be a duration of at least 24h, like 720h, or "off"`})
		} else {
			c.EventRetention = d
		}
	}
	errs = append(errs, c.validate(get)...)
	return c, errors.Join(errs...)
}

// platformFee reads NITRO_PLATFORM_FEE_WALLET and NITRO_PLATFORM_FEE_SOL: both or neither.
func (c *config) platformFee(get func(string) string) []error {
	wallet, sol := get("NITRO_PLATFORM_FEE_WALLET"), get("NITRO_PLATFORM_FEE_SOL")
	if wallet == "" && sol == "" {
		return nil
	}
	var errs []error
	if _, err := solana.PublicKeyFromBase58(wallet); err != nil {
		errs = append(errs, &badVar{"NITRO_PLATFORM_FEE_WALLET", "must be a base58 public key (set with NITRO_PLATFORM_FEE_SOL)"})
	}
	f, err := strconv.ParseFloat(sol, 64)
	if err != nil || f <= 0 || f > 10 {
		errs = append(errs, &badVar{"NITRO_PLATFORM_FEE_SOL", "must be a SOL amount above 0 and at most 10 (set with NITRO_PLATFORM_FEE_WALLET)"})
	}
	c.PlatformFeeWallet, c.PlatformFeeLamports = wallet, uint64(math.Round(f*1e9))
	return errs
}

func (c *config) production() bool { return c.Env == "production" }

func (c *config) validate(get func(string) string) []error {
	var errs []error
	if c.Env != "development" && c.Env != "production" {
		errs = append(errs, &badVar{"NITRO_ENV", `must be "development" or "production"`})
	}
	for _, u := range []struct {
		name, val string
		schemes   []string
	}{
		{"REDIS_URL", c.RedisURL, []string{"redis", "rediss", "redis+sentinel", "redis+cluster", "unix"}},
		{"DATABASE_URL", c.DatabaseURL, []string{"postgres", "postgresql"}},
		{"SOLANA_RPC_URL", c.SolanaRPCURL, []string{"http", "https"}},
		{"SOLANA_WS_URL", c.SolanaWSURL, []string{"ws", "wss"}},
		{"JITO_BLOCK_ENGINE_URL", c.JitoURL, []string{"http", "https"}},
	} {
		if err := checkURL(u.name, u.val, u.schemes); err != nil {
			errs = append(errs, err)
		}
	}
	for _, o := range c.CORSOrigins {
		if err := checkURL("CORS_ORIGINS", o, []string{"http", "https"}); err != nil {
			errs = append(errs, err)
		}
	}
	switch c.LogLevel {
	case "trace", "debug", "info", "warn", "error":
	default:
		errs = append(errs, &badVar{"LOG_LEVEL", "must be one of trace, debug, info, warn, error"})
	}
	if c.LogFormat != "" && c.LogFormat != "json" && c.LogFormat != "console" {
		errs = append(errs, &badVar{"LOG_FORMAT", `must be "json" or "console"`})
	}
	if mk := get("NITRO_MASTER_KEY"); mk != "" {
		key, err := base64.StdEncoding.DecodeString(mk)
		if err != nil || len(key) != 32 {
			errs = append(errs, &badVar{"NITRO_MASTER_KEY", "must be 32 bytes, base64-encoded"})
		}
		c.MasterKey = key
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		errs = append(errs, &badVar{"NITRO_JWT_SECRET", "must be at least 32 characters"})
	}
	if c.production() {
		errs = append(errs, c.productionChecks()...)
	}
	return errs
}

// productionChecks refuses to run real money on made-up secrets or a toy chain.
func (c *config) productionChecks() []error {
	var errs []error
	missing := map[string]bool{
		"NITRO_JWT_SECRET": c.JWTSecret == "", "NITRO_API_KEYS": len(c.APIKeys) == 0,
		"NITRO_MASTER_KEY": c.MasterKey == nil, "NITRO_ADMIN_PASSWORD": c.AdminPassword == "",
	}
	for _, name := range []string{"NITRO_JWT_SECRET", "NITRO_API_KEYS", "NITRO_MASTER_KEY", "NITRO_ADMIN_PASSWORD"} {
		if missing[name] {
			errs = append(errs, &badVar{name, "is required with NITRO_ENV=production"})
		}
	}
	errs = append(errs, c.weakSecrets()...)
	if c.SolanaRPCURL == "" {
		errs = append(errs, &badVar{"SOLANA_RPC_URL", "is required with NITRO_ENV=production (the built-in cluster is not a real chain)"})
	}
	if c.AuthOff {
		errs = append(errs, &badVar{"NITRO_AUTH", "cannot be off with NITRO_ENV=production"})
	}
	if c.TestTasks {
		errs = append(errs, &badVar{"NITRO_TEST_TASKS", "cannot be on with NITRO_ENV=production"})
	}
	return errs
}

// Production minimum lengths of the secrets people choose themselves (the JWT
// secret's 32 applies everywhere). An API key or password on the Internet is guessed
// by machines, so it has to be long and random, not memorable.
const (
	minAdminPassword = 16
	minAPIKey        = 24
)

// guessableWords are what secrets typed by hand are made of.
var guessableWords = []string{"admin", "password", "passw0rd", "changeme", "secret", "letmein", "qwerty",
	"123456", "nitro", "default", "test", "example", "welcome", "root", "apikey"}

// weakSecrets refuses, in production, short or guessable secrets; each error names
// the variable (and which NITRO_API_KEYS entry), never the value.
func (c *config) weakSecrets() []error {
	var errs []error
	check := func(name, v string, minLen int) {
		if v == "" {
			return // missing is reported on its own
		}
		if why := weakSecret(v, minLen); why != "" {
			errs = append(errs, &badVar{name, why + " with NITRO_ENV=production; use a random value (openssl rand -hex 24)"})
		}
	}
	check("NITRO_ADMIN_PASSWORD", c.AdminPassword, minAdminPassword)
	for i, k := range c.APIKeys {
		check(fmt.Sprintf("NITRO_API_KEYS (entry %d)", i+1), k, minAPIKey)
	}
	check("NITRO_JWT_SECRET", c.JWTSecret, 32)
	return errs
}

// weakSecret says why v is not a secret worth the name, or "".
func weakSecret(v string, minLen int) string {
	if len(v) < minLen {
		return fmt.Sprintf("must be at least %d characters", minLen)
	}
	distinct := map[rune]bool{}
	for _, r := range v {
		distinct[r] = true
	}
	if len(distinct) < 8 {
		return "is guessable (too few distinct characters)"
	}
	// A common word, repeated or with digits and symbols around it ("changeme2024!").
	core := strings.Trim(strings.ToLower(v), "0123456789!@#$%^&*()._-+= ")
	for _, w := range guessableWords {
		if core != "" && strings.ReplaceAll(core, w, "") == "" {
			return "is guessable (a common word)"
		}
	}
	return ""
}

// devSecrets fills unset secrets for development: kept in the data dir so tokens and
// sealed wallets survive a restart, and listed in c.generated to be printed once.
func (c *config) devSecrets() error {
	if c.production() {
		return nil
	}
	path := filepath.Join(c.DataDir, "dev-secrets.json")
	var saved struct {
		JWTSecret, APIKey, AdminPassword, MasterKey string
	}
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &saved); err != nil {
			return fmt.Errorf("read %s: %w (delete it to generate new development secrets)", path, err)
		}
	}
	// keep returns the saved value, generating one first when there is none.
	keep := func(saved *string, n int, name string) string {
		if *saved == "" {
			*saved = randomHex(n)
			c.generated = append(c.generated, name)
		}
		return *saved
	}
	if c.JWTSecret == "" {
		c.JWTSecret = keep(&saved.JWTSecret, 32, "NITRO_JWT_SECRET")
	}
	if len(c.APIKeys) == 0 {
		c.APIKeys = []string{keep(&saved.APIKey, 24, "NITRO_API_KEYS")}
	}
	if c.AdminPassword == "" {
		c.AdminPassword = keep(&saved.AdminPassword, 12, "NITRO_ADMIN_PASSWORD")
	}
	if c.MasterKey == nil {
		if saved.MasterKey == "" {
			saved.MasterKey = base64.StdEncoding.EncodeToString(randomBytes(32))
		}
		c.MasterKey, _ = base64.StdEncoding.DecodeString(saved.MasterKey)
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data dir %s: %w", c.DataDir, err)
	}
	b, _ := json.MarshalIndent(saved, "", "  ")
	return os.WriteFile(path, b, 0o600)
}

func withDotEnv(getenv func(string) string) func(string) string {
	file := map[string]string{}
	if f, err := os.Open(".env"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
			if ok {
				file[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"'`)
			}
		}
	}
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return file[k]
	}
}

func intVar(get func(string) string, name string, def, lo, hi int) (int, error) {
	s := get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return def, &badVar{name, fmt.Sprintf("must be an integer from %d to %d, got %q", lo, hi, s)}
	}
	return n, nil
}

func checkURL(name, val string, schemes []string) error {
	if val == "" {
		return nil
	}
	u, err := url.Parse(val)
	if err != nil {
		return &badVar{name, "is not a valid URL"}
	}
	for _, s := range schemes {
		if u.Scheme == s {
			return nil
		}
	}
	return &badVar{name, fmt.Sprintf("must use one of the schemes %s, got %q", strings.Join(schemes, ", "), u.Scheme)}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }

// maxMixerJitter bounds NITRO_MIXER_JITTER_MAX: a pause before every hop of a
// launch's mixing, and the launch waits for all of them.
const maxMixerJitter = time.Minute
