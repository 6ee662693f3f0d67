package solana

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"regexp"
	"strconv"
	"strings"

	sol "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"
)

// Error classes. Chain failures are wrapped so that errors.Is(err, ErrXxx) holds; the
// workers map them to retry decisions with IsRetryable.
var (
	// ErrBlockhashExpired: the transaction's blockhash passed its lastValidBlockHeight
	// and the signature is unknown to the cluster, so the transaction can never land.
	// The caller may re-sign with a fresh blockhash (after journaling).
	ErrBlockhashExpired = errors.New("solana: blockhash expired, transaction not landed")
	// ErrInsufficientFunds: a payer or buyer lacks lamports (fees, rent, or the spend).
	ErrInsufficientFunds = errors.New("solana: insufficient funds")
	// ErrSlippage: a launchpad rejected the trade against its slippage bound.
	ErrSlippage = errors.New("solana: slippage exceeded")
	// ErrCurveComplete: the bonding curve completed / the pool migrated; no more trades.
	ErrCurveComplete = errors.New("solana: bonding curve complete")
	// ErrRateLimited: the RPC endpoint or block engine answered HTTP 429 (or its RPC twin).
	ErrRateLimited = errors.New("solana: rate limited")
	// ErrTxTooLarge: the serialized transaction exceeds MaxTxSize bytes.
	ErrTxTooLarge = errors.New("solana: transaction too large")
	// ErrAccountNotFound: the account does not exist (zero lamports, no data).
	ErrAccountNotFound = errors.New("solana: account not found")
	// ErrTxFailed: the transaction executed and failed for a reason not classed above.
	ErrTxFailed = errors.New("solana: transaction failed")
)

// Program IDs whose custom error codes are classified (kept here, not imported from
// solana/pump or solana/bonk, because those packages import this one).
var (
	pumpProgramID      = sol.MustPublicKeyFromBase58("6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P")
	launchLabProgramID = sol.MustPublicKeyFromBase58("LanMV9sAd7wArD4vJFi2qDdfnVhFxYSUg6eADduJ3uj")
	launchLabDevnetID  = sol.MustPublicKeyFromBase58("DRay6fNdQ5J82H7xV6uq2aV3mNrUZ1J4PgSKsWgptcm6")
)

// pumpCodes maps pump.fun custom errors (facts 2.8) to classes.
var pumpCodes = map[uint32]error{
	6002: ErrSlippage,          // TooMuchSolRequired
	6003: ErrSlippage,          // TooLittleSolReceived
	6042: ErrSlippage,          // BuySlippageBelowMinTokensOut
	6005: ErrCurveComplete,     // BondingCurveComplete
	6040: ErrInsufficientFunds, // BuyNotEnoughSolToCoverRent
	6041: ErrInsufficientFunds, // BuyNotEnoughSolToCoverFees
}

// launchLabCodes maps Raydium LaunchLab custom errors to classes.
var launchLabCodes = map[uint32]error{
	6004: ErrSlippage,      // ExceededSlippage
	6006: ErrCurveComplete, // PoolMigrated
}

// TxError is a transaction that executed (or was simulated) and failed. Unwrap
// yields its class (ErrSlippage, ErrInsufficientFunds, ..., or ErrTxFailed).
type TxError struct {
	// Instruction is the failing instruction's index, -1 if not instruction-level.
	Instruction int
	// Program is the failing instruction's program, zero if unknown.
	Program sol.PublicKey
	// Custom is the custom program error code when HasCustom.
	Custom    uint32
	HasCustom bool
	// Reason is the textual error ("InsufficientFundsForFee", "InsufficientFunds", ...).
	Reason string
	// Raw is the err value as the RPC returned it.
	Raw   any
	Logs  []string
	class error
	// known: Program is set (the system program's key is all zero bytes, so
	// Program.IsZero() cannot tell "unknown" apart from it).
	known bool
}

