package solana

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	sol "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"
)

// Client talks to one cluster over JSON-RPC (and WebSocket for confirmations).
// It is safe for concurrent use.
type Client struct {
	cfg       Config
	rpc       *rpc.Client
	bh        *blockhashTracker
	transport *limitedTransport
	track     *tracker
}

// NewClient validates cfg (after defaults) and returns a Client. It does no I/O.
func NewClient(cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	// Many jobs share the client: keep enough idle connections for all of them.
	base.MaxIdleConnsPerHost = 64
	lt := newLimitedTransport(base, cfg)
	httpClient := &http.Client{Timeout: cfg.HTTPTimeout, Transport: lt}
	j := jsonrpc.NewClientWithOpts(cfg.RPCURL, &jsonrpc.RPCClientOpts{HTTPClient: httpClient, CustomHeaders: cfg.Headers})
	c := &Client{cfg: cfg, rpc: rpc.NewWithCustomRPCClient(j), transport: lt}
	c.bh = newBlockhashTracker(c.fetchBlockhash, cfg.BlockhashMaxAge)
	c.track = newTracker(c)
	return c, nil
}

// Close stops the shared poller and PubSub connection and releases idle HTTP
// connections.
func (c *Client) Close() error {
	c.track.close()
	return c.rpc.Close()
}

// AtCommitment returns a view of the client that reads, simulates and confirms at
// commitment; it shares the connection, budget and trackers. Reading at processed
// lets a transaction be built on the effects of one the cluster has just executed.
func (c *Client) AtCommitment(commitment rpc.CommitmentType) *Client {
	v := *c
	v.cfg.Commitment = commitment
	return &v
}

// RPC exposes the underlying solana-go client for calls this package does not wrap.
// Calls through it are rate-limited and retried like the others.
func (c *Client) RPC() *rpc.Client { return c.rpc }

// Commitment is the commitment the client reads and confirms at.
func (c *Client) Commitment() rpc.CommitmentType { return c.cfg.Commitment }

// Account is an account's state as read from the chain.
type Account struct {
	Lamports   uint64
	Owner      sol.PublicKey
	Data       []byte
	Executable bool
}

// GetBalance returns the lamports held by key (0 for a missing account).
func (c *Client) GetBalance(ctx context.Context, key sol.PublicKey) (uint64, error) {
	out, err := c.rpc.GetBalance(ctx, key, c.cfg.Commitment)
	if err != nil {
		return 0, fmt.Errorf("get balance %s: %w", key, classifyRPC(err, nil))
	}
	return out.Value, nil
}

// GetAccountInfo returns the account, or an error wrapping ErrAccountNotFound.
func (c *Client) GetAccountInfo(ctx context.Context, key sol.PublicKey) (*Account, error) {
	out, err := c.rpc.GetAccountInfoWithOpts(ctx, key, &rpc.GetAccountInfoOpts{
		Encoding: sol.EncodingBase64, Commitment: c.cfg.Commitment,
	})
	if errors.Is(err, rpc.ErrNotFound) || (err == nil && (out == nil || out.Value == nil)) {
		return nil, fmt.Errorf("get account %s: %w", key, ErrAccountNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get account %s: %w", key, classifyRPC(err, nil))
	}
	return toAccount(out.Value), nil
}

// GetMultipleAccounts returns one entry per key, nil where the account does not exist.
// More than 100 keys are fetched in several calls.
func (c *Client) GetMultipleAccounts(ctx context.Context, keys ...sol.PublicKey) ([]*Account, error) {
	res := make([]*Account, 0, len(keys))
	for start := 0; start < len(keys); start += 100 {
		chunk := keys[start:min(start+100, len(keys))]
		out, err := c.rpc.GetMultipleAccountsWithOpts(ctx, chunk, &rpc.GetMultipleAccountsOpts{
			Encoding: sol.EncodingBase64, Commitment: c.cfg.Commitment,
		})
		if err != nil {
			return nil, fmt.Errorf("get multiple accounts: %w", classifyRPC(err, nil))
		}
		if len(out.Value) != len(chunk) {
			return nil, fmt.Errorf("get multiple accounts: %d values for %d keys", len(out.Value), len(chunk))
		}
		for _, a := range out.Value {
			res = append(res, toAccount(a))
		}
	}
	return res, nil
}

func toAccount(a *rpc.Account) *Account {
	if a == nil {
		return nil
	}
	acc := &Account{Lamports: a.Lamports, Owner: a.Owner, Executable: a.Executable}
	if a.Data != nil {
		acc.Data = a.Data.GetBinary()
	}
	return acc
}

// GetTokenAccountBalance returns the raw amount and decimals of an SPL / Token-2022
// token account (an error wrapping ErrAccountNotFound if it does not exist).
func (c *Client) GetTokenAccountBalance(ctx context.Context, tokenAccount sol.PublicKey) (amount uint64, decimals uint8, err error) {
	out, err := c.rpc.GetTokenAccountBalance(ctx, tokenAccount, c.cfg.Commitment)
	if err != nil {
		var re *jsonrpc.RPCError
		if errors.As(err, &re) && re.Code == -32602 {
			return 0, 0, fmt.Errorf("token balance %s: %w", tokenAccount, ErrAccountNotFound)
		}
		return 0, 0, fmt.Errorf("token balance %s: %w", tokenAccount, classifyRPC(err, nil))
	}
	if out == nil || out.Value == nil {
		return 0, 0, fmt.Errorf("token balance %s: %w", tokenAccount, ErrAccountNotFound)
	}
	if _, err := fmt.Sscan(out.Value.Amount, &amount); err != nil {
		return 0, 0, fmt.Errorf("token balance %s: amount %q: %w", tokenAccount, out.Value.Amount, err)
	}
	return amount, out.Value.Decimals, nil
}

// BlockHeight returns the current block height at the client's commitment.
func (c *Client) BlockHeight(ctx context.Context) (uint64, error) {
	h, err := c.rpc.GetBlockHeight(ctx, c.cfg.Commitment)
	if err != nil {
		return 0, fmt.Errorf("get block height: %w", classifyRPC(err, nil))
	}
	return h, nil
}

// Slot returns the current slot at the client's commitment.
func (c *Client) Slot(ctx context.Context) (uint64, error) {
	s, err := c.rpc.GetSlot(ctx, c.cfg.Commitment)
	if err != nil {
		return 0, fmt.Errorf("get slot: %w", classifyRPC(err, nil))
	}
	return s, nil
}

// MinimumBalanceForRentExemption returns the rent-exempt minimum for dataLen bytes.
func (c *Client) MinimumBalanceForRentExemption(ctx context.Context, dataLen uint64) (uint64, error) {
	v, err := c.rpc.GetMinimumBalanceForRentExemption(ctx, dataLen, c.cfg.Commitment)
	if err != nil {
		return 0, fmt.Errorf("get rent exemption: %w", classifyRPC(err, nil))
	}
	return v, nil
}
