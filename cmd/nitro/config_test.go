package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nitro-runtime/nitro/api"
	"github.com/nitro-runtime/nitro/solana"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigDefaults(t *testing.T) {
	c, err := loadConfig(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 3001 || c.Host != "0.0.0.0" || c.DatabaseURL != defaultDatabaseURL || c.Concurrency != 20 ||
		len(c.CORSOrigins) != 1 || c.CORSOrigins[0] != "http://localhost:3000" || c.RedisExplicit || c.production() {
		t.Fatalf("defaults = %+v", c)
	}
}

func TestConfigErrorsNameTheVariable(t *testing.T) {
	cases := map[string]map[string]string{
		"PORT":                       {"PORT": "http"},
		"WORKER_CONCURRENCY":         {"WORKER_CONCURRENCY": "0"},
		"REDIS_URL":                  {"REDIS_URL": "mysql://x"},
		"DATABASE_URL":               {"DATABASE_URL": "redis://x"},
		"SOLANA_RPC_URL":             {"SOLANA_RPC_URL": "ftp://x"},
		"CORS_ORIGINS":               {"CORS_ORIGINS": "localhost:3000"},
		"NITRO_MASTER_KEY":           {"NITRO_MASTER_KEY": "c2hvcnQ="},
		"NITRO_JWT_SECRET":           {"NITRO_JWT_SECRET": "short"},
		"LOG_LEVEL":                  {"LOG_LEVEL": "loud"},
		"NITRO_ENV":                  {"NITRO_ENV": "staging"},
		"NITRO_PLATFORM_FEE_SOL":     {"NITRO_PLATFORM_FEE_WALLET": "So11111111111111111111111111111111111111112", "NITRO_PLATFORM_FEE_SOL": "-1"},
		"NITRO_PLATFORM_FEE_WALLET":  {"NITRO_PLATFORM_FEE_SOL": "0.1"},
		"NITRO_SHUTDOWN_TIMEOUT":     {"NITRO_SHUTDOWN_TIMEOUT": "forever"},
		"NITRO_METADATA":             {"NITRO_METADATA": "ipfs"},
		"NITRO_EVENT_RETENTION":      {"NITRO_EVENT_RETENTION": "1h"},
		"NITRO_FANOUT":               {"NITRO_FANOUT": "kafka"},
		"SOLANA_RPC_RPS":             {"SOLANA_RPC_RPS": "0"},
		"SOLANA_RPC_BURST":           {"SOLANA_RPC_BURST": "-3"},
		"NITRO_PRIORITY_FEE_MAX":     {"NITRO_PRIORITY_FEE_MAX": "lots"},
		"JITO_TIP_LAMPORTS":          {"JITO_TIP_LAMPORTS": "5"},
		"NITRO_HEALTH_INTERVAL":      {"NITRO_HEALTH_INTERVAL": "10ms"},
		"NITRO_MIXER_JITTER_MAX":     {"NITRO_MIXER_JITTER_MAX": "2h"},
		"NITRO_SOCKET_PING_INTERVAL": {"NITRO_SOCKET_PING_INTERVAL": "5ms"},
		"NITRO_SOCKET_PING_TIMEOUT":  {"NITRO_SOCKET_PING_TIMEOUT": "soon"},
	}
	for name, env := range cases {
		_, err := loadConfig(envOf(env))
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v, want it to name %s", name, err, name)
		}
	}
}

func TestEventRetention(t *testing.T) {
	for v, want := range map[string]time.Duration{"": 30 * 24 * time.Hour, "off": 0, "0": 0, "48h": 48 * time.Hour} {
		c, err := loadConfig(envOf(map[string]string{"NITRO_EVENT_RETENTION": v}))
		if err != nil || c.EventRetention != want {
			t.Errorf("NITRO_EVENT_RETENTION=%q: %v, %v; want %v", v, c.EventRetention, err, want)
		}
	}
	for _, v := range []string{"1h", "23h59m", "-48h", "month"} {
		if _, err := loadConfig(envOf(map[string]string{"NITRO_EVENT_RETENTION": v})); err == nil {
			t.Errorf("NITRO_EVENT_RETENTION=%q accepted", v)
		}
	}
}

