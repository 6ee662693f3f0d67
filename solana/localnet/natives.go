package localnet

import (
	"encoding/base64"
	"encoding/binary"

	"github.com/gagliardetto/solana-go"
)

// Well-known program and sysvar IDs the bank reserves.
var (
	nativeLoaderID = solana.MustPublicKeyFromBase58("NativeLoader1111111111111111111111111111111")
	bpfLoader2ID   = solana.MustPublicKeyFromBase58("BPFLoader2111111111111111111111111111111111")
	sysvarOwnerID  = solana.MustPublicKeyFromBase58("Sysvar1111111111111111111111111111111111111")
	// Token2022ProgramID is the Token Extensions program.
	Token2022ProgramID = solana.Token2022ProgramID
	// TokenProgramID is the original SPL Token program.
	TokenProgramID = solana.TokenProgramID
	// AssociatedTokenProgramID is the ATA program.
	AssociatedTokenProgramID = solana.SPLAssociatedTokenAccountProgramID
	// NativeMint is wrapped SOL under SPL Token; NativeMint2022 under Token-2022.
	NativeMint     = solana.SolMint
	NativeMint2022 = solana.MustPublicKeyFromBase58("9pan9bMn5HatX4EJdBwg9VgCa7Uz5HL8N1m5D3NdXejP")
)

// builtinCU is the fixed cost of the runtime's builtin programs; a builtin logs
// no "consumed" line and counts 3,000 CU towards the default limit.
var builtinCU = map[solana.PublicKey]uint64{
	solana.SystemProgramID:             150,
	solana.ComputeBudget:               150,
	solana.AddressLookupTableProgramID: 750,
}

var reservedKeys = map[solana.PublicKey]bool{
	solana.SystemProgramID:               true,
	solana.ComputeBudget:                 true,
	solana.AddressLookupTableProgramID:   true,
	solana.BPFLoaderUpgradeableProgramID: true,
	solana.SysVarRentPubkey:              true,
	solana.SysVarClockPubkey:             true,
	solana.SysVarInstructionsPubkey:      true,
	solana.SysVarRecentBlockHashesPubkey: true,
	solana.SysVarSlotHashesPubkey:        true,
	solana.SysVarEpochSchedulePubkey:     true,
	solana.SysVarStakeHistoryPubkey:      true,
	solana.SysVarFeesPubkey:              true,
	nativeLoaderID:                       true,
}

func isReservedKey(k solana.PublicKey) bool { return reservedKeys[k] }

func isTokenProgramID(k solana.PublicKey) bool {
	return k == solana.TokenProgramID || k == solana.Token2022ProgramID
}

func registerNativePrograms(b *Bank) {
	b.programs[solana.SystemProgramID] = systemProgram{}
	b.programs[solana.ComputeBudget] = computeBudgetProgram{}
	b.programs[solana.AddressLookupTableProgramID] = altProgram{}
	b.programs[solana.TokenProgramID] = &tokenProgram{id: solana.TokenProgramID}
	b.programs[solana.Token2022ProgramID] = &tokenProgram{id: solana.Token2022ProgramID, ext: true}
	b.programs[solana.SPLAssociatedTokenAccountProgramID] = ataProgram{}
	for id := range b.programs {
		b.accounts[id] = programAccount(id)
	}
	for _, m := range []struct{ key, owner solana.PublicKey }{
		{NativeMint, solana.TokenProgramID}, {NativeMint2022, solana.Token2022ProgramID}} {
		d := make([]byte, MintSize)
		(&MintState{Decimals: 9, Initialized: true}).encode(d)
		b.accounts[m.key] = &Account{Lamports: RentExemptMinimum(MintSize), Owner: m.owner, Data: d}
	}
	b.accounts[solana.SysVarRentPubkey] = &Account{Lamports: 1_009_200, Owner: sysvarOwnerID,
		Data: rentSysvarData()}
}

// programAccount is the executable account of a program: builtins are owned
// by the native loader with 1 lamport, as on mainnet.
func programAccount(id solana.PublicKey) *Account {
	switch {
	case builtinCU[id] > 0:
		return &Account{Lamports: 1, Owner: nativeLoaderID, Executable: true}
	case id == solana.TokenProgramID || id == solana.SPLAssociatedTokenAccountProgramID:
		return &Account{Lamports: 1_141_440, Owner: bpfLoader2ID, Executable: true}
	}
	return &Account{Lamports: 1_141_440, Owner: solana.BPFLoaderUpgradeableProgramID, Executable: true}
}

func rentSysvarData() []byte {
	d := binary.LittleEndian.AppendUint64(nil, 3480)
	d = binary.LittleEndian.AppendUint64(d, 0x4000000000000000) // exemption threshold 2.0 (f64)
	return append(d, 50)
}

func encodeB64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// byteReader reads little-endian fields from instruction data, failing softly.
type byteReader struct {
	b   []byte
	bad bool
}

func (r *byteReader) take(n int) []byte {
	if r.bad || len(r.b) < n {
		r.bad = true
		return make([]byte, n)
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

func (r *byteReader) u8() uint8   { return r.take(1)[0] }
func (r *byteReader) u32() uint32 { return binary.LittleEndian.Uint32(r.take(4)) }
func (r *byteReader) u64() uint64 { return binary.LittleEndian.Uint64(r.take(8)) }
func (r *byteReader) pubkey() (k solana.PublicKey) {
	copy(k[:], r.take(32))
	return k
}

// need returns the refs of an instruction, or NotEnoughAccountKeys.
func needAccounts(ic *InstructionContext, n int) ([]*AccountRef, error) {
	if len(ic.Accounts) < n {
		return nil, ErrNotEnoughAccountKeys
	}
	return ic.Accounts, nil
}
