package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/nitro-runtime/nitro/internal/testkit"
	"github.com/nitro-runtime/nitro/progress"
	"github.com/nitro-runtime/nitro/store"
)

const sameKeyAPIKey = "cli-and-http-share-this-key-0123"

// sellTokens are launches of alice and bob (registered by the test): enqueue refuses
// a sell of a launch that is not the user's.
var sellTokens = map[string]string{"alice": "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T", "bob": "So11111111111111111111111111111111111111112"}

func sellBody(user string, pct int) string {
	return fmt.Sprintf(`{"userId":%q,"tokenAddress":%q,"sellPercent":%d}`, user, sellTokens[user], pct)
}

// The CLI and POST /api/jobs enqueue through one path: the same Idempotency-Key with
// the same API key and payload is the same job whichever comes first, and the CLI
// scopes a key by user and type and refuses another payload under it, as HTTP does.
func TestEnqueueCLIAndHTTPShareKeys(t *testing.T) {
	testkit.FlushRedis(t, testkit.DBCmdEnqueue)
	env := testEnv(t)
	env["REDIS_URL"] = testkit.RedisURL(testkit.DBCmdEnqueue)
	env["NITRO_API_KEYS"] = sameKeyAPIKey
	c, err := loadConfig(envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := start(ctx, c, zerolog.Nop(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer a.shutdown(10 * time.Second)
	for user, token := range sellTokens {
		if err := a.store.RegisterLaunch(ctx, store.Launch{TokenAddress: token, UserID: user, Platform: progress.PlatformPump, Name: "T", Symbol: "T"}); err != nil {
			t.Fatal(err)
		}
	}

	post := func(typ, key, body string, want int) string {
		t.Helper()
		req, _ := http.NewRequest("POST", fmt.Sprintf("http://127.0.0.1:%s/api/jobs/%s", env["PORT"], typ), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-API-Key", sameKeyAPIKey)
		req.Header.Set("Idempotency-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		if resp.StatusCode != want {
			t.Fatalf("POST %s key %s = %d %v, want %d", typ, key, resp.StatusCode, m, want)
		}
		id, _ := m["jobId"].(string)
		return id
	}
	cli := func(typ, key, body string) (string, error) {
		t.Helper()
		cc, err := loadConfig(envOf(env))
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		err = enqueueCmd(ctx, cc, []string{typ, "--payload", "-", "--idempotency-key", key}, zerolog.Nop(), strings.NewReader(body), &out)
		return out.String(), err
	}

	// HTTP first, then the CLI.
	id := post("dev_sell", "msg-1", sellBody("alice", 50), http.StatusAccepted)
	if out, err := cli("dev_sell", "msg-1", sellBody("alice", 50)); err != nil || !strings.Contains(out, id) || !strings.Contains(out, "already enqueued") {
		t.Fatalf("CLI with the HTTP job's key: %q, %v; want job %s", out, err, id)
	}
	// The CLI first, then HTTP.
	out, err := cli("dev_sell", "msg-2", sellBody("alice", 50))
	if err != nil || !strings.Contains(out, "enqueued dev_sell job ") {
		t.Fatalf("CLI: %q, %v", out, err)
	}
	cliID := strings.Fields(strings.TrimPrefix(out, "enqueued dev_sell job "))[0]
	if got := post("dev_sell", "msg-2", sellBody("alice", 50), http.StatusOK); got != cliID {
		t.Fatalf("HTTP with the CLI job's key gave %s, want %s", got, cliID)
	}
	// The CLI checks user and type: another user's or type's job is not alice's.
	for _, c := range []struct{ typ, body string }{{"dev_sell", sellBody("bob", 50)}, {"wallet_sell", sellBody("alice", 50)}} {
		out, err := cli(c.typ, "msg-1", c.body)
		if err != nil || strings.Contains(out, id) || strings.Contains(out, "already") {
			t.Fatalf("CLI %s %s under alice's key: %q, %v; want a job of its own", c.typ, c.body, out, err)
		}
	}
	if out, err := cli("dev_sell", "msg-1", sellBody("alice", 75)); err == nil || !strings.Contains(err.Error(), "sellPercent") {
		t.Fatalf("CLI with another payload under the key: %q, %v; want a refusal naming sellPercent", out, err)
	}

	// sweep_wallets through the CLI: the user's own wallets go in, another user's
	// destination is refused naming the field.
	wallet := func(user string) string {
		t.Helper()
		_, priv, err := ed25519.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		w, err := a.store.CreateWallet(ctx, user, "w", store.WalletUser, priv)
		if err != nil {
			t.Fatal(err)
		}
		return w.PublicKey
	}
	from, to, bobs := wallet("alice"), wallet("alice"), wallet("bob")
	sweep := func(dest string) string {
		return fmt.Sprintf(`{"userId":"alice","wallets":[%q],"destination":%q}`, from, dest)
	}
	if out, err := cli("sweep_wallets", "sweep-1", sweep(to)); err != nil || !strings.Contains(out, "enqueued sweep_wallets job ") {
		t.Fatalf("CLI sweep_wallets: %q, %v", out, err)
	}
	if out, err := cli("sweep_wallets", "sweep-2", sweep(bobs)); err == nil || !strings.Contains(err.Error(), "destination: belongs to another user") {
		t.Fatalf("CLI sweep_wallets to bob's wallet: %q, %v; want a refusal naming destination", out, err)
	}
}

// TestWatchSaysWhatItWaitsFor: --watch on a job no worker has picked up says so
// (instead of a silent terminal) and names the usual reason.
func TestWatchSaysWhatItWaitsFor(t *testing.T) {
	c, err := loadConfig(envOf(testEnv(t)))
	if err != nil {
		t.Fatal(err)
	}
	st, err := openStore(context.Background(), c, true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx, cancel := context.WithTimeout(context.Background(), watchPatience+time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := watchJob(ctx, st, "job-nobody-runs", &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "waiting for a worker to pick up job job-nobody-runs") || !strings.Contains(out.String(), "nitro worker") {
		t.Fatalf("--watch printed %q", out.String())
	}
}
