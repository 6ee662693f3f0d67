// Package solana is the chain client of the runtime: JSON-RPC reads with a client-side
// rate limit and retries, a blockhash tracker, transaction building with compute-budget
// instructions and address lookup tables, safe send (re-broadcast the same signed
// bytes until confirmed or expired, never re-sign) and the error classes workers use as
// their retry protocol (ErrBlockhashExpired, ErrInsufficientFunds, ... with IsRetryable).
//
// It wraps github.com/gagliardetto/solana-go v1.14.0 and hand-builds what that library
// gets wrong or lacks (compute budget, lookup-table instructions, the 1232-byte check).
package solana
