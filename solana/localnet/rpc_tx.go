package localnet

import (
	"encoding/base64"
	"encoding/json"
	"errors"

	"github.com/gagliardetto/solana-go"
	"github.com/mr-tron/base58"
)

// Commitment depths: a transaction is confirmed one slot after the slot it
// landed in and finalized 32 slots after.
const (
	confirmedDepth = 1
	finalizedDepth = 32
)

type txConfig struct {
	Encoding               string  `json:"encoding"`
	SkipPreflight          bool    `json:"skipPreflight"`
	PreflightCommitment    string  `json:"preflightCommitment"`
	Commitment             string  `json:"commitment"`
	MaxRetries             *uint64 `json:"maxRetries"`
	MinContextSlot         *uint64 `json:"minContextSlot"`
	SigVerify              bool    `json:"sigVerify"`
	ReplaceRecentBlockhash bool    `json:"replaceRecentBlockhash"`
	InnerInstructions      bool    `json:"innerInstructions"`
	Accounts               *struct {
		Addresses []string `json:"addresses"`
		Encoding  string   `json:"encoding"`
	} `json:"accounts"`
}

// decodeWireParam decodes a base58 (default) or base64 transaction string.
func decodeWireParam(s, encoding string) ([]byte, error) {
	var raw []byte
	var err error
	switch encoding {
	case "", "base58":
		if len(s) > 1683 {
			return nil, invalidParams("base58 encoded solana_sdk::transaction::versioned::VersionedTransaction too large: %d bytes (max: encoded/raw 1683/1232)", len(s))
		}
		raw, err = base58.Decode(s)
		if err != nil {
			return nil, invalidParams("invalid base58 encoding: %v", err)
		}
	case "base64":
		if len(s) > 1644 {
			return nil, invalidParams("base64 encoded solana_sdk::transaction::versioned::VersionedTransaction too large: %d bytes (max: encoded/raw 1644/1232)", len(s))
		}
		raw, err = base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, invalidParams("invalid base64 encoding: %v", err)
		}
	default:
		return nil, invalidParams("Invalid params: unsupported encoding: %s. Supported encodings: base58, base64", encoding)
	}
	if len(raw) > MaxTransactionSize {
		return nil, invalidParams("decoded solana_sdk::transaction::versioned::VersionedTransaction too large: %d bytes (max: %d bytes)", len(raw), MaxTransactionSize)
	}
	return raw, nil
}

func decodeError(err error) error {
	var re *rpcError
	if errors.As(err, &re) {
		return re
	}
	if errors.Is(err, errDecode) {
		return invalidParams("failed to deserialize solana_sdk::transaction::versioned::VersionedTransaction: io error: unexpected end of file")
	}
	return invalidParams("%v", err)
}

var errSigVerify = &rpcError{Code: codeSigVerifyFailure, Message: "Transaction signature verification failure"}

// simValue is RpcSimulateTransactionResult.
type simValue struct {
	Err                    any      `json:"err"`
	Logs                   []string `json:"logs"`
	Accounts               any      `json:"accounts"`
	UnitsConsumed          uint64   `json:"unitsConsumed"`
	ReturnData             any      `json:"returnData"`
	InnerInstructions      any      `json:"innerInstructions"`
	ReplacementBlockhash   any      `json:"replacementBlockhash,omitempty"`
	LoadedAccountsDataSize uint64   `json:"loadedAccountsDataSize"`
}

func simResult(rec *TxRecord, err error) simValue {
	v := simValue{Logs: []string{}}
	var te *TxError
	if errors.As(err, &te) {
		v.Err = te
		return v
	}
	if rec != nil {
		v.Err, v.Logs, v.UnitsConsumed = errOrNil(rec.Err), rec.Logs, rec.UnitsConsumed
		if v.Logs == nil {
			v.Logs = []string{}
		}
	}
	return v
}

func rpcSimulateTransaction(c *Cluster, params json.RawMessage) (any, error) {
	var s string
	var cfg txConfig
	if err := positional(params, 1, &s, &cfg); err != nil {
		return nil, err
	}
	if cfg.SigVerify && cfg.ReplaceRecentBlockhash {
		return nil, invalidParams("sigVerify may not be used with replaceRecentBlockhash")
	}
	raw, err := decodeWireParam(s, cfg.Encoding)
	if err != nil {
		return nil, err
	}
	rec, err := c.bank.Simulate(raw, ExecOptions{SkipSigVerify: !cfg.SigVerify, ReplaceRecentBlockhash: cfg.ReplaceRecentBlockhash})
	var te *TxError
	switch {
	case errors.As(err, &te) && te.Kind == TxSignatureFailure:
		return nil, errSigVerify
	case err != nil && !errors.As(err, &te):
		return nil, decodeError(err)
	}
	v := simResult(rec, err)
	if cfg.ReplaceRecentBlockhash {
		h, last := c.bank.LatestBlockhash()
		v.ReplacementBlockhash = map[string]any{"blockhash": h.String(), "lastValidBlockHeight": last}
	}
	if cfg.Accounts != nil && rec != nil {
		accs, err := c.simulatedAccounts(rec, cfg.Accounts.Addresses, cfg.Accounts.Encoding)
		if err != nil {
			return nil, err
		}
		v.Accounts = accs
	}
	return c.ctxValue(v), nil
}

