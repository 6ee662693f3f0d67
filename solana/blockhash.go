package solana

import (
	"context"
	"fmt"
	"sync"
	"time"

	sol "github.com/gagliardetto/solana-go"
)

// Blockhash is a recent blockhash with the last block height at which a transaction
// using it can still land.
type Blockhash struct {
	Hash                 sol.Hash
	LastValidBlockHeight uint64
}

// blockhashTracker caches the latest blockhash for maxAge; concurrent callers share
// one fetch. A blockhash stays valid ~150 blocks, so reusing one for a few seconds
// costs nothing and saves an RPC call per transaction.
type blockhashTracker struct {
	fetch  func(context.Context) (Blockhash, error)
	maxAge time.Duration
	now    func() time.Time

	mu      sync.Mutex
	cur     Blockhash
	fetched time.Time
}

func newBlockhashTracker(fetch func(context.Context) (Blockhash, error), maxAge time.Duration) *blockhashTracker {
	return &blockhashTracker{fetch: fetch, maxAge: maxAge, now: time.Now}
}

func (t *blockhashTracker) get(ctx context.Context, fresh bool) (Blockhash, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !fresh && !t.fetched.IsZero() && t.now().Sub(t.fetched) < t.maxAge {
		return t.cur, nil
	}
	bh, err := t.fetch(ctx)
	if err != nil {
		return Blockhash{}, err
	}
	t.cur, t.fetched = bh, t.now()
	return bh, nil
}

// LatestBlockhash returns a recent blockhash, cached for Config.BlockhashMaxAge.
func (c *Client) LatestBlockhash(ctx context.Context) (Blockhash, error) {
	return c.bh.get(ctx, false)
}

// RefreshBlockhash fetches a new blockhash now, bypassing the cache (use it before
// re-signing an expired transaction).
func (c *Client) RefreshBlockhash(ctx context.Context) (Blockhash, error) {
	return c.bh.get(ctx, true)
}

func (c *Client) fetchBlockhash(ctx context.Context) (Blockhash, error) {
	out, err := c.rpc.GetLatestBlockhash(ctx, c.cfg.Commitment)
	if err != nil {
		return Blockhash{}, fmt.Errorf("get latest blockhash: %w", classifyRPC(err, nil))
	}
	if out == nil || out.Value == nil {
		return Blockhash{}, fmt.Errorf("get latest blockhash: empty reply")
	}
	return Blockhash{Hash: out.Value.Blockhash, LastValidBlockHeight: out.Value.LastValidBlockHeight}, nil
}
