package localnet

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/gagliardetto/solana-go"
)

// MaxBundleSize is the block engine's limit on transactions per bundle.
const MaxBundleSize = 5

// bundleStore remembers landed bundles for getBundleStatuses.
type bundleStore struct {
	mu     sync.Mutex
	landed map[string][]solana.Signature
	order  []string
}

func newBundleStore() *bundleStore { return &bundleStore{landed: map[string][]solana.Signature{}} }

func (s *bundleStore) put(id string, sigs []solana.Signature) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.landed[id]; !ok {
		s.order = append(s.order, id)
		if len(s.order) > 10_000 {
			delete(s.landed, s.order[0])
			s.order = s.order[1:]
		}
	}
	s.landed[id] = sigs
}

func (s *bundleStore) get(id string) ([]solana.Signature, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sigs, ok := s.landed[id]
	return sigs, ok
}

// bundleHandler serves the Jito block-engine JSON-RPC subset: sendBundle,
// getBundleStatuses, getInflightBundleStatuses and getTipAccounts.
func (c *Cluster) bundleHandler() http.Handler {
	return &rpcHandler{c: c, methods: map[string]rpcMethod{
		"sendBundle":                rpcSendBundle,
		"getBundleStatuses":         rpcGetBundleStatuses,
		"getInflightBundleStatuses": rpcGetInflightBundleStatuses,
		"getTipAccounts":            rpcGetTipAccounts,
	}}
}

// JitoTipAccounts are the block engine's eight tip accounts.
var JitoTipAccounts = []string{
	"96gYZGLnJYVFmbjzopPSU6QiEV5fGqZNyN9nmNhvrZU5", "HFqU5x63VTqvQss8hp11i4wVV8bD44PvwucfZ2bU7gRe",
	"Cw8CFyM9FkoMi7K7Crf6HNQqf4uEMzpKw6QNghXLvLkY", "ADaUMid9yfUytqMBgopwjb2DTLSokTSzL1zt6iGPaS49",
	"DfXygSm4jCyNCybVYYK6DwvWqjKee8pbDmJGcLWNDXjh", "ADuUkR4vqLUMWXxW9gh6D6L8pMSawimctcNZ5pGwDcEt",
	"DttWaMuVvTiduZRnguLF7jNxTgiMBZ1hyAumKUiL2KRL", "3AVi9Tg9Uo68tJfuvoKvqKNWKkC5wPdSSdeBnizKZ6jT",
}

func rpcGetTipAccounts(*Cluster, json.RawMessage) (any, error) { return JitoTipAccounts, nil }

// rpcSendBundle executes up to five transactions atomically in one slot. As on
// the block engine, a bundle that would fail is refused (an error here, since
// there is no auction to lose), and nothing of it lands.
func rpcSendBundle(c *Cluster, params json.RawMessage) (any, error) {
	var txs []string
	var cfg struct {
		Encoding string `json:"encoding"`
	}
	if err := positional(params, 1, &txs, &cfg); err != nil {
		return nil, err
	}
	if len(txs) == 0 || len(txs) > MaxBundleSize {
		return nil, invalidParams("bundle must contain between 1 and %d transactions", MaxBundleSize)
	}
	raws := make([][]byte, len(txs))
	for i, s := range txs {
		raw, err := decodeWireParam(s, cfg.Encoding)
		if err != nil {
			return nil, err
		}
		raws[i] = raw
	}
	recs, err := c.bank.ProcessBundle(raws)
	if err != nil {
		if isSigFailure(err) {
			return nil, errSigVerify
		}
		return nil, &rpcError{Code: codeInvalidParams, Message: "bundle simulation failed: " + err.Error()}
	}
	sigs := make([]solana.Signature, len(recs))
	h := sha256.New()
	for i, r := range recs {
		sigs[i] = r.Signature
		h.Write([]byte(r.Signature.String()))
	}
	id := hex.EncodeToString(h.Sum(nil))
	c.bundle.put(id, sigs)
	return id, nil
}

// bundleIDs reads the bundle id list both status methods take, at most MaxBundleSize.
func bundleIDs(params json.RawMessage) ([]string, error) {
	var ids []string
	if err := positional(params, 1, &ids); err != nil {
		return nil, err
	}
	if len(ids) > MaxBundleSize {
		return nil, invalidParams("too many bundle ids; max %d", MaxBundleSize)
	}
	return ids, nil
}

func rpcGetBundleStatuses(c *Cluster, params json.RawMessage) (any, error) {
	ids, err := bundleIDs(params)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(ids))
	for i, id := range ids {
		sigs, ok := c.bundle.get(id)
		if !ok {
			continue
		}
		rec, ok := c.bank.Status(sigs[0])
		if !ok {
			continue
		}
		st := c.statusOf(rec)
		strs := make([]string, len(sigs))
		for j, s := range sigs {
			strs[j] = s.String()
		}
		out[i] = map[string]any{"bundle_id": id, "transactions": strs, "slot": rec.Slot,
			"confirmation_status": st.ConfirmationStatus, "err": map[string]any{"Ok": nil}}
	}
	return c.ctxValue(out), nil
}

func rpcGetInflightBundleStatuses(c *Cluster, params json.RawMessage) (any, error) {
	ids, err := bundleIDs(params)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(ids))
	for i, id := range ids {
		sigs, ok := c.bundle.get(id)
		if !ok {
			out[i] = map[string]any{"bundle_id": id, "status": "Invalid", "landed_slot": nil}
			continue
		}
		rec, _ := c.bank.Status(sigs[0])
		var slot any
		if rec != nil {
			slot = rec.Slot
		}
		out[i] = map[string]any{"bundle_id": id, "status": "Landed", "landed_slot": slot}
	}
	return c.ctxValue(out), nil
}
