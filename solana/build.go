package solana

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	sol "github.com/gagliardetto/solana-go"
)

// ComputeBudgetProgramID is the compute budget program.
var ComputeBudgetProgramID = sol.MustPublicKeyFromBase58("ComputeBudget111111111111111111111111111111")

// SetComputeUnitLimit builds ComputeBudget ix 2 (u32 units), hand-built so no
// package-global program state is involved.
func SetComputeUnitLimit(units uint32) sol.Instruction {
	data := binary.LittleEndian.AppendUint32([]byte{2}, units)
	return sol.NewInstruction(ComputeBudgetProgramID, sol.AccountMetaSlice{}, data)
}

// SetComputeUnitPrice builds ComputeBudget ix 3 (u64 micro-lamports per CU).
func SetComputeUnitPrice(microLamports uint64) sol.Instruction {
	data := binary.LittleEndian.AppendUint64([]byte{3}, microLamports)
	return sol.NewInstruction(ComputeBudgetProgramID, sol.AccountMetaSlice{}, data)
}

// PriorityFeeLamports is the priority fee charged for a CU limit at a price:
// ceil(limit × price / 1e6). It is charged on the limit, not on the units used.
func PriorityFeeLamports(cuLimit uint32, microLamportsPerCU uint64) uint64 {
	n := uint64(cuLimit) * microLamportsPerCU
	return (n + 999_999) / 1_000_000
}

// TxFee is the total fee of a transaction: 5000 lamports per signature plus the priority fee.
func TxFee(signatures int, cuLimit uint32, microLamportsPerCU uint64) uint64 {
	return uint64(signatures)*DefaultLamportsPerSig + PriorityFeeLamports(cuLimit, microLamportsPerCU)
}

// BuildOpts tunes BuildTx. The zero value simulates for the CU limit and sets no price.
type BuildOpts struct {
	// CULimit fixes the compute unit limit; 0 means simulate and add CUMargin.
	CULimit uint32
	// CUMargin is the fraction added to simulated units (default 0.15).
	CUMargin float64
	// PriorityFeeMicroLamports is the CU price; 0 adds no SetComputeUnitPrice ix.
	PriorityFeeMicroLamports uint64
	// LookupTables maps a table address to its addresses, in on-chain order (see
	// GetLookupTable). Non-empty makes a v0 transaction.
	LookupTables map[sol.PublicKey]sol.PublicKeySlice
	// StaticKeys are never loaded through a table (Jito tip accounts must be static).
	StaticKeys []sol.PublicKey
	// Blockhash overrides the tracker's blockhash (e.g. the same hash for a bundle).
	Blockhash *Blockhash
}

// SignedTx is a signed transaction ready to broadcast, with what a journal needs to
// settle it later. Persist Raw and LastValidBlockHeight; SignedTxFromRaw restores the
// rest. SendAndConfirm and Settle use only Raw, Signature and LastValidBlockHeight.
type SignedTx struct {
	Tx                   *sol.Transaction
	Raw                  []byte
	Signature            sol.Signature
	Blockhash            sol.Hash
	LastValidBlockHeight uint64
	CULimit              uint32
}

// BuildTx prepends the compute-budget instructions to ixs, compiles a legacy (or v0,
// with LookupTables) message paid by payer, signs it with signers and checks the
// 1232-byte limit (ErrTxTooLarge). With opts.CULimit == 0 it simulates first and sets
// the limit to unitsConsumed × (1+CUMargin); a failing simulation returns its
// classified *TxError (e.g. ErrSlippage) without anything being sent.
func (c *Client) BuildTx(ctx context.Context, payer sol.PublicKey, ixs []sol.Instruction, signers []sol.PrivateKey, opts BuildOpts) (*SignedTx, error) {
	bh := opts.Blockhash
	if bh == nil {
		latest, err := c.LatestBlockhash(ctx)
		if err != nil {
			return nil, fmt.Errorf("build tx: %w", err)
		}
		bh = &latest
	}
	limit := opts.CULimit
	if limit == 0 {
		probe, err := signTx(payer, ixs, signers, *bh, DefaultMaxCULimit, opts)
		if err != nil {
			return nil, err
		}
		res, err := c.Simulate(ctx, probe.Tx)
		if err != nil {
			return nil, fmt.Errorf("build tx: simulate: %w", err)
		}
		margin := opts.CUMargin
		if margin == 0 {
			margin = DefaultCUMargin
		}
		limit = uint32(min(math.Ceil(float64(res.UnitsConsumed)*(1+margin)), DefaultMaxCULimit))
		limit = max(limit, 1000)
	}
	return signTx(payer, ixs, signers, *bh, limit, opts)
}

// SignTx is BuildTx without RPC: the CU limit (required) and blockhash are given.
func SignTx(payer sol.PublicKey, ixs []sol.Instruction, signers []sol.PrivateKey, bh Blockhash, opts BuildOpts) (*SignedTx, error) {
	if opts.CULimit == 0 {
		return nil, errors.New("sign tx: CULimit is required")
	}
	return signTx(payer, ixs, signers, bh, opts.CULimit, opts)
}

