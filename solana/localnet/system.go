package localnet

import (
	"crypto/sha256"
	"fmt"

	"github.com/gagliardetto/solana-go"
)

// SystemError codes (solana_program::system_instruction::SystemError).
var (
	errSysAccountAlreadyInUse  = customErr(0, "AccountAlreadyInUse")
	errSysNegativeLamports     = customErr(1, "ResultWithNegativeLamports")
	errSysInvalidAccountLength = customErr(3, "InvalidAccountDataLength")
	errSysAddressSeedMismatch  = customErr(5, "AddressWithSeedMismatch")
)

const maxPermittedDataLength = 10 * 1024 * 1024

type systemProgram struct{}

func (systemProgram) ID() solana.PublicKey { return solana.SystemProgramID }

// Process decodes the bincode SystemInstruction (u32 LE tag).
func (systemProgram) Process(ic *InstructionContext) error {
	r := &byteReader{b: ic.Data}
	tag := r.u32()
	if r.bad {
		return ErrInvalidInstructionData
	}
	switch tag {
	case 0:
		lamports, space, owner := r.u64(), r.u64(), r.pubkey()
		if r.bad {
			return ErrInvalidInstructionData
		}
		return sysCreateAccount(ic, 0, 1, lamports, space, owner)
	case 1:
		owner := r.pubkey()
		if r.bad {
			return ErrInvalidInstructionData
		}
		return sysAssignIx(ic, owner)
	case 2:
		lamports := r.u64()
		if r.bad {
			return ErrInvalidInstructionData
		}
		return sysTransferIx(ic, lamports)
	case 3:
		return sysCreateWithSeed(ic, r)
	case 8:
		space := r.u64()
		if r.bad {
			return ErrInvalidInstructionData
		}
		return sysAllocateIx(ic, space)
	}
	return ErrInvalidInstructionData
}

func sysTransferIx(ic *InstructionContext, lamports uint64) error {
	acc, err := needAccounts(ic, 2)
	if err != nil {
		return err
	}
	from, to := acc[0], acc[1]
	if !from.IsSigner {
		ic.Log(fmt.Sprintf("Transfer: `from` account %s must sign", from.Key))
		return ErrMissingRequiredSignature
	}
	return sysTransfer(ic, from, to, lamports)
}

func sysTransfer(ic *InstructionContext, from, to *AccountRef, lamports uint64) error {
	if len(from.Data) != 0 {
		ic.Log("Transfer: `from` must not carry data")
		return ErrInvalidArgument
	}
	if from.Lamports < lamports {
		ic.Log(fmt.Sprintf("Transfer: insufficient lamports %d, need %d", from.Lamports, lamports))
		return errSysNegativeLamports
	}
	if to.Lamports+lamports < to.Lamports {
		return ErrArithmeticOverflow
	}
	from.Lamports -= lamports
	to.Lamports += lamports
	return nil
}

func sysAllocate(ic *InstructionContext, a *AccountRef, space uint64) error {
	if !a.IsSigner {
		ic.Log(fmt.Sprintf("Allocate: 'to' account %s must sign", a.Key))
		return ErrMissingRequiredSignature
	}
	if len(a.Data) != 0 || a.Owner != solana.SystemProgramID {
		ic.Log(fmt.Sprintf("Allocate: account %s already in use", a.Key))
		return errSysAccountAlreadyInUse
	}
	if space > maxPermittedDataLength {
		ic.Log(fmt.Sprintf("Allocate: requested %d, max allowed %d", space, maxPermittedDataLength))
		return errSysInvalidAccountLength
	}
	a.Data = make([]byte, space)
	return nil
}

func sysAssign(ic *InstructionContext, a *AccountRef, owner solana.PublicKey) error {
	if a.Owner == owner {
		return nil
	}
	if !a.IsSigner {
		ic.Log(fmt.Sprintf("Assign: account %s must sign", a.Key))
		return ErrMissingRequiredSignature
	}
	a.Owner = owner
	return nil
}

func sysAllocateIx(ic *InstructionContext, space uint64) error {
	acc, err := needAccounts(ic, 1)
	if err != nil {
		return err
	}
	return sysAllocate(ic, acc[0], space)
}

