package jito

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// BundleStatus is a landed bundle as getBundleStatuses reports it.
type BundleStatus struct {
	BundleID           string   `json:"bundle_id"`
	Transactions       []string `json:"transactions"`
	Slot               uint64   `json:"slot"`
	ConfirmationStatus string   `json:"confirmation_status"`
	// Err is the raw err object ({"Ok": null} on success).
	Err json.RawMessage `json:"err"`
}

// OK reports whether the landed bundle executed without error.
func (s *BundleStatus) OK() bool {
	if s == nil {
		return false
	}
	var e map[string]any
	if len(s.Err) == 0 || string(s.Err) == "null" {
		return true
	}
	if json.Unmarshal(s.Err, &e) != nil {
		return false
	}
	v, ok := e["Ok"]
	return ok && v == nil
}

// BundleStatuses returns one entry per id (nil when the engine does not know it as
// landed), for up to 5 ids.
func (c *Client) BundleStatuses(ctx context.Context, ids []string) ([]*BundleStatus, error) {
	if len(ids) == 0 || len(ids) > MaxBundleSize {
		return nil, fmt.Errorf("jito: %d bundle ids (want 1..%d)", len(ids), MaxBundleSize)
	}
	var out struct {
		Value []*BundleStatus `json:"value"`
	}
	if err := c.call(ctx, "getBundleStatuses", []any{ids}, &out); err != nil {
		return nil, err
	}
	return align(ids, out.Value, func(s *BundleStatus) string { return s.BundleID }), nil
}

// Inflight states of getInflightBundleStatuses (5-minute look-back).
const (
	Invalid = "Invalid"
	Pending = "Pending"
	Failed  = "Failed"
	Landed  = "Landed"
)

// InflightStatus is a bundle's recent state.
type InflightStatus struct {
	BundleID   string  `json:"bundle_id"`
	Status     string  `json:"status"`
	LandedSlot *uint64 `json:"landed_slot"`
}

// InflightBundleStatuses returns one entry per id (nil when unknown), up to 5 ids.
func (c *Client) InflightBundleStatuses(ctx context.Context, ids []string) ([]*InflightStatus, error) {
	if len(ids) == 0 || len(ids) > MaxBundleSize {
		return nil, fmt.Errorf("jito: %d bundle ids (want 1..%d)", len(ids), MaxBundleSize)
	}
	var out struct {
		Value []*InflightStatus `json:"value"`
	}
	if err := c.call(ctx, "getInflightBundleStatuses", []any{ids}, &out); err != nil {
		return nil, err
	}
	return align(ids, out.Value, func(s *InflightStatus) string { return s.BundleID }), nil
}

func align[T any](ids []string, got []*T, idOf func(*T) string) []*T {
	by := map[string]*T{}
	for _, s := range got {
		if s != nil {
			by[idOf(s)] = s
		}
	}
	out := make([]*T, len(ids))
	for i, id := range ids {
		out[i] = by[id]
	}
	return out
}

// WaitBundle polls getInflightBundleStatuses every interval until the bundle is
// Landed (returns its slot) or Failed/Invalid (ErrBundleFailed), or ctx ends.
// A bundle that did not land must only be rebuilt after its blockhash expired
// (settle its signatures first), or it may execute twice.
func (c *Client) WaitBundle(ctx context.Context, id string, interval time.Duration) (uint64, error) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		sts, err := c.InflightBundleStatuses(ctx, []string{id})
		if err == nil && sts[0] != nil {
			switch sts[0].Status {
			case Landed:
				if sts[0].LandedSlot != nil {
					return *sts[0].LandedSlot, nil
				}
				return 0, nil
			case Failed, Invalid:
				return 0, fmt.Errorf("bundle %s: %w (%s)", id, ErrBundleFailed, sts[0].Status)
			}
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("bundle %s: %w", id, ctx.Err())
		case <-t.C:
		}
	}
}
