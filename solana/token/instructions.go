package token

import (
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/gagliardetto/solana-go"
)

// Token program instruction tags (identical in SPL Token and Token-2022).
const (
	ixCloseAccount    = 9
	ixTransferChecked = 12
	ixSyncNative      = 17
)

// CreateIdempotentATA creates owner's associated token account for mint under
// tokenProgram unless it exists (ATA instruction 1). It succeeds when the account is
// already there, so buyers can always prepend it.
func CreateIdempotentATA(payer, owner, mint, tokenProgram solana.PublicKey) solana.Instruction {
	return CreateIdempotentATAAt(payer, mustATA(owner, mint, tokenProgram), owner, mint, tokenProgram)
}

// CreateIdempotentATAAt is CreateIdempotentATA for an ATA address already derived,
// saving the derivation on hot paths.
func CreateIdempotentATAAt(payer, ata, owner, mint, tokenProgram solana.PublicKey) solana.Instruction {
	return solana.NewInstruction(AssociatedTokenProgramID, solana.AccountMetaSlice{
		Meta(payer, true, true),
		Meta(ata, true, false),
		Meta(owner, false, false),
		Meta(mint, false, false),
		Meta(SystemProgramID, false, false),
		Meta(tokenProgram, false, false),
	}, []byte{1})
}

// CloseAccount closes a token account (instruction 9), sending its lamports to dest.
// The token balance must be zero, except for native (WSOL) accounts.
func CloseAccount(tokenProgram, account, dest, owner solana.PublicKey) solana.Instruction {
	return solana.NewInstruction(tokenProgram, solana.AccountMetaSlice{
		Meta(account, true, false),
		Meta(dest, true, false),
		Meta(owner, false, true),
	}, []byte{ixCloseAccount})
}

// TransferChecked moves amount base units from source to dest (instruction 12). The
// mint and decimals are checked by the program, which Token-2022 requires.
func TransferChecked(tokenProgram, source, mint, dest, owner solana.PublicKey, amount uint64, decimals uint8) solana.Instruction {
	data := make([]byte, 10)
	data[0] = ixTransferChecked
	binary.LittleEndian.PutUint64(data[1:], amount)
	data[9] = decimals
	return solana.NewInstruction(tokenProgram, solana.AccountMetaSlice{
		Meta(source, true, false),
		Meta(mint, false, false),
		Meta(dest, true, false),
		Meta(owner, false, true),
	}, data)
}

// SyncNative sets a native (WSOL) token account's amount to its lamports above rent
// (instruction 17), after lamports were transferred in.
func SyncNative(tokenProgram, account solana.PublicKey) solana.Instruction {
	return solana.NewInstruction(tokenProgram, solana.AccountMetaSlice{
		Meta(account, true, false),
	}, []byte{ixSyncNative})
}

// WrapSOL returns the instructions that put lamports into owner's WSOL ATA: create
// it idempotently, transfer lamports from payer, sync_native. payer signs.
func WrapSOL(payer, owner solana.PublicKey, lamports uint64) []solana.Instruction {
	ata := mustATA(owner, WSOLMint, TokenProgramID)
	return []solana.Instruction{
		CreateIdempotentATAAt(payer, ata, owner, WSOLMint, TokenProgramID),
		Transfer(payer, ata, lamports),
		SyncNative(TokenProgramID, ata),
	}
}

// UnwrapSOL closes owner's WSOL ATA, returning its lamports (rent and wrapped SOL)
// to owner. owner signs.
func UnwrapSOL(owner solana.PublicKey) solana.Instruction {
	return CloseAccount(TokenProgramID, mustATA(owner, WSOLMint, TokenProgramID), owner, owner)
}

// Transfer is a System program transfer of lamports (instruction 2).
func Transfer(from, to solana.PublicKey, lamports uint64) solana.Instruction {
	data := make([]byte, 12)
	binary.LittleEndian.PutUint32(data, 2)
	binary.LittleEndian.PutUint64(data[4:], lamports)
	return solana.NewInstruction(SystemProgramID, solana.AccountMetaSlice{
		Meta(from, true, true),
		Meta(to, true, false),
	}, data)
}

// CreateAccount is a System program create_account (instruction 0): newAccount is
// funded with lamports, allocated space bytes and assigned to owner. Both sign.
func CreateAccount(from, newAccount solana.PublicKey, lamports, space uint64, owner solana.PublicKey) solana.Instruction {
	data := make([]byte, 52)
	binary.LittleEndian.PutUint32(data, 0)
	binary.LittleEndian.PutUint64(data[4:], lamports)
	binary.LittleEndian.PutUint64(data[12:], space)
	copy(data[20:], owner[:])
	return solana.NewInstruction(SystemProgramID, solana.AccountMetaSlice{
		Meta(from, true, true),
		Meta(newAccount, true, true),
	}, data)
}

// SetComputeUnitLimit caps the transaction's compute units (Compute Budget ix 2).
// The priority fee is charged on this limit, not on usage.
func SetComputeUnitLimit(units uint32) solana.Instruction {
	data := make([]byte, 5)
	data[0] = 2
	binary.LittleEndian.PutUint32(data[1:], units)
	return solana.NewInstruction(ComputeBudgetProgramID, solana.AccountMetaSlice{}, data)
}

// SetComputeUnitPrice sets the priority fee in micro-lamports per compute unit
// (Compute Budget ix 3).
func SetComputeUnitPrice(microLamports uint64) solana.Instruction {
	data := make([]byte, 9)
	data[0] = 3
	binary.LittleEndian.PutUint64(data[1:], microLamports)
	return solana.NewInstruction(ComputeBudgetProgramID, solana.AccountMetaSlice{}, data)
}

// PriorityFee is the lamports a transaction pays for a unit limit at a unit price:
// ceil(limit × price / 1e6), as the runtime rounds it up.
func PriorityFee(limit uint32, microLamports uint64) uint64 {
	hi, lo := bits.Mul64(uint64(limit), microLamports)
	if hi >= 1_000_000 {
		return math.MaxUint64 // the quotient would not fit; no real price gets here
	}
	q, r := bits.Div64(hi, lo, 1_000_000)
	if r != 0 {
		q++
	}
	return q
}
