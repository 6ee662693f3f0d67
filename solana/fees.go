package solana

import (
	"context"
	"fmt"
	"slices"

	sol "github.com/gagliardetto/solana-go"
)

// PriorityFeeEstimate returns a CU price (micro-lamports) at the given percentile
// (0..100) of getRecentPrioritizationFees over the last ~150 slots for transactions
// writing the given accounts (pass the accounts the transaction locks, e.g. a
// bonding curve). The result is clamped to [floor, ceiling]; ceiling 0 means none.
func (c *Client) PriorityFeeEstimate(ctx context.Context, writable []sol.PublicKey, percentile float64, floor, ceiling uint64) (uint64, error) {
	out, err := c.rpc.GetRecentPrioritizationFees(ctx, writable)
	if err != nil {
		return 0, fmt.Errorf("priority fee estimate: %w", classifyRPC(err, nil))
	}
	fees := make([]uint64, 0, len(out))
	for _, f := range out {
		fees = append(fees, f.PrioritizationFee)
	}
	v := Percentile(fees, percentile)
	v = max(v, floor)
	if ceiling > 0 {
		v = min(v, ceiling)
	}
	return v, nil
}

// Percentile is the nearest-rank percentile of values (0 for none).
func Percentile(values []uint64, p float64) uint64 {
	if len(values) == 0 {
		return 0
	}
	s := slices.Clone(values)
	slices.Sort(s)
	p = min(max(p, 0), 100)
	idx := int(p/100*float64(len(s))+0.999999) - 1
	return s[min(max(idx, 0), len(s)-1)]
}