func (e *TxError) Error() string {
	var b strings.Builder
	b.WriteString("transaction error")
	if e.Instruction >= 0 {
		fmt.Fprintf(&b, ": instruction %d", e.Instruction)
	}
	if e.known {
		fmt.Fprintf(&b, " (program %s)", e.Program)
	}
	if e.HasCustom {
		fmt.Fprintf(&b, ": custom program error %d (0x%x)", e.Custom, e.Custom)
	} else if e.Reason != "" {
		fmt.Fprintf(&b, ": %s", e.Reason)
	}
	fmt.Fprintf(&b, " [%v]", e.class)
	return b.String()
}

// Unwrap returns the error class.
func (e *TxError) Unwrap() error { return e.class }

// IsRetryable reports whether retrying the same job step may succeed: rate limits,
// expired blockhashes (re-sign after settling), slippage (re-quote), transport
// failures and 5xx. Insufficient funds, completed curves, oversized transactions and
// other program failures are permanent.
func IsRetryable(err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, context.Canceled):
		return false
	case errors.Is(err, ErrRateLimited), errors.Is(err, ErrBlockhashExpired), errors.Is(err, ErrSlippage):
		return true
	case errors.Is(err, ErrInsufficientFunds), errors.Is(err, ErrCurveComplete),
		errors.Is(err, ErrTxTooLarge), errors.Is(err, ErrTxFailed), errors.Is(err, ErrAccountNotFound):
		return false
	case errors.Is(err, context.DeadlineExceeded):
		return true
	}
	var he *jsonrpc.HTTPError
	if errors.As(err, &he) {
		return he.Code == 429 || he.Code >= 500
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var re *jsonrpc.RPCError
	if errors.As(err, &re) {
		// Node-side transient conditions: -32004/-32005/-32007/-32014 (block not
		// available, node unhealthy, slot skipped, status not available), -32603 internal.
		switch re.Code {
		case -32004, -32005, -32007, -32014, -32603:
			return true
		}
	}
	return false
}

// customRe finds "Program <id> failed: custom program error: 0x1772" in logs.
var customRe = regexp.MustCompile(`Program (\w+) failed: custom program error: 0x([0-9a-fA-F]+)`)

// ClassifyTxErr turns the `err` value of a simulation, status or preflight into a
// *TxError. programs[i] is the program of instruction i when known (nil otherwise);
// logs are scanned for the failing program when it is not.
func ClassifyTxErr(raw any, programs []sol.PublicKey, logs []string) *TxError {
	e := &TxError{Instruction: -1, Raw: raw, Logs: logs}
	switch v := raw.(type) {
	case string:
		e.Reason = v
	case map[string]any:
		e.fromMap(v)
	default:
		e.Reason = fmt.Sprint(v)
	}
	if e.Instruction >= 0 && e.Instruction < len(programs) {
		e.Program, e.known = programs[e.Instruction], true
	}
	if !e.known && e.HasCustom {
		e.Program, e.known = programFromLogs(logs, e.Custom)
	}
	e.class = e.classify()
	return e
}

func (e *TxError) fromMap(m map[string]any) {
	for k, v := range m {
		e.Reason = k
		if k != "InstructionError" {
			continue
		}
		arr, ok := v.([]any)
		if !ok || len(arr) != 2 {
			continue
		}
		if idx, ok := toUint(arr[0]); ok {
			e.Instruction = int(idx)
		}
		switch inner := arr[1].(type) {
		case string:
			e.Reason = inner
		case map[string]any:
			for ik, iv := range inner {
				e.Reason = ik
				if c, ok := toUint(iv); ok && ik == "Custom" && c <= math.MaxUint32 {
					e.Custom, e.HasCustom = uint32(c), true
				}
			}
		}
	}
}

