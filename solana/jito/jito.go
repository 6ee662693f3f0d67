// Package jito sends bundles to a Jito block engine (JSON-RPC at /api/v1/bundles):
// sendBundle, getBundleStatuses, getInflightBundleStatuses, and builds tip transfers.
//
// A bundle executes sequentially and atomically within one slot, but bundles can
// leak or be rebroadcast unbundled after an uncled block, so EVERY transaction in a
// bundle must be safe on its own: strict slippage bounds (max_sol_cost,
// min_tokens_out), and the tip inside the last (main) transaction, never alone.
// Tip accounts must stay static keys (pass TipAccounts as solana.BuildOpts.StaticKeys
// when a lookup table is used).
package jito

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/mr-tron/base58"

	sol "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"

	nsolana "github.com/nitro-runtime/nitro/solana"
)

// DefaultURL is the mainnet block engine (regional hosts: amsterdam., frankfurt., ny.,
// tokyo., slc. + mainnet.block-engine.jito.wtf).
const DefaultURL = "https://mainnet.block-engine.jito.wtf"

// MaxBundleSize is the most transactions a bundle may hold.
const MaxBundleSize = 5

// MinTipLamports is the smallest tip the block engine accepts.
const MinTipLamports = 1000

// TipAccounts are the eight constant tip accounts (getTipAccounts returns the same).
var TipAccounts = []sol.PublicKey{
	sol.MustPublicKeyFromBase58("96gYZGLnJYVFmbjzopPSU6QiEV5fGqZNyN9nmNhvrZU5"),
	sol.MustPublicKeyFromBase58("HFqU5x63VTqvQss8hp11i4wVV8bD44PvwucfZ2bU7gRe"),
	sol.MustPublicKeyFromBase58("Cw8CFyM9FkoMi7K7Crf6HNQqf4uEMzpKw6QNghXLvLkY"),
	sol.MustPublicKeyFromBase58("ADaUMid9yfUytqMBgopwjb2DTLSokTSzL1zt6iGPaS49"),
	sol.MustPublicKeyFromBase58("DfXygSm4jCyNCybVYYK6DwvWqjKee8pbDmJGcLWNDXjh"),
	sol.MustPublicKeyFromBase58("ADuUkR4vqLUMWXxW9gh6D6L8pMSawimctcNZ5pGwDcEt"),
	sol.MustPublicKeyFromBase58("DttWaMuVvTiduZRnguLF7jNxTgiMBZ1hyAumKUiL2KRL"),
	sol.MustPublicKeyFromBase58("3AVi9Tg9Uo68tJfuvoKvqKNWKkC5wPdSSdeBnizKZ6jT"),
}

// ErrBundleFailed is returned by WaitBundle for a Failed or Invalid bundle.
var ErrBundleFailed = errors.New("jito: bundle failed")

// Client talks to one block engine. The zero value uses DefaultURL and base64.
type Client struct {
	// URL is the block engine base URL (DefaultURL when empty).
	URL string
	// UUID is the optional auth key, sent as x-jito-auth (never in errors).
	UUID string
	// Base58 sends transactions base58-encoded (always accepted) instead of base64
	// with {"encoding":"base64"} (accepted by current engines, smaller).
	Base58 bool
	// HTTP is the client to use (default: 10 s timeout).
	HTTP *http.Client
}

// TipInstruction transfers lamports (>= MinTipLamports) from `from` to a tip account
// picked at random. Put it in the last transaction of the bundle.
func TipInstruction(from sol.PublicKey, lamports uint64) (sol.Instruction, error) {
	if lamports < MinTipLamports {
		return nil, fmt.Errorf("jito tip %d lamports is below the minimum %d", lamports, MinTipLamports)
	}
	to := TipAccounts[rand.IntN(len(TipAccounts))]
	return system.NewTransferInstruction(lamports, from, to).Build(), nil
}

// SendBundle submits 1..5 fully signed transactions and returns the bundle id.
func (c *Client) SendBundle(ctx context.Context, txs [][]byte) (string, error) {
	if len(txs) == 0 || len(txs) > MaxBundleSize {
		return "", fmt.Errorf("jito: bundle of %d transactions (want 1..%d)", len(txs), MaxBundleSize)
	}
	enc := make([]string, len(txs))
	for i, tx := range txs {
		if c.Base58 {
			enc[i] = base58.Encode(tx)
		} else {
			enc[i] = base64.StdEncoding.EncodeToString(tx)
		}
	}
	params := []any{enc}
	if !c.Base58 {
		params = append(params, map[string]string{"encoding": "base64"})
	}
	var id string
	if err := c.call(ctx, "sendBundle", params, &id); err != nil {
		return "", err
	}
	return id, nil
}

type rpcResponse struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (c *Client) call(ctx context.Context, method string, params []any, out any) error {
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	if err != nil {
		return fmt.Errorf("jito %s: encode: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(cmp.Or(c.URL, DefaultURL), "/")+"/api/v1/bundles", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("jito %s: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.UUID != "" {
		req.Header.Set("x-jito-auth", c.UUID)
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("jito %s: %w", method, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var r rpcResponse
	decErr := json.Unmarshal(raw, &r)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || (r.Error != nil && r.Error.Code == -32097):
		return fmt.Errorf("jito %s: %w (HTTP %d)", method, nsolana.ErrRateLimited, resp.StatusCode)
	case r.Error != nil:
		return fmt.Errorf("jito %s: rpc error %d: %s", method, r.Error.Code, r.Error.Message)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("jito %s: HTTP %d", method, resp.StatusCode)
	case decErr != nil:
		return fmt.Errorf("jito %s: decode reply: %w", method, decErr)
	}
	if err := json.Unmarshal(r.Result, out); err != nil {
		return fmt.Errorf("jito %s: decode result: %w", method, err)
	}
	return nil
}
