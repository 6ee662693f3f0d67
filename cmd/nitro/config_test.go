package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
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
		"NITRO_ENV": "production", "NITRO_JWT_SECRET": strings.Repeat("s", 32), "NITRO_API_KEYS": "k",
		"NITRO_MASTER_KEY": base64.StdEncoding.EncodeToString(make([]byte, 32)), "NITRO_ADMIN_PASSWORD": "p",
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
	if code := run(context.Background(), nil, envOf(nil), nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "nitro serve") {
		t.Fatalf("usage: %d %q", code, out.String())
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
