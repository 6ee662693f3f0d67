package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"
)

// demoUser is who "sign in as a demo user" signs in as (`nitro token --user demo`
// gives the same user).
const demoUser = "demo"

// demoImage is the demo token's image: a 1x1 PNG.
const demoImage = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

// demo implements dashboard.Demo for development on the built-in cluster. A launch
// goes through the process's own HTTP API with an API key, as the README's
// quickstart does with curl: wallets with POST /api/wallets {generate: true},
// SOL from the cluster's faucet (requestAirdrop on /localnet/rpc), then POST
// /api/jobs/launch_token.
type demo struct {
	a *app
	n atomic.Int64
}

// newDemo returns the demo, or nil (no demo endpoints) unless the process runs in
// development on the built-in cluster.
func (a *app) newDemo() *demo {
	if a.cfg.Env != "development" || a.chain.cluster == nil || len(a.cfg.APIKeys) == 0 {
		return nil
	}
	return &demo{a: a}
}

func (d *demo) Token() (string, string, error) {
	tok, err := d.a.verifier.Issue(demoUser, false, 24*time.Hour)
	return tok, demoUser, err
}

func (d *demo) TryLaunch(ctx context.Context, userID string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	labels := []string{"demo dev", "demo funding", "demo buyer 1", "demo buyer 2"}
	keys := make([]string, len(labels))
	for i, label := range labels {
		var w struct {
			PublicKey string `json:"publicKey"`
		}
		if err := d.call(ctx, "/api/wallets", map[string]any{"userId": userID, "label": label, "generate": true}, &w); err != nil {
			return "", err
		}
		keys[i] = w.PublicKey
	}
	for i, sol := range []float64{2, 3} { // dev, funding; the buyers get theirs through the launch's mixing
		if err := d.airdrop(ctx, keys[i], uint64(sol*1e9)); err != nil {
			return "", err
		}
	}
	n := d.n.Add(1)
	payload := map[string]any{
		"userId": userID, "platform": "pump", "name": fmt.Sprintf("Demo Token %d", n), "symbol": fmt.Sprintf("DEMO%d", n%100),
		"description": "a launch on the built-in cluster (no real chain)", "image": demoImage,
		"devWallet": keys[0], "fundingWallet": keys[1], "devBuySol": 0.5, "slippageBps": 1000,
		"buyerWallets": []map[string]any{{"publicKey": keys[2], "buySol": 0.2}, {"publicKey": keys[3], "buySol": 0.3}},
		"mixing":       map[string]any{"enabled": true, "hops": 1},
	}
	var job struct {
		JobID string `json:"jobId"`
	}
	if err := d.call(ctx, "/api/jobs/launch_token", payload, &job); err != nil {
		return "", err
	}
	return job.JobID, nil
}

// airdrop asks the cluster's faucet for lamports and waits until the confirmed
// balance shows them (the launch reads balances at that commitment).
func (d *demo) airdrop(ctx context.Context, key string, lamports uint64) error {
	if err := d.rpc(ctx, "requestAirdrop", nil, key, lamports); err != nil {
		return err
	}
	for {
		var bal struct {
			Value uint64 `json:"value"`
		}
		if err := d.rpc(ctx, "getBalance", &bal, key, map[string]string{"commitment": "confirmed"}); err == nil && bal.Value >= lamports {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("airdrop to %s not confirmed: %w", key, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// rpc calls the built-in cluster's JSON-RPC and decodes the result into out.
func (d *demo) rpc(ctx context.Context, method string, out any, params ...any) error {
	var reply struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := d.call(ctx, "/localnet/rpc", map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, &reply); err != nil {
		return err
	}
	if reply.Error != nil {
		return fmt.Errorf("%s: %s", method, reply.Error.Message)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(reply.Result, out)
}

// call POSTs body to the process's own handler with the first API key and decodes
// a 2xx reply into out.
func (d *demo) call(ctx context.Context, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.RemoteAddr = "127.0.0.1:0"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", d.a.cfg.APIKeys[0])
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	d.a.api.Handler().ServeHTTP(rec, req)
	if rec.status/100 != 2 {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(rec.body.Bytes(), &e)
		return fmt.Errorf("POST %s: %d %s", path, rec.status, e.Error)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(rec.body.Bytes(), out); err != nil {
		return errors.Join(fmt.Errorf("POST %s: reply", path), err)
	}
	return nil
}

// recorder is an in-memory http.ResponseWriter for the demo's calls.
type recorder struct {
	header http.Header
	body   bytes.Buffer
	status int
	wrote  bool
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.body.Write(b)
}