func sysAssignIx(ic *InstructionContext, owner solana.PublicKey) error {
	acc, err := needAccounts(ic, 1)
	if err != nil {
		return err
	}
	return sysAssign(ic, acc[0], owner)
}

// sysCreateAccount is CreateAccount: the new account must be empty, then it is
// funded, allocated and assigned. toSigner lets create-with-seed skip the
// signature of the derived address.
func sysCreateAccount(ic *InstructionContext, fromIdx, toIdx int, lamports, space uint64, owner solana.PublicKey) error {
	acc, err := needAccounts(ic, 2)
	if err != nil {
		return err
	}
	from, to := acc[fromIdx], acc[toIdx]
	if to.Lamports > 0 {
		ic.Log(fmt.Sprintf("Create Account: account Address { address: %s, base: None } already in use", to.Key))
		return errSysAccountAlreadyInUse
	}
	if err := sysAllocate(ic, to, space); err != nil {
		return err
	}
	if err := sysAssign(ic, to, owner); err != nil {
		return err
	}
	if !from.IsSigner {
		ic.Log(fmt.Sprintf("Transfer: `from` account %s must sign", from.Key))
		return ErrMissingRequiredSignature
	}
	return sysTransfer(ic, from, to, lamports)
}

// sysCreateWithSeed is CreateAccountWithSeed {base, seed, lamports, space, owner};
// the new address is sha256(base || seed || owner) and base signs instead of it.
func sysCreateWithSeed(ic *InstructionContext, r *byteReader) error {
	base := r.pubkey()
	n := r.u64()
	if r.bad || n > 32 {
		return ErrInvalidInstructionData
	}
	seed := r.take(int(n))
	lamports, space, owner := r.u64(), r.u64(), r.pubkey()
	if r.bad {
		return ErrInvalidInstructionData
	}
	acc, err := needAccounts(ic, 2)
	if err != nil {
		return err
	}
	h := sha256.New()
	h.Write(base[:])
	h.Write(seed)
	h.Write(owner[:])
	if solana.PublicKeyFromBytes(h.Sum(nil)) != acc[1].Key {
		return errSysAddressSeedMismatch
	}
	baseSigned := false
	for _, a := range acc {
		if a.Key == base && a.IsSigner {
			baseSigned = true
		}
	}
	if !baseSigned {
		return ErrMissingRequiredSignature
	}
	to := *acc[1]
	to.IsSigner = true // the base's signature stands for the derived address
	refs := []*AccountRef{acc[0], &to}
	sub := *ic
	sub.Accounts = refs
	return sysCreateAccount(&sub, 0, 1, lamports, space, owner)
}

type computeBudgetProgram struct{}

func (computeBudgetProgram) ID() solana.PublicKey { return solana.ComputeBudget }

// Process is a no-op: the budget is read before execution (parseComputeBudget).
func (computeBudgetProgram) Process(*InstructionContext) error { return nil }

// parseComputeBudget reads SetComputeUnitLimit / SetComputeUnitPrice and
// returns the transaction's compute limit and price (micro-lamports per CU).
func parseComputeBudget(tx *wireTx, keys []solana.PublicKey) (limit, price uint64, err error) {
	var haveLimit, havePrice bool
	for i, ix := range tx.ixs {
		if keys[ix.program] != solana.ComputeBudget {
			continue
		}
		r := &byteReader{b: ix.data}
		switch tag := r.u8(); {
		case tag == 2 && len(ix.data) == 5:
			if haveLimit {
				return 0, 0, &TxError{Kind: TxDuplicateInstruction, Index: i}
			}
			limit, haveLimit = uint64(r.u32()), true
		case tag == 3 && len(ix.data) == 9:
			if havePrice {
				return 0, 0, &TxError{Kind: TxDuplicateInstruction, Index: i}
			}
			price, havePrice = r.u64(), true
		case (tag == 1 || tag == 4) && len(ix.data) == 5:
		default:
			return 0, 0, &TxError{Kind: TxInstructionError, Index: i, Inner: ErrInvalidInstructionData}
		}
	}
	if !haveLimit {
		for _, ix := range tx.ixs {
			if _, builtin := builtinCU[keys[ix.program]]; builtin {
				limit += defaultBuiltinCU
			} else {
				limit += DefaultInstructionCU
			}
		}
	}
	return min(limit, MaxComputeUnitLimit), price, nil
}
