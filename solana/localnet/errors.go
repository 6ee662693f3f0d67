package localnet

import (
	"encoding/json"
	"errors"
	"fmt"
)

// BuiltinError is a non-custom InstructionError variant, named as the runtime names it
// on the wire ({"InstructionError":[0,"InvalidAccountData"]}). Programs may return one
// directly or wrapped.
type BuiltinError string

// Error returns the variant name, as the wire shows it.
func (e BuiltinError) Error() string { return string(e) }

// The InstructionError variants the models use. The strings are the Rust enum names
// that RPC clients decode.
const (
	ErrGeneric                      BuiltinError = "GenericError"
	ErrInvalidArgument              BuiltinError = "InvalidArgument"
	ErrInvalidInstructionData       BuiltinError = "InvalidInstructionData"
	ErrInvalidAccountData           BuiltinError = "InvalidAccountData"
	ErrAccountDataTooSmall          BuiltinError = "AccountDataTooSmall"
	ErrInsufficientFunds            BuiltinError = "InsufficientFunds"
	ErrIncorrectProgramID           BuiltinError = "IncorrectProgramId"
	ErrMissingRequiredSignature     BuiltinError = "MissingRequiredSignature"
	ErrAccountAlreadyInitialized    BuiltinError = "AccountAlreadyInitialized"
	ErrUninitializedAccount         BuiltinError = "UninitializedAccount"
	ErrUnbalancedInstruction        BuiltinError = "UnbalancedInstruction"
	ErrModifiedProgramID            BuiltinError = "ModifiedProgramId"
	ErrExternalAccountLamportSpend  BuiltinError = "ExternalAccountLamportSpend"
	ErrExternalAccountDataModified  BuiltinError = "ExternalAccountDataModified"
	ErrReadonlyLamportChange        BuiltinError = "ReadonlyLamportChange"
	ErrReadonlyDataModified         BuiltinError = "ReadonlyDataModified"
	ErrExecutableModified           BuiltinError = "ExecutableModified"
	ErrNotEnoughAccountKeys         BuiltinError = "NotEnoughAccountKeys"
	ErrAccountDataSizeChanged       BuiltinError = "AccountDataSizeChanged"
	ErrComputationalBudgetExceeded  BuiltinError = "ComputationalBudgetExceeded"
	ErrPrivilegeEscalation          BuiltinError = "PrivilegeEscalation"
	ErrCallDepth                    BuiltinError = "CallDepth"
	ErrMissingAccount               BuiltinError = "MissingAccount"
	ErrReentrancyNotAllowed         BuiltinError = "ReentrancyNotAllowed"
	ErrInvalidSeeds                 BuiltinError = "InvalidSeeds"
	ErrUnsupportedProgramID         BuiltinError = "UnsupportedProgramId"
	ErrIllegalOwner                 BuiltinError = "IllegalOwner"
	ErrInvalidAccountOwner          BuiltinError = "InvalidAccountOwner"
	ErrArithmeticOverflow           BuiltinError = "ArithmeticOverflow"
	ErrImmutable                    BuiltinError = "Immutable"
	ErrIncorrectAuthority           BuiltinError = "IncorrectAuthority"
	ErrInvalidRealloc               BuiltinError = "InvalidRealloc"
	ErrAccountBorrowFailed          BuiltinError = "AccountBorrowFailed"
	ErrMaxAccountsDataAllocExceeded BuiltinError = "MaxAccountsDataAllocationsExceeded"
	ErrProgramFailedToComplete      BuiltinError = "ProgramFailedToComplete"
)

// builtinMessages are the Display strings the runtime logs on failure
// ("Program X failed: <message>").
var builtinMessages = map[BuiltinError]string{
	ErrInvalidArgument:             "invalid program argument",
	ErrInvalidInstructionData:      "invalid instruction data",
	ErrInvalidAccountData:          "invalid account data for instruction",
	ErrAccountDataTooSmall:         "account data too small for instruction",
	ErrInsufficientFunds:           "insufficient funds for instruction",
	ErrIncorrectProgramID:          "incorrect program id for instruction",
	ErrMissingRequiredSignature:    "missing required signature for instruction",
	ErrAccountAlreadyInitialized:   "instruction requires an uninitialized account",
	ErrUninitializedAccount:        "instruction requires an initialized account",
	ErrUnbalancedInstruction:       "sum of account balances before and after instruction do not match",
	ErrModifiedProgramID:           "instruction illegally modified the program id of an account",
	ErrExternalAccountLamportSpend: "instruction spent from the balance of an account it does not own",
	ErrExternalAccountDataModified: "instruction modified data of an account it does not own",
	ErrReadonlyLamportChange:       "instruction changed the balance of a read-only account",
	ErrReadonlyDataModified:        "instruction modified data of a read-only account",
	ErrComputationalBudgetExceeded: "Computational budget exceeded",
	ErrPrivilegeEscalation:         "Cross-program invocation with unauthorized signer or writable account",
	ErrCallDepth:                   "Cross-program invocation call depth too deep",
	ErrMissingAccount:              "An account required by the instruction is missing",
	ErrReentrancyNotAllowed:        "Cross-program invocation reentrancy not allowed for this instruction",
	ErrIllegalOwner:                "Provided owner is not allowed",
	ErrArithmeticOverflow:          "Program arithmetic overflowed",
	ErrInvalidSeeds:                "Provided seeds do not result in a valid address",
	ErrProgramFailedToComplete:     "Program failed to complete",
}

