package localnet

import (
	"fmt"

	"github.com/gagliardetto/solana-go"
)

// This file is the seam between the bank (runtime, RPC, native programs) and the
// modelled on-chain programs (pump, LaunchLab, Metaplex). Both sides code against it.
// Genesis: append a func(*Bank) error to genesisHooks from an init function
// (see cluster.go); it may call Bank.RegisterProgram and Bank.SetAccount.

// Account is the state of one account held by the bank.
type Account struct {
	Lamports   uint64
	Data       []byte
	Owner      solana.PublicKey
	Executable bool
}

// AccountRef is one account as an instruction sees it: its key, the flags the
// transaction message gave it, and a pointer to the working copy the program may
// change (changes are committed only if the whole transaction succeeds).
type AccountRef struct {
	Key        solana.PublicKey
	IsSigner   bool
	IsWritable bool
	*Account
}

// Program is an on-chain program modelled in Go. Process executes one instruction
// (top-level or CPI) and returns nil or an error; a *ProgramError carries the real
// program's custom error code so clients see the same InstructionError.
type Program interface {
	ID() solana.PublicKey
	Process(ic *InstructionContext) error
}

// ProgramError is a custom program error (InstructionError: {Custom: Code}).
type ProgramError struct {
	Code uint32
	Name string
}

func (e *ProgramError) Error() string {
	return fmt.Sprintf("custom program error: 0x%x (%s)", e.Code, e.Name)
}

// Clock is the sysvar clock the bank exposes to programs.
type Clock struct {
	Slot          uint64
	UnixTimestamp int64
	Epoch         uint64
}

// InstructionContext is what a program sees while it runs one instruction.
// It is implemented by the bank (bank.go); the methods below are the contract.
type InstructionContext struct {
	ProgramID solana.PublicKey
	Accounts  []*AccountRef // in instruction order
	Data      []byte
	// Depth is 1 for a top-level instruction, 2+ inside a CPI (max 5, as on Solana).
	Depth int

	tx *txState // the bank's per-transaction state; nil only in unit tests of helpers
}

// Invoke runs a cross-program invocation. signerSeeds are PDA seed sets (without
// the bump appended: the bank finds it) whose addresses become signers for the
// callee, as invoke_signed does. Privileges cannot escalate: a key that is not a
// signer/writable in the caller cannot become one in the callee (except PDAs of the
// caller that are signed for via signerSeeds).
func (ic *InstructionContext) Invoke(ix solana.Instruction, signerSeeds ...[][]byte) error {
	return ic.tx.invoke(ic, ix, signerSeeds)
}

// Lookup returns the working copy of any account loaded by the transaction.
func (ic *InstructionContext) Lookup(key solana.PublicKey) (*AccountRef, bool) {
	return ic.tx.lookup(key)
}

// Clock returns the bank's clock at the slot the transaction executes in.
func (ic *InstructionContext) Clock() Clock { return ic.tx.clock() }

// RentExempt is the minimum balance for rent exemption of dataLen bytes.
func (ic *InstructionContext) RentExempt(dataLen int) uint64 { return RentExemptMinimum(dataLen) }

// Log appends a program log line ("Program log: ..." is added by the bank).
func (ic *InstructionContext) Log(msg string) { ic.tx.log(msg) }

// EmitEvent appends an Anchor event ("Program data: base64(disc||borsh)").
func (ic *InstructionContext) EmitEvent(data []byte) { ic.tx.emitData(data) }

// ConsumeCU charges compute units; an error means the budget is exhausted.
func (ic *InstructionContext) ConsumeCU(n uint64) error { return ic.tx.consume(n) }

// RentExemptMinimum mirrors Rent::default().minimum_balance: (128 + len) * 3480 * 2.
func RentExemptMinimum(dataLen int) uint64 { return uint64(128+dataLen) * 3480 * 2 }