func TestProductionRefusesMissingSecrets(t *testing.T) {
	_, err := loadConfig(envOf(map[string]string{"NITRO_ENV": "production", "NITRO_AUTH": "off"}))
	for _, name := range []string{"NITRO_JWT_SECRET", "NITRO_API_KEYS", "NITRO_MASTER_KEY", "NITRO_ADMIN_PASSWORD", "SOLANA_RPC_URL", "NITRO_AUTH"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("production without %s accepted: %v", name, err)
		}
	}
	ok := map[string]string{
		"NITRO_ENV": "production", "NITRO_JWT_SECRET": "q8Vt2mWx9LpR4zKc7NbY1sHf6GdJ3aEu", "NITRO_API_KEYS": "bot-7f3a9c2e41d85b6f0a1c9e3d, dapp-2b8e5d1f7c3a9046e8b2d5f1",
		"NITRO_MASTER_KEY": base64.StdEncoding.EncodeToString(make([]byte, 32)), "NITRO_ADMIN_PASSWORD": "Vq3-mT8x-Lw2z-Rk9p",
		"SOLANA_RPC_URL": "https://api.devnet.solana.com",
	}
	if _, err := loadConfig(envOf(ok)); err != nil {
		t.Fatalf("complete production config refused: %v", err)
	}
}

func TestDevSecretsPersistAndStayPrivate(t *testing.T) {
	dir := t.TempDir()
	c1, _ := loadConfig(envOf(map[string]string{"NITRO_DATA_DIR": dir}))
	if err := c1.devSecrets(); err != nil {
		t.Fatal(err)
	}
	c2, _ := loadConfig(envOf(map[string]string{"NITRO_DATA_DIR": dir}))
	if err := c2.devSecrets(); err != nil {
		t.Fatal(err)
	}
	if c1.JWTSecret == "" || c1.JWTSecret != c2.JWTSecret || c1.AdminPassword != c2.AdminPassword || !bytes.Equal(c1.MasterKey, c2.MasterKey) || len(c1.MasterKey) != 32 {
		t.Fatal("development secrets were not kept across starts")
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"token", "--user", "alice"}, envOf(map[string]string{"NITRO_DATA_DIR": dir}), nil, &out, &errOut)
	if code != 0 || strings.Count(out.String(), ".") != 2 {
		t.Fatalf("nitro token = %d %q %q", code, out.String(), errOut.String())
	}
	if strings.Contains(out.String()+errOut.String(), c1.JWTSecret) {
		t.Fatal("the JWT secret was printed")
	}
}

func TestRunUsageAndUnknownCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), nil, envOf(nil), nil, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "nitro serve") {
		t.Fatalf("no arguments: exit %d, usage %q; want usage on stderr and 2", code, errOut.String())
	}
	if code := run(context.Background(), []string{"--help"}, envOf(nil), nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "nitro serve") {
		t.Fatalf("--help: %d %q", code, out.String())
	}
	if code := run(context.Background(), []string{"explode"}, envOf(nil), nil, &out, &errOut); code != 2 {
		t.Fatalf("unknown command exit = %d", code)
	}
	if code := run(context.Background(), []string{"token"}, envOf(map[string]string{"NITRO_DATA_DIR": t.TempDir()}), nil, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "--user") {
		t.Fatalf("token without --user: %d %q", code, errOut.String())
	}
}