func signTx(payer sol.PublicKey, ixs []sol.Instruction, signers []sol.PrivateKey, bh Blockhash, limit uint32, opts BuildOpts) (*SignedTx, error) {
	for _, ix := range ixs {
		if ix.ProgramID().Equals(ComputeBudgetProgramID) {
			return nil, errors.New("build tx: instructions must not contain compute-budget instructions (BuildTx adds them)")
		}
	}
	all := make([]sol.Instruction, 0, len(ixs)+2)
	all = append(all, SetComputeUnitLimit(limit))
	if opts.PriorityFeeMicroLamports > 0 {
		all = append(all, SetComputeUnitPrice(opts.PriorityFeeMicroLamports))
	}
	all = append(all, ixs...)
	txOpts := []sol.TransactionOption{sol.TransactionPayer(payer)}
	if len(opts.LookupTables) > 0 {
		txOpts = append(txOpts, sol.TransactionAddressTables(withoutStatic(opts.LookupTables, opts.StaticKeys)))
	}
	tx, err := sol.NewTransaction(all, bh.Hash, txOpts...)
	if err != nil {
		return nil, fmt.Errorf("build tx: compile: %w", err)
	}
	if err := signWith(tx, signers); err != nil {
		return nil, err
	}
	raw, err := tx.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("build tx: encode: %w", err)
	}
	if len(raw) > MaxTxSize {
		return nil, fmt.Errorf("build tx: %w: %d bytes > %d", ErrTxTooLarge, len(raw), MaxTxSize)
	}
	return &SignedTx{Tx: tx, Raw: raw, Signature: tx.Signatures[0], Blockhash: bh.Hash,
		LastValidBlockHeight: bh.LastValidBlockHeight, CULimit: limit}, nil
}

func signWith(tx *sol.Transaction, signers []sol.PrivateKey) error {
	byKey := make(map[sol.PublicKey]*sol.PrivateKey, len(signers))
	for i := range signers {
		byKey[signers[i].PublicKey()] = &signers[i]
	}
	var missing sol.PublicKey
	_, err := tx.Sign(func(k sol.PublicKey) *sol.PrivateKey {
		if pk, ok := byKey[k]; ok {
			return pk
		}
		missing = k
		return nil
	})
	if err != nil {
		return fmt.Errorf("build tx: sign (missing signer %s): %w", missing, err)
	}
	return nil
}

// placeholder replaces static keys inside lookup-table copies: the table index
// mapping stays intact but the key can never match an account of the message.
var placeholder = sol.PublicKey(bytes.Repeat([]byte{0xff}, 32))

func withoutStatic(tables map[sol.PublicKey]sol.PublicKeySlice, static []sol.PublicKey) map[sol.PublicKey]sol.PublicKeySlice {
	if len(static) == 0 {
		return tables
	}
	out := make(map[sol.PublicKey]sol.PublicKeySlice, len(tables))
	for tbl, addrs := range tables {
		cp := make(sol.PublicKeySlice, len(addrs))
		for i, a := range addrs {
			cp[i] = a
			for _, s := range static {
				if a.Equals(s) {
					cp[i] = placeholder
				}
			}
		}
		out[tbl] = cp
	}
	return out
}

// ProgramsOf returns the program of each instruction of a serialized transaction
// (used to attribute custom error codes); nil if it cannot be decoded.
func ProgramsOf(raw []byte) []sol.PublicKey {
	tx, err := sol.TransactionFromBytes(raw)
	if err != nil {
		return nil
	}
	out := make([]sol.PublicKey, len(tx.Message.Instructions))
	for i, ix := range tx.Message.Instructions {
		if int(ix.ProgramIDIndex) < len(tx.Message.AccountKeys) {
			out[i] = tx.Message.AccountKeys[ix.ProgramIDIndex]
		}
	}
	return out
}

// SignedTxFromRaw rebuilds a SignedTx from journaled bytes and the journaled last
// valid block height (e.g. to Settle it after a restart).
func SignedTxFromRaw(raw []byte, lastValidBlockHeight uint64) (*SignedTx, error) {
	tx, err := sol.TransactionFromBytes(raw)
	if err != nil {
		return nil, fmt.Errorf("decode signed tx: %w", err)
	}
	if len(tx.Signatures) == 0 {
		return nil, errors.New("decode signed tx: no signatures")
	}
	var limit uint32
	if ps := ProgramsOf(raw); len(ps) > 0 && ps[0].Equals(ComputeBudgetProgramID) {
		if d := tx.Message.Instructions[0].Data; len(d) == 5 && d[0] == 2 {
			limit = binary.LittleEndian.Uint32(d[1:])
		}
	}
	return &SignedTx{Tx: tx, Raw: raw, Signature: tx.Signatures[0], Blockhash: tx.Message.RecentBlockhash,
		LastValidBlockHeight: lastValidBlockHeight, CULimit: limit}, nil
}