// simulatedAccounts renders the post-simulation state of addresses (the
// current state for accounts the transaction did not load).
func (c *Cluster) simulatedAccounts(rec *TxRecord, addrs []string, encoding string) ([]*uiAccount, error) {
	if encoding == "" {
		encoding = "base64"
	}
	if encoding != "base64" && encoding != "base64+zstd" {
		return nil, invalidParams("Invalid params: unsupported encoding %s for simulated accounts", encoding)
	}
	out := make([]*uiAccount, len(addrs))
	for i, s := range addrs {
		k, err := parseKey(s)
		if err != nil {
			return nil, err
		}
		acc, ok := rec.SimulatedAccount(k)
		if !ok {
			if a, exists := c.bank.GetAccount(k); exists {
				acc, ok = &a, true
			}
		}
		if ok && (acc.Lamports > 0 || acc.Executable) {
			out[i], _ = encodeAccount(*acc, commonConfig{Encoding: encoding})
		}
	}
	return out, nil
}

// rpcSendTransaction verifies, preflights (unless skipped) and submits.
func rpcSendTransaction(c *Cluster, params json.RawMessage) (any, error) {
	var s string
	var cfg txConfig
	if err := positional(params, 1, &s, &cfg); err != nil {
		return nil, err
	}
	raw, err := decodeWireParam(s, cfg.Encoding)
	if err != nil {
		return nil, err
	}
	tx, err := decodeTransaction(raw)
	if err != nil {
		return nil, decodeError(err)
	}
	if !tx.verifySignatures() {
		return nil, errSigVerify
	}
	if err := c.send(raw, !cfg.SkipPreflight); err != nil {
		return nil, err
	}
	return tx.signatures[0].String(), nil
}

// send submits a verified transaction. With preflight, a transaction that
// would fail is refused with -32002 and never charged; without, failures
// only show in its status, as on a real cluster.
func (c *Cluster) send(raw []byte, preflight bool) error {
	drop, delay := c.faults.shouldDrop(), c.faults.delay()
	if drop || delay > 0 {
		if preflight {
			rec, err := c.bank.Simulate(raw, ExecOptions{SkipSigVerify: true})
			if err == nil && rec.Err != nil {
				err = rec.Err
			}
			if err != nil {
				return preflightError(rec, err)
			}
		}
		if !drop {
			c.after(delay, func() { _, _ = c.bank.ProcessTransaction(raw) })
		}
		return nil
	}
	if !preflight {
		_, _ = c.bank.ProcessTransaction(raw)
		return nil
	}
	rec, err := c.bank.ProcessIfSuccessful(raw)
	if err != nil {
		return preflightError(rec, err)
	}
	return nil
}

// preflightError is the -32002 error with the simulation result as data.
func preflightError(rec *TxRecord, err error) error {
	var te *TxError
	if !errors.As(err, &te) {
		return decodeError(err)
	}
	if te.Kind == TxSignatureFailure {
		return errSigVerify
	}
	if rec != nil && rec.Err == nil {
		rec = nil // rejected before execution: no logs
	}
	v := simResult(rec, nil)
	v.Err = te
	return &rpcError{Code: codePreflightFailure, Message: "Transaction simulation failed: " + te.Error(), Data: v}
}

func isSigFailure(err error) bool {
	var te *TxError
	return errors.As(err, &te) && te.Kind == TxSignatureFailure
}

// sigStatus is one entry of getSignatureStatuses.
type sigStatus struct {
	Slot               uint64  `json:"slot"`
	Confirmations      *uint64 `json:"confirmations"`
	Err                any     `json:"err"`
	Status             any     `json:"status"`
	ConfirmationStatus string  `json:"confirmationStatus"`
}

func (c *Cluster) statusOf(rec *TxRecord) sigStatus {
	st := sigStatus{Slot: rec.Slot, Err: errOrNil(rec.Err), Status: map[string]any{"Ok": nil}}
	if rec.Err != nil {
		st.Status = map[string]any{"Err": rec.Err}
	}
	depth := c.bank.Slot() - rec.Slot
	switch {
	case depth >= finalizedDepth:
		st.ConfirmationStatus = "finalized"
	case depth >= confirmedDepth:
		st.ConfirmationStatus, st.Confirmations = "confirmed", &depth
	default:
		st.ConfirmationStatus, st.Confirmations = "processed", &depth
	}
	return st
}

func rpcGetSignatureStatuses(c *Cluster, params json.RawMessage) (any, error) {
	var sigs []string
	var cfg struct {
		SearchTransactionHistory bool `json:"searchTransactionHistory"`
	}
	if err := positional(params, 1, &sigs, &cfg); err != nil {
		return nil, err
	}
	if len(sigs) > 256 {
		return nil, invalidParams("Too many inputs provided; max 256")
	}
	out := make([]*sigStatus, len(sigs))
	for i, s := range sigs {
		sig, err := solana.SignatureFromBase58(s)
		if err != nil {
			return nil, invalidParams("Invalid param: Invalid")
		}
		if rec, ok := c.bank.Status(sig); ok {
			st := c.statusOf(rec)
			out[i] = &st
		}
	}
	return c.ctxValue(out), nil
}