func TestRedisURLForms(t *testing.T) {
	for _, u := range []string{"redis://127.0.0.1:6379/2", "redis+sentinel://:pw@h1:26379,h2:26379/mymaster", "redis+cluster://h1:7000,h2:7001"} {
		if _, err := parseRedisURL(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	if _, err := parseRedisURL("redis+sentinel://h1:26379"); err == nil {
		t.Error("sentinel URL without a master name accepted")
	}
	if got := redactURL("redis://user:hunter2@h:6379/0"); strings.Contains(got, "hunter2") {
		t.Errorf("password not redacted: %s", got)
	}
	var bv *badVar
	if !errors.As(error(&badVar{"X", "y"}), &bv) {
		t.Fatal("badVar")
	}
}

func TestPlatformFee(t *testing.T) {
	c, err := loadConfig(envOf(map[string]string{"NITRO_PLATFORM_FEE_WALLET": "So11111111111111111111111111111111111111112", "NITRO_PLATFORM_FEE_SOL": "0.015"}))
	if err != nil || c.PlatformFeeLamports != 15_000_000 || c.PlatformFeeWallet == "" {
		t.Fatalf("platform fee = %q %d, %v", c.PlatformFeeWallet, c.PlatformFeeLamports, err)
	}
}

func TestChainSettings(t *testing.T) {
	c, err := loadConfig(envOf(map[string]string{"SOLANA_RPC_RPS": "50", "SOLANA_RPC_BURST": "100",
		"NITRO_PRIORITY_FEE_MAX": "250000", "JITO_TIP_LAMPORTS": "20000", "JITO_AUTH_UUID": "u-1"}))
	if err != nil {
		t.Fatal(err)
	}
	want := chainSettings{RPS: 50, Burst: 100, MaxPriorityFee: 250_000, JitoTipLamports: 20_000, JitoUUID: "u-1"}
	if c.Chain != want {
		t.Fatalf("chain settings %+v, want %+v", c.Chain, want)
	}
	off, err := loadConfig(envOf(map[string]string{"SOLANA_RPC_RPS": "off"}))
	if err != nil || off.Chain.RPS != solana.NoRateLimit {
		t.Fatalf("SOLANA_RPC_RPS=off: %+v %v", off.Chain, err)
	}
}

// A production start refuses secrets a machine would guess, naming each variable (and
// which API key) but never printing a value.
func TestProductionRefusesWeakSecrets(t *testing.T) {
	base := map[string]string{
		"NITRO_ENV": "production", "NITRO_JWT_SECRET": "q8Vt2mWx9LpR4zKc7NbY1sHf6GdJ3aEu",
		"NITRO_API_KEYS": "bot-7f3a9c2e41d85b6f0a1c9e3d", "NITRO_ADMIN_PASSWORD": "Vq3-mT8x-Lw2z-Rk9p",
		"NITRO_MASTER_KEY": base64.StdEncoding.EncodeToString(make([]byte, 32)), "SOLANA_RPC_URL": "https://api.devnet.solana.com",
	}
	cases := []struct{ name, variable, value string }{
		{"short password", "NITRO_ADMIN_PASSWORD", "hunter2"},
		{"common password", "NITRO_ADMIN_PASSWORD", "changemechangeme"},
		{"word and digits", "NITRO_ADMIN_PASSWORD", "Password12345678!"},
		{"repeated", "NITRO_ADMIN_PASSWORD", "abababababababab"},
		{"short key", "NITRO_API_KEYS (entry 2)", "bot-7f3a9c2e41d85b6f0a1c9e3d,dapp-key-1"},
		{"guessable secret", "NITRO_JWT_SECRET", strings.Repeat("secret", 6)},
	}
	for _, c := range cases {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		key, _, _ := strings.Cut(c.variable, " ")
		env[key] = c.value
		_, err := loadConfig(envOf(env))
		if err == nil || !strings.Contains(err.Error(), c.variable) {
			t.Errorf("%s: err = %v, want it to name %s", c.name, err, c.variable)
			continue
		}
		for _, part := range strings.Split(c.value, ",") {
			if strings.Contains(err.Error(), part) {
				t.Errorf("%s: the error shows the value: %v", c.name, err)
			}
		}
	}
	// Development keeps accepting what a laptop uses.
	if _, err := loadConfig(envOf(map[string]string{"NITRO_ADMIN_PASSWORD": "admin", "NITRO_API_KEYS": "k"})); err != nil {
		t.Fatalf("development refused short secrets: %v", err)
	}
}

// TestSubcommandHelpDoesNothingElse: `--help` after any subcommand prints its usage
// and exits 0 without serving, migrating, writing secrets or enqueueing anything.
func TestSubcommandHelpDoesNothingElse(t *testing.T) {
	dir := t.TempDir()
	env := envOf(map[string]string{"NITRO_DATA_DIR": dir, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none?sslmode=disable",
		"REDIS_URL": "redis://127.0.0.1:1/0"})
	for _, cmd := range []string{"serve", "worker", "migrate", "token", "enqueue", "localnet"} {
		var out, errOut bytes.Buffer
		done := make(chan int, 1)
		go func() { done <- run(context.Background(), []string{cmd, "--help"}, env, nil, &out, &errOut) }()
		select {
		case code := <-done:
			if code != 0 || !strings.Contains(out.String(), "usage: nitro "+cmd) {
				t.Errorf("%s --help: exit %d, stdout %q, stderr %q", cmd, code, out.String(), errOut.String())
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s --help is still running: it did more than print help", cmd)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Errorf("--help wrote to the data dir: %v", entries)
	}
}

// TestFlagsAnywhereAndPlainErrors: flags may come before or after the positional
// argument, and a mistake is one plain line (no log record) with exit 2.
func TestFlagsAnywhereAndPlainErrors(t *testing.T) {
	env := envOf(map[string]string{"NITRO_DATA_DIR": t.TempDir()})
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"enqueue", "--payload", "/nonexistent.json", "no_such_type"}, env, nil, &out, &errOut); code != 2 ||
		!strings.Contains(errOut.String(), "no_such_type") {
		t.Fatalf("a type after the flags: exit %d, %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run(context.Background(), []string{"token", "--nope"}, env, nil, &out, &errOut); code != 2 ||
		strings.Count(strings.TrimSpace(errOut.String()), "\n") != 0 || strings.Contains(errOut.String(), "{") {
		t.Fatalf("an unknown flag: exit %d, stderr %q; want one plain line", code, errOut.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"token", "extra", "--user", "ann"}, env, nil, &out, &errOut); code != 2 {
		t.Fatalf("a stray argument: exit %d", code)
	}
}

func TestLimits(t *testing.T) {
	c, err := loadConfig(envOf(map[string]string{"NITRO_RATE_ENQUEUE_PER_KEY": "120/m", "NITRO_RATE_ENQUEUE_PER_USER": "2/s,20",
		"NITRO_RATE_WALLETS_PER_KEY": "off", "NITRO_RATE_WALLETS_PER_USER": "36/h,3",
		"NITRO_SOCKETS_PER_USER": "5", "NITRO_SUBSCRIPTIONS_PER_SOCKET": "off"}))
	if err != nil {
		t.Fatal(err)
	}
	want := limits{EnqueuePerKey: api.Rate{Limit: 2, Burst: 120}, EnqueuePerUser: api.Rate{Limit: 2, Burst: 20},
		WalletsPerKey: api.Unlimited, WalletsPerUser: api.Rate{Limit: 0.01, Burst: 3}, SocketsPerUser: 5, SubscriptionsPerSocket: -1}
	if c.Limits != want {
		t.Fatalf("limits %+v\nwant %+v", c.Limits, want)
	}
	if d, err := loadConfig(envOf(nil)); err != nil || d.Limits != (limits{}) {
		t.Fatalf("unset: %+v %v, want zero values (the packages' defaults)", d.Limits, err)
	}
	for name, v := range map[string]string{"NITRO_RATE_ENQUEUE_PER_USER": "2", "NITRO_RATE_WALLETS_PER_KEY": "2/d",
		"NITRO_RATE_ENQUEUE_PER_KEY": "-1/s", "NITRO_RATE_WALLETS_PER_USER": "2/s,0", "NITRO_SOCKETS_PER_USER": "lots"} {
		if _, err := loadConfig(envOf(map[string]string{name: v})); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: err = %v, want it named", name, v, err)
		}
	}
}

func TestMixerJitterMax(t *testing.T) {
	for v, want := range map[string]time.Duration{"": 0, "0": 0, "0s": 0, "1500ms": 1500 * time.Millisecond, "1m": time.Minute} {
		c, err := loadConfig(envOf(map[string]string{"NITRO_MIXER_JITTER_MAX": v}))
		if err != nil || c.MixerJitterMax != want {
			t.Errorf("NITRO_MIXER_JITTER_MAX=%q: %v, %v; want %v", v, c.MixerJitterMax, err, want)
		}
	}
	for _, v := range []string{"-1s", "61s", "soon"} {
		if _, err := loadConfig(envOf(map[string]string{"NITRO_MIXER_JITTER_MAX": v})); err == nil || !strings.Contains(err.Error(), "NITRO_MIXER_JITTER_MAX") {
			t.Errorf("NITRO_MIXER_JITTER_MAX=%q: %v", v, err)
		}
	}
}