func programFromLogs(logs []string, code uint32) (sol.PublicKey, bool) {
	for _, l := range logs {
		m := customRe.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		c, err := strconv.ParseUint(m[2], 16, 32)
		if err != nil || uint32(c) != code {
			continue
		}
		if pk, err := sol.PublicKeyFromBase58(m[1]); err == nil {
			return pk, true
		}
	}
	return sol.PublicKey{}, false
}

func (e *TxError) classify() error {
	switch e.Reason {
	case "InsufficientFundsForFee", "InsufficientFundsForRent", "InsufficientFunds":
		return ErrInsufficientFunds
	case "BlockhashNotFound":
		return ErrBlockhashExpired
	}
	if !e.HasCustom {
		return ErrTxFailed
	}
	var table map[uint32]error
	if !e.known {
		return ErrTxFailed // custom codes collide across programs: never guess
	}
	switch e.Program {
	case pumpProgramID:
		table = pumpCodes
	case launchLabProgramID, launchLabDevnetID:
		table = launchLabCodes
	case sol.SystemProgramID:
		if e.Custom == 1 { // SystemError::ResultWithNegativeLamports
			return ErrInsufficientFunds
		}
	case sol.TokenProgramID, sol.Token2022ProgramID:
		if e.Custom == 1 { // TokenError::InsufficientFunds
			return ErrInsufficientFunds
		}
	}
	if c, ok := table[e.Custom]; ok {
		return c
	}
	return ErrTxFailed
}

func toUint(v any) (uint64, bool) {
	switch n := v.(type) {
	case json.Number:
		u, err := strconv.ParseUint(n.String(), 10, 64)
		return u, err == nil
	case float64:
		return uint64(n), n >= 0
	case int:
		return uint64(n), n >= 0
	case uint64:
		return n, true
	}
	return 0, false
}

// preflightData is the data of a -32002 "Transaction simulation failed" RPC error.
type preflightData struct {
	Err  any      `json:"err"`
	Logs []string `json:"logs"`
}

// classifyRPC maps an RPC/transport error to our classes, wrapping (not replacing)
// the original so its details stay visible. programs resolves instruction indexes of
// a preflight failure (may be nil).
func classifyRPC(err error, programs []sol.PublicKey) error {
	if err == nil {
		return nil
	}
	var he *jsonrpc.HTTPError
	if errors.As(err, &he) && he.Code == 429 {
		return fmt.Errorf("%w: %w", ErrRateLimited, err)
	}
	var re *jsonrpc.RPCError
	if !errors.As(err, &re) {
		return err
	}
	msg := strings.ToLower(re.Message)
	switch {
	case re.Code == 429 || re.Code == -32429 || strings.Contains(msg, "too many requests") || strings.Contains(msg, "rate limit"):
		return fmt.Errorf("%w: rpc %d %s", ErrRateLimited, re.Code, re.Message)
	case re.Code == -32002:
		if te := preflightTxErr(re, programs); te != nil {
			return te
		}
	}
	if strings.Contains(msg, "blockhash not found") {
		return fmt.Errorf("%w: rpc %d %s", ErrBlockhashExpired, re.Code, re.Message)
	}
	if strings.Contains(msg, "insufficient funds") {
		return fmt.Errorf("%w: rpc %d %s", ErrInsufficientFunds, re.Code, re.Message)
	}
	return &rpcError{re}
}

// rpcError prints a JSON-RPC error compactly (jsonrpc.RPCError prints a dump) and
// keeps it reachable with errors.As.
type rpcError struct{ e *jsonrpc.RPCError }

func (r *rpcError) Error() string { return fmt.Sprintf("rpc error %d: %s", r.e.Code, r.e.Message) }
func (r *rpcError) Unwrap() error { return r.e }

func preflightTxErr(re *jsonrpc.RPCError, programs []sol.PublicKey) *TxError {
	b, err := json.Marshal(re.Data)
	if err != nil {
		return nil
	}
	var d preflightData
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if dec.Decode(&d) != nil || d.Err == nil {
		return nil
	}
	return ClassifyTxErr(d.Err, programs, d.Logs)
}
