package localnet

import (
	"encoding/base64"
	"encoding/json"

	"github.com/gagliardetto/solana-go"
	"github.com/mr-tron/base58"
)

func rpcGetTransaction(c *Cluster, params json.RawMessage) (any, error) {
	var s string
	var cfg struct {
		Encoding                       string `json:"encoding"`
		Commitment                     string `json:"commitment"`
		MaxSupportedTransactionVersion *uint8 `json:"maxSupportedTransactionVersion"`
	}
	if err := positional(params, 1, &s, &cfg); err != nil {
		return nil, err
	}
	sig, err := solana.SignatureFromBase58(s)
	if err != nil {
		return nil, invalidParams("Invalid param: Invalid")
	}
	if cfg.Commitment == "processed" {
		return nil, invalidParams("Method does not support commitment below `confirmed`")
	}
	rec, ok := c.bank.Status(sig)
	if !ok {
		return nil, nil
	}
	st := c.statusOf(rec)
	if st.ConfirmationStatus == "processed" || (cfg.Commitment == "finalized" && st.ConfirmationStatus != "finalized") {
		return nil, nil
	}
	if rec.Versioned && cfg.MaxSupportedTransactionVersion == nil {
		return nil, &rpcError{Code: codeUnsupportedTxVer, Message: "Transaction version (0) is not supported by the requesting client. " +
			"Please try the request again with the following configuration parameter: \"maxSupportedTransactionVersion\": 0"}
	}
	out := map[string]any{"slot": rec.Slot, "blockTime": rec.BlockTime, "meta": txMeta(rec)}
	if rec.Versioned {
		out["version"] = 0
	} else {
		out["version"] = "legacy"
	}
	switch cfg.Encoding {
	case "", "json":
		tx, err := decodeTransaction(rec.Raw)
		if err != nil {
			return nil, &rpcError{Code: codeInternal, Message: "Internal error"}
		}
		out["transaction"] = txJSON(tx)
	case "base64":
		out["transaction"] = []string{base64.StdEncoding.EncodeToString(rec.Raw), "base64"}
	case "base58":
		out["transaction"] = []string{base58.Encode(rec.Raw), "base58"}
	default:
		return nil, invalidParams("Invalid params: unsupported encoding %q (json, base58 and base64 are served)", cfg.Encoding)
	}
	return out, nil
}

func txMeta(rec *TxRecord) map[string]any {
	status := map[string]any{"Ok": nil}
	if rec.Err != nil {
		status = map[string]any{"Err": rec.Err}
	}
	logs := rec.Logs
	if logs == nil {
		logs = []string{}
	}
	static := len(rec.AccountKeys) - rec.LoadedWritable - rec.LoadedReadonly
	loaded := map[string][]string{
		"writable": keyStrings(rec.AccountKeys[static : static+rec.LoadedWritable]),
		"readonly": keyStrings(rec.AccountKeys[static+rec.LoadedWritable:]),
	}
	return map[string]any{
		"err": errOrNil(rec.Err), "status": status, "fee": rec.Fee,
		"preBalances": rec.PreBalances, "postBalances": rec.PostBalances,
		"innerInstructions": uiInner(rec.Inner), "logMessages": logs,
		"preTokenBalances": uiTokenBalances(rec.PreTokenBalances), "postTokenBalances": uiTokenBalances(rec.PostTokenBalances),
		"rewards": []any{}, "loadedAddresses": loaded, "computeUnitsConsumed": rec.UnitsConsumed,
	}
}

func uiInner(inner []InnerInstructions) []map[string]any {
	out := make([]map[string]any, len(inner))
	for i, group := range inner {
		ixs := make([]map[string]any, len(group.Instructions))
		for j, in := range group.Instructions {
			ixs[j] = map[string]any{"programIdIndex": in.ProgramIDIndex, "accounts": in.Accounts,
				"data": base58.Encode(in.Data), "stackHeight": in.StackHeight}
		}
		out[i] = map[string]any{"index": group.Index, "instructions": ixs}
	}
	return out
}

func keyStrings(keys []solana.PublicKey) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.String()
	}
	return out
}

func uiTokenBalances(tbs []TokenBalance) []map[string]any {
	out := make([]map[string]any, len(tbs))
	for i, tb := range tbs {
		out[i] = map[string]any{"accountIndex": tb.AccountIndex, "mint": tb.Mint.String(), "owner": tb.Owner.String(),
			"programId": tb.ProgramID.String(), "uiTokenAmount": newUITokenAmount(tb.Amount, tb.Decimals)}
	}
	return out
}

// txJSON is the "json" encoding of a transaction (EncodedTransaction::Json).
func txJSON(tx *wireTx) map[string]any {
	sigs := make([]string, len(tx.signatures))
	for i, s := range tx.signatures {
		sigs[i] = s.String()
	}
	ixs := make([]map[string]any, len(tx.ixs))
	for i, ix := range tx.ixs {
		accts := make([]int, len(ix.accounts))
		for j, a := range ix.accounts {
			accts[j] = int(a)
		}
		ixs[i] = map[string]any{"programIdIndex": ix.program, "accounts": accts,
			"data": base58.Encode(ix.data), "stackHeight": nil}
	}
	msg := map[string]any{
		"accountKeys": keyStrings(tx.keys),
		"header": map[string]uint8{"numRequiredSignatures": tx.header[0],
			"numReadonlySignedAccounts": tx.header[1], "numReadonlyUnsignedAccounts": tx.header[2]},
		"recentBlockhash": tx.blockhash.String(),
		"instructions":    ixs,
	}
	if tx.versioned {
		lookups := make([]map[string]any, len(tx.lookups))
		for i, l := range tx.lookups {
			lookups[i] = map[string]any{"accountKey": l.table.String(),
				"writableIndexes": uint8s(l.writable), "readonlyIndexes": uint8s(l.readonly)}
		}
		msg["addressTableLookups"] = lookups
	}
	return map[string]any{"signatures": sigs, "message": msg}
}

// uint8s keeps []uint8 from encoding as a base64 string.
func uint8s(b []uint8) []int {
	out := make([]int, len(b))
	for i, v := range b {
		out[i] = int(v)
	}
	return out
}
