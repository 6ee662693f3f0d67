package localnet

import (
	"encoding/base64"
	"encoding/json"

	"github.com/gagliardetto/solana-go"
	"github.com/mr-tron/base58"
)

func rpcMethods() map[string]rpcMethod {
	return map[string]rpcMethod{
		"getLatestBlockhash":                rpcGetLatestBlockhash,
		"getBlockHeight":                    rpcGetBlockHeight,
		"isBlockhashValid":                  rpcIsBlockhashValid,
		"getSlot":                           rpcGetSlot,
		"getBalance":                        rpcGetBalance,
		"getAccountInfo":                    rpcGetAccountInfo,
		"getMultipleAccounts":               rpcGetMultipleAccounts,
		"getTokenAccountBalance":            rpcGetTokenAccountBalance,
		"getTokenAccountsByOwner":           rpcGetTokenAccountsByOwner,
		"getProgramAccounts":                rpcGetProgramAccounts,
		"getMinimumBalanceForRentExemption": rpcGetMinimumBalanceForRentExemption,
		"getFeeForMessage":                  rpcGetFeeForMessage,
		"simulateTransaction":               rpcSimulateTransaction,
		"sendTransaction":                   rpcSendTransaction,
		"getSignatureStatuses":              rpcGetSignatureStatuses,
		"getTransaction":                    rpcGetTransaction,
		"requestAirdrop":                    rpcRequestAirdrop,
		"getHealth":                         rpcGetHealth,
		"getVersion":                        rpcGetVersion,
		"getRecentPrioritizationFees":       rpcGetRecentPrioritizationFees,
		"getSignaturesForAddress":           rpcGetSignaturesForAddress,
		"getEpochInfo":                      rpcGetEpochInfo,
		"getGenesisHash":                    rpcGetGenesisHash,
		"getBlockTime":                      rpcGetBlockTime,
		"getEpochSchedule":                  rpcGetEpochSchedule,
		"getIdentity":                       rpcGetIdentity,
		"getClusterNodes":                   rpcGetClusterNodes,
		"getSlotLeader":                     rpcGetSlotLeader,
		"getTransactionCount":               rpcGetTransactionCount,
		"getFirstAvailableBlock":            rpcZero,
		"minimumLedgerSlot":                 rpcZero,
	}
}

// nodeIdentity is the (fixed) identity the cluster reports for its one node.
var nodeIdentity = solana.PublicKeyFromBytes([]byte("nitro-localnet-node-identity-key"))

func rpcZero(*Cluster, json.RawMessage) (any, error) { return 0, nil }

func rpcGetEpochSchedule(*Cluster, json.RawMessage) (any, error) {
	return map[string]any{"firstNormalEpoch": 0, "firstNormalSlot": 0, "leaderScheduleSlotOffset": 432_000,
		"slotsPerEpoch": 432_000, "warmup": false}, nil
}

func rpcGetIdentity(*Cluster, json.RawMessage) (any, error) {
	return map[string]string{"identity": nodeIdentity.String()}, nil
}

func rpcGetSlotLeader(*Cluster, json.RawMessage) (any, error) { return nodeIdentity.String(), nil }

func rpcGetClusterNodes(*Cluster, json.RawMessage) (any, error) {
	return []map[string]any{{"pubkey": nodeIdentity.String(), "gossip": nil, "tpu": nil, "rpc": nil,
		"version": APIVersion, "featureSet": 3294202862, "shredVersion": 0}}, nil
}

func rpcGetTransactionCount(c *Cluster, _ json.RawMessage) (any, error) {
	c.bank.mu.RLock()
	defer c.bank.mu.RUnlock()
	return len(c.bank.statusOrder), nil
}

func rpcGetLatestBlockhash(c *Cluster, params json.RawMessage) (any, error) {
	var cfg commonConfig
	if err := positional(params, 0, &cfg); err != nil {
		return nil, err
	}
	if err := c.checkConfig(cfg); err != nil {
		return nil, err
	}
	h, last := c.bank.LatestBlockhash()
	return c.ctxValue(map[string]any{"blockhash": h.String(), "lastValidBlockHeight": last}), nil
}

func rpcGetBlockHeight(c *Cluster, params json.RawMessage) (any, error) {
	var cfg commonConfig
	if err := positional(params, 0, &cfg); err != nil {
		return nil, err
	}
	return c.bank.BlockHeight(), c.checkConfig(cfg)
}

func rpcGetSlot(c *Cluster, params json.RawMessage) (any, error) {
	var cfg commonConfig
	if err := positional(params, 0, &cfg); err != nil {
		return nil, err
	}
	return c.bank.Slot(), c.checkConfig(cfg)
}

func rpcIsBlockhashValid(c *Cluster, params json.RawMessage) (any, error) {
	var s string
	var cfg commonConfig
	if err := positional(params, 1, &s, &cfg); err != nil {
		return nil, err
	}
	h, err := solana.HashFromBase58(s)
	if err != nil {
		return nil, invalidParams("Invalid param: Invalid")
	}
	return c.ctxValue(c.bank.IsBlockhashValid(h)), nil
}

