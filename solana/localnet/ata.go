package localnet

import (
	"encoding/binary"
	"fmt"

	"github.com/gagliardetto/solana-go"
)

// errATAInvalidOwner is AssociatedTokenAccountError::InvalidOwner.
var errATAInvalidOwner = customErr(0, "InvalidOwner")

// ataProgram models the Associated Token Account program: Create (data empty
// or [0]) and CreateIdempotent ([1]) for both token programs. Accounts: payer
// W S, ata W, owner, mint, system program, token program.
type ataProgram struct{}

func (ataProgram) ID() solana.PublicKey { return solana.SPLAssociatedTokenAccountProgramID }

// FindATA derives the associated token account of owner for mint under
// tokenProgram (SPL Token or Token-2022).
func FindATA(owner, tokenProgram, mint solana.PublicKey) solana.PublicKey {
	k, _, _ := solana.FindProgramAddress([][]byte{owner[:], tokenProgram[:], mint[:]},
		solana.SPLAssociatedTokenAccountProgramID)
	return k
}

// Process creates the ATA through System and token-program CPIs, as the real
// program does, so every rule of those programs applies.
func (ataProgram) Process(ic *InstructionContext) error {
	idempotent := false
	switch {
	case len(ic.Data) == 0 || (len(ic.Data) == 1 && ic.Data[0] == 0):
		ic.Log("Create")
	case len(ic.Data) == 1 && ic.Data[0] == 1:
		ic.Log("CreateIdempotent")
		idempotent = true
	default:
		return ErrInvalidInstructionData
	}
	if err := ic.ConsumeCU(4000); err != nil {
		return err
	}
	acc, err := needAccounts(ic, 6)
	if err != nil {
		return err
	}
	payer, ata, owner, mint, tokenProg := acc[0], acc[1], acc[2], acc[3], acc[5]
	if FindATA(owner.Key, tokenProg.Key, mint.Key) != ata.Key {
		ic.Log("Error: Associated address does not match seed derivation")
		return ErrInvalidSeeds
	}
	if idempotent && ata.Owner == tokenProg.Key {
		if st, ok := parseTokenAccount(ata.Data); ok {
			return ataCheckExisting(ic, st, owner.Key, mint.Key)
		}
	}
	if ata.Owner != solana.SystemProgramID {
		return ErrIllegalOwner
	}
	if !isTokenProgramID(tokenProg.Key) || mint.Owner != tokenProg.Key {
		return ErrIncorrectProgramID
	}
	size := uint64(TokenAccountSize)
	if tokenProg.Key == solana.Token2022ProgramID {
		size = Token2022AccountSize
	}
	seeds := [][]byte{owner.Key[:], tokenProg.Key[:], mint.Key[:]}
	if err := ataCreatePDA(ic, payer.Key, ata, size, tokenProg.Key, seeds); err != nil {
		return err
	}
	ic.Log("Initialize the associated token account")
	return ataInitialize(ic, tokenProg.Key, ata.Key, mint.Key, owner.Key)
}

// ataCheckExisting is CreateIdempotent's check of an existing account.
func ataCheckExisting(ic *InstructionContext, st *TokenAccountState, owner, mint solana.PublicKey) error {
	if st.Owner != owner {
		ic.Log("Error: owner does not match")
		return errATAInvalidOwner
	}
	if st.Mint != mint {
		return ErrInvalidAccountData
	}
	return nil
}

// ataInitialize CPIs InitializeImmutableOwner then InitializeAccount3.
func ataInitialize(ic *InstructionContext, tokenProg, ata, mint, owner solana.PublicKey) error {
	meta := func(k solana.PublicKey, w bool) *solana.AccountMeta {
		return &solana.AccountMeta{PublicKey: k, IsWritable: w}
	}
	if err := ic.Invoke(solana.NewInstruction(tokenProg,
		solana.AccountMetaSlice{meta(ata, true)}, []byte{22})); err != nil {
		return err
	}
	data := append([]byte{18}, owner[:]...)
	return ic.Invoke(solana.NewInstruction(tokenProg,
		solana.AccountMetaSlice{meta(ata, true), meta(mint, false)}, data))
}

// ataCreatePDA mirrors create_pda_account: CreateAccount for an empty address,
// or top-up + Allocate + Assign when someone already sent it lamports.
func ataCreatePDA(ic *InstructionContext, payer solana.PublicKey, ata *AccountRef, size uint64,
	owner solana.PublicKey, seeds [][]byte) error {
	need := RentExemptMinimum(int(size))
	pda := [][][]byte{seeds}
	sys := func(data []byte, metas ...*solana.AccountMeta) error {
		return ic.Invoke(solana.NewInstruction(solana.SystemProgramID, metas, data), pda...)
	}
	w := func(k solana.PublicKey) *solana.AccountMeta {
		return &solana.AccountMeta{PublicKey: k, IsWritable: true, IsSigner: true}
	}
	if ata.Lamports == 0 {
		d := binary.LittleEndian.AppendUint32(nil, 0)
		d = binary.LittleEndian.AppendUint64(d, need)
		d = binary.LittleEndian.AppendUint64(d, size)
		return sys(append(d, owner[:]...), w(payer), w(ata.Key))
	}
	if ata.Lamports < need {
		ic.Log(fmt.Sprintf("Transfer %d lamports to the associated token account", need-ata.Lamports))
		d := binary.LittleEndian.AppendUint32(nil, 2)
		d = binary.LittleEndian.AppendUint64(d, need-ata.Lamports)
		to := &solana.AccountMeta{PublicKey: ata.Key, IsWritable: true}
		if err := sys(d, w(payer), to); err != nil {
			return err
		}
	}
	ic.Log("Allocate space for the associated token account")
	if err := sys(binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint32(nil, 8), size), w(ata.Key)); err != nil {
		return err
	}
	ic.Log("Assign the associated token account to the SPL Token program")
	return sys(append(binary.LittleEndian.AppendUint32(nil, 1), owner[:]...), w(ata.Key))
}