func (e BuiltinError) message() string {
	if m, ok := builtinMessages[e]; ok {
		return m
	}
	return string(e)
}

// TxError is a TransactionError with the JSON shape solana-validator's RPC gives it:
// a bare string ("BlockhashNotFound") or a one-key object
// ({"InstructionError":[1,{"Custom":6}]}).
type TxError struct {
	Kind  string // "InstructionError", "BlockhashNotFound", "InsufficientFundsForRent", ...
	Index int    // instruction index (InstructionError) or account index (…ForRent)
	Inner error  // the instruction's error for InstructionError
}

// Transaction-level error kinds.
const (
	TxBlockhashNotFound              = "BlockhashNotFound"
	TxAlreadyProcessed               = "AlreadyProcessed"
	TxAccountNotFound                = "AccountNotFound"
	TxInsufficientFundsForFee        = "InsufficientFundsForFee"
	TxInvalidAccountForFee           = "InvalidAccountForFee"
	TxProgramAccountNotFound         = "ProgramAccountNotFound"
	TxInvalidProgramForExecution     = "InvalidProgramForExecution"
	TxSignatureFailure               = "SignatureFailure"
	TxAccountLoadedTwice             = "AccountLoadedTwice"
	TxTooManyAccountLocks            = "TooManyAccountLocks"
	TxAddressLookupTableNotFound     = "AddressLookupTableNotFound"
	TxInvalidAddressLookupTableOwner = "InvalidAddressLookupTableOwner"
	TxInvalidAddressLookupTableData  = "InvalidAddressLookupTableData"
	TxInvalidAddressLookupTableIdx   = "InvalidAddressLookupTableIndex"
	TxInstructionError               = "InstructionError"
	TxInsufficientFundsForRent       = "InsufficientFundsForRent"
	TxDuplicateInstruction           = "DuplicateInstruction"
	TxSanitizeFailure                = "SanitizeFailure"
	TxUnsupportedVersion             = "UnsupportedVersion"
	TxAccountInUse                   = "AccountInUse"
)

func txErr(kind string) *TxError { return &TxError{Kind: kind} }

// Error renders the message solana-validator prints for the error.
func (e *TxError) Error() string {
	switch e.Kind {
	case TxInstructionError:
		return fmt.Sprintf("Error processing Instruction %d: %s", e.Index, instructionErrorMessage(e.Inner))
	case TxInsufficientFundsForRent:
		return fmt.Sprintf("Transaction results in an account (%d) with insufficient funds for rent", e.Index)
	case TxBlockhashNotFound:
		return "Blockhash not found"
	case TxAlreadyProcessed:
		return "This transaction has already been processed"
	case TxAccountNotFound:
		return "Attempt to debit an account but found no record of a prior credit."
	case TxInsufficientFundsForFee:
		return "Insufficient funds for fee"
	}
	return e.Kind
}

// Unwrap exposes the instruction's error (a *ProgramError or BuiltinError).
func (e *TxError) Unwrap() error { return e.Inner }

// MarshalJSON encodes the Rust serde shape of TransactionError.
func (e *TxError) MarshalJSON() ([]byte, error) {
	switch e.Kind {
	case TxInstructionError:
		return json.Marshal(map[string]any{e.Kind: []any{e.Index, instructionErrorJSON(e.Inner)}})
	case TxInsufficientFundsForRent:
		return json.Marshal(map[string]any{e.Kind: map[string]int{"account_index": e.Index}})
	case TxDuplicateInstruction:
		return json.Marshal(map[string]any{e.Kind: e.Index})
	}
	return json.Marshal(e.Kind)
}

func instructionErrorJSON(err error) any {
	var pe *ProgramError
	if errors.As(err, &pe) {
		return map[string]uint32{"Custom": pe.Code}
	}
	var be BuiltinError
	if errors.As(err, &be) {
		return string(be)
	}
	return string(ErrGeneric)
}

func instructionErrorMessage(err error) string {
	var pe *ProgramError
	if errors.As(err, &pe) {
		return fmt.Sprintf("custom program error: 0x%x", pe.Code)
	}
	var be BuiltinError
	if errors.As(err, &be) {
		return be.message()
	}
	return "generic instruction error"
}

// Custom error helpers for the native programs.
func customErr(code uint32, name string) *ProgramError { return &ProgramError{Code: code, Name: name} }