// rpcGetFeeForMessage returns the fee of a base64 message, or null when its
// blockhash is no longer valid.
func rpcGetFeeForMessage(c *Cluster, params json.RawMessage) (any, error) {
	var s string
	var cfg commonConfig
	if err := positional(params, 1, &s, &cfg); err != nil {
		return nil, err
	}
	msg, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(msg) > MaxTransactionSize {
		return nil, invalidParams("invalid base64 encoding: InvalidByte")
	}
	fee, ok, err := c.bank.FeeForMessage(msg)
	if err != nil {
		return nil, invalidParams("Invalid params: %v", err)
	}
	if !ok {
		return c.ctxValue(nil), nil
	}
	return c.ctxValue(fee), nil
}

func rpcRequestAirdrop(c *Cluster, params json.RawMessage) (any, error) {
	var key string
	var lamports uint64
	var cfg commonConfig
	if err := positional(params, 2, &key, &lamports, &cfg); err != nil {
		return nil, err
	}
	k, err := parseKey(key)
	if err != nil {
		return nil, err
	}
	sig, err := c.Airdrop(k, lamports)
	if err != nil {
		return nil, &rpcError{Code: codeInternal, Message: err.Error()}
	}
	return sig.String(), nil
}

func rpcGetHealth(*Cluster, json.RawMessage) (any, error) { return "ok", nil }

func rpcGetVersion(*Cluster, json.RawMessage) (any, error) {
	return map[string]any{"solana-core": APIVersion, "feature-set": 3294202862}, nil
}

// rpcGetRecentPrioritizationFees answers as a validator does: one entry per recent
// slot (up to 150) in which a landed transaction write-locked one of the accounts,
// with the fee it took to lock them all: per slot, the highest over the accounts of
// the lowest CU price paid by a transaction that write-locked that account.
func rpcGetRecentPrioritizationFees(c *Cluster, params json.RawMessage) (any, error) {
	var raw []string
	if err := positional(params, 0, &raw); err != nil {
		return nil, err
	}
	if len(raw) > 128 {
		return nil, invalidParams("Too many inputs provided; max 128")
	}
	keys := make([]solana.PublicKey, 0, len(raw))
	for _, k := range raw {
		pk, err := solana.PublicKeyFromBase58(k)
		if err != nil {
			return nil, invalidParams("Invalid param: %v", err)
		}
		keys = append(keys, pk)
	}
	return c.bank.RecentPrioritizationFees(keys, recentFeeSlots), nil
}

// recentFeeSlots is how far back getRecentPrioritizationFees looks (a validator's cache).
const recentFeeSlots = 150

func rpcGetEpochInfo(c *Cluster, _ json.RawMessage) (any, error) {
	slot := c.bank.Slot()
	count, _ := rpcGetTransactionCount(c, nil)
	return map[string]any{"absoluteSlot": slot, "blockHeight": c.bank.BlockHeight(), "epoch": slot / 432_000,
		"slotIndex": slot % 432_000, "slotsInEpoch": 432_000, "transactionCount": count}, nil
}

func rpcGetGenesisHash(c *Cluster, _ json.RawMessage) (any, error) {
	return base58.Encode(c.bank.genesisHash[:]), nil
}

func rpcGetBlockTime(c *Cluster, params json.RawMessage) (any, error) {
	var slot uint64
	if err := positional(params, 1, &slot); err != nil {
		return nil, err
	}
	t, ok := c.bank.BlockTime(slot)
	if !ok {
		return nil, &rpcError{Code: codeBlockNotAvailable, Message: "Block not available for slot"}
	}
	return t, nil
}

func rpcGetSignaturesForAddress(c *Cluster, params json.RawMessage) (any, error) {
	var key string
	var cfg struct {
		Limit  int    `json:"limit"`
		Before string `json:"before"`
		Until  string `json:"until"`
	}
	if err := positional(params, 1, &key, &cfg); err != nil {
		return nil, err
	}
	k, err := parseKey(key)
	if err != nil {
		return nil, err
	}
	if cfg.Limit == 0 {
		cfg.Limit = 1000
	}
	if cfg.Limit < 1 || cfg.Limit > 1000 {
		return nil, invalidParams("Invalid limit; max 1000")
	}
	out := []map[string]any{}
	skipping := cfg.Before != ""
	for _, rec := range c.bank.SignaturesFor(k, 1000) {
		sig := rec.Signature.String()
		if skipping {
			skipping = sig != cfg.Before
			continue
		}
		if sig == cfg.Until || len(out) == cfg.Limit {
			break
		}
		st := c.statusOf(rec)
		out = append(out, map[string]any{"signature": sig, "slot": rec.Slot, "err": errOrNil(rec.Err),
			"memo": nil, "blockTime": rec.BlockTime, "confirmationStatus": st.ConfirmationStatus})
	}
	return out, nil
}

// errOrNil keeps a nil *TxError from encoding as a typed nil.
func errOrNil(e *TxError) any {
	if e == nil {
		return nil
	}
	return e
}
